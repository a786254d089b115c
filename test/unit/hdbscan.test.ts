/**
 * The HDBSCAN engine against an independent exact reference: O(n²) core distances and a dense Prim MST of the full
 * mutual-reachability graph, fed to the same condensed-tree code. Partitions must be identical up to label
 * permutation. Plus recovery of known Gaussian-mixture labels.
 */
import { describe, expect, it } from 'vitest';
import { adjustedRandIndex } from '../../pipeline/linalg/agreement.js';
import { createRng } from '../../pipeline/linalg/random.js';
import { graphDegree, hdbscan } from '../../stages/cluster/hdbscan/index.js';
import { knnGraph } from '../../stages/cluster/hdbscan/knn.js';
import { coreDistances, knnMst } from '../../stages/cluster/hdbscan/spanning-tree.js';
import { condenseTree, labelPoints, selectClusters } from '../../stages/cluster/hdbscan/single-linkage.js';
import type { Matrix } from '../../pipeline/linalg/matrix.js';

function euclid(p: Matrix, a: number, b: number) {
  let s = 0;
  for (let j = 0; j < p.dims; j++) s += (p.data[a * p.dims + j] - p.data[b * p.dims + j]) ** 2;
  return Math.sqrt(s);
}

/** The reference: full distance matrix, core distances by sorting, Prim on the dense mutual-reachability graph. */
function referenceLabels(p: Matrix, minClusterSize: number, minSamples: number, method: 'eom' | 'leaf' = 'eom', epsilon = 0) {
  const n = p.rows;
  const core = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const d = Array.from({ length: n }, (_, j) => euclid(p, i, j)).sort((x, y) => x - y);
    core[i] = d[minSamples - 1]; // includes the point itself at d[0]
  }
  const inTree = new Uint8Array(n);
  const best = new Float64Array(n).fill(Infinity);
  const from = new Int32Array(n).fill(-1);
  const a: number[] = [];
  const b: number[] = [];
  const w: number[] = [];
  let cur = 0;
  inTree[0] = 1;
  for (let step = 1; step < n; step++) {
    for (let j = 0; j < n; j++) {
      if (inTree[j]) continue;
      const mr = Math.max(core[cur], core[j], euclid(p, cur, j));
      if (mr < best[j]) {
        best[j] = mr;
        from[j] = cur;
      }
    }
    let next = -1;
    for (let j = 0; j < n; j++) if (!inTree[j] && (next < 0 || best[j] < best[next])) next = j;
    inTree[next] = 1;
    a.push(from[next]);
    b.push(next);
    w.push(best[next]);
    cur = next;
  }
  const t = condenseTree({ a: Int32Array.from(a), b: Int32Array.from(b), w: Float64Array.from(w) }, n, minClusterSize);
  return labelPoints(t, selectClusters(t, { minClusterSize, method, epsilon, allowSingleCluster: false })).labels;
}

/** Same partition up to renaming of the labels (noise must match exactly). */
function samePartition(x: Int32Array, y: Int32Array): boolean {
  const fwd = new Map<number, number>();
  const back = new Map<number, number>();
  for (let i = 0; i < x.length; i++) {
    if (x[i] < 0 !== y[i] < 0) return false;
    if (x[i] < 0) continue;
    if ((fwd.get(x[i]) ?? y[i]) !== y[i] || (back.get(y[i]) ?? x[i]) !== x[i]) return false;
    fwd.set(x[i], y[i]);
    back.set(y[i], x[i]);
  }
  return true;
}

const ari = adjustedRandIndex;

interface Dataset {
  name: string;
  points: Matrix;
  truth: number[];
}

function mixture(
  name: string,
  seed: number,
  specs: Array<{ n: number; std: number }>,
  dims: number,
  noise: number,
  transform?: (x: number[]) => number[],
): Dataset {
  const rng = createRng(seed);
  const rows: number[][] = [];
  const truth: number[] = [];
  specs.forEach(({ n, std }, c) => {
    const centre = Array.from({ length: dims }, () => (rng.next() - 0.5) * 40);
    for (let i = 0; i < n; i++) {
      rows.push(centre.map((m) => m + rng.normal() * std));
      truth.push(c);
    }
  });
  for (let i = 0; i < noise; i++) {
    rows.push(Array.from({ length: dims }, () => (rng.next() - 0.5) * 50));
    truth.push(-1);
  }
  const data = Float32Array.from(rows.flatMap((r) => (transform ? transform(r) : r)));
  return { name, points: { data, rows: rows.length, dims }, truth };
}

const datasets: Dataset[] = [
  mixture(
    'blobs with noise',
    1,
    [
      { n: 300, std: 1 },
      { n: 250, std: 1 },
      { n: 200, std: 1 },
      { n: 150, std: 1 },
    ],
    8,
    100,
  ),
  mixture(
    'varied densities',
    2,
    [
      { n: 400, std: 0.5 },
      { n: 300, std: 1.5 },
      { n: 300, std: 3 },
    ],
    5,
    50,
  ),
  mixture(
    'anisotropic',
    3,
    [
      { n: 350, std: 1 },
      { n: 350, std: 1 },
      { n: 300, std: 1 },
    ],
    4,
    30,
    (x) => [x[0] * 0.6 - x[1] * 0.6, x[0] * -0.4 + x[1] * 0.8, x[2] * 3, x[3]],
  ),
  mixture(
    'many small clusters',
    4,
    Array.from({ length: 12 }, () => ({ n: 60, std: 0.8 })),
    10,
    80,
  ),
];

describe('HDBSCAN engine vs the exact O(n²) reference', () => {
  for (const ds of datasets) {
    it(`${ds.name}: identical partitions (EOM and leaf)`, () => {
      for (const [mcs, ms] of [
        [20, 10],
        [40, 5],
      ]) {
        const engine = hdbscan(ds.points, { minClusterSize: mcs, minSamples: ms });
        const ref = referenceLabels(ds.points, mcs, ms);
        expect(engine.clusters).toBeGreaterThan(1);
        expect(samePartition(engine.labels, ref), `${ds.name} mcs=${mcs} ms=${ms}`).toBe(true);
      }
      const leaf = hdbscan(ds.points, { minClusterSize: 20, minSamples: 10, method: 'leaf' });
      expect(samePartition(leaf.labels, referenceLabels(ds.points, 20, 10, 'leaf'))).toBe(true);
    });
  }

  it('the k-NN spanning tree used above 5,000 points stays within a few points of the exact one', () => {
    for (const ds of datasets) {
      const graph = knnGraph(ds.points.data, ds.points.rows, ds.points.dims, graphDegree(ds.points.rows, 10));
      const core = coreDistances(graph, ds.points.rows, 10);
      const t = condenseTree(knnMst(ds.points, graph, core), ds.points.rows, 20);
      const approx = labelPoints(t, selectClusters(t, { minClusterSize: 20, method: 'eom', epsilon: 0, allowSingleCluster: false }));
      const ref = referenceLabels(ds.points, 20, 10);
      expect(approx.clusters, ds.name).toBe(new Set(Array.from(ref).filter((x) => x >= 0)).size);
      expect(ari(approx.labels, ref), ds.name).toBeGreaterThanOrEqual(0.99);
    }
  });

  it('recovers Gaussian-mixture labels (ARI ≥ 0.9 on the non-noise points)', () => {
    for (const ds of datasets) {
      const r = hdbscan(ds.points, { minClusterSize: 20, minSamples: 10 });
      const keep = ds.truth.map((t, i) => (t >= 0 ? i : -1)).filter((i) => i >= 0);
      const score = ari(
        keep.map((i) => ds.truth[i]),
        keep.map((i) => r.labels[i]),
      );
      expect(score, ds.name).toBeGreaterThanOrEqual(0.9);
    }
  });

  it('cluster_selection_epsilon merges clusters born closer than ε', () => {
    const ds = datasets[3];
    const fine = hdbscan(ds.points, { minClusterSize: 20, minSamples: 10 });
    const coarse = hdbscan(ds.points, { minClusterSize: 20, minSamples: 10, epsilon: 1e6 });
    expect(samePartition(coarse.labels, referenceLabels(ds.points, 20, 10, 'eom', 1e6))).toBe(true);
    expect(coarse.clusters).toBeLessThanOrEqual(fine.clusters);
  });

  it('membership strengths and outlier scores are in [0, 1]; noise has strength 0; deterministic', () => {
    const ds = datasets[0];
    const r = hdbscan(ds.points, { minClusterSize: 20, minSamples: 10 });
    for (let i = 0; i < ds.points.rows; i++) {
      expect(r.probabilities[i]).toBeGreaterThanOrEqual(0);
      expect(r.probabilities[i]).toBeLessThanOrEqual(1);
      expect(r.outlierScores[i]).toBeGreaterThanOrEqual(0);
      expect(r.outlierScores[i]).toBeLessThanOrEqual(1);
      if (r.labels[i] < 0) expect(r.probabilities[i]).toBe(0);
    }
    const meanScore = (pred: (i: number) => boolean) => {
      const ids = ds.truth.map((_, i) => i).filter(pred);
      return ids.reduce((s, i) => s + r.outlierScores[i], 0) / ids.length;
    };
    expect(meanScore((i) => ds.truth[i] < 0)).toBeGreaterThan(meanScore((i) => ds.truth[i] >= 0));
    expect(Array.from(hdbscan(ds.points, { minClusterSize: 20, minSamples: 10 }).labels)).toEqual(Array.from(r.labels));
  });

  it('handles tiny and degenerate inputs', () => {
    expect(hdbscan({ data: new Float32Array(0), rows: 0, dims: 3 }, { minClusterSize: 5, minSamples: 5 }).clusters).toBe(0);
    const dup = { data: new Float32Array(30 * 2).fill(1), rows: 30, dims: 2 };
    const r = hdbscan(dup, { minClusterSize: 5, minSamples: 5 });
    expect(r.labels).toHaveLength(30);
  });
});
