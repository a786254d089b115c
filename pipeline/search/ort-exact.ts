/**
 * Exact k-NN by inner product through onnxruntime: Gemm + TopK over corpus tiles (MLAS's SIMD kernels, many times
 * faster than a JavaScript loop), merged into a running top-k per query. Memory stays bounded by the tile:
 * a query block × tile score matrix, never queries × corpus.
 */
import type { InferenceSession } from 'onnxruntime-node';
import { createSession, ort } from '../onnx-runtime.js';
import type { Matrix } from '../linalg/matrix.js';
import type { SearchResult } from './types.js';
import { TOPK_MODEL_BASE64 } from './topk-model.js';

/** Scores held at once: query block × corpus tile (16 M floats = 64 MB). */
const SCORE_BUDGET = 16 << 20;
const QUERY_BLOCK = 512;

let session: Promise<InferenceSession> | null = null;
function topkSession(): Promise<InferenceSession> {
  session ??= createSession(Buffer.from(TOPK_MODEL_BASE64, 'base64'), 'cpu', 'exact search');
  return session;
}

/** Inserts (score, idx) into a query's sorted top-k; ties keep the lower row index first. False: it did not enter. */
function insert(scores: Float32Array, indices: Int32Array, base: number, k: number, s: number, idx: number): boolean {
  const last = base + k - 1;
  if (indices[last] !== -1 && (s < scores[last] || (s === scores[last] && idx > indices[last]))) return false;
  let pos = last;
  while (pos > base && (indices[pos - 1] === -1 || s > scores[pos - 1] || (s === scores[pos - 1] && idx < indices[pos - 1]))) {
    scores[pos] = scores[pos - 1];
    indices[pos] = indices[pos - 1];
    pos--;
  }
  scores[pos] = s;
  indices[pos] = idx;
  return true;
}

export async function ortExactSearch(corpus: Matrix, queries: Matrix, k: number, opts: { tileRows?: number } = {}): Promise<SearchResult> {
  const { Tensor } = await ort();
  const s = await topkSession();
  const { dims } = corpus;
  const q = queries.rows;
  const indices = new Int32Array(q * k).fill(-1);
  const scores = new Float32Array(q * k).fill(-Infinity);
  if (corpus.rows === 0 || q === 0) return { indices, scores, k };
  const tile = Math.max(k, opts.tileRows ?? Math.floor(SCORE_BUDGET / Math.min(q, QUERY_BLOCK)));
  for (let q0 = 0; q0 < q; q0 += QUERY_BLOCK) {
    const qn = Math.min(QUERY_BLOCK, q - q0);
    const qTensor = new Tensor('float32', queries.data.subarray(q0 * dims, (q0 + qn) * dims), [qn, dims]);
    for (let r0 = 0; r0 < corpus.rows; r0 += tile) {
      const rn = Math.min(tile, corpus.rows - r0);
      const kk = Math.min(k, rn);
      const out = await s.run({
        queries: qTensor,
        corpus: new Tensor('float32', corpus.data.subarray(r0 * dims, (r0 + rn) * dims), [rn, dims]),
        k: new Tensor('int64', BigInt64Array.of(BigInt(kk)), [1]),
      });
      const values = out.values.data as Float32Array;
      const ids = out.indices.data as BigInt64Array;
      for (let b = 0; b < qn; b++) {
        // A tile's list is sorted best first: once one entry misses the top-k, the rest of it does too.
        for (let j = 0; j < kk; j++) if (!insert(scores, indices, (q0 + b) * k, k, values[b * kk + j], r0 + Number(ids[b * kk + j]))) break;
      }
    }
  }
  return { indices, scores, k };
}
