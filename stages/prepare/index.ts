/** prepare: corpus files → chunks/part-NNNNN.jsonl, streamed, with the stage of every chunk. */
import { chunkDocument } from '../../pipeline/corpus/chunking.js';
import type { ChunkRecord } from '../../pipeline/corpus/chunk-records.js';
import { readDocuments, type ReadStats } from '../../pipeline/corpus/documents.js';
import { describeSkipped, listCorpusFiles } from '../../pipeline/corpus/files.js';
import { CproxError } from '../../pipeline/errors.js';
import { partName } from '../../pipeline/store/keys.js';
import { defineStage, outputKey } from '../contracts.js';
import { wordSpans } from '../../pipeline/text/tokenize.js';
import type { EmbedConfig } from '../../pipeline/config.js';
import { readOnnxModelDir } from '../../pipeline/embedders/onnx-config.js';
import { loadModelTokenizer } from '../../pipeline/embedders/onnx-tokenizer.js';

/** What a chunk's tokens are: words, or the tokens of one tokenizer.json (by its sha256). */
const tokenUnit = (embed: EmbedConfig) => (embed.embedder === 'onnx' ? { tokenizer: embed.onnx?.tokenizer } : 'words');

export const CHUNKS_PER_PART = 100_000;
const LINES_PER_WRITE = 512;

export const prepareStage = defineStage('prepare', {
  description: 'read the corpus, split paragraphs, cut token windows',
  inputs: [],
  configOf: ({ corpus, corpusFingerprint, config }) => ({ corpus, corpusFingerprint, chunk: config.chunk, tokens: tokenUnit(config.embed) }),
  async run(ctx) {
    // Windows count the ONNX model's own tokens (as the original Python plan does); the lexical embedder counts words.
    const onnx = ctx.config.embed.embedder === 'onnx' ? ctx.config.embed.onnx! : null;
    const modelTokenizer = onnx ? await loadModelTokenizer((await readOnnxModelDir(onnx.dir)).tokenizerPath) : null;
    const tokenize = modelTokenizer ? (text: string) => modelTokenizer.spans(text) : wordSpans;
    const corpus = { ...ctx.corpus, path: ctx.corpusRoot };
    const { files, skipped } = await listCorpusFiles(corpus);
    const stats: ReadStats = { documents: 0, emptyDocuments: 0, replacedLines: 0, perStage: {} };
    const perStage: Record<string, number> = {};
    const bytes = files.reduce((s, f) => s + f.size, 0);
    const progress = ctx.reporter.progress('prepare', undefined, 'documents');

    async function* records(): AsyncGenerator<ChunkRecord> {
      let idx = 0;
      for await (const doc of readDocuments(files, corpus, stats)) {
        progress.tick();
        for (const span of chunkDocument(doc.text, ctx.config.chunk, tokenize)) {
          const stageName = doc.stage ?? 'unstaged';
          perStage[stageName] = (perStage[stageName] ?? 0) + 1;
          yield {
            idx: idx++,
            text: doc.text.slice(span.start, span.end),
            doc_id: doc.docId,
            stage: doc.stage,
            source: doc.source,
            start: span.start,
            end: span.end,
            tokens: span.tokens,
          };
        }
      }
    }

    const it = records();
    let next = await it.next();
    let part = 0;
    let chunks = 0;
    while (!next.done) {
      async function* partLines(): AsyncGenerator<string> {
        let batch: string[] = [];
        for (let n = 0; n < CHUNKS_PER_PART && !next.done; n++) {
          batch.push(JSON.stringify(next.value));
          chunks++;
          if (batch.length === LINES_PER_WRITE) {
            yield batch.join('\n') + '\n';
            batch = [];
          }
          next = await it.next();
        }
        if (batch.length) yield batch.join('\n') + '\n';
      }
      await ctx.store.writeStream(outputKey(ctx, 'prepare', 'chunks', partName('part', part, 'jsonl')), partLines());
      part++;
    }
    progress.done();

    if (stats.replacedLines > 0) {
      ctx.reporter.warn(
        `${stats.replacedLines} corpus ${corpus.format === 'text' ? 'file' : 'line'}(s) had bytes that are not UTF-8; they were replaced by U+FFFD`,
      );
    }
    if (chunks === 0) {
      throw new CproxError(
        'EMPTY_CORPUS',
        `the corpus at ${ctx.corpus.path} has no text (${files.length} file(s), ${stats.emptyDocuments} empty document(s))`,
        {
          hint: `check that the files hold records with a non-empty "${ctx.corpus.textField}" field (or pass --text-field)`,
        },
      );
    }
    const unstaged = perStage.unstaged ?? 0;
    if (unstaged > 0) {
      ctx.reporter.warn(`${unstaged} chunk(s) have no training stage: put files under pretrain/, midtrain/ or sft/ folders, or pass --stage`);
    }
    if (skipped.length > 0) ctx.reporter.warn(`corpus ${ctx.corpus.path}: ${describeSkipped(skipped)}`);
    ctx.reporter.info(
      `  ${chunks.toLocaleString('en-US')} chunks from ${stats.documents.toLocaleString('en-US')} documents in ${files.length} file(s) (${(bytes / 1e6).toFixed(1)} MB)`,
    );
    const read = Object.entries(stats.perStage).sort(([a], [b]) => (a < b ? -1 : 1));
    for (const [stage, s] of read) {
      ctx.reporter.info(
        `    ${stage}: ${s.files} file(s), ${s.documents.toLocaleString('en-US')} documents, ${(perStage[stage] ?? 0).toLocaleString('en-US')} chunks`,
      );
    }
    return {
      facts: {
        chunks,
        documents: stats.documents,
        emptyDocuments: stats.emptyDocuments,
        replacedLines: stats.replacedLines,
        files: files.length,
        skippedFiles: skipped.length,
        perStage,
        read: stats.perStage,
      },
    };
  },
});
