/**
 * Spherical k-means (cosine) on a subset of rows: k-means++ seeding and Lloyd iterations on a seeded sample,
 * then every member assigned to its nearest centroid. The recursive HDBSCAN engine replaces this behind the
 * same cluster stage.
 */
import type { Matrix } from '../../pipeline/linalg/matrix.js';
import type { Rng } from '../../pipeline/linalg/random.js';

export function dot(v: Matrix, row: number, c: Float64Array, co: number): number {
  const { data, dims } = v;
  const o = row * dims;
  let s = 0;
  for (let j = 0; j < dims; j++) s += data[o + j] * c[co + j];
  return s;
}

/** A seeded sample of `size` members (all of them when there are fewer), ascending. */
export function sampleMembers(members: Int32Array, size: number, rng: Rng): Int32Array {
  if (members.length <= size) return members;
  const copy = Int32Array.from(members);
  for (let i = 0; i < size; i++) {
    const j = i + rng.int(copy.length - i);
    const t = copy[i];
    copy[i] = copy[j];
    copy[j] = t;
  }
  return copy.subarray(0, size).sort();
}

/** The centroid (unit rows of `centroids`) nearest to row `row` by cosine, and that cosine. */
export function nearestCentroid(v: Matrix, row: number, centroids: Float64Array, k: number): [number, number] {
  let best = 0;
  let bestSim = -Infinity;
  for (let c = 0; c < k; c++) {
    const s = dot(v, row, centroids, c * v.dims);
    if (s > bestSim) {
      bestSim = s;
      best = c;
    }
  }
  return [best, bestSim];
}

function seedCentroids(v: Matrix, sample: Int32Array, k: number, rng: Rng): Float64Array {
  const { dims, data } = v;
  const centroids = new Float64Array(k * dims);
  const copyRow = (row: number, c: number) => {
    for (let j = 0; j < dims; j++) centroids[c * dims + j] = data[row * dims + j];
  };
  copyRow(sample[rng.int(sample.length)], 0);
  const d2 = new Float64Array(sample.length).fill(Infinity);
  for (let c = 1; c < k; c++) {
    let total = 0;
    for (let i = 0; i < sample.length; i++) {
      const d = Math.max(0, 1 - dot(v, sample[i], centroids, (c - 1) * dims));
      d2[i] = Math.min(d2[i], d * d);
      total += d2[i];
    }
    let target = rng.next() * total;
    let pick = sample.length - 1;
    for (let i = 0; i < sample.length; i++) {
      target -= d2[i];
      if (target <= 0) {
        pick = i;
        break;
      }
    }
    copyRow(sample[pick], c);
  }
  return centroids;
}

/** Lloyd iterations on the sample from one k-means++ seeding; returns the centroids and their fit (summed cosine). */
function lloyd(v: Matrix, sample: Int32Array, k: number, rng: Rng, iterations: number): { centroids: Float64Array; fit: number } {
  const { dims, data } = v;
  const centroids = seedCentroids(v, sample, k, rng);
  const assign = new Int32Array(sample.length).fill(-1);
  for (let it = 0; it < iterations; it++) {
    let changed = 0;
    for (let i = 0; i < sample.length; i++) {
      const [c] = nearestCentroid(v, sample[i], centroids, k);
      if (c !== assign[i]) {
        assign[i] = c;
        changed++;
      }
    }
    const sums = new Float64Array(k * dims);
    for (let i = 0; i < sample.length; i++) {
      const o = sample[i] * dims;
      const co = assign[i] * dims;
      for (let j = 0; j < dims; j++) sums[co + j] += data[o + j];
    }
    for (let c = 0; c < k; c++) {
      let norm = 0;
      for (let j = 0; j < dims; j++) norm += sums[c * dims + j] ** 2;
      if (norm === 0) continue; // empty cluster keeps its old centroid
      const inv = 1 / Math.sqrt(norm);
      for (let j = 0; j < dims; j++) centroids[c * dims + j] = sums[c * dims + j] * inv;
    }
    if (changed === 0) break;
  }
  let fit = 0;
  for (let i = 0; i < sample.length; i++) fit += nearestCentroid(v, sample[i], centroids, k)[1];
  return { centroids, fit };
}

/**
 * Spherical k-means: `restarts` seedings (k-means++) each refined by Lloyd iterations on one seeded sample; the
 * seeding with the best fit (summed cosine of the sample to its centroids, k-means' objective on the sphere) wins,
 * as scikit-learn's n_init does. Every member is then assigned to its nearest centroid.
 */
export function sphericalKmeans(
  v: Matrix,
  members: Int32Array,
  k: number,
  rng: Rng,
  opts: { sample?: number; iterations?: number; restarts?: number } = {},
): { labels: Int32Array; centroids: Float64Array; fit: number } {
  const sample = sampleMembers(members, opts.sample ?? 2000, rng);
  let best: { centroids: Float64Array; fit: number } | null = null;
  for (let r = 0; r < (opts.restarts ?? 1); r++) {
    const run = lloyd(v, sample, k, rng, opts.iterations ?? 25);
    if (!best || run.fit > best.fit) best = run;
  }
  const { centroids, fit } = best!;
  const labels = new Int32Array(members.length);
  for (let i = 0; i < members.length; i++) labels[i] = nearestCentroid(v, members[i], centroids, k)[0];
  return { labels, centroids, fit: fit / sample.length };
}
