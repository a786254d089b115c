/**
 * The index's ANN file: a usearch HNSW graph over the chunk vectors (inner product on L2-normalised rows), built at
 * index time with recorded parameters and opened by annotate with `view` (memory-mapped, so opening a 10⁶-row index
 * reads almost nothing). usearch's `view` accepts a file built with other settings without complaint, so the
 * settings are stored in the manifest and checked here.
 */
import os from 'node:os';
import { z } from 'zod';
import { CproxError } from '../errors.js';
import type { Matrix } from '../linalg/matrix.js';
import type { SearchResult } from './types.js';
import { loadUsearch, matchCount, type UsearchIndex } from './usearch.js';

export const AnnSettingsSchema = z.object({
  kind: z.literal('usearch-hnsw'),
  metric: z.literal('ip'),
  dims: z.number().int().positive(),
  rows: z.number().int().nonnegative(),
  quantization: z.enum(['f32', 'f16']),
  connectivity: z.number().int().min(2),
  expansion_add: z.number().int().min(1),
  expansion_search: z.number().int().min(1),
});
export type AnnSettings = z.infer<typeof AnnSettingsSchema>;

const threads = () => Math.max(1, os.availableParallelism());
const ADD_BATCH = 10_000;

/** Builds the graph over all rows (keys = row numbers) and saves it to `file`. */
export function buildHnsw(
  vectors: Matrix,
  settings: Omit<AnnSettings, 'kind' | 'metric' | 'dims' | 'rows'>,
  file: string,
  onRows?: (n: number) => void,
): AnnSettings {
  const full: AnnSettings = { kind: 'usearch-hnsw', metric: 'ip', dims: vectors.dims, rows: vectors.rows, ...settings };
  const index = newIndex(full);
  for (let r0 = 0; r0 < vectors.rows; r0 += ADD_BATCH) {
    const rn = Math.min(ADD_BATCH, vectors.rows - r0);
    const keys = new BigUint64Array(rn);
    for (let i = 0; i < rn; i++) keys[i] = BigInt(r0 + i);
    index.add(keys, vectors.data.subarray(r0 * vectors.dims, (r0 + rn) * vectors.dims), threads());
    onRows?.(rn);
  }
  index.save(file);
  return full;
}

function newIndex(s: AnnSettings): UsearchIndex {
  const { Index } = loadUsearch();
  return new Index({
    metric: s.metric,
    dimensions: s.dims,
    connectivity: s.connectivity,
    expansion_add: s.expansion_add,
    expansion_search: s.expansion_search,
    quantization: s.quantization,
  });
}

export interface HnswView {
  readonly settings: AnnSettings;
  search(queries: Float32Array, count: number, k: number): SearchResult;
}

/** Opens the saved graph memory-mapped and checks it against the settings the manifest recorded. */
export function openHnsw(file: string, settings: AnnSettings): HnswView {
  const index = newIndex(settings);
  try {
    index.view(file);
  } catch (e) {
    throw new CproxError('BAD_INDEX', `${file} is not a usearch index this version can open (${(e as Error).message})`, {
      cause: e,
      hint: 'rebuild the index or re-sync it',
    });
  }
  if (index.size() !== settings.rows || index.dimensions() !== settings.dims || index.connectivity() !== settings.connectivity) {
    throw new CproxError(
      'BAD_INDEX',
      `${file} holds ${index.size()} vectors of ${index.dimensions()} dims (connectivity ${index.connectivity()}), the manifest says ${settings.rows} × ${settings.dims} (connectivity ${settings.connectivity})`,
      {
        hint: 'the ANN file does not belong to this index: rebuild or re-sync it',
      },
    );
  }
  return {
    settings,
    search(queries, count, k) {
      const indices = new Int32Array(count * k).fill(-1);
      const scores = new Float32Array(count * k).fill(-Infinity);
      if (count === 0 || settings.rows === 0) return { indices, scores, k };
      const r = index.search(queries.subarray(0, count * settings.dims), k, threads());
      for (let q = 0; q < count; q++) {
        const found = matchCount(r, q);
        for (let j = 0; j < found; j++) {
          indices[q * k + j] = Number(r.keys[q * k + j]);
          scores[q * k + j] = 1 - r.distances[q * k + j]; // usearch's ip distance is 1 − a·b
        }
      }
      return { indices, scores, k };
    },
  };
}

/** recall@k of `approx` against `exact` (fraction of the exact top-k ids the approximate search also returned). */
export function recallAtK(exact: SearchResult, approx: SearchResult): number {
  const k = exact.k;
  const q = exact.indices.length / k;
  let hit = 0;
  let total = 0;
  for (let i = 0; i < q; i++) {
    const got = new Set(approx.indices.subarray(i * approx.k, i * approx.k + Math.min(k, approx.k)));
    for (let j = 0; j < k; j++) {
      const id = exact.indices[i * k + j];
      if (id < 0) continue;
      total++;
      if (got.has(id)) hit++;
    }
  }
  return total === 0 ? 1 : hit / total;
}
