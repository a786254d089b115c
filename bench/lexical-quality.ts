/**
 * Which projection should the lexical embedder use? Retrieval quality and cost, measured on the demo corpus
 * (State of the Union addresses, chunked exactly as `prepare` does). For N sampled chunks, one sentence
 * (≥ 6 words) is the query, verbatim and with a third of its words dropped ("noisy"); a hit is the source
 * chunk at rank 1 / within the top 10. The baseline is exact cosine on the sparse TF-IDF vectors (no projection).
 *
 * The last lines run annotate's full path (vector search + exact rescoring + verbatim shingles) for comparison.
 *
 *   npm run bench:lexical [-- --queries 400]
 * Prints one JSON line per method.
 */
import { addressesForBench } from './sotu.js';
import { resolveConfig } from '../pipeline/config.js';
import { chunkDocument } from '../pipeline/corpus/chunking.js';
import { fitLexical } from '../pipeline/embedders/lexical-fit.js';
import { lexicalEmbedder, tfidf } from '../pipeline/embedders/lexical.js';
import { createRng } from '../pipeline/linalg/random.js';
import { ortExactSearch } from '../pipeline/search/ort-exact.js';
import { findNeighbours } from '../pipeline/search/neighbours.js';
import { termIndexFromBytes } from '../pipeline/search/term-index.js';
import { TermIndexBuilder } from '../pipeline/search/term-postings.js';
import { ShingleTableBuilder, verbatimCandidates } from '../pipeline/verbatim/shingles.js';
import { splitSentences } from '../pipeline/text/segment.js';
import { wordSpans } from '../pipeline/text/tokenize.js';

const args = process.argv.slice(2);
const queriesWanted = Number(args[args.indexOf('--queries') + 1] || 400) || 400;
const sotu = addressesForBench;
const cfg = resolveConfig({});
const chunks: string[] = [];
for (const a of sotu()) for (const s of chunkDocument(a.text, cfg.chunk, wordSpans)) chunks.push(a.text.slice(s.start, s.end));

const rng = createRng(7);
const queries: Array<{ source: number; verbatim: string; noisy: string }> = [];
while (queries.length < queriesWanted) {
  const source = rng.int(chunks.length);
  const sentences = splitSentences(chunks[source]).filter((s) => s.text.split(/\s+/).length >= 6);
  if (!sentences.length) continue;
  const verbatim = sentences[rng.int(sentences.length)].text;
  const noisy = verbatim
    .split(/\s+/)
    .filter(() => rng.next() > 1 / 3)
    .join(' ');
  queries.push({ source, verbatim, noisy });
}

function score(indices: Int32Array, k: number, which: number[]) {
  let at1 = 0;
  let at10 = 0;
  which.forEach((src, q) => {
    const row = Array.from(indices.subarray(q * k, q * k + k));
    if (row[0] === src) at1++;
    if (row.includes(src)) at10++;
  });
  return { recall_at_1: at1 / which.length, recall_at_10: at10 / which.length };
}

/** What annotate actually does: exact search over the term postings, verbatim shingle lookup. */
async function annotatePath(model: Awaited<ReturnType<typeof fitLexical>>) {
  const emb = lexicalEmbedder(model);
  const postings = new TermIndexBuilder(emb.vocabulary);
  for (const c of chunks) postings.add(emb.terms(c, 'passage'));
  const terms = termIndexFromBytes(Buffer.concat([...postings.encode()]), 'bench');
  const shingles = new ShingleTableBuilder();
  chunks.forEach((c, i) => shingles.add(i, c));
  const table = shingles.finish();
  const out: Record<string, unknown> = {
    method: 'term postings + verbatim (annotate)',
    chunks: chunks.length,
    dims: emb.dims,
  };
  for (const kind of ['verbatim', 'noisy'] as const) {
    const t0 = performance.now();
    const { neighbours } = await findNeighbours(
      {
        embedder: emb,
        terms,
        vectors: null,
        fetchChunks: (ids) => Promise.resolve(new Map([...ids].map((i) => [i, { text: chunks[i] }]))),
        verbatimCandidates: (span) => verbatimCandidates(table, span),
      },
      queries.map((q) => q[kind]),
      10,
    );
    const indices = Int32Array.from(neighbours.flatMap((row) => Array.from({ length: 10 }, (_, j) => row[j]?.idx ?? -1)));
    const s = score(
      indices,
      10,
      queries.map((x) => x.source),
    );
    out[`${kind}_r1`] = s.recall_at_1;
    out[`${kind}_r10`] = s.recall_at_10;
    out[`${kind}_queries_per_s`] = +(queries.length / ((performance.now() - t0) / 1000)).toFixed(1);
  }
  return out;
}

async function denseMethod(name: string, overrides: Record<string, unknown>) {
  const t0 = performance.now();
  const model = await fitLexical({ texts: chunks, total: chunks.length }, resolveConfig({ embed: overrides }).embed);
  const fitSeconds = (performance.now() - t0) / 1000;
  const emb = lexicalEmbedder(model);
  const t1 = performance.now();
  const corpus = await emb.embed(chunks, { kind: 'passage' });
  const embedSeconds = (performance.now() - t1) / 1000;
  const out: Record<string, unknown> = {
    method: name,
    chunks: chunks.length,
    dims: emb.dims,
    fit_s: +fitSeconds.toFixed(2),
    embed_s: +embedSeconds.toFixed(2),
  };
  for (const kind of ['verbatim', 'noisy'] as const) {
    const q = await emb.embed(
      queries.map((x) => x[kind]),
      { kind: 'query' },
    );
    const r = await ortExactSearch({ data: corpus, rows: chunks.length, dims: emb.dims }, { data: q, rows: queries.length, dims: emb.dims }, 10);
    const s = score(
      r.indices,
      10,
      queries.map((x) => x.source),
    );
    out[`${kind}_r1`] = s.recall_at_1;
    out[`${kind}_r10`] = s.recall_at_10;
  }
  return { model, out };
}

// Baseline: exact sparse TF-IDF cosine, same vocabulary and IDF as the fitted model.
const { model, out: dflt } = await denseMethod('random-512 (default)', { projection: 'random', dims: 512 });
{
  const index = new Map(model.vocab.map((t, i) => [t, i]));
  const vecs = chunks.map((c) => tfidf(c, index, model.idf));
  const out: Record<string, unknown> = { method: 'sparse-tfidf (baseline, no projection)', chunks: chunks.length, dims: model.vocab.length };
  for (const kind of ['verbatim', 'noisy'] as const) {
    let at1 = 0;
    let at10 = 0;
    for (const q of queries) {
      const qv = tfidf(q[kind], index, model.idf);
      const qm = new Map(qv.ids.map((id, i) => [id, qv.weights[i]]));
      const sims = vecs.map((v) => v.ids.reduce((s, id, i) => s + (qm.get(id) ?? 0) * v.weights[i], 0));
      const order = sims
        .map((s, i) => [s, i] as const)
        .sort((a, b) => b[0] - a[0] || a[1] - b[1])
        .slice(0, 10)
        .map(([, i]) => i);
      if (order[0] === q.source) at1++;
      if (order.includes(q.source)) at10++;
    }
    out[`${kind}_r1`] = at1 / queries.length;
    out[`${kind}_r10`] = at10 / queries.length;
  }
  console.log(JSON.stringify(out));
}
console.log(JSON.stringify(dflt));
console.log(JSON.stringify(await annotatePath(model)));
for (const [name, o] of [
  ['random-256', { projection: 'random', dims: 256 }],
  ['random-1024', { projection: 'random', dims: 1024 }],
  ['svd-256', { projection: 'svd', dims: 256 }],
] as const) {
  console.log(JSON.stringify((await denseMethod(name, o)).out));
}
