/**
 * Fits the lexical embedder on a stream of chunk texts in one pass: document frequencies over every chunk,
 * plus an even, deterministic sample of chunks on which the projection is fitted (SVD or random; the default
 * and the reason are in bench/lexical-quality.ts and the README).
 */
import type { EmbedConfig } from '../config.js';
import { csrOperator, randomizedSvd, type Csr } from '../linalg/randomized-svd.js';
import type { Progress } from '../reporter.js';
import { STOPWORDS } from '../text/stopwords.js';
import { words } from '../text/tokenize.js';
import { denseSkip, tfidf, type LexicalModel } from './lexical.js';

export interface FitInput {
  texts: Iterable<string> | AsyncIterable<string>;
  total: number;
  progress?: Progress;
}

/** Words by document frequency (ties alphabetical), capped at maxVocab; every term seen is a candidate. */
function chooseVocabulary(df: Map<string, number>, maxVocab: number): string[] {
  return [...df.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, maxVocab)
    .map(([t]) => t);
}

export async function fitLexical(input: FitInput, cfg: EmbedConfig): Promise<LexicalModel> {
  const { total } = input;
  // The sample is only needed to fit an SVD; random projection needs document frequencies alone.
  const sampleSize = cfg.projection === 'svd' ? Math.min(total, cfg.fitSample) : 0;
  const df = new Map<string, number>();
  const sample: string[] = [];
  let nextSampled = 0;
  let sampledCount = 0;
  let i = 0;
  for await (const text of input.texts) {
    for (const w of new Set(words(text))) df.set(w, (df.get(w) ?? 0) + 1);
    if (i === nextSampled && sampledCount < sampleSize) {
      sample.push(text);
      sampledCount++;
      nextSampled = Math.floor((sampledCount * total) / sampleSize);
    }
    i++;
    input.progress?.tick();
  }
  input.progress?.done();

  const vocab = chooseVocabulary(df, cfg.maxVocab);
  const idf = new Float32Array(vocab.length);
  vocab.forEach((t, id) => (idf[id] = Math.log((1 + i) / (1 + df.get(t)!)) + 1));
  const dims = cfg.dims;
  const stopwords = vocab.filter((t) => STOPWORDS.has(t));
  // One coordinate is reserved for the query's out-of-vocabulary share (see lexical.ts).
  const projection = cfg.projection === 'svd' ? fitSvdProjection({ vocab, idf, stopwords }, sample, dims - 1, cfg.seed) : null;
  return { dims, projectionKind: cfg.projection, seed: cfg.seed, documents: Math.max(1, i), vocab, idf, stopwords, projection };
}

/**
 * LSA: the top `components` right singular vectors of the dense view's TF-IDF matrix over `sample` (stopwords left
 * out, not centred), as a vocab × components row-major matrix. A term's row is its direction in the topic space.
 * Only terms in at least two sampled chunks take part (min_df 2, as the standard LSA pipeline has it); the others
 * get a zero row. Most of a vocabulary occurs once, so this also makes the fit several times faster.
 */
export function fitSvdProjection(
  model: Pick<LexicalModel, 'vocab' | 'idf' | 'stopwords'>,
  sample: readonly string[],
  components: number,
  seed: number,
): Float32Array {
  const { vocab, idf } = model;
  const x = sampleMatrix(sample, vocab, idf, denseSkip(model));
  const df = new Int32Array(vocab.length);
  for (const id of x.indices) df[id]++;
  const column = new Int32Array(vocab.length).fill(-1);
  const terms: number[] = [];
  df.forEach((n, id) => {
    if (n >= 2) column[id] = terms.push(id) - 1;
  });
  const kept: number[] = [];
  const values: number[] = [];
  const indptr = new Int32Array(x.rows + 1);
  for (let r = 0; r < x.rows; r++) {
    for (let p = x.indptr[r]; p < x.indptr[r + 1]; p++) {
      if (column[x.indices[p]] < 0) continue;
      kept.push(column[x.indices[p]]);
      values.push(x.values[p]);
    }
    indptr[r + 1] = kept.length;
  }
  const k = Math.max(1, Math.min(components, terms.length));
  const svd = randomizedSvd(csrOperator({ rows: x.rows, cols: terms.length, indptr, indices: Int32Array.from(kept), values: Float64Array.from(values) }), k, {
    seed,
  });
  const out = new Float32Array(vocab.length * components);
  terms.forEach((id, c) => {
    for (let j = 0; j < k; j++) out[id * components + j] = svd.components[c * k + j];
  });
  return out;
}

function sampleMatrix(sample: readonly string[], vocab: string[], idf: Float32Array, skip: Uint8Array): Csr {
  const index = new Map(vocab.map((t, id) => [t, id]));
  const indptr = new Int32Array(sample.length + 1);
  const indices: number[] = [];
  const values: number[] = [];
  sample.forEach((text, r) => {
    const { ids, weights } = tfidf(text, index, idf, 0, skip);
    indices.push(...ids);
    values.push(...weights);
    indptr[r + 1] = indices.length;
  });
  return { rows: sample.length, cols: vocab.length, indptr, indices: Int32Array.from(indices), values: Float64Array.from(values) };
}
