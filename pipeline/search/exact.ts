/**
 * Exact k-NN by inner product on L2-normalised rows (cosine), tiled over query blocks so each corpus row is
 * read once per block while it is hot in cache. Memory is O(queries·k). Vector search at 10⁶ rows
 * (onnxruntime / HNSW) replaces this behind the same signature.
 */
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

const QUERY_BLOCK = 32;

export function exactSearch(corpus: Matrix, queries: Matrix, k: number): SearchResult {
  const { dims } = corpus;
  const q = queries.rows;
  const indices = new Int32Array(q * k).fill(-1);
  const scores = new Float32Array(q * k).fill(-Infinity);
  const sims = new Float64Array(QUERY_BLOCK);
  for (let q0 = 0; q0 < q; q0 += QUERY_BLOCK) {
    const qn = Math.min(QUERY_BLOCK, q - q0);
    for (let r = 0; r < corpus.rows; r++) {
      const ro = r * dims;
      for (let b = 0; b < qn; b++) {
        const qo = (q0 + b) * dims;
        let s = 0;
        for (let j = 0; j < dims; j++) s += corpus.data[ro + j] * queries.data[qo + j];
        sims[b] = s;
      }
      for (let b = 0; b < qn; b++) {
        const base = (q0 + b) * k;
        const s = sims[b];
        if (s <= scores[base + k - 1] && indices[base + k - 1] !== -1) continue;
        // Insertion into the sorted top-k list; ties keep the lower row index first.
        let pos = k - 1;
        while (pos > 0 && (indices[base + pos - 1] === -1 || s > scores[base + pos - 1])) {
          scores[base + pos] = scores[base + pos - 1];
          indices[base + pos] = indices[base + pos - 1];
          pos--;
        }
        scores[base + pos] = s;
        indices[base + pos] = r;
      }
    }
  }
  return { indices, scores, k };
}
