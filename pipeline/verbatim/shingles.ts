/**
 * Verbatim lookup, independent of embeddings: every chunk contributes fingerprints of its word 4-grams
 * ("shingles") chosen by winnowing (Schleimer, Wilkerson & Aiken 2003, https://doi.org/10.1145/872757.872770):
 * the smallest hash of every window of WINDOW consecutive shingles. Any span of at least
 * SHINGLE_WORDS + WINDOW − 1 words that occurs in a chunk shares a fingerprint with it, so a copied sentence finds
 * its chunk even when vector search ranks other chunks higher. Candidates are confirmed by substring check before
 * they count as verbatim. About 2/(WINDOW+1) of the shingles are kept.
 *
 * Stored as one sorted little-endian uint64 array: (hash << 32) | chunk idx.
 */
import { words } from '../text/tokenize.js';

export const SHINGLE_WORDS = 4;
export const WINDOW = 4;
/** Shingles found in more chunks than this are skipped at lookup. */
const MAX_POSTINGS = 2000;

/** The 32-bit FNV-1a hash of a shingle (its words joined by one space). */
export function fingerprint(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h >>> 0;
}

/** Winnowed shingle fingerprints of a text (deduplicated); all shingles when there are fewer than a window. */
export function shingleHashes(text: string): number[] {
  const w = words(text);
  const hashes: number[] = [];
  for (let i = 0; i + SHINGLE_WORDS <= w.length; i++) hashes.push(fingerprint(w.slice(i, i + SHINGLE_WORDS).join(' ')));
  if (hashes.length < WINDOW) return [...new Set(hashes)];
  const out = new Set<number>();
  for (let i = 0; i + WINDOW <= hashes.length; i++) {
    let m = hashes[i];
    for (let j = i + 1; j < i + WINDOW; j++) if (hashes[j] < m) m = hashes[j];
    out.add(m);
  }
  return [...out];
}

/** Accumulates (hash, chunk) pairs and produces the sorted table. */
export class ShingleTableBuilder {
  private parts: BigUint64Array[] = [];
  private current = new BigUint64Array(1 << 16);
  private fill = 0;

  add(idx: number, text: string): void {
    for (const h of shingleHashes(text)) {
      if (this.fill === this.current.length) {
        this.parts.push(this.current);
        this.current = new BigUint64Array(this.current.length);
        this.fill = 0;
      }
      this.current[this.fill++] = (BigInt(h) << 32n) | BigInt(idx);
    }
  }

  finish(): BigUint64Array {
    const total = this.parts.reduce((s, p) => s + p.length, 0) + this.fill;
    const all = new BigUint64Array(total);
    let o = 0;
    for (const p of this.parts) {
      all.set(p, o);
      o += p.length;
    }
    all.set(this.current.subarray(0, this.fill), o);
    return all.sort();
  }
}

export function encodeShingleTable(table: BigUint64Array): Buffer {
  return Buffer.from(table.buffer, table.byteOffset, table.byteLength);
}

export function decodeShingleTable(buf: Buffer): BigUint64Array {
  const copy = new BigUint64Array(Math.floor(buf.length / 8));
  new Uint8Array(copy.buffer).set(buf.subarray(0, copy.length * 8));
  return copy;
}

function lowerBound(table: BigUint64Array, key: bigint): number {
  let lo = 0;
  let hi = table.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (table[mid] < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The chunks whose table entries hold this fingerprint; `ids` is empty when more than MAX_POSTINGS do. */
export function postingsOf(table: BigUint64Array, hash: number): { count: number; ids: number[] } {
  const from = lowerBound(table, BigInt(hash) << 32n);
  const to = lowerBound(table, BigInt(hash + 1) << 32n);
  const count = to - from;
  if (count > MAX_POSTINGS) return { count, ids: [] }; // a stock phrase ("of the united states") identifies nothing
  const ids: number[] = [];
  for (let i = from; i < to; i++) ids.push(Number(table[i] & 0xffffffffn));
  return { count, ids };
}

/** Chunks sharing at least `minShared` sampled shingles with the span, most shared first (at most `limit`). */
export function verbatimCandidates(table: BigUint64Array, span: string, limit = 16): number[] {
  const votes = new Map<number, number>();
  let used = 0;
  for (const h of shingleHashes(span)) {
    const { ids, count } = postingsOf(table, h);
    if (count > MAX_POSTINGS) continue;
    used++;
    for (const idx of ids) votes.set(idx, (votes.get(idx) ?? 0) + 1);
  }
  if (used === 0) return [];
  const need = Math.max(1, Math.ceil(used / 2));
  return [...votes]
    .filter(([, n]) => n >= need)
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, limit)
    .map(([idx]) => idx);
}
