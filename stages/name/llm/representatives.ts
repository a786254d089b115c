/** The chunks nearest a cluster's centroid (the original Python plan showed the LLM the 5 closest, 200 characters each). */
import type { Matrix } from '../../../pipeline/linalg/matrix.js';

export function nearestToCentroid(vectors: Matrix, members: readonly number[], count: number): number[] {
  const { data, dims } = vectors;
  const centroid = new Float64Array(dims);
  for (const i of members) for (let j = 0; j < dims; j++) centroid[j] += data[i * dims + j];
  const scored = members.map((i) => {
    let s = 0;
    for (let j = 0; j < dims; j++) s += data[i * dims + j] * centroid[j];
    return [s, i] as const;
  });
  return scored
    .sort((a, b) => b[0] - a[0] || a[1] - b[1])
    .slice(0, count)
    .map(([, i]) => i);
}
