/**
 * The term postings file (`terms.postings`): written here, searched by term-index.ts. One posting list per
 * vocabulary term: the chunks holding it, ascending, each with the term's weight in that chunk's L2-normalised vector.
 *
 * Each list of at least SPLIT_MIN postings is stored in two parts, each ascending by chunk: its `high` part, the
 * postings whose weight is among the list's top HIGH_SHARE, then its `low` part, the rest. Short chunks give even a
 * stopword a weight near 1 somewhere, so a whole list's largest weight bounds nothing; the low part's largest weight
 * is small for frequent terms, which is what lets MaxScore skip them (term-index.ts). A part is searched as if it
 * were a term of its own: a chunk is in exactly one part of a term's list, so the scores add up as before.
 *
 * Layout (little-endian; every section starts at a multiple of 8):
 *   0     8 bytes   magic "CPXPOST2"
 *   8     u32       terms T
 *   12    u32       chunks N
 *   16    f64       postings P
 *   64    f64[T+1]  offsets: term t's postings are [offsets[t], offsets[t+1])
 *   …     f64[T]    splits: term t's high part is [offsets[t], splits[t]), its low part [splits[t], offsets[t+1])
 *   …     f32[T]    the largest weight of each term's high part (0 when it has none)
 *   …     f32[T]    the largest weight of each term's low part
 *   …     u32[P]    chunk ids
 *   …     f32[P]    weights
 */
export const MAGIC = 'CPXPOST2';
/** Lists shorter than this are one (low) part. */
export const SPLIT_MIN = 256;
/** The share of a split list's postings, by weight, in its high part. */
export const HIGH_SHARE = 0.02;
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
    // Each long list: its heaviest HIGH_SHARE first, then the rest, both in chunk order (a stable partition).
    const splits = new Float64Array(T);
    const highMax = new Float32Array(T);
    const lowMax = new Float32Array(T);
    const scratchIds = new Uint32Array(this.counts.reduce((m, n) => Math.max(m, n), 0));
    const scratchWeights = new Float32Array(scratchIds.length);
    for (let t = 0; t < T; t++) {
      const from = offsets[t];
      const n = this.counts[t];
      splits[t] = from;
      lowMax[t] = this.maxWeight[t];
      if (n < SPLIT_MIN) continue;
      const w = weights.subarray(from, from + n);
      const cut = Float32Array.from(w).sort()[n - Math.max(1, Math.floor(n * HIGH_SHARE))];
      const id = ids.subarray(from, from + n);
      let high = 0;
      for (let j = 0; j < n; j++) if (w[j] >= cut) high++;
      if (high === n) continue; // one weight throughout: nothing to split
      let h = 0;
      let l = high;
      let low = 0;
      for (let j = 0; j < n; j++) {
        const at = w[j] >= cut ? h++ : l++;
        scratchIds[at] = id[j];
        scratchWeights[at] = w[j];
        if (w[j] < cut && w[j] > low) low = w[j];
      }
      id.set(scratchIds.subarray(0, n));
      w.set(scratchWeights.subarray(0, n));
      splits[t] = from + high;
      highMax[t] = this.maxWeight[t];
      lowMax[t] = low;
    }
    const header = Buffer.alloc(HEADER);
    header.write(MAGIC, 0, 'latin1');
    header.writeUInt32LE(T, 8);
    header.writeUInt32LE(N, 12);
    header.writeDoubleLE(P, 16);
    yield header;
    yield new Uint8Array(offsets.buffer);
    yield new Uint8Array(splits.buffer);
    for (const m of [highMax, lowMax]) {
      const bytes = new Uint8Array(align8(T * 4));
      bytes.set(new Uint8Array(m.buffer));
      yield bytes;
    }
    const SLICE = 1 << 22;
    for (let o = 0; o < P; o += SLICE) yield new Uint8Array(ids.buffer, o * 4, Math.min(SLICE, P - o) * 4);
    if (P % 2) yield new Uint8Array(4);
    for (let o = 0; o < P; o += SLICE) yield new Uint8Array(weights.buffer, o * 4, Math.min(SLICE, P - o) * 4);
  }
}
