/** usearch (HNSW), loaded through its CommonJS entry: the ESM entry fails to locate its prebuilt binary under Node 20. */
import { createRequire } from 'node:module';

export interface UsearchMatches {
  keys: BigUint64Array;
  distances: Float32Array;
  /** Absent when a single vector was searched. */
  counts?: BigUint64Array;
}

export interface UsearchIndex {
  add(keys: BigUint64Array, vectors: Float32Array, threads?: number): void;
  search(vectors: Float32Array, k: number, threads: number): UsearchMatches;
  size(): number;
  dimensions(): number;
  connectivity(): number;
  save(path: string): void;
  view(path: string): void;
}

export interface UsearchConfig {
  metric: 'ip' | 'l2sq' | 'cos';
  dimensions: number;
  connectivity: number;
  expansion_add: number;
  expansion_search: number;
  quantization?: 'f32' | 'f16';
}

interface UsearchModule {
  Index: new (cfg: UsearchConfig) => UsearchIndex;
}

export function loadUsearch(): UsearchModule {
  return createRequire(import.meta.url)('usearch') as UsearchModule;
}

/** Results found for query `q` (usearch omits the counts when a single vector was searched). */
export function matchCount(m: UsearchMatches, q: number): number {
  return m.counts ? Number(m.counts[q]) : m.keys.length;
}
