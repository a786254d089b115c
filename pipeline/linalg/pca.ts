/**
 * PCA of a subset of rows of an embedding matrix: centre, fit the top components by randomized SVD on (a seeded
 * sample of) the rows, project every row. Used per cluster node, where the original Python plan used UMAP to 50 dims.
 */
import { addRowTimesMatrix, addTransposedProduct } from './dense.js';
import type { Matrix } from './matrix.js';
import { randomizedSvd, type LinearOperator } from './randomized-svd.js';

/** Mean of the given rows of `m`. */
function meanOf(m: Matrix, rows: Int32Array): Float64Array {
  const mean = new Float64Array(m.dims);
  for (const r of rows) for (let j = 0; j < m.dims; j++) mean[j] += m.data[r * m.dims + j];
  for (let j = 0; j < m.dims; j++) mean[j] /= Math.max(1, rows.length);
  return mean;
}

/** The given rows of `m`, centred on `mean`, as an operator for the randomized SVD. */
function centredOperator(m: Matrix, rows: Int32Array, mean: Float64Array): LinearOperator {
  const { data, dims } = m;
  return {
    rows: rows.length,
    cols: dims,
    mul(d, l) {
      const shift = new Float64Array(l);
      addRowTimesMatrix(shift, 0, mean, 0, dims, d, l);
      const out = new Float64Array(rows.length * l);
      rows.forEach((r, i) => {
        addRowTimesMatrix(out, i * l, data, r * dims, dims, d, l);
        for (let c = 0; c < l; c++) out[i * l + c] -= shift[c];
      });
      return out;
    },
    mulT(d, l) {
      const out = new Float64Array(dims * l);
      addTransposedProduct(out, data, rows, dims, d, l);
      const colSum = new Float64Array(l);
      for (let i = 0; i < rows.length; i++) for (let c = 0; c < l; c++) colSum[c] += d[i * l + c];
      for (let j = 0; j < dims; j++) for (let c = 0; c < l; c++) out[j * l + c] -= mean[j] * colSum[c];
      return out;
    },
  };
}

/**
 * The `members` rows of `m` projected on the top `k` principal axes fitted on the `fit` rows (a subset of
 * `members`): a members.length × k matrix.
 */
export function pcaProject(m: Matrix, members: Int32Array, fit: Int32Array, k: number, seed: number): Matrix {
  const dims = Math.min(k, m.dims, Math.max(1, fit.length - 1));
  const mean = meanOf(m, fit);
  const { components } = randomizedSvd(centredOperator(m, fit, mean), dims, { seed, powerIterations: 1 });
  // (x − μ)·C = x·C − μ·C
  const shift = new Float64Array(dims);
  addRowTimesMatrix(shift, 0, mean, 0, m.dims, components, dims);
  const row = new Float64Array(dims);
  const out = new Float32Array(members.length * dims);
  members.forEach((r, i) => {
    row.fill(0);
    addRowTimesMatrix(row, 0, m.data, r * m.dims, m.dims, components, dims);
    for (let c = 0; c < dims; c++) out[i * dims + c] = row[c] - shift[c];
  });
  return { data: out, rows: members.length, dims };
}
