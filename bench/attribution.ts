/**
 * The attribution baseline on a held-out check (issue 14's measure), against a naive reference in the same script.
 *
 * The corpus is the State of the Union addresses with stages by era (the demo's rule). Every 10th address is left out
 * of the index. Queries:
 * - held-out: sentences of the left-out addresses (the stage is known, the document is not in the index);
 * - copied: sentences of indexed addresses (stage and document known);
 * - off-topic: word salad from other languages' stopword lists (French, German, Spanish, Japanese, Russian).
 * For each query the index's top N chunks are fetched through `index.attribute` (today's annotate path), and the
 * stage is taken from rank 1 and from a similarity-weighted vote over the top N. The naive reference is exact
 * cosine k-NN over plain TF-IDF (lower-cased words, no stopword removal) on the same chunks.
 *
 *   npm run bench:attribution [-- --queries 300]
 * Prints one JSON line per method.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createRequire } from 'node:module';
import { stageOfYear } from '../cli/demo/corpus.js';
import { buildIndex } from '../pipeline/build-index.js';
import { resolveConfig, resolveCorpusSpec } from '../pipeline/config.js';
import { loadIndex } from '../pipeline/corpus-index/load.js';
import { createRng } from '../pipeline/linalg/random.js';
import { consoleReporter } from '../pipeline/reporter.js';
import { openStore } from '../pipeline/store/open.js';
import { splitSentences } from '../pipeline/text/segment.js';
import { STAGES } from '../stages/table.js';
import { addressesForBench } from './sotu.js';

const args = process.argv.slice(2);
const QUERIES = Number(args[args.indexOf('--queries') + 1] || 300) || 300;
const NS = [1, 3, 5, 10, 20];
const K = Math.max(...NS);

// ── corpus and index ────────────────────────────────────────────────────────────────────────────────────────────
const root = path.resolve('.bench-cache/attribution');
const addresses = addressesForBench().map((a, doc) => ({ ...a, doc, stage: stageOfYear(a.year), heldOut: doc % 10 === 5 }));
await rm(path.join(root, 'corpus'), { recursive: true, force: true });
for (const stage of ['pretrain', 'midtrain', 'sft'] as const) {
  const rows = addresses.filter((a) => !a.heldOut && a.stage === stage).map((a) => JSON.stringify({ id: `doc-${a.doc}`, text: a.text }));
  await mkdir(path.join(root, 'corpus', stage), { recursive: true });
  await writeFile(path.join(root, 'corpus', stage, 'sotu.jsonl'), rows.join('\n') + '\n');
}
const indexDir = path.join(root, 'index');
await buildIndex({
  corpus: resolveCorpusSpec({ path: path.join(root, 'corpus') }),
  config: resolveConfig({}),
  store: await openStore(path.join(root, 'store')),
  outputDir: indexDir,
  stages: STAGES,
  reporter: consoleReporter({ quiet: true }),
});
const index = await loadIndex(indexDir);

// ── queries ─────────────────────────────────────────────────────────────────────────────────────────────────────
interface Query {
  kind: 'held-out' | 'copied' | 'off-topic';
  text: string;
  stage: string | null;
  doc: number | null;
}
const rng = createRng(11);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng.next() * xs.length)];
const sentencesOf = (text: string) =>
  splitSentences(text)
    .map((s) => s.text)
    .filter((s) => s.split(/\s+/).length >= 8 && s.split(/\s+/).length <= 60);
const heldOut = addresses.filter((a) => a.heldOut);
const indexed = addresses.filter((a) => !a.heldOut);
const queries: Query[] = [];
for (let i = 0; i < QUERIES; i++) {
  const h = pick(heldOut);
  queries.push({ kind: 'held-out', text: pick(sentencesOf(h.text)), stage: h.stage, doc: h.doc });
  const c = pick(indexed);
  queries.push({ kind: 'copied', text: pick(sentencesOf(c.text)), stage: c.stage, doc: c.doc });
}
const stopwords = createRequire(import.meta.url)('stopword') as Record<string, string[]>;
for (let i = 0; i < QUERIES / 3; i++) {
  const words = stopwords[pick(['fra', 'deu', 'spa', 'jpn', 'rus'])];
  queries.push({ kind: 'off-topic', text: Array.from({ length: 12 }, () => pick(words)).join(' ') + '.', stage: null, doc: null });
}

// ── today's path: index.attribute ───────────────────────────────────────────────────────────────────────────────
interface Hit {
  chunk: number;
  similarity: number;
}
const t0 = performance.now();
const attributed = await index.attribute(
  queries.map((q) => q.text),
  { k: K },
);
const attributeSeconds = (performance.now() - t0) / 1000;
const ours: Hit[][] = attributed.map((row) => row.map((a) => ({ chunk: a.chunk, similarity: a.similarity })));

// chunk → stage and document
const chunkRows = (await readFile(path.join(indexDir, 'metadata.jsonl'), 'utf8'))
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as { idx: number; doc_id: string; corpus_stage: string | null });
const stageOf = (chunk: number) => chunkRows[chunk]?.corpus_stage ?? null;
const docOf = (chunk: number) => Number(chunkRows[chunk]?.doc_id.replace(/^doc-/, '') ?? -1);

// ── the naive reference: exact cosine k-NN over plain TF-IDF ───────────────────────────────────────────────────
const chunkTexts = (await readFile(path.join(indexDir, 'chunks.jsonl'), 'utf8'))
  .trim()
  .split('\n')
  .map((l) => (JSON.parse(l) as { text: string }).text);
const words = (t: string) => t.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? [];
const df = new Map<string, number>();
const chunkTf = chunkTexts.map((t) => {
  const tf = new Map<string, number>();
  for (const w of words(t)) tf.set(w, (tf.get(w) ?? 0) + 1);
  for (const w of tf.keys()) df.set(w, (df.get(w) ?? 0) + 1);
  return tf;
});
const idf = (w: string) => Math.log((chunkTexts.length + 1) / ((df.get(w) ?? 0) + 1)) + 1;
const postings = new Map<string, Array<{ chunk: number; weight: number }>>();
chunkTf.forEach((tf, chunk) => {
  let norm = 0;
  for (const [w, n] of tf) norm += (n * idf(w)) ** 2;
  norm = Math.sqrt(norm) || 1;
  for (const [w, n] of tf) {
    let list = postings.get(w);
    if (!list) postings.set(w, (list = []));
    list.push({ chunk, weight: (n * idf(w)) / norm });
  }
});
function naiveSearch(text: string): Hit[] {
  const tf = new Map<string, number>();
  for (const w of words(text)) tf.set(w, (tf.get(w) ?? 0) + 1);
  let norm = 0;
  for (const [w, n] of tf) norm += (n * idf(w)) ** 2;
  norm = Math.sqrt(norm) || 1;
  const scores = new Map<number, number>();
  for (const [w, n] of tf) for (const p of postings.get(w) ?? []) scores.set(p.chunk, (scores.get(p.chunk) ?? 0) + ((n * idf(w)) / norm) * p.weight);
  return [...scores]
    .map(([chunk, similarity]) => ({ chunk, similarity }))
    .sort((a, b) => b.similarity - a.similarity || a.chunk - b.chunk)
    .slice(0, K);
}
const t1 = performance.now();
const naive = queries.map((q) => naiveSearch(q.text));
const naiveSeconds = (performance.now() - t1) / 1000;

// ── scoring ─────────────────────────────────────────────────────────────────────────────────────────────────────
function vote(hits: Hit[], n: number): { stage: string | null; doc: number | null } {
  const byStage = new Map<string, number>();
  const byDoc = new Map<number, number>();
  for (const h of hits.slice(0, n)) {
    const w = Math.max(0, h.similarity);
    const s = stageOf(h.chunk);
    if (s) byStage.set(s, (byStage.get(s) ?? 0) + w);
    byDoc.set(docOf(h.chunk), (byDoc.get(docOf(h.chunk)) ?? 0) + w);
  }
  const best = <K>(m: Map<K, number>) => ([...m].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null) as K | null;
  return { stage: best(byStage), doc: best(byDoc) };
}
/** Area under the ROC curve of "off-topic" against "held-out" by rank-1 distance (higher distance = off-topic). */
function auc(results: Hit[][]): number {
  const d = (i: number) => 1 - (results[i][0]?.similarity ?? 0);
  const pos = queries.flatMap((q, i) => (q.kind === 'off-topic' ? [d(i)] : []));
  const neg = queries.flatMap((q, i) => (q.kind === 'held-out' ? [d(i)] : []));
  let wins = 0;
  for (const p of pos) for (const n of neg) wins += p > n ? 1 : p === n ? 0.5 : 0;
  return wins / Math.max(1, pos.length * neg.length);
}
const round = (x: number) => Math.round(x * 1000) / 1000;
for (const [method, results, seconds] of [
  ['index.attribute (today)', ours, attributeSeconds],
  ['naive TF-IDF exact k-NN (reference)', naive, naiveSeconds],
] as const) {
  const line: Record<string, unknown> = { bench: 'attribution', method, chunks: chunkTexts.length, queries: queries.length, seconds: round(seconds) };
  for (const kind of ['held-out', 'copied'] as const) {
    const idx = queries.flatMap((q, i) => (q.kind === kind ? [i] : []));
    for (const n of NS) {
      const votes = idx.map((i) => vote(results[i], n));
      line[`${kind}_stage_vote${n}`] = round(votes.filter((v, j) => v.stage === queries[idx[j]].stage).length / idx.length);
      if (kind === 'copied') line[`copied_doc_vote${n}`] = round(votes.filter((v, j) => v.doc === queries[idx[j]].doc).length / idx.length);
    }
  }
  line.offtopic_vs_heldout_auc_rank1_distance = round(auc(results));
  console.log(JSON.stringify(line));
}
index.terms?.close();
