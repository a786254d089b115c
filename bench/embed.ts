/**
 * Embedding throughput on this machine's CPU, chunks per second, one JSON line per embedder:
 *   {"embedder","chunks","seconds","chunks_per_s","dims","max_tokens","mean_tokens"}
 * - lexical: the default weightless embedder (fit not timed; embedding only).
 * - onnx tiny: the generated test encoder (32 hidden, 2 layers) on onnxruntime's CPU provider.
 * - onnx bert-base-shaped: a generated encoder with BERT-base's shape (30k vocab, 768 hidden, 12 layers, FFN 3072;
 *   single-head attention, random weights): what a real base-size model costs per chunk.
 * Chunks are ~200-word windows of the bundled State of the Union addresses; ONNX inputs are cut at 256 tokens.
 *
 *   npm run bench:embed [-- --bert-chunks 64]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { resolveConfig } from '../pipeline/config.js';
import { chunkDocument } from '../pipeline/corpus/chunking.js';
import type { Embedder } from '../pipeline/embedders/embedder.js';
import { fitLexical } from '../pipeline/embedders/lexical-fit.js';
import { lexicalEmbedder } from '../pipeline/embedders/lexical.js';
import { onnxEmbedder } from '../pipeline/embedders/onnx.js';
import { words, wordSpans } from '../pipeline/text/tokenize.js';
import { writeTinyEncoder } from './fixtures/tiny-encoder.js';
import { addressesForBench } from './sotu.js';

const args = process.argv.slice(2);
const arg = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const MAX_TOKENS = 256;

const texts = addressesForBench().map((a) => a.text);
const chunks: string[] = [];
for (const t of texts) for (const s of chunkDocument(t, { maxTokens: 200, overlap: 0 }, wordSpans)) chunks.push(t.slice(s.start, s.end));

const counts = new Map<string, number>();
for (const t of texts) for (const w of words(t)) counts.set(w, (counts.get(w) ?? 0) + 1);
const vocabulary = (n: number) =>
  [...counts]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, n)
    .map(([w]) => w);

async function time(name: string, e: Embedder, sample: string[], extra: Record<string, unknown> = {}): Promise<void> {
  await e.embed(sample.slice(0, 4), { kind: 'passage' }); // warm-up (session init, caches)
  const t0 = performance.now();
  await e.embed(sample, { kind: 'passage' });
  const seconds = (performance.now() - t0) / 1000;
  console.log(
    JSON.stringify({
      embedder: name,
      chunks: sample.length,
      seconds: +seconds.toFixed(2),
      chunks_per_s: +(sample.length / seconds).toFixed(1),
      dims: e.dims,
      ...extra,
    }),
  );
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'cprox-bench-embed-'));
try {
  const sample = chunks.slice(0, 2000);
  const lexical = lexicalEmbedder(await fitLexical({ texts: chunks, total: chunks.length }, resolveConfig({}).embed));
  await time('lexical', lexical, sample);

  const tinyDir = path.join(dir, 'tiny');
  await writeTinyEncoder(tinyDir, { words: vocabulary(3000), maxTokens: MAX_TOKENS });
  const tiny = await onnxEmbedder(tinyDir);
  const meanTokens = (s: string[]) => +(s.reduce((n, c) => n + tiny.tokenizer.encode(c, MAX_TOKENS).ids.length, 0) / s.length).toFixed(1);
  await time('onnx tiny (h32, 2 layers)', tiny, sample, { max_tokens: MAX_TOKENS, mean_tokens: meanTokens(sample) });
  await tiny.close();

  const bertDir = path.join(dir, 'bert');
  await writeTinyEncoder(bertDir, { words: vocabulary(30_000), hidden: 768, layers: 12, ffn: 3072, maxTokens: MAX_TOKENS });
  const bert = await onnxEmbedder(bertDir);
  const bertSample = sample.slice(0, Number(arg('--bert-chunks') ?? 64));
  await time('onnx bert-base-shaped (h768, 12 layers)', bert, bertSample, { max_tokens: MAX_TOKENS, mean_tokens: meanTokens(bertSample) });
  await bert.close();
} finally {
  await rm(dir, { recursive: true, force: true });
}
