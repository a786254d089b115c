/** Top-k results of vector search (over Matrix rows that are L2-normalised). */

export interface SearchResult {
  /** queries × k row indices, nearest first; −1 where the corpus has fewer than k rows. */
  indices: Int32Array;
  /** queries × k inner products, matching `indices`. */
  scores: Float32Array;
  k: number;
}
