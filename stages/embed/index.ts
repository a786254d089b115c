/** embed: fit the embedder on the chunks, then stream every chunk through it into embeddings.npy (N×D, float32). */
import { chunkCount, readChunkRecords } from '../../pipeline/corpus/chunk-records.js';
import { fitLexical } from '../../pipeline/embedders/lexical-fit.js';
import { LEXICAL_FILES, lexicalEmbedder, serializeLexicalModel } from '../../pipeline/embedders/lexical.js';
import { float32Bytes, npyHeader } from '../../pipeline/npy.js';
import type { StageDefinition } from '../../pipeline/runners/stage.js';

export const EMBED_BATCH = 512;
export const EMBED_ARTIFACTS = { vectors: 'embeddings.npy', embedderDir: 'embedder' } as const;

export const embedStage: StageDefinition = {
  name: 'embed',
  description: 'fit the lexical embedder (vocabulary, IDF) and embed every chunk',
  inputs: ['prepare'],
  configOf: ({ config }) => ({ embed: config.embed }),
  async run(ctx) {
    const prepare = ctx.upstream.prepare;
    const total = chunkCount(prepare);
    const texts = async function* () {
      for await (const c of readChunkRecords(ctx.store, prepare)) yield c.text;
    };
    const model = await fitLexical({ texts: texts(), total, progress: ctx.reporter.progress('fit vocabulary', total, 'chunks') }, ctx.config.embed);
    const embedder = lexicalEmbedder(model);
    const files = serializeLexicalModel(model);
    await ctx.store.write(ctx.out(EMBED_ARTIFACTS.embedderDir, LEXICAL_FILES.model), files.model);
    if (files.projection) await ctx.store.write(ctx.out(EMBED_ARTIFACTS.embedderDir, LEXICAL_FILES.projection), files.projection);

    const progress = ctx.reporter.progress('embed', total, 'chunks');
    let rows = 0;
    async function* vectorBytes(): AsyncGenerator<Uint8Array> {
      yield npyHeader(total, embedder.dims);
      let batch: string[] = [];
      for await (const text of texts()) {
        batch.push(text);
        if (batch.length === EMBED_BATCH) {
          yield float32Bytes(await embedder.embed(batch, { kind: 'passage' }));
          rows += batch.length;
          progress.tick(batch.length);
          batch = [];
        }
      }
      if (batch.length) {
        yield float32Bytes(await embedder.embed(batch, { kind: 'passage' }));
        rows += batch.length;
        progress.tick(batch.length);
      }
    }
    await ctx.store.writeStream(ctx.out(EMBED_ARTIFACTS.vectors), vectorBytes());
    progress.done();
    if (rows !== total) throw new Error(`embedded ${rows} chunks but prepare recorded ${total}`);
    ctx.reporter.info(`  vocabulary ${model.vocab.length.toLocaleString('en-US')} terms, ${embedder.dims} dims (${model.projectionKind})`);
    return { facts: { embedder: embedder.id, fingerprint: embedder.fingerprint, dims: embedder.dims, rows, vocabulary: model.vocab.length } };
  },
};
