/**
 * k-nearest-neighbour graph in Euclidean distance, self excluded: exact blocked brute force for small inputs,
 * usearch HNSW above EXACT_KNN_MAX points.
 */
import { loadUsearch, matchCount } from '../../../pipeline/search/usearch.js';

export const EXACT_KNN_MAX = 5000;

export interface KnnGraph {
  k: number;
  /** n × k neighbour ids, nearest first. */
  indices: Int32Array;
  /** n × k Euclidean distances, ascending. */
  distances: Float64Array;
  /** Wider neighbourhoods of some points (approximate graphs only): used to join disconnected components. */
  wider?: (ids: number[], k: number) => number[][];
}

/** Squared distances from row r to queries q0…q0+qn−1, four queries per pass over the row, in float64. */
function rowSqDists(x: Float32Array, r: number, q0: number, qn: number, dims: number, out: Float64Array): void {
  const ro = r * dims;
  let b = 0;
  for (; b + 4 <= qn; b += 4) {
    const o0 = (q0 + b) * dims;
    const o1 = o0 + dims;
    const o2 = o1 + dims;
    const o3 = o2 + dims;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let j = 0; j < dims; j++) {
      const v = x[ro + j];
      const d0 = v - x[o0 + j];
      const d1 = v - x[o1 + j];
      const d2 = v - x[o2 + j];
      const d3 = v - x[o3 + j];
      s0 += d0 * d0;
      s1 += d1 * d1;
      s2 += d2 * d2;
      s3 += d3 * d3;
    }
    out[b] = s0;
    out[b + 1] = s1;
    out[b + 2] = s2;
    out[b + 3] = s3;
  }
  for (; b < qn; b++) {
    const o = (q0 + b) * dims;
    let s = 0;
    for (let j = 0; j < dims; j++) {
      const d = x[ro + j] - x[o + j];
      s += d * d;
    }
    out[b] = s;
  }
}

/** Exact k-NN by blocked brute force in float64 (stable: no |x|² − 2x·y cancellation). Ties: lower index first. */
function exactKnn(data: Float32Array, n: number, dims: number, k: number): KnnGraph {
  const indices = new Int32Array(n * k).fill(-1);
  const distances = new Float64Array(n * k).fill(Infinity);
  const BLOCK = 64;
  const d2 = new Float64Array(BLOCK);
  for (let q0 = 0; q0 < n; q0 += BLOCK) {
    const qn = Math.min(BLOCK, n - q0);
    for (let r = 0; r < n; r++) {
      rowSqDists(data, r, q0, qn, dims, d2);
      for (let b = 0; b < qn; b++) {
        const q = q0 + b;
        if (q === r) continue;
        const base = q * k;
        const v = d2[b];
        if (v >= distances[base + k - 1]) continue;
        let pos = k - 1;
        while (pos > 0 && v < distances[base + pos - 1]) {
          distances[base + pos] = distances[base + pos - 1];
          indices[base + pos] = indices[base + pos - 1];
          pos--;
        }
        distances[base + pos] = v;
        indices[base + pos] = r;
      }
    }
  }
  for (let i = 0; i < distances.length; i++) distances[i] = Math.sqrt(distances[i]);
  return { k, indices, distances };
}

function approximateKnn(data: Float32Array, n: number, dims: number, k: number): KnnGraph {
  const { Index } = loadUsearch();
  const index = new Index({ metric: 'l2sq', dimensions: dims, connectivity: 16, expansion_add: 128, expansion_search: Math.max(64, 2 * k) });
  const keys = new BigUint64Array(n);
  for (let i = 0; i < n; i++) keys[i] = BigInt(i);
  // One thread: concurrent insertion makes the HNSW graph, and so the clusters, differ from run to run.
  index.add(keys, data, 1);
  const r = index.search(data, k + 1, 1);
  const graph = dropSelf(
    n,
    k,
    (i, j) => (j < matchCount(r, i) ? Number(r.keys[i * (k + 1) + j]) : -1),
    (i, j) => Math.sqrt(Math.max(0, r.distances[i * (k + 1) + j])),
  );
  graph.wider = (ids, kk) => {
    const q = new Float32Array(ids.length * dims);
    ids.forEach((id, i) => q.set(data.subarray(id * dims, (id + 1) * dims), i * dims));
    const w = index.search(q, Math.min(kk, n), 1);
    const kw = Math.min(kk, n);
    return ids.map((_, i) => Array.from({ length: matchCount(w, i) }, (_, j) => Number(w.keys[i * kw + j])));
  };
  return graph;
}

/** Keeps the k nearest other points per row (a duplicate point may precede the point itself). */
function dropSelf(n: number, k: number, id: (i: number, j: number) => number, dist: (i: number, j: number) => number): KnnGraph {
  const indices = new Int32Array(n * k).fill(-1);
  const distances = new Float64Array(n * k).fill(Infinity);
  for (let i = 0; i < n; i++) {
    let o = 0;
    for (let j = 0; j <= k && o < k; j++) {
      const x = id(i, j);
      if (x === i || x < 0) continue;
      indices[i * k + o] = x;
      distances[i * k + o] = dist(i, j);
      o++;
    }
  }
  return { k, indices, distances };
}

export function knnGraph(data: Float32Array, n: number, dims: number, k: number): KnnGraph {
  const kk = Math.max(1, Math.min(k, n - 1));
  return n <= EXACT_KNN_MAX ? exactKnn(data, n, dims, kk) : approximateKnn(data, n, dims, kk);
}
