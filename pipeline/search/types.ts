/** The shapes vector search works on: row-major float32 matrices of L2-normalised rows, and top-k results. */
export interface Matrix {
  data: Float32Array;
  rows: number;
  dims: number;
}

export interface SearchResult {
  /** queries × k row indices, nearest first; −1 where the corpus has fewer than k rows. */
  indices: Int32Array;
  /** queries × k inner products, matching `indices`. */
  scores: Float32Array;
  k: number;
}
