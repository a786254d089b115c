/**
 * NumPy .npy (format 1.0) for float32 matrices, so a Python user can `np.load` the index.
 * Spec: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
 */
import { createReadStream } from 'node:fs';
import { CproxError } from './errors.js';
import type { Matrix } from './linalg/matrix.js';

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);

export function npyHeader(rows: number, cols: number, descr = NPY_DESCR.float32): Buffer {
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`;
  const unpadded = MAGIC.length + 2 + 2 + dict.length + 1;
  dict += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const head = Buffer.alloc(MAGIC.length + 4);
  MAGIC.copy(head, 0);
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(dict.length, 8);
  return Buffer.concat([head, Buffer.from(dict, 'latin1')]);
}

export function float32Bytes(a: Float32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

export function encodeNpy(data: Float32Array, rows: number, cols: number): Buffer {
  return Buffer.concat([npyHeader(rows, cols), float32Bytes(data)]);
}

export type VectorDtype = 'float32' | 'float16';
export const NPY_DESCR: Record<VectorDtype, string> = { float32: '<f4', float16: '<f2' };

export interface NpyLayout {
  rows: number;
  dims: number;
  dtype: VectorDtype;
  /** Byte offset of the data. */
  offset: number;
  bytesPerValue: 2 | 4;
  /** Widens raw little-endian values to float32. */
  decode(bytes: Buffer): Float32Array;
}

/** Parses the header of a 2-d little-endian float32 or float16 .npy (the first few KB of the file suffice). */
export function npyLayout(buf: Buffer, name = 'array'): NpyLayout {
  if (buf.length < 10 || !buf.subarray(0, 6).equals(MAGIC)) throw new CproxError('BAD_INDEX', `${name} is not a .npy file`);
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.subarray(start, start + headerLen).toString('latin1');
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const shape = /'shape':\s*\((\d+),\s*(\d+)\)/.exec(header);
  if (!shape || /'fortran_order':\s*True/.test(header)) {
    throw new CproxError('BAD_INDEX', `${name}: expected a 2-d C-order array, header ${header.trim()}`);
  }
  const dtype = descr === '<f4' ? 'float32' : descr === '<f2' ? 'float16' : null;
  if (!dtype) throw new CproxError('BAD_INDEX', `${name}: unsupported dtype ${descr} (expected <f4 or <f2)`);
  return {
    rows: Number(shape[1]),
    dims: Number(shape[2]),
    dtype,
    offset: start + headerLen,
    bytesPerValue: dtype === 'float32' ? 4 : 2,
    decode: (bytes) => {
      if (dtype === 'float32') {
        const out = new Float32Array(bytes.length / 4);
        new Uint8Array(out.buffer).set(bytes);
        return out;
      }
      const out = new Float32Array(bytes.length / 2);
      const table = halfToFloatTable();
      for (let i = 0; i < out.length; i++) out[i] = table[bytes[2 * i] | (bytes[2 * i + 1] << 8)];
      return out;
    },
  };
}

/**
 * Parses a whole 2-d float32 or float16 .npy; float16 is widened to float32. Aligned float32 data (the usual case:
 * headers are padded to 64 bytes) is returned as a view of `buf`, not copied, so a 4 GB matrix needs 4 GB, not 8.
 */
export function decodeNpy(buf: Buffer, name = 'array'): Matrix {
  const l = npyLayout(buf, name);
  const end = l.offset + l.rows * l.dims * l.bytesPerValue;
  if (buf.length < end) throw new CproxError('BAD_INDEX', `${name} is truncated`);
  if (l.dtype === 'float32' && (buf.byteOffset + l.offset) % 4 === 0) {
    return { rows: l.rows, dims: l.dims, data: new Float32Array(buf.buffer, buf.byteOffset + l.offset, l.rows * l.dims) };
  }
  return { rows: l.rows, dims: l.dims, data: l.decode(buf.subarray(l.offset, end)) };
}

/** Rows as little-endian float16 (round to nearest even), for `--dtype float16` indexes. */
export function float16Bytes(a: Float32Array): Buffer {
  const out = Buffer.alloc(a.length * 2);
  for (let i = 0; i < a.length; i++) out.writeUInt16LE(floatToHalf(a[i]), 2 * i);
  return out;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
function floatToHalf(v: number): number {
  f32[0] = v;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  return sign | half;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

let halfTable: Float32Array | null = null;
/** float16 bits → float32 for all 65,536 values, built once: widening is then one lookup per value. */
function halfToFloatTable(): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) halfTable[h] = halfToFloat(h);
  }
  return halfTable;
}

/** Bytes of a .npy header, once `head` holds its first 12 bytes; null while it is shorter. */
function headerBytes(head: Buffer): number | null {
  if (head.length < 12) return null;
  return head[6] === 1 ? 10 + head.readUInt16LE(8) : 12 + head.readUInt32LE(8);
}

/**
 * Reads a 2-d float32 or float16 .npy from a stream into one float32 matrix, block by block: no whole-file buffer,
 * so no 2 GiB limit (a typed array may hold up to 2³² values), and float16 is widened as it arrives. `name` is
 * used in errors.
 */
export async function matrixFromStream(stream: AsyncIterable<Buffer | Uint8Array | string>, name: string): Promise<Matrix> {
  let head = Buffer.alloc(0);
  let layout: NpyLayout | null = null;
  let data = new Float32Array(0);
  let bytes = new Uint8Array(0);
  let filled = 0; // payload bytes received
  let total = 0;
  let odd = -1; // a float16 value's first byte when a block ended between its two bytes
  const table = halfToFloatTable();
  for await (const part of stream) {
    let block = typeof part === 'string' ? Buffer.from(part) : Buffer.from(part.buffer, part.byteOffset, part.byteLength);
    if (!layout) {
      head = Buffer.concat([head, block]);
      const need = head.subarray(0, 6).equals(MAGIC) || head.length < 6 ? headerBytes(head) : 0;
      if (need === null || head.length < need) continue;
      layout = npyLayout(head, name);
      total = layout.rows * layout.dims * layout.bytesPerValue;
      data = new Float32Array(layout.rows * layout.dims);
      bytes = new Uint8Array(data.buffer);
      block = head.subarray(layout.offset);
    }
    const take = Math.min(block.length, total - filled);
    if (take <= 0) continue;
    if (layout.dtype === 'float32') bytes.set(block.subarray(0, take), filled);
    else {
      let i = 0;
      let v = filled >> 1;
      if (odd >= 0) {
        data[v++] = table[odd | (block[0] << 8)];
        i = 1;
        odd = -1;
      }
      for (; i + 1 < take; i += 2) data[v++] = table[block[i] | (block[i + 1] << 8)];
      if (i < take) odd = block[i];
    }
    filled += take;
  }
  if (!layout) throw new CproxError('BAD_INDEX', `${name} is not a .npy file`);
  if (filled < total) throw new CproxError('BAD_INDEX', `${name} is truncated`);
  return { rows: layout.rows, dims: layout.dims, data };
}

/** The shape and dtype of a .npy from the start of a stream (the rest is not read; the stream is destroyed). */
export async function npyShapeFromStream(stream: AsyncIterable<Buffer | Uint8Array | string> & { destroy?: () => void }, name: string): Promise<NpyLayout> {
  let head = Buffer.alloc(0);
  try {
    for await (const part of stream) {
      head = Buffer.concat([head, Buffer.from(part as Uint8Array)]);
      const need = head.length < 6 || head.subarray(0, 6).equals(MAGIC) ? headerBytes(head) : 0;
      if (need !== null && head.length >= need) return npyLayout(head, name);
    }
  } finally {
    stream.destroy?.();
  }
  return npyLayout(head, name);
}

/** A local .npy file as one float32 matrix, streamed (see matrixFromStream). */
export function readMatrixFile(file: string): Promise<Matrix> {
  return matrixFromStream(createReadStream(file, { highWaterMark: 4 << 20 }), file);
}
