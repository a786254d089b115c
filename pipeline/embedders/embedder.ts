/** One interface for every embedder: the index and annotate only see this. */
export type EmbedKind = 'query' | 'passage';

export interface Embedder {
  /** e.g. `lexical` or `onnx:snowflake-arctic-embed-l`. */
  readonly id: string;
  /** sha256 over everything that changes the vectors; annotate refuses an index built with another. */
  readonly fingerprint: string;
  readonly dims: number;
  /** Row-major texts.length × dims, each row L2-normalised (an all-zero row when the text has no known token). */
  embed(texts: readonly string[], opts: { kind: EmbedKind }): Promise<Float32Array>;
  /**
   * Optional exact similarity of a query to candidate passages, in the same units as the vector cosine but
   * without its approximation (the lexical embedder rescores on sparse TF-IDF). Search uses it to re-rank.
   */
  rescore?(query: string, passages: readonly string[]): Float64Array;
  /** Releases native resources (the ONNX session). */
  close?(): Promise<void>;
}

/** Normalises each row in place; rows with zero norm stay zero. */
export function normalizeRows(m: Float32Array, dims: number): Float32Array {
  for (let o = 0; o < m.length; o += dims) {
    let s = 0;
    for (let j = 0; j < dims; j++) s += m[o + j] * m[o + j];
    if (s > 0) {
      const inv = 1 / Math.sqrt(s);
      for (let j = 0; j < dims; j++) m[o + j] *= inv;
    }
  }
  return m;
}
