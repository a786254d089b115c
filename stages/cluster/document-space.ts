/**
 * The space chunks are clustered in: each chunk's unit vector plus `weight` times its document's unit mean vector,
 * renormalised. Chunks of one document share its topic, so a chunk is pulled toward its document's place instead of
 * being clustered on its own few hundred words (bench/cluster-quality.ts measures it against source labels).
 * Weight 0 leaves the vectors as they are.
 */
import { normalizeRows } from '../../pipeline/embedders/embedder.js';
import type { Matrix } from '../../pipeline/linalg/matrix.js';

/** `docOf[i]`: the document of chunk i, numbered from 0 in any order. */
export function documentSmoothed(v: Matrix, docOf: Int32Array, weight: number): Matrix {
  if (!(weight > 0)) return v;
  const { rows, dims } = v;
  let docs = 0;
  for (let i = 0; i < rows; i++) docs = Math.max(docs, docOf[i] + 1);
  const mean = new Float64Array(docs * dims);
  for (let i = 0; i < rows; i++) {
    const d = docOf[i] * dims;
    for (let j = 0; j < dims; j++) mean[d + j] += v.data[i * dims + j];
  }
  for (let d = 0; d < docs; d++) {
    let norm = 0;
    for (let j = 0; j < dims; j++) norm += mean[d * dims + j] ** 2;
    norm = Math.sqrt(norm);
    if (norm > 0) for (let j = 0; j < dims; j++) mean[d * dims + j] /= norm;
  }
  const out = new Float32Array(rows * dims);
  for (let i = 0; i < rows; i++) {
    const d = docOf[i] * dims;
    for (let j = 0; j < dims; j++) out[i * dims + j] = v.data[i * dims + j] + weight * mean[d + j];
  }
  normalizeRows(out, dims);
  return { ...v, data: out };
}
