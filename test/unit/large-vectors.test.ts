/**
 * No 2 GiB limit on vectors: a sparse 2.25 GB embeddings.npy (1,100,000 × 512 float32, the size of a 1.1M-chunk
 * lexical index) goes through every reader of a vectors file: the local-file reader (annotate's exact path, the
 * `cluster` command), the store reader and the header-only reader (ann, cluster, assemble, the LLM namer), and the
 * positional row reads of the HNSW path. Plus float16 widening across stream blocks that split a value in two.
 */
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeNpy, float16Bytes, matrixFromStream, npyHeader, NPY_DESCR, readMatrixFile } from '../../pipeline/npy.js';
import { hnswIndex } from '../../pipeline/search/vector-index.js';
import { openStore } from '../../pipeline/store/open.js';
import { matrixShape, readMatrix } from '../../pipeline/store/store.js';

const ROWS = 1_100_000;
const DIMS = 512;
const dir = mkdtempSync(path.join(tmpdir(), 'cprox-large-'));
const file = path.join(dir, 'store', 'runs', 'r', 'embed', 'embeddings.npy');
/** Rows given values; every other row stays zero (a hole in the sparse file). */
const marked = [0, 1_048_576, ROWS - 1]; // row 1,048,576 starts exactly 2 GiB into the data
const valueOf = (row: number, j: number) => ((row % 97) + 1) * 0.001 + j * 1e-6;

function writeSparse(): void {
  const header = npyHeader(ROWS, DIMS);
  const fd = openSync(file, 'w');
  try {
    writeSync(fd, header, 0, header.length, 0);
    ftruncateSync(fd, header.length + ROWS * DIMS * 4);
    for (const r of marked) {
      const row = Float32Array.from({ length: DIMS }, (_, j) => valueOf(r, j));
      writeSync(fd, new Uint8Array(row.buffer), 0, row.byteLength, header.length + r * DIMS * 4);
    }
  } finally {
    closeSync(fd);
  }
}

function expectMarked(data: Float32Array): void {
  for (const r of marked) {
    expect(data[r * DIMS]).toBeCloseTo(valueOf(r, 0), 7);
    expect(data[r * DIMS + DIMS - 1]).toBeCloseTo(valueOf(r, DIMS - 1), 7);
  }
  expect(data[5 * DIMS + 3]).toBe(0);
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('vectors files over 2 GiB', () => {
  it('every reader takes a 2.25 GB float32 .npy', { timeout: 120_000 }, async () => {
    const { mkdirSync } = await import('node:fs');
    mkdirSync(path.dirname(file), { recursive: true });
    writeSparse();
    expect(ROWS * DIMS * 4).toBeGreaterThan(2 ** 31);

    let m = await readMatrixFile(file);
    expect([m.rows, m.dims, m.data.length]).toEqual([ROWS, DIMS, ROWS * DIMS]);
    expectMarked(m.data);
    m = null as never; // let the first 2.25 GB go before the second read

    const store = await openStore(path.join(dir, 'store'));
    const key = 'runs/r/embed/embeddings.npy';
    const shape = await matrixShape(store, key);
    expect([shape.rows, shape.dims, shape.dtype]).toEqual([ROWS, DIMS, 'float32']);
    const stored = await readMatrix(store, key);
    expect(stored.rows).toBe(ROWS);
    expectMarked(stored.data);

    // The HNSW path reads single rows by offset (the graph itself is not needed for that).
    const view = { settings: { metric: 'ip', dims: DIMS, rows: ROWS, quantization: 'f32', connectivity: 16, expansionAdd: 128, expansionSearch: 64 } };
    const index = hnswIndex({ ...view, search: () => ({ ids: new BigUint64Array(0), distances: new Float32Array(0), found: [] }) } as never, file);
    try {
      const rows = index.vectors([ROWS - 1, 1_048_576]);
      expect(rows[0]).toBeCloseTo(valueOf(ROWS - 1, 0), 7);
      expect(rows[DIMS]).toBeCloseTo(valueOf(1_048_576, 0), 7);
    } finally {
      index.close?.();
    }
  });

  it('widens float16 across stream blocks that end inside a value, as the whole-file decoder does', async () => {
    const rows = 7;
    const dims = 5;
    const values = Float32Array.from({ length: rows * dims }, (_, i) => (i - 17) / 8);
    const bytes = Buffer.concat([npyHeader(rows, dims, NPY_DESCR.float16), float16Bytes(values)]);
    const blocks: Buffer[] = [];
    for (let at = 0; at < bytes.length; at += 3) blocks.push(bytes.subarray(at, at + 3));
    const streamed = await matrixFromStream(Readable.from(blocks), 'f16.npy');
    expect(Array.from(streamed.data)).toEqual(Array.from(decodeNpy(bytes).data));
    expect(Array.from(streamed.data)).toEqual(Array.from(values));
    await expect(matrixFromStream(Readable.from([bytes.subarray(0, bytes.length - 4)]), 'cut.npy')).rejects.toThrow(/cut.npy is truncated/);
    await expect(matrixFromStream(Readable.from([Buffer.from('not a numpy file at all')]), 'x.npy')).rejects.toThrow(/x.npy is not a .npy file/);
  });
});
