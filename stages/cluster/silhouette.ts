/** How well a split separates its clusters: the mean silhouette, on cosine distance, of a sample of the members. */
import type { Matrix } from '../../pipeline/linalg/matrix.js';

/** A flat clustering of one node's members, as either engine returns it, with its silhouette. */
export interface Split {
  labels: Int32Array; // −1 = noise
  clusters: number;
  silhouette: number;
}

/** Mean silhouette (cosine distance) over a sample; labels < 0 are left out, as the original Python plan excludes noise. */
export function silhouette(v: Matrix, rows: Int32Array, labels: Int32Array): number {
  const keep: number[] = [];
  for (let i = 0; i < rows.length; i++) if (labels[i] >= 0) keep.push(i);
  const k = Math.max(0, ...keep.map((i) => labels[i])) + 1;
  if (keep.length < 2) return 0;
  const { data, dims } = v;
  let total = 0;
  const sums = new Float64Array(k);
  const counts = new Int32Array(k);
  for (const i of keep) counts[labels[i]]++;
  for (const i of keep) {
    sums.fill(0);
    const oi = rows[i] * dims;
    for (const j of keep) {
      if (i === j) continue;
      const oj = rows[j] * dims;
      let s = 0;
      for (let d = 0; d < dims; d++) s += data[oi + d] * data[oj + d];
      sums[labels[j]] += 1 - s;
    }
    const own = labels[i];
    if (counts[own] <= 1) continue; // silhouette of a singleton is 0
    const a = sums[own] / (counts[own] - 1);
    let b = Infinity;
    for (let c = 0; c < k; c++) if (c !== own && counts[c] > 0) b = Math.min(b, sums[c] / counts[c]);
    if (!Number.isFinite(b)) continue;
    total += (b - a) / Math.max(a, b, 1e-12);
  }
  return total / keep.length;
}
