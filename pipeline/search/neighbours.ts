/**
 * Nearest corpus chunks for many spans at once: one batched vector search, then, when the embedder can rescore
 * exactly (lexical), a wider candidate set re-ranked on exact similarity. Chunks that contain the span word for
 * word are ranked first: a verbatim occurrence is the strongest answer to "where did this sentence come from".
 * annotate and the index's distance calibration both call this, so their distances are in the same units.
 */
import type { Embedder } from '../embedders/embedder.js';
import { verbatimCandidates } from '../verbatim/shingles.js';
import type { VectorIndex } from './vector-index.js';

export interface Neighbour {
  idx: number;
  /** Cosine similarity (rescored when the embedder supports it). */
  similarity: number;
  verbatim: boolean;
}

/** What a search needs of a chunk it fetched: its text; callers fetch whatever else they report with it. */
export interface FetchedChunk {
  text: string;
}

export interface NeighbourSource<C extends FetchedChunk = FetchedChunk> {
  embedder: Embedder;
  vectors: VectorIndex;
  /** The given chunks (called once, for every candidate of every span: one pass over the chunk file is fine). */
  fetchChunks(ids: Set<number>): Promise<Map<number, C>>;
  /** Chunks that may contain the span verbatim (pipeline/verbatim), added to the vector-search candidates. */
  verbatimCandidates?(span: string): number[];
}

function dot(a: Float32Array, ao: number, b: Float32Array, bo: number, dims: number): number {
  let s = 0;
  for (let j = 0; j < dims; j++) s += a[ao + j] * b[bo + j];
  return s;
}

/**
 * The search an index answers with: its embedder, its vectors, the verbatim candidates of its shingle table (when it
 * has one) and its chunks. Annotate and the index's distance calibration both build theirs here.
 */
export function indexSearchSource<C extends FetchedChunk>(parts: {
  embedder: Embedder;
  vectors: VectorIndex;
  shingles: BigUint64Array | null;
  fetchChunks: (ids: Set<number>) => Promise<Map<number, C>>;
}): NeighbourSource<C> {
  const { embedder, vectors, shingles } = parts;
  return {
    embedder,
    vectors,
    fetchChunks: (ids) => parts.fetchChunks(ids),
    verbatimCandidates: shingles ? (span) => verbatimCandidates(shingles, span) : undefined,
  };
}

const EMBED_BATCH = 256;
/** Candidates per span re-ranked by rescore: enough that the exact top-k is inside (recall@32 ≥ 0.98 on the demo). */
export const RESCORE_CANDIDATES = 32;

const squash = (s: string) => s.replace(/\s+/g, ' ').trim();

/** The k best chunks of every span, and the fetched chunks they name (candidates that were not kept included). */
export async function findNeighbours<C extends FetchedChunk>(
  source: NeighbourSource<C>,
  spans: readonly string[],
  k: number,
  onBatch?: (done: number) => void,
): Promise<{ neighbours: Neighbour[][]; chunks: Map<number, C> }> {
  const { embedder, vectors } = source;
  const { dims } = vectors;
  const rescore = embedder.rescore?.bind(embedder);
  const wide = Math.min(vectors.rows, rescore ? Math.max(k, RESCORE_CANDIDATES) : k);
  const candidates: Array<Array<{ idx: number; similarity: number }>> = [];
  for (let b = 0; b < spans.length; b += EMBED_BATCH) {
    const batch = spans.slice(b, b + EMBED_BATCH);
    const queries = await embedder.embed(batch, { kind: 'query' });
    const r = await vectors.search(queries, batch.length, wide);
    const rows = batch.map((_, q) => {
      const row: Array<{ idx: number; similarity: number }> = [];
      for (let j = 0; j < wide; j++) if (r.indices[q * wide + j] >= 0) row.push({ idx: r.indices[q * wide + j], similarity: r.scores[q * wide + j] });
      return row;
    });
    // Chunks that may hold the span verbatim join the candidates, scored on their stored vectors.
    const extra = batch.map((span, q) => {
      const seen = new Set(rows[q].map((c) => c.idx));
      return (source.verbatimCandidates?.(span) ?? []).filter((idx) => !seen.has(idx));
    });
    const ids = extra.flat();
    const stored = ids.length ? vectors.vectors(ids) : new Float32Array(0);
    let at = 0;
    extra.forEach((list, q) => {
      for (const idx of list) rows[q].push({ idx, similarity: dot(stored, at++ * dims, queries, q * dims, dims) });
    });
    candidates.push(...rows);
    onBatch?.(batch.length);
  }
  const chunks = await source.fetchChunks(new Set(candidates.flat().map((c) => c.idx)));
  const squashed = new Map([...chunks].map(([i, c]) => [i, squash(c.text)]));
  const neighbours = candidates.map((row, s) => {
    const passages = row.map((c) => chunks.get(c.idx)?.text ?? '');
    const exact = rescore ? rescore(spans[s], passages) : null;
    const needle = squash(spans[s]);
    return row
      .map((c, j): Neighbour => ({
        idx: c.idx,
        similarity: exact ? exact[j] : c.similarity,
        verbatim: needle.length > 0 && (squashed.get(c.idx) ?? '').includes(needle),
      }))
      .sort((a, b) => Number(b.verbatim) - Number(a.verbatim) || b.similarity - a.similarity || a.idx - b.idx)
      .slice(0, k);
  });
  return { neighbours, chunks };
}
