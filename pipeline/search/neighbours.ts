/**
 * Nearest corpus chunks for many spans at once. A lexical index is searched exactly over its term postings
 * (pipeline/search/term-index.ts); a dense (ONNX) index over its vectors, exactly or through the HNSW graph. Chunks
 * the verbatim table says may contain the span word for word join the candidates and are ranked first: a verbatim
 * occurrence is the strongest answer to "where did this sentence come from". annotate and the index's distance
 * calibration both call this, so their distances are in the same units.
 */
import type { Embedder } from '../embedders/embedder.js';
import { isLexical, type WeightedTerms } from '../embedders/lexical.js';
import { verbatimCandidates } from '../verbatim/shingles.js';
import type { ExcludeRange, TermIndex } from './term-index.js';
import type { VectorIndex } from './vector-index.js';

export interface Neighbour {
  idx: number;
  /** Cosine similarity (exact for the lexical embedder; through the graph's approximation for a dense one). */
  similarity: number;
  verbatim: boolean;
}

/** What a search needs of a chunk it fetched: its text; callers fetch whatever else they report with it. */
export interface FetchedChunk {
  text: string;
}

export interface NeighbourSource<C extends FetchedChunk = FetchedChunk> {
  embedder: Embedder;
  /** The term postings of a lexical index (searched instead of the vectors). */
  terms: TermIndex | null;
  /** The vectors of a dense index; null for a lexical index opened for search only. */
  vectors: VectorIndex | null;
  /** The given chunks (called once, for every candidate of every span: one pass over the chunk file is fine). */
  fetchChunks(ids: Set<number>): Promise<Map<number, C>>;
  /** Chunks that may contain the span verbatim (pipeline/verbatim), added to the search's candidates. */
  verbatimCandidates?(span: string): number[];
}

export interface FindOptions {
  /** Spans searched so far (called per batch). */
  onBatch?: (done: number) => void;
  /** Per span: chunks left out of its search (its own document, for leave-document-out calibration). */
  exclude?: ReadonlyArray<ExcludeRange | null>;
  /** Per span: chunks scored and kept after the k best whatever their rank (annotate's book-span chunks). */
  extra?: ReadonlyArray<readonly number[]>;
  /** Per span: its query terms when the caller already has them (lexical; not used for a span with an exclusion). */
  queries?: ReadonlyArray<WeightedTerms | undefined>;
}

function dot(a: Float32Array, ao: number, b: Float32Array, bo: number, dims: number): number {
  let s = 0;
  for (let j = 0; j < dims; j++) s += a[ao + j] * b[bo + j];
  return s;
}

/**
 * The search an index answers with: its embedder, its term postings or vectors, the verbatim candidates of its
 * shingle table (when it has one) and its chunks. Annotate and the index's distance calibration both build theirs here.
 */
export function indexSearchSource<C extends FetchedChunk>(parts: {
  embedder: Embedder;
  terms: TermIndex | null;
  vectors: VectorIndex | null;
  shingles: BigUint64Array | null;
  fetchChunks: (ids: Set<number>) => Promise<Map<number, C>>;
}): NeighbourSource<C> {
  const { embedder, terms, vectors, shingles } = parts;
  return {
    embedder,
    terms,
    vectors,
    fetchChunks: (ids) => parts.fetchChunks(ids),
    verbatimCandidates: shingles ? (span) => verbatimCandidates(shingles, span) : undefined,
  };
}

const EMBED_BATCH = 256;
const squash = (s: string) => s.replace(/\s+/g, ' ').trim();
const excluded = (idx: number, ex: ExcludeRange | null | undefined) => !!ex && idx >= ex.from && idx < ex.to;

interface Candidate {
  idx: number;
  similarity: number;
  /** Scored after the chunks are fetched (a verbatim candidate of a lexical index). */
  pending?: boolean;
}

/** Term search: exact cosine over the postings. Returns each span's query terms too (they score later candidates). */
function sparseCandidates(source: NeighbourSource, spans: readonly string[], k: number, opts: FindOptions): { rows: Candidate[][]; queries: WeightedTerms[] } {
  const { embedder, terms } = source;
  if (!terms || !isLexical(embedder)) throw new Error('a term search needs a lexical embedder and its postings');
  const queries: WeightedTerms[] = [];
  const rows = spans.map((span, s) => {
    const ex = opts.exclude?.[s] ?? undefined;
    // Left out, a document takes its own words with it: words no other chunk has count as unknown, as in unseen text.
    const query = ex ? embedder.terms(span, 'query', (t) => terms.occursOutside(t, ex)) : (opts.queries?.[s] ?? embedder.terms(span, 'query'));
    queries.push(query);
    const hits: Candidate[] = terms.search(query, k, ex);
    if (s % EMBED_BATCH === EMBED_BATCH - 1 || s === spans.length - 1) opts.onBatch?.((s % EMBED_BATCH) + 1);
    return hits;
  });
  return { rows, queries };
}

/** Vector search, batched; excluded chunks are searched past (k plus the excluded range) and dropped. */
async function denseCandidates(source: NeighbourSource, spans: readonly string[], k: number, opts: FindOptions): Promise<Candidate[][]> {
  const { embedder, vectors } = source;
  if (!vectors) throw new Error('a dense search needs the index vectors');
  const out: Candidate[][] = [];
  for (let b = 0; b < spans.length; b += EMBED_BATCH) {
    const batch = spans.slice(b, b + EMBED_BATCH);
    const skip = Math.max(0, ...batch.map((_, q) => (opts.exclude?.[b + q] ? opts.exclude[b + q]!.to - opts.exclude[b + q]!.from : 0)));
    const wide = Math.min(vectors.rows, k + skip);
    const queries = await embedder.embed(batch, { kind: 'query' });
    const r = await vectors.search(queries, batch.length, wide);
    const rows = batch.map((_, q) => {
      const row: Candidate[] = [];
      for (let j = 0; j < wide && row.length < k; j++) {
        const idx = r.indices[q * wide + j];
        if (idx >= 0 && !excluded(idx, opts.exclude?.[b + q])) row.push({ idx, similarity: r.scores[q * wide + j] });
      }
      return row;
    });
    // Verbatim candidates are scored on their stored vectors.
    const extra = batch.map((span, q) => {
      const seen = new Set(rows[q].map((c) => c.idx));
      return (source.verbatimCandidates?.(span) ?? []).filter((idx) => !seen.has(idx) && !excluded(idx, opts.exclude?.[b + q]));
    });
    const ids = extra.flat();
    const stored = ids.length ? vectors.vectors(ids) : new Float32Array(0);
    let at = 0;
    extra.forEach((list, q) => {
      for (const idx of list) rows[q].push({ idx, similarity: dot(stored, at++ * vectors.dims, queries, q * vectors.dims, vectors.dims) });
    });
    out.push(...rows);
    opts.onBatch?.(batch.length);
  }
  return out;
}

/** Scores candidates added after the search: exactly on the span's query terms (lexical), else on their stored vectors. */
async function scorePending<C extends FetchedChunk>(
  source: NeighbourSource<C>,
  span: string,
  query: WeightedTerms | undefined,
  row: Candidate[],
  chunks: Map<number, C>,
): Promise<void> {
  const pending = row.filter((c) => c.pending);
  if (!pending.length) return;
  const { embedder, vectors } = source;
  const texts = pending.map((c) => chunks.get(c.idx)?.text ?? '');
  if (isLexical(embedder)) {
    const scores = embedder.similarity(query ?? embedder.terms(span, 'query'), texts);
    pending.forEach((c, j) => (c.similarity = scores[j]));
  } else if (embedder.rescore) {
    const scores = embedder.rescore(span, texts);
    pending.forEach((c, j) => (c.similarity = scores[j]));
  } else if (vectors) {
    const q = await embedder.embed([span], { kind: 'query' });
    const stored = vectors.vectors(pending.map((c) => c.idx));
    pending.forEach((c, j) => (c.similarity = dot(stored, j * vectors.dims, q, 0, vectors.dims)));
  }
}

/** The k best chunks of every span, and the fetched chunks they name (candidates that were not kept included). */
export async function findNeighbours<C extends FetchedChunk>(
  source: NeighbourSource<C>,
  spans: readonly string[],
  k: number,
  opts: FindOptions = {},
): Promise<{ neighbours: Neighbour[][]; chunks: Map<number, C> }> {
  const sparse = source.terms !== null;
  const sparseRun = sparse ? sparseCandidates(source, spans, k, opts) : null;
  const candidates = sparseRun ? sparseRun.rows : await denseCandidates(source, spans, k, opts);
  candidates.forEach((row, s) => {
    const seen = new Set(row.map((c) => c.idx));
    const more = [...(sparse ? (source.verbatimCandidates?.(spans[s]) ?? []) : []), ...(opts.extra?.[s] ?? [])];
    for (const idx of more) {
      if (seen.has(idx) || excluded(idx, opts.exclude?.[s])) continue;
      seen.add(idx);
      row.push({ idx, similarity: 0, pending: true });
    }
  });
  const chunks = await source.fetchChunks(new Set(candidates.flat().map((c) => c.idx)));
  const squashed = new Map([...chunks].map(([i, c]) => [i, squash(c.text)]));
  const neighbours: Neighbour[][] = [];
  for (const [s, row] of candidates.entries()) {
    await scorePending(source, spans[s], sparseRun?.queries[s], row, chunks);
    const needle = squash(spans[s]);
    const ranked = row
      .map((c): Neighbour => ({ idx: c.idx, similarity: c.similarity, verbatim: needle.length > 0 && (squashed.get(c.idx) ?? '').includes(needle) }))
      .sort((a, b) => Number(b.verbatim) - Number(a.verbatim) || b.similarity - a.similarity || a.idx - b.idx);
    const kept = ranked.slice(0, k);
    const must = new Set(opts.extra?.[s] ?? []);
    neighbours.push(must.size ? [...kept, ...ranked.slice(k).filter((n) => must.has(n.idx))] : kept);
  }
  return { neighbours, chunks };
}
