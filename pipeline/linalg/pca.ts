/**
 * PCA of a subset of rows of an embedding matrix: centre, fit the top components by randomized SVD on (a seeded
 * sample of) the rows, project every row. Used per cluster node, where the seed used UMAP to 50 dims.
 */
import { addRowTimesMatrix, addTransposedProduct } from './dense.js';
import { randomizedSvd, type LinearOperator } from './randomized-svd.js';

export interface RowsView {
  data: Float32Array;
  dims: number;
  rows: Int32Array;
}

function meanOf(v: RowsView): Float64Array {
  const mean = new Float64Array(v.dims);
  for (const r of v.rows) for (let j = 0; j < v.dims; j++) mean[j] += v.data[r * v.dims + j];
  for (let j = 0; j < v.dims; j++) mean[j] /= Math.max(1, v.rows.length);
  return mean;
}

function centredOperator(v: RowsView, mean: Float64Array): LinearOperator {
  const { data, dims, rows } = v;
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
 * Rows of `all` projected on the top `k` principal axes fitted on `fit` (a subset of `all`), as a row-major
 * all.rows.length × k matrix.
 */
export function pcaProject(all: RowsView, fit: Int32Array, k: number, seed: number): { data: Float32Array; dims: number } {
  const dims = Math.min(k, all.dims, Math.max(1, fit.length - 1));
  const view: RowsView = { data: all.data, dims: all.dims, rows: fit };
  const mean = meanOf(view);
  const { components } = randomizedSvd(centredOperator(view, mean), dims, { seed, powerIterations: 1 });
  // (x − μ)·C = x·C − μ·C
  const shift = new Float64Array(dims);
  addRowTimesMatrix(shift, 0, mean, 0, all.dims, components, dims);
  const row = new Float64Array(dims);
  const out = new Float32Array(all.rows.length * dims);
  all.rows.forEach((r, i) => {
    row.fill(0);
    addRowTimesMatrix(row, 0, all.data, r * all.dims, all.dims, components, dims);
    for (let c = 0; c < dims; c++) out[i * dims + c] = row[c] - shift[c];
  });
  return { data: out, dims };
}
