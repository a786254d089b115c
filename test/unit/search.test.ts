/** Exact search and the randomized SVD, each against an independent brute-force oracle. */
import { describe, expect, it } from 'vitest';
import { normalizeRows } from '../../pipeline/embedders/embedder.js';
import { pcaProject } from '../../pipeline/linalg/pca.js';
import { createRng } from '../../pipeline/linalg/random.js';
import { csrOperator, randomizedSvd, symmetricEigen, type Csr } from '../../pipeline/linalg/randomized-svd.js';
import { exactSearch } from '../../pipeline/search/exact.js';

function randomMatrix(rows: number, dims: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return normalizeRows(Float32Array.from({ length: rows * dims }, () => rng.normal()), dims);
}

describe('exact search', () => {
  it('matches a full sort of every dot product', () => {
    const dims = 16;
    const corpus = randomMatrix(500, dims, 1);
    const queries = randomMatrix(70, dims, 2);
    const k = 7;
    const r = exactSearch({ data: corpus, rows: 500, dims }, { data: queries, rows: 70, dims }, k);
    for (let q = 0; q < 70; q++) {
      const sims = Array.from({ length: 500 }, (_, i) => {
        let s = 0;
        for (let j = 0; j < dims; j++) s += corpus[i * dims + j] * queries[q * dims + j];
        return [Math.fround(s), i] as const;
      }).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
      expect(Array.from(r.indices.subarray(q * k, q * k + k))).toEqual(sims.slice(0, k).map(([, i]) => i));
    }
  });

  it('pads with −1 when the corpus has fewer rows than k', () => {
    const r = exactSearch({ data: randomMatrix(2, 4, 3), rows: 2, dims: 4 }, { data: randomMatrix(1, 4, 4), rows: 1, dims: 4 }, 4);
    expect(Array.from(r.indices).filter((i) => i === -1)).toHaveLength(2);
  });
});

describe('randomized SVD', () => {
  it('recovers the singular values of a low-rank sparse matrix (oracle: eigen-decomposition of XᵀX)', () => {
    const rng = createRng(5);
    const rows = 120;
    const cols = 40;
    const dense = new Float64Array(rows * cols);
    // rank-6 matrix: sum of outer products, then sparsified structure through the CSR
    for (let r = 0; r < 6; r++) {
      const u = Array.from({ length: rows }, () => rng.normal());
      const v = Array.from({ length: cols }, () => rng.normal());
      for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) dense[i * cols + j] += (6 - r) * u[i] * v[j];
    }
    const indptr = new Int32Array(rows + 1);
    const indices: number[] = [];
    const values: number[] = [];
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        indices.push(j);
        values.push(dense[i * cols + j]);
      }
      indptr[i + 1] = indices.length;
    }
    const csr: Csr = { rows, cols, indptr, indices: Int32Array.from(indices), values: Float64Array.from(values) };
    const { singularValues } = randomizedSvd(csrOperator(csr), 6, { seed: 1 });
    const xtx = new Float64Array(cols * cols);
    for (let i = 0; i < rows; i++) for (let a = 0; a < cols; a++) for (let b = 0; b < cols; b++) xtx[a * cols + b] += dense[i * cols + a] * dense[i * cols + b];
    const oracle = symmetricEigen(xtx, cols).values.slice(0, 6).map(Math.sqrt);
    for (let j = 0; j < 6; j++) expect(singularValues[j]).toBeCloseTo(oracle[j], 6);
  });

  it('PCA puts the direction of largest variance first', () => {
    const rng = createRng(9);
    const n = 400;
    const dims = 10;
    const data = new Float32Array(n * dims);
    for (let i = 0; i < n; i++) {
      const t = rng.normal() * 5;
      for (let j = 0; j < dims; j++) data[i * dims + j] = (j === 3 ? t : 0) + rng.normal() * 0.1 + 2;
    }
    const rows = Int32Array.from({ length: n }, (_, i) => i);
    const { data: proj, dims: k } = pcaProject({ data, dims, rows }, rows, 2, 1);
    let corr = 0;
    for (let i = 0; i < n; i++) corr += proj[i * k] * (data[i * dims + 3] - 2);
    let varFirst = 0;
    let varSecond = 0;
    for (let i = 0; i < n; i++) {
      varFirst += proj[i * k] ** 2;
      varSecond += proj[i * k + 1] ** 2;
    }
    expect(Math.abs(corr)).toBeGreaterThan(0);
    expect(varFirst / varSecond).toBeGreaterThan(100);
  });
});
