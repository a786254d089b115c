/** The one matrix shape: row-major float32, `rows` × `dims` (vectors, embeddings, reduced points, queries). */
export interface Matrix {
  data: Float32Array;
  rows: number;
  dims: number;
}
