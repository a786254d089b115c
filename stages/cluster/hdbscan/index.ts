/**
 * HDBSCAN that scales: k-NN graph (exact or usearch HNSW) → core distances → minimum spanning tree of the mutual-
 * reachability graph → condensed tree → EOM or leaf selection. Deterministic: no randomness except inside HNSW
 * construction, which usearch seeds deterministically for a fixed insertion order.
 */
import type { Matrix } from '../../../pipeline/linalg/matrix.js';
import { knnGraph } from './knn.js';
import { condenseTree, labelPoints, selectClusters, type CondensedTree, type HdbscanLabels } from './single-linkage.js';
import { coreDistances, mutualReachabilityMst } from './spanning-tree.js';

export interface HdbscanOptions {
  minClusterSize: number;
  minSamples: number;
  method?: 'eom' | 'leaf';
  epsilon?: number;
  allowSingleCluster?: boolean;
}

export interface HdbscanResult extends HdbscanLabels {
  condensed: CondensedTree;
}

/** Neighbours kept per point: enough for core distances, and a well-connected graph at small n (cheap there). */
export function graphDegree(n: number, minSamples: number): number {
  return n <= 5000 ? Math.min(n - 1, Math.max(minSamples, 64)) : Math.max(minSamples, 15);
}

export function hdbscan(points: Matrix, opts: HdbscanOptions): HdbscanResult {
  const n = points.rows;
  const minSamples = Math.max(1, Math.min(opts.minSamples, n));
  if (n < 2) {
    return {
      labels: new Int32Array(n).fill(-1),
      probabilities: new Float64Array(n),
      outlierScores: new Float64Array(n),
      clusters: 0,
      condensed: condenseTree({ a: new Int32Array(), b: new Int32Array(), w: new Float64Array() }, Math.max(n, 1), opts.minClusterSize),
    };
  }
  const graph = knnGraph(points.data, n, points.dims, graphDegree(n, minSamples));
  const core = coreDistances(graph, n, minSamples);
  const mst = mutualReachabilityMst(points, graph, core);
  const condensed = condenseTree(mst, n, Math.max(2, opts.minClusterSize));
  const selected = selectClusters(condensed, {
    minClusterSize: opts.minClusterSize,
    method: opts.method ?? 'eom',
    epsilon: opts.epsilon ?? 0,
    allowSingleCluster: opts.allowSingleCluster ?? false,
  });
  return { ...labelPoints(condensed, selected), condensed };
}
