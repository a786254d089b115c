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
import { sampleMembers, sphericalKmeans } from './kmeans.js';
import { silhouette, type Split } from './silhouette.js';

export function minClusterSize(n: number, depth: number, cfg: ClusterConfig): number {
  const floor = Math.max(5, Math.floor(10 / 2 ** depth));
  return Math.max(floor, Math.floor(n * cfg.basePct * cfg.decay ** depth));
}

const SILHOUETTE_SAMPLE = 500;
const PCA_FIT_SAMPLE = 2000;
/**
 * k-means always splits, even where there is no structure (unlike HDBSCAN), so below the top level it only splits
 * a node whose clusters would average ≥ 40 chunks: smaller, the demo corpus's leaves got noise for names. The top
 * level splits whenever two clusters of min_cluster_size fit, so a small corpus still shows its main topics.
 */
const MIN_EXPECTED_CLUSTER = 40;

/**
 * Fan-out split: k = min(maxK, n / (2·min_cluster_size), and n / 40 below the top level), k-means, clusters under min_cluster_size become noise; if fewer
 * than two clusters survive, k shrinks. Measured on the demo corpus, choosing k by best silhouette always picked
 * k = 2 (text silhouettes are flat and low), which gave vague two-way splits; a fixed fan-out reads better, and the
 * silhouette still gates recursion as in the original Python plan. The HDBSCAN engine chooses its own number of clusters.
 */
function fanOutSplit(v: Matrix, members: Int32Array, minSize: number, depth: number, cfg: ClusterConfig, rng: Rng): Split | null {
  const probe = sampleMembers(Int32Array.from(members.keys()), SILHOUETTE_SAMPLE, rng);
  const perCluster = depth === 0 ? 2 * minSize : Math.max(2 * minSize, MIN_EXPECTED_CLUSTER);
  for (let k = Math.min(cfg.maxK, Math.floor(members.length / perCluster)); k >= 2; k--) {
    const { labels } = sphericalKmeans(v, members, k, rng);
    const sizes = new Int32Array(k);
    for (const l of labels) sizes[l]++;
    const remap = new Int32Array(k).fill(-1);
    let clusters = 0;
    for (let c = 0; c < k; c++) if (sizes[c] >= minSize) remap[c] = clusters++;
    if (clusters < 2) continue;
    const final = labels.map((l) => remap[l]);
    const sil = silhouette(
      v,
      probe.map((i) => members[i]),
      probe.map((i) => final[i]),
    );
    return { labels: final, clusters, silhouette: sil };
  }
  return null;
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
}

export function buildClusterTree(v: Matrix, opts: BuildTreeOptions): ClusterNode & { buildStats?: TreeBuildStats } {
  const { cfg } = opts;
  const n = v.rows;
  const buildStats: TreeBuildStats = { retries: 0, assignedBySampling: 0 };
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
    let result: Split | null;
    if (cfg.engine === 'hdbscan') {
      const r = hdbscanSplit(reduced, minSize, cfg, rng);
      if (r) {
        buildStats.retries += r.retries;
        buildStats.assignedBySampling += r.assigned;
      }
      result = r;
    } else {
      result = fanOutSplit(
        reduced,
        Int32Array.from({ length: members.length }, (_, i) => i),
        minSize,
        node.depth,
        cfg,
        rng,
      );
    }
    if (!result) return; // ≤ 1 cluster: leaf with silhouette 0
    node.silhouette = result.silhouette;
    const groups: number[][] = Array.from({ length: result.clusters }, () => []);
    const noise: number[] = [];
    result.labels.forEach((l, i) => (l < 0 ? noise : groups[l]).push(members[i]));
    // Biggest child first, so ids read in order of weight; ties by first member for determinism.
    groups.sort((a, b) => b.length - a.length || a[0] - b[0]);
    node.noise_indices = noise.sort((a, b) => a - b);
    node.children = groups.map((g, c) => makeNode(`${node.cluster_id}.${c}`, node.depth + 1, Int32Array.from(g).sort()));
    const deeper = recurse && result.silhouette < cfg.silhouetteThreshold;
    if (deeper) node.children.forEach((child) => split(child, Int32Array.from(child.indices), true));
  };

  const root = makeNode('0', 0, all);
  split(root, all, true);
  Object.defineProperty(root, 'buildStats', { value: buildStats, enumerable: false });
  return root;
}
