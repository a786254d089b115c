/**
 * The original Python plan's recursive scheme around a flat clusterer, HDBSCAN
 * (hdbscan-split.ts) or spherical k-means (below):
 * min_cluster_size = max(floor, n·base_pct·decay^depth) with floor = max(5, 10 // 2^depth); a node is a leaf
 * when depth ≥ max_depth, n < 10 or the split yields ≤ 1 cluster; children are split further only while the
 * silhouette is below the threshold. Members of clusters smaller than min_cluster_size are the node's noise.
 */
import type { ClusterConfig } from '../../pipeline/config.js';
import type { ClusterNode } from '../../pipeline/corpus-index/tree.js';
import { hashValue } from '../../pipeline/hash.js';
import { normalizeRows } from '../../pipeline/embedders/embedder.js';
import { pcaProject } from '../../pipeline/linalg/pca.js';
import { createRng, type Rng } from '../../pipeline/linalg/random.js';
import type { Progress } from '../../pipeline/reporter.js';
import { hdbscanSplit } from './hdbscan-split.js';
import type { Matrix } from '../../pipeline/linalg/matrix.js';
import { nearestCentroid, sampleMembers, sphericalKmeans } from './kmeans.js';
import { silhouette, type Split } from './silhouette.js';

export function minClusterSize(n: number, depth: number, cfg: ClusterConfig): number {
  const floor = Math.max(5, Math.floor(10 / 2 ** depth));
  return Math.max(floor, Math.floor(n * cfg.basePct * cfg.decay ** depth));
}

const SILHOUETTE_SAMPLE = 500;
const PCA_FIT_SAMPLE = 1000;
/** Points each k-means seeding is refined on; every member is then assigned to its nearest centroid. */
const KMEANS_SAMPLE = 5000;
/**
 * k-means always splits, even where there is no structure (unlike HDBSCAN), so below the top level it only splits
 * a node whose clusters would average ≥ 40 chunks: smaller, the demo corpus's leaves got noise for names. The top
 * level splits whenever two clusters of min_cluster_size fit, so a small corpus still shows its main topics.
 */
const MIN_EXPECTED_CLUSTER = 40;

/**
 * Below the top level a split gets at most this many seedings: the top level decides what a user reads first, and
 * the deeper levels hold most of the splits (bench:demo-build).
 */
const DEEP_RESTARTS = 3;
/** k-means seedings per candidate k while choosing k; the chosen k is then fitted with the configured restarts. */
const SELECTION_RESTARTS = 2;

/** One k-means split of the node into k; clusters under minSize become noise. Null when fewer than two survive. */
function kmeansSplit(v: Matrix, members: Int32Array, k: number, minSize: number, restarts: number, probe: Int32Array, rng: Rng): Split | null {
  const { labels } = sphericalKmeans(v, members, k, rng, { restarts, sample: KMEANS_SAMPLE });
  const sizes = new Int32Array(k);
  for (const l of labels) sizes[l]++;
  const remap = new Int32Array(k).fill(-1);
  let clusters = 0;
  for (let c = 0; c < k; c++) if (sizes[c] >= minSize) remap[c] = clusters++;
  if (clusters < 2) return null;
  const final = labels.map((l) => remap[l]);
  const sil = silhouette(
    v,
    probe.map((i) => members[i]),
    probe.map((i) => final[i]),
  );
  return { labels: final, clusters, silhouette: sil };
}

/**
 * k-means split of a node. k ranges over 2 … min(maxK, n / (2·min_cluster_size), and n / 40 below the top level);
 * with `kSelection: silhouette` each k is tried (SELECTION_RESTARTS seedings) and the one with the highest
 * silhouette on a probe sample wins, with `fixed` the largest k is taken. The winner is fitted again with the
 * configured restarts. bench/cluster-quality.ts measured both against source labels (README "Clustering").
 */
function fanOutSplit(v: Matrix, members: Int32Array, minSize: number, depth: number, cfg: ClusterConfig, rng: Rng): Split | null {
  const probe = sampleMembers(Int32Array.from(members.keys()), SILHOUETTE_SAMPLE, rng);
  const perCluster = depth === 0 ? 2 * minSize : Math.max(2 * minSize, MIN_EXPECTED_CLUSTER);
  const top = Math.min(cfg.maxK, Math.floor(members.length / perCluster));
  let candidates = Array.from({ length: Math.max(0, top - 1) }, (_, i) => top - i); // top … 2
  if (cfg.kSelection === 'silhouette' && candidates.length > 1) {
    const scored = candidates
      .map((k) => ({ k, split: kmeansSplit(v, members, k, minSize, SELECTION_RESTARTS, probe, rng) }))
      .filter((c) => c.split !== null)
      .sort((a, b) => b.split!.silhouette - a.split!.silhouette || b.k - a.k);
    candidates = [...scored.map((c) => c.k), ...candidates.filter((k) => !scored.some((c) => c.k === k))];
  }
  const restarts = depth === 0 ? cfg.restarts : Math.min(cfg.restarts, DEEP_RESTARTS);
  for (const k of candidates) {
    const split = kmeansSplit(v, members, k, minSize, restarts, probe, rng);
    if (split) return split;
  }
  return null;
}

/**
 * HDBSCAN finds structure in a node when it returns ≥ 2 clusters that leave at most this share of the node as
 * noise; otherwise the `auto` engine splits the node with k-means.
 */
const AUTO_MAX_NOISE = 0.3;
/** Points the `auto` engine's HDBSCAN probe is fitted on (the rest take their nearest sampled neighbour's label). */
const AUTO_HDBSCAN_SAMPLE = 600;
/** The probe's retries with a smaller min_cluster_size (the seed's loop allows 3); each is a full HDBSCAN run. */
const AUTO_RETRIES = 1;

/** Gives each noise point (label −1) the cluster whose mean direction is nearest (cosine); returns how many. */
function joinNearest(v: Matrix, labels: Int32Array, clusters: number): number {
  const { data, dims } = v;
  const centroids = new Float64Array(clusters * dims);
  labels.forEach((l, i) => {
    if (l >= 0) for (let j = 0; j < dims; j++) centroids[l * dims + j] += data[i * dims + j];
  });
  for (let c = 0; c < clusters; c++) {
    let norm = 0;
    for (let j = 0; j < dims; j++) norm += centroids[c * dims + j] ** 2;
    const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let j = 0; j < dims; j++) centroids[c * dims + j] *= inv;
  }
  let moved = 0;
  labels.forEach((l, i) => {
    if (l >= 0) return;
    labels[i] = nearestCentroid(v, i, centroids, clusters)[0];
    moved++;
  });
  return moved;
}

export interface BuildTreeOptions {
  cfg: ClusterConfig;
  progress?: Progress;
}

/** Per-run facts for stats.json. */
export interface TreeBuildStats {
  retries: number;
  /** Points labelled by their nearest sampled neighbour because their node exceeded sampleMax. */
  assignedBySampling: number;
  /** Splits made by each flat clusterer (the `auto` engine picks per node). */
  splits: { hdbscan: number; kmeans: number };
  /** HDBSCAN outliers the `auto` engine gave to their nearest cluster. */
  noiseReassigned: number;
}

export function buildClusterTree(v: Matrix, opts: BuildTreeOptions): ClusterNode & { buildStats?: TreeBuildStats } {
  const { cfg } = opts;
  const n = v.rows;
  const buildStats: TreeBuildStats = { retries: 0, assignedBySampling: 0, splits: { hdbscan: 0, kmeans: 0 }, noiseReassigned: 0 };
  const all = Int32Array.from({ length: n }, (_, i) => i);

  const makeNode = (id: string, depth: number, members: Int32Array): ClusterNode => ({
    cluster_id: id,
    depth,
    size: members.length,
    silhouette: 0,
    indices: Array.from(members),
    noise_indices: [],
    sample_texts: [],
    children: [],
    name: '',
    name_source: '',
  });

  const split = (node: ClusterNode, members: Int32Array, recurse: boolean) => {
    opts.progress?.tick();
    if (node.depth >= cfg.maxDepth) return;
    if (members.length < 10) {
      node.silhouette = 1;
      return;
    }
    const seed = Number.parseInt(hashValue([cfg.seed, node.cluster_id]).slice(0, 8), 16);
    const rng = createRng(seed);
    // Reduce the node's own points first (the original Python plan used UMAP to 50-d): directions that separate this node's
    // topics, not the corpus-wide ones. A small node gets fewer dims (one per 10 points): more would fit noise.
    const dims = Math.min(cfg.reduceDims, Math.max(2, Math.floor(members.length / 10)));
    const reduced = pcaProject(v, members, sampleMembers(members, PCA_FIT_SAMPLE, rng), dims, seed);
    normalizeRows(reduced.data, reduced.dims);
    const minSize = minClusterSize(members.length, node.depth, cfg);
    let result: Split | null = null;
    let method: 'hdbscan' | 'kmeans' = 'kmeans';
    if (cfg.engine !== 'kmeans') {
      const r =
        cfg.engine === 'auto'
          ? hdbscanSplit(reduced, minSize, { ...cfg, sampleMax: AUTO_HDBSCAN_SAMPLE }, rng, SILHOUETTE_SAMPLE, AUTO_RETRIES)
          : hdbscanSplit(reduced, minSize, cfg, rng);
      if (r) {
        buildStats.retries += r.retries;
        buildStats.assignedBySampling += r.assigned;
      }
      const noise = r ? r.labels.reduce((s, l) => s + (l < 0 ? 1 : 0), 0) / r.labels.length : 1;
      if (r && (cfg.engine === 'hdbscan' || noise <= AUTO_MAX_NOISE)) {
        result = r;
        method = 'hdbscan';
        // `auto` names every chunk: its HDBSCAN outliers join the nearest cluster instead of staying node noise.
        if (cfg.engine === 'auto') buildStats.noiseReassigned += joinNearest(reduced, r.labels, r.clusters);
      }
    }
    if (!result && cfg.engine !== 'hdbscan') {
      result = fanOutSplit(
        reduced,
        Int32Array.from({ length: members.length }, (_, i) => i),
        minSize,
        node.depth,
        cfg,
        rng,
      );
    }
    if (result) buildStats.splits[method]++;
    if (!result) return; // ≤ 1 cluster: leaf with silhouette 0
    node.silhouette = result.silhouette;
    const groups: number[][] = Array.from({ length: result.clusters }, () => []);
    const noise: number[] = [];
    result.labels.forEach((l, i) => (l < 0 ? noise : groups[l]).push(members[i]));
    // Biggest child first, so ids read in order of weight; ties by first member for determinism.
    groups.sort((a, b) => b.length - a.length || a[0] - b[0]);
    node.noise_indices = noise.sort((a, b) => a - b);
    node.children = groups.map((g, c) => makeNode(`${node.cluster_id}.${c}`, node.depth + 1, Int32Array.from(g).sort()));
    // The original Python plan splits children further only while the split's silhouette is below the threshold; the
    // `hdbscan` engine keeps that rule. The other engines always recurse (the size rules above end it): in a topic
    // space (LSA) a clean split scores above the threshold, and the tree would stop at its first level.
    const deeper = recurse && (cfg.engine !== 'hdbscan' || result.silhouette < cfg.silhouetteThreshold);
    if (deeper) node.children.forEach((child) => split(child, Int32Array.from(child.indices), true));
  };

  const root = makeNode('0', 0, all);
  split(root, all, true);
  Object.defineProperty(root, 'buildStats', { value: buildStats, enumerable: false });
  return root;
}
