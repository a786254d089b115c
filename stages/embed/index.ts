/**
 * embed: make the embedder (fit the lexical one on the chunks, or open the ONNX model), record what a query needs in
 * embedder/, then stream every chunk through it into embeddings.npy (N×D, float32 or float16).
 */
import { embedIdentity } from '../../pipeline/config.js';
import { chunkCount, readChunkRecords } from '../../pipeline/corpus/chunk-records.js';
import type { Embedder } from '../../pipeline/embedders/embedder.js';
import { fitLexical } from '../../pipeline/embedders/lexical-fit.js';
import { LEXICAL_FILES, lexicalEmbedder, serializeLexicalModel } from '../../pipeline/embedders/lexical.js';
import { ONNX_REF_FILE, onnxRefFile } from '../../pipeline/embedders/load.js';
import { onnxEmbedder } from '../../pipeline/embedders/onnx.js';
import { float16Bytes, float32Bytes, npyHeader, NPY_DESCR } from '../../pipeline/npy.js';
import type { StageContext, StageDefinition } from '../../pipeline/runners/stage.js';

/** Chunks per embed call; an ONNX embedder sorts each call's texts by length, so it gets more at once. */
const LEXICAL_BATCH = 512;
const ONNX_BATCH = 4096;
export const EMBED_ARTIFACTS = { vectors: 'embeddings.npy', embedderDir: 'embedder' } as const;

interface Made {
  embedder: Embedder;
  batch: number;
  facts: Record<string, unknown>;
  after?: () => Record<string, unknown>;
}

async function makeEmbedder(ctx: StageContext, texts: () => AsyncGenerator<string>, total: number): Promise<Made> {
  const cfg = ctx.config.embed;
  const file = (name: string) => ctx.out(EMBED_ARTIFACTS.embedderDir, name);
  if (cfg.embedder === 'onnx') {
    const e = await onnxEmbedder(cfg.onnx!.dir, { device: cfg.device, batchSize: cfg.batchSize, fingerprint: cfg.onnx!.fingerprint });
    await ctx.store.write(file(ONNX_REF_FILE), onnxRefFile(e));
    ctx.reporter.info(`  ${e.id}: ${e.dims} dims, ${e.model.settings.pooling} pooling, max ${e.model.settings.max_tokens} tokens, device ${cfg.device}`);
    return { embedder: e, batch: ONNX_BATCH, facts: { max_tokens: e.model.settings.max_tokens }, after: () => ({ truncated: e.truncated() }) };
  }
  const model = await fitLexical({ texts: texts(), total, progress: ctx.reporter.progress('fit vocabulary', total, 'chunks') }, cfg);
  const files = serializeLexicalModel(model);
  await ctx.store.write(file(LEXICAL_FILES.model), files.model);
  if (files.projection) await ctx.store.write(file(LEXICAL_FILES.projection), files.projection);
  ctx.reporter.info(`  vocabulary ${model.vocab.length.toLocaleString('en-US')} terms, ${model.dims} dims (${model.projectionKind})`);
  return { embedder: lexicalEmbedder(model), batch: LEXICAL_BATCH, facts: { vocabulary: model.vocab.length } };
}

export const embedStage: StageDefinition = {
  name: 'embed',
  description: 'make the embedder (fit the lexical one, or open the ONNX model) and embed every chunk',
  inputs: ['prepare'],
  configOf: ({ config }) => ({ embed: embedIdentity(config.embed) }),
  async run(ctx) {
    const prepare = ctx.upstream.prepare;
    const total = chunkCount(prepare);
    const texts = async function* () {
      for await (const c of readChunkRecords(ctx.store, prepare)) yield c.text;
    };
    const made = await makeEmbedder(ctx, texts, total);
    const { embedder } = made;
    const dtype = ctx.config.embed.dtype;
    const encode = dtype === 'float16' ? float16Bytes : float32Bytes;
    const progress = ctx.reporter.progress('embed', total, 'chunks');
    let rows = 0;
    async function* vectorBytes(): AsyncGenerator<Uint8Array> {
      yield npyHeader(total, embedder.dims, NPY_DESCR[dtype]);
      let batch: string[] = [];
      const flush = async () => {
        const out = encode(await embedder.embed(batch, { kind: 'passage' }));
        rows += batch.length;
        progress.tick(batch.length);
        batch = [];
        return out;
      };
      for await (const text of texts()) {
        batch.push(text);
        if (batch.length === made.batch) yield await flush();
      }
      if (batch.length) yield await flush();
    }
    try {
      await ctx.store.writeStream(ctx.out(EMBED_ARTIFACTS.vectors), vectorBytes());
    } finally {
      await embedder.close?.();
    }
    progress.done();
    if (rows !== total) throw new Error(`embedded ${rows} chunks but prepare recorded ${total}`);
    const after = made.after?.() ?? {};
    if (Number(after.truncated) > 0) {
      ctx.reporter.warn(`${after.truncated} of ${total} chunks were longer than the model's max_tokens and were truncated; lower --chunk-tokens to embed whole chunks`);
    }
    return { facts: { embedder: embedder.id, fingerprint: embedder.fingerprint, dims: embedder.dims, dtype, rows, ...made.facts, ...after } };
  },
};
