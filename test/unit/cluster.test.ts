/** The cluster stage's engine against known synthetic structure. */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../pipeline/config.js';
import { buildChunkToCluster, walkTree } from '../../pipeline/corpus-index/tree.js';
import { normalizeRows } from '../../pipeline/embedders/embedder.js';
import { adjustedRandIndex, normalizedMutualInfo } from '../../pipeline/linalg/agreement.js';
import { documentSmoothed } from '../../stages/cluster/document-space.js';
import { createRng } from '../../pipeline/linalg/random.js';
import { minClusterSize, buildClusterTree } from '../../stages/cluster/recursive.js';
import { sphericalKmeans } from '../../stages/cluster/kmeans.js';
import { fitSvdProjection } from '../../pipeline/embedders/lexical-fit.js';

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

/** Top-level labels of a tree as 0…k−1 (a chunk left as root noise gets its own label). */
function topLabels(root: ReturnType<typeof buildClusterTree>, n: number): number[] {
  const map = buildChunkToCluster(root);
  const top = Array.from({ length: n }, (_, i) => map[String(i)].split('.').slice(0, 2).join('.'));
  const ids = [...new Set(top)];
  return top.map((t) => ids.indexOf(t));
}

describe('the auto engine, k selection and restarts', () => {
  it('auto splits with HDBSCAN where it finds dense clusters, and its outliers join the nearest cluster', () => {
    const { data, labels } = blobs(4, 150, 16, 0.15, 6);
    // 30 scattered points: HDBSCAN's noise.
    const rng = createRng(9);
    const scattered = normalizeRows(
      Float32Array.from({ length: 30 * 16 }, () => rng.normal()),
      16,
    );
    const all = new Float32Array(data.length + scattered.length);
    all.set(data);
    all.set(scattered, data.length);
    const n = labels.length + 30;
    const root = buildClusterTree({ data: all, rows: n, dims: 16 }, { cfg: resolveConfig({ cluster: { maxDepth: 1 } }).cluster });
    expect(root.buildStats?.splits).toEqual({ hdbscan: 1, kmeans: 0 });
    expect(root.buildStats?.noiseReassigned).toBeGreaterThan(0);
    expect(root.noise_indices).toEqual([]);
    expect(root.children.length).toBe(4);
    expect(ari(labels, topLabels(root, n).slice(0, labels.length))).toBeGreaterThanOrEqual(0.95);
  });

  it('auto falls back to k-means where HDBSCAN finds no structure (isotropic points)', () => {
    const rng = createRng(11);
    const n = 800;
    const data = normalizeRows(
      Float32Array.from({ length: n * 8 }, () => rng.normal()),
      8,
    );
    const root = buildClusterTree({ data, rows: n, dims: 8 }, { cfg: resolveConfig({ cluster: { maxDepth: 1 } }).cluster });
    expect(root.buildStats?.splits).toEqual({ hdbscan: 0, kmeans: 1 });
    expect(root.children.length).toBeGreaterThanOrEqual(2);
    expect(root.noise_indices.length).toBe(0);
  });

  it('--k-selection silhouette finds the number of blobs; fixed takes the largest k', () => {
    const { data, labels } = blobs(3, 200, 16, 0.2, 7);
    const build = (kSelection: 'silhouette' | 'fixed') =>
      buildClusterTree({ data, rows: labels.length, dims: 16 }, { cfg: resolveConfig({ cluster: { engine: 'kmeans', kSelection, maxDepth: 1 } }).cluster });
    const chosen = build('silhouette');
    expect(chosen.children.length).toBe(3);
    expect(ari(labels, topLabels(chosen, labels.length))).toBeGreaterThanOrEqual(0.99);
    expect(build('fixed').children.length).toBe(8);
  });

  it('k-means keeps the best of its seedings: never a worse fit than the first seeding alone', () => {
    const { data, labels } = blobs(12, 40, 8, 0.6, 8);
    const v = { data, rows: labels.length, dims: 8 };
    const members = Int32Array.from(labels.keys());
    for (const seed of [1, 2, 3, 4]) {
      const one = sphericalKmeans(v, members, 12, createRng(seed), { restarts: 1 });
      const ten = sphericalKmeans(v, members, 12, createRng(seed), { restarts: 10 });
      expect(ten.fit).toBeGreaterThanOrEqual(one.fit);
    }
  });
});

describe('LSA cluster space', () => {
  it("fits the top singular vectors of the sample's TF-IDF over terms in ≥ 2 chunks (checked against XᵀX); other terms get zero rows", () => {
    const topics = [
      ['ship', 'navy', 'fleet', 'sailor', 'harbor'],
      ['tax', 'tariff', 'revenue', 'duty', 'import'],
      ['court', 'judge', 'law', 'trial', 'jury'],
    ];
    const rng = createRng(5);
    const texts = Array.from({ length: 60 }, (_, i) => {
      const words = topics[i % 3];
      return [...Array.from({ length: 12 }, () => words[rng.int(words.length)]), `unique${i}`].join(' ');
    });
    const vocab = [...new Set(texts.flatMap((t) => t.split(' ')))];
    const idf = Float32Array.from(vocab, (t) => Math.log((1 + texts.length) / (1 + texts.filter((x) => x.split(' ').includes(t)).length)) + 1);
    const k = 3;
    const proj = fitSvdProjection({ vocab, idf, stopwords: [] }, texts, k, 1);
    for (let id = 0; id < vocab.length; id++) {
      const zero = [0, 1, 2].every((j) => proj[id * k + j] === 0);
      expect(zero, vocab[id]).toBe(vocab[id].startsWith('unique'));
    }
    // Brute force: the dense TF-IDF (sublinear tf, idf, rows L2-normalised) of the kept terms, and XᵀX.
    const kept = vocab.map((t, id) => id).filter((id) => !vocab[id].startsWith('unique'));
    const x = texts.map((t) => {
      const tf = new Map<string, number>();
      for (const w of t.split(' ')) tf.set(w, (tf.get(w) ?? 0) + 1);
      const all = vocab.map((w, id) => (tf.has(w) ? (1 + Math.log(tf.get(w)!)) * idf[id] : 0));
      const norm = Math.hypot(...all);
      return kept.map((id) => all[id] / norm);
    });
    const xtx = kept.map((_, a) => kept.map((__, b) => x.reduce((s, row) => s + row[a] * row[b], 0)));
    for (let j = 0; j < k; j++) {
      const v = kept.map((id) => proj[id * k + j]);
      expect(Math.hypot(...v)).toBeCloseTo(1, 4);
      const av = xtx.map((row) => row.reduce((s, r, b) => s + r * v[b], 0));
      const lambda = av.reduce((s, a, i) => s + a * v[i], 0);
      // An eigenvector of XᵀX: A·v = λ·v.
      av.forEach((a, i) => expect(a).toBeCloseTo(lambda * v[i], 3));
      expect(lambda).toBeGreaterThan(1);
    }
  });
});
