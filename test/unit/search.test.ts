/** Exact search, the HNSW graph, float16 vectors and the randomized SVD, each against an independent oracle. */
import { describe, expect, it } from 'vitest';
import { normalizeRows } from '../../pipeline/embedders/embedder.js';
import { pcaProject } from '../../pipeline/linalg/pca.js';
import { createRng } from '../../pipeline/linalg/random.js';
import { csrOperator, randomizedSvd, symmetricEigen, type Csr } from '../../pipeline/linalg/randomized-svd.js';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { topkModelSource } from '../../bench/fixtures/topk-graph.js';
import { decodeNpy, float16Bytes, npyHeader, NPY_DESCR } from '../../pipeline/npy.js';
import { buildHnsw, openHnsw, recallAtK } from '../../pipeline/search/hnsw.js';
import { ortExactSearch } from '../../pipeline/search/ort-exact.js';
import { tempDir } from '../helpers/corpus.js';

function randomMatrix(rows: number, dims: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return normalizeRows(
    Float32Array.from({ length: rows * dims }, () => rng.normal()),
    dims,
  );
}

/** The oracle: every dot product in float64, fully sorted (ties: lower row first). */
function bruteForce(corpus: Float32Array, rows: number, queries: Float32Array, q: number, dims: number, k: number): number[] {
  return Array.from({ length: rows }, (_, i) => {
    let s = 0;
    for (let j = 0; j < dims; j++) s += corpus[i * dims + j] * queries[q * dims + j];
    return [s, i] as const;
  })
    .sort((a, b) => b[0] - a[0] || a[1] - b[1])
    .slice(0, k)
    .map(([, i]) => i);
}

/** Unit vectors around `centers` random centres: the shape of real embeddings (topics), not uniform noise. */
function clustered(rows: number, dims: number, centers: number, seed: number): Float32Array {
  const rng = createRng(seed);
  const c = randomMatrix(centers, dims, seed + 1);
  const out = new Float32Array(rows * dims);
  for (let i = 0; i < rows; i++) {
    const ci = rng.int(centers);
    for (let j = 0; j < dims; j++) out[i * dims + j] = c[ci * dims + j] + rng.normal() * 0.15;
  }
  return normalizeRows(out, dims);
}

describe('exact search (onnxruntime Gemm + TopK, tiled)', () => {
  it('matches a full sort of every dot product, across corpus tiles and query blocks', async () => {
    const dims = 16;
    const corpus = randomMatrix(500, dims, 1);
    const queries = randomMatrix(600, dims, 2);
    const k = 7;
    for (const tileRows of [undefined, 64, 7]) {
      const r = await ortExactSearch({ data: corpus, rows: 500, dims }, { data: queries, rows: 600, dims }, k, { tileRows });
      for (let q = 0; q < 600; q += 13)
        expect(Array.from(r.indices.subarray(q * k, q * k + k)), `tile ${tileRows} query ${q}`).toEqual(bruteForce(corpus, 500, queries, q, dims, k));
    }
  });

  it('pads with −1 when the corpus has fewer rows than k', async () => {
    const r = await ortExactSearch({ data: randomMatrix(2, 4, 3), rows: 2, dims: 4 }, { data: randomMatrix(1, 4, 4), rows: 1, dims: 4 }, 4);
    expect(Array.from(r.indices.subarray(2))).toEqual([-1, -1]);
  });

  it('the committed exact-search graph is what bench/fixtures/topk-graph.ts generates (npm run gen:topk)', async () => {
    expect(await readFile(new URL('../../pipeline/search/topk-model.ts', import.meta.url), 'utf8')).toBe(topkModelSource());
  });
});

describe('HNSW graph (usearch)', () => {
  it('reaches recall@10 ≥ 0.95 against brute force on clustered vectors, after a save and a memory-mapped view', async () => {
    const dims = 32,
      rows = 4000,
      nq = 100,
      k = 10;
    const corpus = clustered(rows, dims, 40, 5);
    const queries = clustered(nq, dims, 40, 5 + 1000);
    const { dir, cleanup } = await tempDir();
    try {
      const file = path.join(dir, 'g.usearch');
      const settings = buildHnsw({ data: corpus, rows, dims }, { quantization: 'f32', connectivity: 16, expansion_add: 128, expansion_search: 64 }, file);
      const view = openHnsw(file, settings);
      const approx = view.search(queries, nq, k);
      const exact = {
        k,
        indices: Int32Array.from({ length: nq * k }, (_, i) => bruteForce(corpus, rows, queries, Math.floor(i / k), dims, k)[i % k]),
        scores: new Float32Array(nq * k),
      };
      expect(recallAtK(exact, approx)).toBeGreaterThanOrEqual(0.95);
      // Scores are inner products (usearch reports 1 − ip).
      const top = approx.indices[0];
      let ip = 0;
      for (let j = 0; j < dims; j++) ip += corpus[top * dims + j] * queries[j];
      expect(approx.scores[0]).toBeCloseTo(ip, 4);
      // One query alone (usearch answers it in another shape).
      expect(Array.from(view.search(queries.subarray(0, dims), 1, k).indices)).toEqual(Array.from(approx.indices.subarray(0, k)));
      // A graph opened with settings it was not built with is refused.
      expect(() => openHnsw(file, { ...settings, rows: rows + 1 })).toThrow(/does not belong to this index|manifest says/);
    } finally {
      await cleanup();
    }
  });
});

describe('float16 vectors', () => {
  it('round-trip through .npy within half precision, and rows read on demand equal the decoded matrix', async () => {
    const dims = 8,
      rows = 50;
    const m = randomMatrix(rows, dims, 9);
    const buf = Buffer.concat([npyHeader(rows, dims, NPY_DESCR.float16), float16Bytes(m)]);
    const back = decodeNpy(buf);
    for (let i = 0; i < m.length; i++) expect(Math.abs(back.data[i] - m[i])).toBeLessThanOrEqual(Math.abs(m[i]) * 2 ** -11 + 1e-7);
    expect(Array.from(decodeNpy(Buffer.concat([npyHeader(1, 4, NPY_DESCR.float16), float16Bytes(Float32Array.of(0, -2, 65504, 1e-6))])).data)).toEqual([
      0,
      -2,
      65504,
      Math.fround(1.0132789611816406e-6),
    ]);
  });
});

describe('randomized SVD and PCA', () => {
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
    const { data: proj, dims: k } = pcaProject({ data, rows: rows.length, dims }, rows, rows, 2, 1);
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
