/**
 * Exact sparse retrieval over the lexical embedder's TF-IDF terms (its `terms` view, stopwords included): an
 * inverted index with one posting list per vocabulary term (the chunks holding it, ascending, each with the term's
 * weight in that chunk's L2-normalised vector). A query's score for a chunk is Σ q_t·w_t, the exact cosine.
 *
 * Each long list is stored in two parts, its heaviest postings and the rest (term-postings.ts), and search treats
 * each part as a term of its own, with its own largest weight: that is what makes the bounds below tight.
 *
 * Search is term at a time, rarest part first, with MaxScore pruning (Turtle & Flood 1995,
 * https://doi.org/10.1016/0306-4573(95)00020-H): each term's largest possible contribution is q_t·max_t. Once the
 * k-th best partial score already exceeds what all remaining terms could add together, no chunk outside the touched
 * set can reach the top k, and the remaining (frequent, cheap-to-skip) terms are only looked up for the touched
 * chunks that can still make it: by galloping search in the sorted list when they are few, else by one pass over
 * the list against a candidate flag. The answer is exact, not approximate:
 * test/unit/term-index.test.ts checks it against brute force.
 *
 * The file layout is documented in term-postings.ts, which writes it.
 * Posting lists are read on demand (positional reads, an LRU cache by bytes), so opening reads O(T), never O(P).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { CproxError } from '../errors.js';
import { align8, HEADER, MAGIC, type SparseVector } from './term-postings.js';

export interface TermHit {
  idx: number;
  similarity: number;
}

/** Chunks [from, to) left out of a search (leave-document-out calibration). */
export interface ExcludeRange {
  from: number;
  to: number;
}

/** Positional reads from a file or a buffer. */
interface ByteSource {
  read(into: Uint8Array, position: number): void;
  close(): void;
}

function fileSource(file: string): ByteSource {
  const fd = openSync(file, 'r');
  return {
    read(into, position) {
      let done = 0;
      while (done < into.length) {
        const n = readSync(fd, into, done, into.length - done, position + done);
        if (n === 0) throw new CproxError('BAD_INDEX', `${file} is shorter than its header says`, { hint: 'rebuild or re-sync the index' });
        done += n;
      }
    },
    close: () => closeSync(fd),
  };
}

function bufferSource(buf: Uint8Array, name: string): ByteSource {
  return {
    read(into, position) {
      if (position + into.length > buf.length) throw new CproxError('BAD_INDEX', `${name} is shorter than its header says`, { hint: 'rebuild the index' });
      into.set(buf.subarray(position, position + into.length));
    },
    close() {},
  };
}

interface Postings {
  ids: Uint32Array;
  weights: Float32Array;
}

/** Posting lists kept in memory between queries (the frequent terms come back in almost every sentence). */
const CACHE_BYTES = 256 * 1024 * 1024;
/** Below this many postings a term is always scored in full: checking the pruning bound would cost more. */
const PRUNE_MIN_POSTINGS = 32;

export class TermIndex {
  readonly terms: number;
  readonly rows: number;
  readonly postings: number;
  private readonly offsets: Float64Array;
  /** Where each term's low part starts (its high part is [offsets[t], splits[t])). */
  private readonly splits: Float64Array;
  private readonly highMax: Float32Array;
  private readonly lowMax: Float32Array;
  private readonly idsAt: number;
  private readonly weightsAt: number;
  private readonly cache = new Map<number, Postings>();
  private cached = 0;
  private acc: Float64Array;
  private touched: Int32Array;
  /** Per chunk: 1 while it is a candidate of the search in progress. */
  private readonly flag: Uint8Array;
  /** The candidates of the search in progress (reused between searches). */
  private keep = new Int32Array(1024);
  /** Searches so far, and how many of them finished their frequent terms by lookup (MaxScore) instead of in full. */
  readonly stats = { searches: 0, pruned: 0 };

  constructor(
    private readonly src: ByteSource,
    name: string,
  ) {
    const header = new Uint8Array(HEADER);
    src.read(header, 0);
    const view = Buffer.from(header.buffer);
    if (view.toString('latin1', 0, 8) !== MAGIC) throw new CproxError('BAD_INDEX', `${name} is not a term postings file`, { hint: 'rebuild the index' });
    this.terms = view.readUInt32LE(8);
    this.rows = view.readUInt32LE(12);
    this.postings = view.readDoubleLE(16);
    const T = this.terms;
    this.offsets = new Float64Array(T + 1);
    src.read(new Uint8Array(this.offsets.buffer), HEADER);
    this.splits = new Float64Array(T);
    const splitsAt = HEADER + (T + 1) * 8;
    src.read(new Uint8Array(this.splits.buffer), splitsAt);
    this.highMax = new Float32Array(T);
    this.lowMax = new Float32Array(T);
    const maxAt = splitsAt + T * 8;
    src.read(new Uint8Array(this.highMax.buffer), maxAt);
    src.read(new Uint8Array(this.lowMax.buffer), maxAt + align8(T * 4));
    this.idsAt = maxAt + 2 * align8(T * 4);
    this.weightsAt = this.idsAt + align8(this.postings * 4);
    if (this.offsets[this.terms] !== this.postings)
      throw new CproxError('BAD_INDEX', `${name}: offsets and postings count disagree`, { hint: 'rebuild the index' });
    this.acc = new Float64Array(this.rows);
    this.flag = new Uint8Array(this.rows);
    this.touched = new Int32Array(1024);
  }

  /** Chunks holding term t. */
  frequency(t: number): number {
    return this.offsets[t + 1] - this.offsets[t];
  }

  private list(t: number): Postings {
    const hit = this.cache.get(t);
    if (hit) {
      this.cache.delete(t);
      this.cache.set(t, hit);
      return hit;
    }
    const from = this.offsets[t];
    const n = this.offsets[t + 1] - from;
    const p: Postings = { ids: new Uint32Array(n), weights: new Float32Array(n) };
    if (n > 0) {
      this.src.read(new Uint8Array(p.ids.buffer), this.idsAt + from * 4);
      this.src.read(new Uint8Array(p.weights.buffer), this.weightsAt + from * 4);
    }
    const bytes = n * 8;
    while (this.cached + bytes > CACHE_BYTES && this.cache.size) {
      const [oldest, old] = this.cache.entries().next().value as [number, Postings];
      this.cache.delete(oldest);
      this.cached -= old.ids.length * 8;
    }
    if (bytes <= CACHE_BYTES) {
      this.cache.set(t, p);
      this.cached += bytes;
    }
    return p;
  }

  /** Some chunk outside `ex` holds term t (a word only the excluded document has is unknown to the rest). */
  occursOutside(t: number, ex: ExcludeRange): boolean {
    const { ids } = this.list(t);
    const split = this.splits[t] - this.offsets[t];
    for (const part of [ids.subarray(0, split), ids.subarray(split)]) {
      const from = gallop(part, ex.from, 0);
      const to = ex.to >= 2 ** 32 ? part.length : gallop(part, ex.to, from);
      if (part.length - (to - from) > 0) return true;
    }
    return false;
  }

  /** The parts of a term's list (see term-postings.ts), each ascending by chunk. */
  private part(t: number, high: boolean): Postings {
    const whole = this.list(t);
    const split = this.splits[t] - this.offsets[t];
    return high
      ? { ids: whole.ids.subarray(0, split), weights: whole.weights.subarray(0, split) }
      : { ids: whole.ids.subarray(split), weights: whole.weights.subarray(split) };
  }

  /** The k chunks with the highest exact cosine to `query` (similarity > 0 only), best first, ties by idx. */
  search(query: SparseVector, k: number, exclude?: ExcludeRange): TermHit[] {
    const order: Array<{ t: number; high: boolean; q: number; n: number; max: number }> = [];
    query.ids.forEach((t, i) => {
      const q = query.weights[i];
      if (!(q > 0) || this.frequency(t) === 0) return;
      const high = this.splits[t] - this.offsets[t];
      if (high > 0) order.push({ t, high: true, q, n: high, max: this.highMax[t] });
      order.push({ t, high: false, q, n: this.offsets[t + 1] - this.splits[t], max: this.lowMax[t] });
    });
    order.sort((a, b) => a.n - b.n || a.t - b.t || Number(b.high) - Number(a.high));
    if (k <= 0 || order.length === 0) return [];
    this.stats.searches++;
    const ex = exclude ?? { from: 0, to: 0 };
    const acc = this.acc;
    let touched = 0;
    let remaining = 0;
    const bound = order.map((x) => x.q * x.max);
    for (const b of bound) remaining += b;

    let i = 0;
    let threshold = -1;
    // The k-th best partial score only grows, so a stale one is a valid lower bound: it is recomputed (a pass over
    // the touched chunks) only when what the remaining terms could add has halved since.
    let checkedAt = Infinity;
    for (; i < order.length; i++) {
      if (touched >= k && order[i].n >= PRUNE_MIN_POSTINGS) {
        if (threshold > remaining) break;
        if (remaining < checkedAt / 2) {
          threshold = this.kthOf(this.touched, touched, k);
          checkedAt = remaining;
          if (threshold > remaining) break;
        }
      }
      const { ids, weights } = this.part(order[i].t, order[i].high);
      const q = order[i].q;
      if (this.touched.length < touched + ids.length) {
        const grown = new Int32Array(Math.max(this.touched.length * 2, touched + ids.length));
        grown.set(this.touched.subarray(0, touched));
        this.touched = grown;
      }
      const list = this.touched;
      const { from, to } = ex;
      if (from >= to) {
        for (let j = 0; j < ids.length; j++) {
          const c = ids[j];
          const before = acc[c];
          if (before === 0) list[touched++] = c;
          acc[c] = before + q * weights[j];
        }
      } else {
        for (let j = 0; j < ids.length; j++) {
          const c = ids[j];
          if (c >= from && c < to) continue;
          const before = acc[c];
          if (before === 0) list[touched++] = c;
          acc[c] = before + q * weights[j];
        }
      }
      remaining -= bound[i];
    }

    let candidates: Int32Array = this.touched.subarray(0, touched);
    if (i < order.length) {
      // MaxScore: only chunks that could still reach the top k get the remaining terms, looked up in sorted lists.
      this.stats.pruned++;
      const slack = Math.max(0, remaining);
      if (this.keep.length < touched) this.keep = new Int32Array(Math.max(touched, this.keep.length * 2));
      const keep = this.keep;
      let kept = 0;
      for (let j = 0; j < touched; j++) if (acc[this.touched[j]] + slack >= threshold) keep[kept++] = this.touched[j];
      candidates = keep.subarray(0, kept);
      // Few candidates against a long list: gallop through the list per candidate (sorted). Many: one linear pass
      // over the list, adding where the candidate flag is set.
      let sorted = false;
      const flag = this.flag;
      for (let j = 0; j < kept; j++) flag[candidates[j]] = 1;
      for (; i < order.length; i++) {
        const { ids, weights } = this.part(order[i].t, order[i].high);
        const q = order[i].q;
        if (kept * 8 < ids.length) {
          if (!sorted) {
            candidates.sort();
            sorted = true;
          }
          let lo = 0;
          for (let c = 0; c < kept && lo < ids.length; c++) {
            const want = candidates[c];
            lo = gallop(ids, want, lo);
            if (lo < ids.length && ids[lo] === want) acc[want] += q * weights[lo];
          }
        } else {
          for (let j = 0; j < ids.length; j++) if (flag[ids[j]] === 1) acc[ids[j]] += q * weights[j];
        }
        // What the terms left could add shrinks: drop the candidates that can no longer reach the k-th score.
        remaining -= bound[i];
        if (kept > k * 4) {
          threshold = Math.max(threshold, this.kthOf(candidates, kept, k));
          let n = 0;
          for (let j = 0; j < kept; j++) {
            const c = candidates[j];
            if (acc[c] + Math.max(0, remaining) >= threshold) candidates[n++] = c;
            else flag[c] = 0;
          }
          kept = n;
          candidates = candidates.subarray(0, kept);
        }
      }
      for (let j = 0; j < kept; j++) flag[candidates[j]] = 0;
    }
    const hits = topK(candidates, acc, k);
    for (let j = 0; j < touched; j++) acc[this.touched[j]] = 0;
    return hits;
  }

  /** The k-th largest accumulated score among the first n chunks of `ids`. */
  private kthOf(ids: Int32Array, n: number, k: number): number {
    const heap = new Float64Array(k);
    let size = 0;
    for (let j = 0; j < n; j++) {
      const v = this.acc[ids[j]];
      if (size < k) {
        heap[size++] = v;
        if (size === k) heap.sort();
      } else if (v > heap[0]) {
        heap[0] = v;
        siftDown(heap, k);
      }
    }
    return size < k ? -1 : heap[0];
  }

  close(): void {
    this.src.close();
    this.cache.clear();
  }
}

/** Restores the min-heap property from the root (the array is a valid min-heap except at 0). */
function siftDown(heap: Float64Array, n: number): void {
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let m = i;
    if (l < n && heap[l] < heap[m]) m = l;
    if (r < n && heap[r] < heap[m]) m = r;
    if (m === i) return;
    [heap[i], heap[m]] = [heap[m], heap[i]];
    i = m;
  }
}

/** The first position ≥ lo whose id is ≥ want (exponential then binary search). */
function gallop(ids: Uint32Array, want: number, lo: number): number {
  let step = 1;
  let hi = lo;
  while (hi < ids.length && ids[hi] < want) {
    lo = hi + 1;
    hi += step;
    step *= 2;
  }
  hi = Math.min(hi, ids.length);
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ids[mid] < want) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function topK(candidates: Int32Array, acc: Float64Array, k: number): TermHit[] {
  const best: TermHit[] = [];
  const worse = (a: TermHit, b: TermHit) => a.similarity < b.similarity || (a.similarity === b.similarity && a.idx > b.idx);
  let w = -1; // the worst of `best` once it is full
  for (let j = 0; j < candidates.length; j++) {
    const c = candidates[j];
    const s = acc[c];
    if (!(s > 0)) continue;
    if (best.length < k) {
      best.push({ idx: c, similarity: s });
      if (best.length < k) continue;
    } else if (s < best[w].similarity || (s === best[w].similarity && c > best[w].idx)) continue;
    else best[w] = { idx: c, similarity: s };
    w = 0;
    for (let m = 1; m < best.length; m++) if (worse(best[m], best[w])) w = m;
  }
  return best.sort((a, b) => b.similarity - a.similarity || a.idx - b.idx);
}

export const openTermIndex = (file: string) => new TermIndex(fileSource(file), file);
export const termIndexFromBytes = (buf: Uint8Array, name: string) => new TermIndex(bufferSource(buf, name), name);
