/**
 * One node's split with HDBSCAN, as the original Python plan's recursive_cluster does it: EOM with min_samples, and up to 3 retries
 * with min_cluster_size·0.5 and min_samples·0.8 (floor 5) while the result has ≤ 1 cluster and > 30 % noise. Nodes
 * larger than `sampleMax` are fitted on a seeded sample; every other point takes the label of its nearest sampled
 * neighbour.
 */
import type { ClusterConfig } from '../../pipeline/config.js';
import type { Rng } from '../../pipeline/linalg/random.js';
import { hdbscan } from './hdbscan/index.js';
import { loadUsearch, matchCount } from '../../pipeline/search/usearch.js';
import type { Matrix } from '../../pipeline/linalg/matrix.js';
import { sampleMembers } from './kmeans.js';
import { silhouette, type Split } from './silhouette.js';

const SILHOUETTE_SAMPLE = 1000;
const MAX_RETRIES = 3;

function rowsOf(v: Matrix, rows: Int32Array): Float32Array {
  const out = new Float32Array(rows.length * v.dims);
  rows.forEach((r, i) => out.set(v.data.subarray(r * v.dims, (r + 1) * v.dims), i * v.dims));
  return out;
}

/** Labels of every row from the labels of a sample: each row takes its nearest sampled neighbour's label. */
function propagate(v: Matrix, sample: Int32Array, sampleLabels: Int32Array): Int32Array {
  const n = v.rows;
  const labels = new Int32Array(n).fill(-1);
  const inSample = new Int32Array(n).fill(-1);
  sample.forEach((r, i) => {
    inSample[r] = i;
    labels[r] = sampleLabels[i];
  });
  const rest = Int32Array.from({ length: n }, (_, i) => i).filter((i) => inSample[i] < 0);
  if (!rest.length) return labels;
  const { Index } = loadUsearch();
  const index = new Index({ metric: 'l2sq', dimensions: v.dims, connectivity: 16, expansion_add: 64, expansion_search: 32 });
  index.add(
    BigUint64Array.from(sample, (_, i) => BigInt(i)),
    rowsOf(v, sample),
    1,
  ); // one thread: deterministic graph
  const found = index.search(rowsOf(v, rest), 1, 1);
  rest.forEach((r, i) => {
    if (matchCount(found, i) > 0) labels[r] = sampleLabels[Number(found.keys[i])];
  });
  return labels;
}

export function hdbscanSplit(
  v: Matrix,
  minSize: number,
  cfg: ClusterConfig,
  rng: Rng,
  silhouetteSample = SILHOUETTE_SAMPLE,
  maxRetries = MAX_RETRIES,
): (Split & { retries: number; assigned: number }) | null {
  const n = v.rows;
  const sample =
    n > cfg.sampleMax
      ? sampleMembers(
          Int32Array.from({ length: n }, (_, i) => i),
          cfg.sampleMax,
          rng,
        )
      : null;
  const points: Matrix = sample ? { data: rowsOf(v, sample), rows: sample.length, dims: v.dims } : v;
  // min_cluster_size is a share of the node: on a sample it shrinks with it.
  let mcs = sample ? Math.max(5, Math.round((minSize * sample.length) / n)) : minSize;
  let ms = cfg.minSamples;
  let result = hdbscan(points, { minClusterSize: mcs, minSamples: ms, method: cfg.selection, epsilon: cfg.selectionEpsilon });
  let retries = 0;
  const noiseShare = (l: Int32Array) => l.reduce((s, x) => s + (x < 0 ? 1 : 0), 0) / Math.max(1, l.length);
  while (result.clusters <= 1 && noiseShare(result.labels) > 0.3 && retries < maxRetries) {
    retries++;
    mcs = Math.max(5, Math.floor(mcs * 0.5));
    ms = Math.max(5, Math.floor(ms * 0.8));
    result = hdbscan(points, { minClusterSize: mcs, minSamples: ms, method: cfg.selection, epsilon: cfg.selectionEpsilon });
  }
  if (result.clusters <= 1) return null;
  const labels = sample ? propagate(v, sample, result.labels) : result.labels;
  const probe = sampleMembers(
    Int32Array.from({ length: n }, (_, i) => i),
    silhouetteSample,
    rng,
  );
  const sil = silhouette(
    v,
    probe,
    probe.map((i) => labels[i]),
  );
  return { labels, clusters: result.clusters, silhouette: sil, retries, assigned: sample ? n - sample.length : 0 };
}
