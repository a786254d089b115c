/**
 * What annotate and calibration search: the chunk vectors behind one interface, either exact (the whole matrix in
 * memory, searched through onnxruntime) or the memory-mapped HNSW graph with rows read from embeddings.npy on demand,
 * so a 10⁶-chunk index opens without loading its vectors.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { CproxError } from '../errors.js';
import { npyLayout } from '../npy.js';
import type { Matrix } from '../linalg/matrix.js';
import type { SearchResult } from './types.js';
import type { HnswView } from './hnsw.js';
import { ortExactSearch } from './ort-exact.js';

export interface VectorIndex {
  readonly rows: number;
  readonly dims: number;
  readonly kind: 'exact' | 'hnsw';
  search(queries: Float32Array, count: number, k: number): Promise<SearchResult>;
  /** The stored vectors of some rows, row-major in the order given. */
  vectors(ids: readonly number[]): Float32Array;
  close(): void;
}

export function exactIndex(m: Matrix): VectorIndex {
  return {
    rows: m.rows,
    dims: m.dims,
    kind: 'exact',
    search: (queries, count, k) => ortExactSearch(m, { data: queries, rows: count, dims: m.dims }, k),
    vectors(ids) {
      const out = new Float32Array(ids.length * m.dims);
      ids.forEach((id, i) => out.set(m.data.subarray(id * m.dims, (id + 1) * m.dims), i * m.dims));
      return out;
    },
    close() {},
  };
}

/** HNSW search; vector rows come from positioned reads of the .npy file (float32 or float16). */
export function hnswIndex(view: HnswView, npyFile: string): VectorIndex {
  const fd = openSync(npyFile, 'r');
  const head = Buffer.alloc(4096);
  readSync(fd, head, 0, head.length, 0);
  const layout = npyLayout(head, npyFile);
  const { dims, rows } = view.settings;
  if (layout.rows !== rows || layout.dims !== dims) {
    closeSync(fd);
    throw new CproxError('BAD_INDEX', `${npyFile} is ${layout.rows} × ${layout.dims}, the ANN file ${rows} × ${dims}`, {
      hint: 'rebuild or re-sync the index',
    });
  }
  const rowBytes = dims * layout.bytesPerValue;
  const buf = Buffer.alloc(rowBytes);
  return {
    rows,
    dims,
    kind: 'hnsw',
    search: (queries, count, k) => Promise.resolve(view.search(queries, count, k)),
    vectors(ids) {
      const out = new Float32Array(ids.length * dims);
      ids.forEach((id, i) => {
        readSync(fd, buf, 0, rowBytes, layout.offset + id * rowBytes);
        out.set(layout.decode(buf), i * dims);
      });
      return out;
    },
    close: () => closeSync(fd),
  };
}
