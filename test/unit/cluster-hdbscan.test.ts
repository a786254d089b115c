/** The recursive tree with the HDBSCAN engine: structure, retries, sampling beyond sampleMax, stats. */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../pipeline/config.js';
import { buildChunkToCluster, walkTree } from '../../pipeline/corpus-index/tree.js';
import { normalizeRows } from '../../pipeline/embedders/embedder.js';
import { createRng } from '../../pipeline/linalg/random.js';
import { buildClusterTree } from '../../stages/cluster/recursive.js';

/** Topics with sub-topics: a two-level structure the recursive tree should find. */
function hierarchy(topics: number, subs: number, per: number, dims: number, seed: number) {
  const rng = createRng(seed);
  const rows: number[][] = [];
  const top: number[] = [];
  for (let t = 0; t < topics; t++) {
    const c = Array.from({ length: dims }, () => rng.normal() * 3);
    for (let s = 0; s < subs; s++) {
      const cs = c.map((x) => x + rng.normal());
      for (let i = 0; i < per; i++) {
        rows.push(cs.map((x) => x + rng.normal() * 0.25));
        top.push(t);
      }
    }
  }
  return { data: normalizeRows(Float32Array.from(rows.flat()), dims), n: rows.length, top };
}

describe('recursive tree, HDBSCAN engine', () => {
  it('finds the planted topics, keeps every chunk mapped, and respects the tree invariants', () => {
    const h = hierarchy(4, 3, 60, 32, 1);
    const cfg = resolveConfig({ cluster: { engine: 'hdbscan', maxDepth: 3 } }).cluster;
    const root = buildClusterTree({ data: h.data, rows: h.n, dims: 32 }, { cfg });
    expect(root.children.length).toBeGreaterThanOrEqual(4);
    const map = buildChunkToCluster(root);
    expect(Object.keys(map)).toHaveLength(h.n);
    for (const node of walkTree(root)) {
      if (!node.children.length) continue;
      const union = [...node.children.flatMap((c) => c.indices), ...node.noise_indices].sort((a, b) => a - b);
      expect(union).toEqual(node.indices);
      expect(node.silhouette).toBeGreaterThanOrEqual(-1);
      expect(node.silhouette).toBeLessThanOrEqual(1);
    }
    // Each top-level cluster is (almost) pure in planted topic.
    for (const child of root.children) {
      const counts = new Map<number, number>();
      for (const i of child.indices) counts.set(h.top[i], (counts.get(h.top[i]) ?? 0) + 1);
      expect(Math.max(...counts.values()) / child.size).toBeGreaterThan(0.95);
    }
  });

  it('fits a node larger than sampleMax on a sample and assigns the rest by nearest neighbour', () => {
    const h = hierarchy(3, 1, 2000, 16, 2);
    const cfg = resolveConfig({ cluster: { engine: 'hdbscan', maxDepth: 1, sampleMax: 1500 } }).cluster;
    const root = buildClusterTree({ data: h.data, rows: h.n, dims: 16 }, { cfg });
    expect(root.buildStats?.assignedBySampling).toBe(h.n - 1500);
    expect(root.children.length).toBe(3);
    for (const child of root.children) {
      const topics = new Set(child.indices.map((i) => h.top[i]));
      expect(topics.size).toBe(1);
    }
  });

  it('structureless data: retries, then a leaf (the seed crashed on negative silhouettes; any value in [−1, 1] is valid)', () => {
    const rng = createRng(3);
    const n = 400;
    const data = normalizeRows(
      Float32Array.from({ length: n * 8 }, () => rng.normal()),
      8,
    );
    const cfg = resolveConfig({ cluster: { engine: 'hdbscan' } }).cluster;
    const root = buildClusterTree({ data, rows: n, dims: 8 }, { cfg });
    expect(Object.keys(buildChunkToCluster(root))).toHaveLength(n);
    expect(root.silhouette).toBeGreaterThanOrEqual(-1);
  });
});
