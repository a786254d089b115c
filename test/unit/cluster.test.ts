/** The cluster stage's engine against known synthetic structure. */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../pipeline/config.js';
import { buildChunkToCluster, walkTree } from '../../pipeline/corpus-index/tree.js';
import { normalizeRows } from '../../pipeline/embedders/embedder.js';
import { adjustedRandIndex, normalizedMutualInfo } from '../../pipeline/linalg/agreement.js';
import { documentSmoothed } from '../../stages/cluster/document-space.js';
import { createRng } from '../../pipeline/linalg/random.js';
import { minClusterSize, buildClusterTree } from '../../stages/cluster/recursive.js';

/** `k` well-separated directions in `dims` space, `per` noisy points around each; labels returned. */
function blobs(k: number, per: number, dims: number, noise: number, seed: number) {
  const rng = createRng(seed);
  const centres = Array.from({ length: k }, () => Array.from({ length: dims }, () => rng.normal()));
  const data = new Float32Array(k * per * dims);
  const labels: number[] = [];
  for (let c = 0; c < k; c++) {
    for (let p = 0; p < per; p++) {
      const row = (c * per + p) * dims;
      for (let j = 0; j < dims; j++) data[row + j] = centres[c][j] + rng.normal() * noise;
      labels.push(c);
    }
  }
  return { data: normalizeRows(data, dims), labels };
}

const ari = adjustedRandIndex;

describe('agreement with labels', () => {
  it('normalized mutual information: identical 1, independent 0, and a case computed by hand', () => {
    expect(normalizedMutualInfo([0, 0, 1, 1], [5, 5, 7, 7])).toBeCloseTo(1, 12);
    expect(normalizedMutualInfo([0, 0, 1, 1], [0, 1, 0, 1])).toBeCloseTo(0, 12);
    // H(a) = ln 2, H(b) = ln 3, I = (2/3)·ln 2: NMI = (2/3)·ln 2 / ((ln 2 + ln 3) / 2).
    expect(normalizedMutualInfo([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2])).toBeCloseTo(((2 / 3) * Math.log(2)) / ((Math.log(2) + Math.log(3)) / 2), 12);
  });
});

describe('recursive clustering (k-means engine)', () => {
  it('the seed formula for min_cluster_size', () => {
    const cfg = resolveConfig({}).cluster;
    expect(minClusterSize(142_914, 0, cfg)).toBe(285);
    expect(minClusterSize(142_914, 4, cfg)).toBe(68);
    expect(minClusterSize(100, 0, cfg)).toBe(10);
    expect(minClusterSize(100, 3, cfg)).toBe(5);
  });

  it('recovers well-separated blobs at the top level (ARI ≥ 0.9) and maps every chunk once', () => {
    const { data, labels } = blobs(5, 120, 32, 0.25, 3);
    const cfg = resolveConfig({ cluster: { maxK: 5, maxDepth: 1 } }).cluster;
    const root = buildClusterTree({ data, rows: labels.length, dims: 32 }, { cfg });
    expect(root.children.length).toBe(5);
    const map = buildChunkToCluster(root);
    expect(Object.keys(map)).toHaveLength(labels.length);
    const top = labels.map((_, i) => map[String(i)].split('.').slice(0, 2).join('.'));
    const ids = [...new Set(top)];
    expect(
      ari(
        labels,
        top.map((t) => ids.indexOf(t)),
      ),
    ).toBeGreaterThanOrEqual(0.9);
  });

  it('builds a consistent tree: children partition their parent minus its noise; ids encode the path', () => {
    const { data, labels } = blobs(4, 150, 16, 0.6, 4);
    const root = buildClusterTree({ data, rows: labels.length, dims: 16 }, { cfg: resolveConfig({ cluster: { maxDepth: 3 } }).cluster });
    for (const node of walkTree(root)) {
      expect(node.size).toBe(node.indices.length);
      if (!node.children.length) continue;
      const union = [...node.children.flatMap((c) => c.indices), ...node.noise_indices].sort((a, b) => a - b);
      expect(union).toEqual(node.indices);
      node.children.forEach((c, i) => {
        expect(c.cluster_id).toBe(`${node.cluster_id}.${i}`);
        expect(c.depth).toBe(node.depth + 1);
      });
      expect(node.silhouette).toBeGreaterThanOrEqual(-1);
      expect(node.silhouette).toBeLessThanOrEqual(1);
    }
  });

  it('is deterministic for a fixed seed', () => {
    const { data, labels } = blobs(3, 100, 16, 0.5, 5);
    const cfg = resolveConfig({}).cluster;
    const a = JSON.stringify(buildClusterTree({ data, rows: labels.length, dims: 16 }, { cfg }));
    const b = JSON.stringify(buildClusterTree({ data, rows: labels.length, dims: 16 }, { cfg }));
    expect(a).toBe(b);
  });
});

describe('document space', () => {
  it("adds the weighted unit mean of each chunk's document and renormalises; weight 0 leaves the vectors", () => {
    const v = { data: Float32Array.from([1, 0, 0, 1, 1, 0]), rows: 3, dims: 2 };
    const docOf = Int32Array.from([0, 0, 1]);
    expect(documentSmoothed(v, docOf, 0)).toBe(v);
    const s = documentSmoothed(v, docOf, 1);
    // Document 0's unit mean is (1, 1)/√2: chunk 0 → (1 + 1/√2, 1/√2) normalised; chunk 2 (alone) stays (1, 0).
    const a = 1 + Math.SQRT1_2;
    const n = Math.hypot(a, Math.SQRT1_2);
    expect(Array.from(s.data.subarray(0, 2)).map((x) => +x.toFixed(6))).toEqual([+(a / n).toFixed(6), +(Math.SQRT1_2 / n).toFixed(6)]);
    expect(Array.from(s.data.subarray(4, 6))).toEqual([1, 0]);
  });
});
