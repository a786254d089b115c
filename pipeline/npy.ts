/**
 * NumPy .npy (format 1.0) for float32 matrices, so a Python user can `np.load` the index.
 * Spec: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
 */
import { CproxError } from './errors.js';

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);

export function npyHeader(rows: number, cols: number, descr = '<f4'): Buffer {
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

export interface NpyMatrix {
  rows: number;
  cols: number;
  data: Float32Array;
}

/** Parses a 2-d little-endian float32 or float16 .npy; float16 is widened to float32. */
export function decodeNpy(buf: Buffer, name = 'array'): NpyMatrix {
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
  const rows = Number(shape[1]);
  const cols = Number(shape[2]);
  const offset = start + headerLen;
  const n = rows * cols;
  if (descr === '<f4') {
    if (buf.length < offset + n * 4) throw new CproxError('BAD_INDEX', `${name} is truncated`);
    const copy = new Float32Array(n);
    new Uint8Array(copy.buffer).set(buf.subarray(offset, offset + n * 4));
    return { rows, cols, data: copy };
  }
  if (descr === '<f2') {
    if (buf.length < offset + n * 2) throw new CproxError('BAD_INDEX', `${name} is truncated`);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = halfToFloat(buf.readUInt16LE(offset + 2 * i));
    return { rows, cols, data: out };
  }
  throw new CproxError('BAD_INDEX', `${name}: unsupported dtype ${descr} (expected <f4 or <f2)`);
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}
