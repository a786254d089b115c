/** cluster: embeddings → tree.json, chunk_to_cluster.json, stats.json. */
import { buildChunkToCluster, walkTree, type ClusterNode } from '../../pipeline/corpus-index/tree.js';
import { writeJson } from '../../pipeline/store/store.js';
import { chunkRecords, defineStage, inputKey, outputKey } from '../contracts.js';
import { buildClusterTree } from './recursive.js';
import { clusterSpace } from './space.js';

const SAMPLE_TEXTS = 5;
const SAMPLE_CHARS = 200;

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);

export function clusterStats(root: ClusterNode, total: number) {
  const levels = new Map<number, { clusters: number; noise: number; members: number; silhouettes: number[]; sizes: number[] }>();
  const sizes: number[] = [];
  let leaves = 0;
  for (const node of walkTree(root)) {
    const l = levels.get(node.depth) ?? { clusters: 0, noise: 0, members: 0, silhouettes: [], sizes: [] };
    l.clusters++;
    l.sizes.push(node.size);
    if (node.children.length) {
      l.noise += node.noise_indices.length;
      l.members += node.size;
      l.silhouettes.push(node.silhouette);
    }
    levels.set(node.depth, l);
    if (!node.children.length) {
      leaves++;
      sizes.push(node.size);
    }
  }
  return {
    total_chunks: total,
    total_clusters: levels.size ? [...levels.values()].reduce((s, l) => s + l.clusters, 0) : 0,
    leaf_clusters: leaves,
    max_depth: Math.max(...levels.keys()),
    clusters_per_level: Object.fromEntries([...levels].map(([d, l]) => [d, l.clusters])),
    noise_fraction_per_level: Object.fromEntries([...levels].filter(([, l]) => l.members > 0).map(([d, l]) => [d, l.noise / l.members])),
    /** Mean silhouette of the splits made at each depth (the split of a node below it). */
    silhouette_per_level: Object.fromEntries([...levels].filter(([, l]) => l.silhouettes.length).map(([d, l]) => [d, mean(l.silhouettes)])),
    cluster_size_per_level: Object.fromEntries([...levels].map(([d, l]) => [d, { min: Math.min(...l.sizes), max: Math.max(...l.sizes), mean: mean(l.sizes) }])),
    leaf_size: { min: Math.min(...sizes), max: Math.max(...sizes), mean: mean(sizes) },
    root_silhouette: root.silhouette,
  };
}

export const clusterStage = defineStage('cluster', {
  description: 'build the recursive cluster tree',
  inputs: ['prepare', 'embed'],
  configOf: ({ config }) => ({ cluster: config.cluster }),
  async run(ctx) {
    const started = Date.now();
    const { space, facts: spaceFacts } = await clusterSpace(ctx, inputKey(ctx, 'embed', 'vectors'));
    const progress = ctx.reporter.progress('cluster', undefined, 'nodes');
    const root = buildClusterTree(space, { cfg: ctx.config.cluster, progress });
    progress.done();
    const seconds = (Date.now() - started) / 1000;

    // sample_texts: the first members of each node, filled in one pass over the chunks.
    const wanted = new Map<number, ClusterNode[]>();
    for (const node of walkTree(root)) {
      for (const i of node.indices.slice(0, SAMPLE_TEXTS)) wanted.set(i, [...(wanted.get(i) ?? []), node]);
    }
    const texts = new Map<number, string>();
    for await (const c of chunkRecords(ctx)) {
      if (wanted.has(c.idx)) texts.set(c.idx, c.text.slice(0, SAMPLE_CHARS));
    }
    for (const node of walkTree(root)) node.sample_texts = node.indices.slice(0, SAMPLE_TEXTS).map((i) => texts.get(i) ?? '');

    // No timings here: the index must be byte-identical across reruns. Stage durations live in the markers.
    const cfg = ctx.config.cluster;
    const stats = {
      ...clusterStats(root, space.rows),
      engine: cfg.engine,
      parameters: {
        max_depth: cfg.maxDepth,
        base_pct: cfg.basePct,
        decay: cfg.decay,
        silhouette_threshold: cfg.silhouetteThreshold,
        min_samples: cfg.minSamples,
        selection: cfg.selection,
        reduce_dims: cfg.reduceDims,
        max_k: cfg.maxK,
        k_selection: cfg.kSelection,
        restarts: cfg.restarts,
      },
      ...spaceFacts,
      retries: root.buildStats?.retries ?? 0,
      assigned_by_sampling: root.buildStats?.assignedBySampling ?? 0,
      splits: root.buildStats?.splits,
      noise_reassigned: root.buildStats?.noiseReassigned ?? 0,
    };
    await writeJson(ctx.store, outputKey(ctx, 'cluster', 'tree'), root);
    await writeJson(ctx.store, outputKey(ctx, 'cluster', 'chunkToCluster'), buildChunkToCluster(root));
    await writeJson(ctx.store, outputKey(ctx, 'cluster', 'stats'), stats, true);
    ctx.reporter.info(
      `  ${stats.total_clusters} cluster${stats.total_clusters === 1 ? '' : 's'} (${stats.leaf_clusters} leaves, depth ${stats.max_depth}) in ${seconds.toFixed(1)} s`,
    );
    return { facts: { clusters: stats.total_clusters, leaves: stats.leaf_clusters, maxDepth: stats.max_depth, seconds } };
  },
});
