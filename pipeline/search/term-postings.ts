/**
 * The term postings file (`terms.postings`): written here, searched by term-index.ts. One posting list per
 * vocabulary term: the chunks holding it, ascending, each with the term's weight in that chunk's L2-normalised vector.
 *
 * Layout (little-endian; every section starts at a multiple of 8):
 *   0     8 bytes   magic "CPXPOST1"
 *   8     u32       terms T
 *   12    u32       chunks N
 *   16    f64       postings P
 *   64    f64[T+1]  offsets: term t's postings are [offsets[t], offsets[t+1])
 *   …     f32[T]    the largest weight of each term
 *   …     u32[P]    chunk ids
 *   …     f32[P]    weights
 */
export const MAGIC = 'CPXPOST1';
export const HEADER = 64;
export const align8 = (n: number) => Math.ceil(n / 8) * 8;

export interface SparseVector {
  ids: readonly number[];
  weights: readonly number[];
}

class Growable<T extends Uint32Array | Float32Array> {
  length = 0;
  constructor(
    public data: T,
    private readonly make: (n: number) => T,
  ) {}
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = this.make(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
}

/** Collects each chunk's sparse vector in chunk order, then writes the inverted file. */
export class TermIndexBuilder {
  private readonly termOf = new Growable(new Uint32Array(1 << 16), (n) => new Uint32Array(n));
  private readonly weightOf = new Growable(new Float32Array(1 << 16), (n) => new Float32Array(n));
  private readonly chunkEnds: number[] = [];
  private readonly counts: Uint32Array;
  private readonly maxWeight: Float32Array;

  constructor(private readonly terms: number) {
    this.counts = new Uint32Array(terms);
    this.maxWeight = new Float32Array(terms);
  }

  /** The next chunk (chunks must be added in idx order, from 0). */
  add(v: SparseVector): void {
    for (let i = 0; i < v.ids.length; i++) {
      const t = v.ids[i];
      const w = Math.fround(v.weights[i]);
      if (!(w > 0)) continue;
      this.termOf.push(t);
      this.weightOf.push(w);
      this.counts[t]++;
      if (w > this.maxWeight[t]) this.maxWeight[t] = w;
    }
    this.chunkEnds.push(this.termOf.length);
  }

  get postings(): number {
    return this.termOf.length;
  }

  /** The file's bytes, section by section (the postings in slices, so no single buffer holds them twice). */
  *encode(): Generator<Uint8Array> {
    const T = this.terms;
    const N = this.chunkEnds.length;
    const P = this.termOf.length;
    const offsets = new Float64Array(T + 1);
    for (let t = 0; t < T; t++) offsets[t + 1] = offsets[t] + this.counts[t];
    const ids = new Uint32Array(P);
    const weights = new Float32Array(P);
    const fill = new Float64Array(offsets.subarray(0, T));
    let start = 0;
    for (let c = 0; c < N; c++) {
      const end = this.chunkEnds[c];
      for (let j = start; j < end; j++) {
        const at = fill[this.termOf.data[j]]++;
        ids[at] = c;
        weights[at] = this.weightOf.data[j];
      }
      start = end;
    }
    const header = Buffer.alloc(HEADER);
    header.write(MAGIC, 0, 'latin1');
    header.writeUInt32LE(T, 8);
    header.writeUInt32LE(N, 12);
    header.writeDoubleLE(P, 16);
    yield header;
    yield new Uint8Array(offsets.buffer);
    const maxBytes = new Uint8Array(align8(T * 4));
    maxBytes.set(new Uint8Array(this.maxWeight.buffer));
    yield maxBytes;
    const SLICE = 1 << 22;
    for (let o = 0; o < P; o += SLICE) yield new Uint8Array(ids.buffer, o * 4, Math.min(SLICE, P - o) * 4);
    if (P % 2) yield new Uint8Array(4);
    for (let o = 0; o < P; o += SLICE) yield new Uint8Array(weights.buffer, o * 4, Math.min(SLICE, P - o) * 4);
  }
}
