/**
 * Book spans: the maximal runs of words of a text that occur verbatim in the corpus (as OLMoTrace shows them,
 * https://arxiv.org/abs/2504.07096). Any run of at least SHINGLE_WORDS + WINDOW − 1 words that occurs in a chunk
 * shares a winnowed fingerprint with it (shingles.ts), so the fingerprints of the text name the chunks to check;
 * each candidate is then matched word by word and the run is extended both ways as far as the words agree, across
 * the boundary into the neighbouring chunks of the same document (a copy may cross chunk boundaries).
 *
 * Words are compared as the lexical embedder sees them (lower-cased word tokens, punctuation and spacing ignored).
 * A run must have at least MIN_SPAN_WORDS words, and a run every one of whose fingerprints is in more than
 * BOILERPLATE_CHUNKS chunks is stock phrasing, not a copy ("the people of the united states of america"). Both
 * cut-offs are measured in bench/attribution.ts (span precision against planted copies).
 */
import type { ChunkMetadata } from '../corpus-index/format.js';
import { wordTokens } from '../text/tokenize.js';
import { fingerprint, postingsOf, SHINGLE_WORDS } from './shingles.js';

export const MIN_SPAN_WORDS = 8;
export const BOILERPLATE_CHUNKS = 25;
/** Chunks checked per text, most fingerprints shared first. */
const MAX_CANDIDATES = 32;
/** A chunk sharing one fingerprint is checked only when at most this many chunks hold it. */
const RARE_SHINGLE = 3;

export interface BookSpan {
  /** JavaScript string indices into the text. */
  char_start: number;
  char_end: number;
  words: number;
  /** The chunk holding the span's first word. */
  chunk_idx: number;
  stage: string | null;
  text: string;
}

export interface SpanChunk {
  text: string;
  meta: Pick<ChunkMetadata, 'idx' | 'doc_id' | 'corpus_stage' | 'start' | 'end'>;
}

type Tokens = ReturnType<typeof wordTokens>;

const gramAt = (w: readonly string[], i: number) => w.slice(i, i + SHINGLE_WORDS).join(' ');

/** What the fingerprints of one text say: candidate chunks, where they hit, and how common each shingle is. */
export interface SpanLookup {
  tokens: Tokens;
  /** Candidate chunks, most shared fingerprints first. */
  candidates: number[];
  /** Per candidate: the word positions of the text whose shingle the chunk's table holds. */
  hits: Map<number, number[]>;
  /** Per word position: chunks whose table holds the shingle starting there (0 when no chunk selected it). */
  commonness: number[];
}

export function lookupBookSpans(table: BigUint64Array, text: string): SpanLookup {
  const t = wordTokens(text);
  const at = new Map<number, number[]>();
  const commonness = new Array<number>(t.words.length).fill(0);
  for (let i = 0; i + SHINGLE_WORDS <= t.words.length; i++) {
    const chunks = postingsOf(table, fingerprint(gramAt(t.words, i)));
    commonness[i] = chunks.count;
    for (const c of chunks.ids) (at.get(c) ?? at.set(c, []).get(c)!).push(i);
  }
  // A chunk that shares a single fingerprint, and a common one, shares a stock phrase, not a copy: it is not checked.
  const candidates = [...at]
    .filter(([, hits]) => hits.length >= 2 || commonness[hits[0]] <= RARE_SHINGLE)
    .sort((a, b) => b[1].length - a[1].length || a[0] - b[0])
    .slice(0, MAX_CANDIDATES)
    .map(([c]) => c);
  return { tokens: t, candidates, hits: new Map(candidates.map((c) => [c, at.get(c)!])), commonness };
}

/** The chunks a lookup needs fetched: each candidate and its neighbours (a span may run into them). */
export function chunksToFetch(lookups: readonly SpanLookup[], rows: number): Set<number> {
  const out = new Set<number>();
  for (const l of lookups) for (const c of l.candidates) for (const n of [c - 1, c, c + 1]) if (n >= 0 && n < rows) out.add(n);
  return out;
}

/**
 * Chunk c with the parts of c−1 and c+1 (same document) that lie before and after it: the words a run may continue
 * into across a chunk boundary, addressed by one position without copying them.
 */
interface WindowPart {
  idx: number;
  words: readonly string[];
  from: number;
  to: number;
}

class Window {
  readonly size: number;
  constructor(
    private readonly parts: readonly WindowPart[],
    /** Position of chunk c's first word. */
    readonly midAt: number,
  ) {
    this.size = parts.reduce((n, p) => n + p.to - p.from, 0);
  }
  private locate(v: number): { part: WindowPart; at: number } {
    for (const part of this.parts) {
      const n = part.to - part.from;
      if (v < n) return { part, at: part.from + v };
      v -= n;
    }
    throw new RangeError('position outside the window');
  }
  word(v: number): string {
    const { part, at } = this.locate(v);
    return part.words[at];
  }
  chunkAt(v: number): number {
    return this.locate(v).part.idx;
  }
}

/** Resolves book spans against one set of fetched chunks; chunk words are tokenised once and shared by every text. */
export class BookSpanResolver {
  private readonly chunkWords = new Map<number, { words: string[]; offsets: number[] }>();

  constructor(private readonly chunks: ReadonlyMap<number, SpanChunk>) {}

  /** A chunk's words and their offsets in its document. */
  private wordsOf(c: number): { words: string[]; offsets: number[] } | null {
    let w = this.chunkWords.get(c);
    if (!w) {
      const chunk = this.chunks.get(c);
      if (!chunk) return null;
      const t = wordTokens(chunk.text);
      this.chunkWords.set(c, (w = { words: t.words, offsets: t.starts.map((st) => chunk.meta.start + st) }));
    }
    return w;
  }

  private window(c: number): Window | null {
    const mid = this.chunks.get(c);
    const m = this.wordsOf(c);
    if (!mid || !m) return null;
    const sameDoc = (idx: number) => this.chunks.get(idx)?.meta.doc_id === mid.meta.doc_id;
    const parts: WindowPart[] = [];
    const first = m.offsets[0] ?? mid.meta.start;
    const last = m.offsets[m.offsets.length - 1] ?? mid.meta.start;
    const prev = sameDoc(c - 1) ? this.wordsOf(c - 1) : null;
    if (prev) {
      let to = 0;
      while (to < prev.offsets.length && prev.offsets[to] < first) to++;
      parts.push({ idx: c - 1, words: prev.words, from: 0, to });
    }
    const midAt = parts.reduce((n, p) => n + p.to - p.from, 0);
    parts.push({ idx: c, words: m.words, from: 0, to: m.words.length });
    const next = sameDoc(c + 1) ? this.wordsOf(c + 1) : null;
    if (next) {
      let from = 0;
      while (from < next.offsets.length && next.offsets[from] <= last) from++;
      parts.push({ idx: c + 1, words: next.words, from, to: next.words.length });
    }
    return new Window(parts, midAt);
  }

  /** Maximal verbatim runs of one text, given its lookup: each hit is located in its chunk and extended both ways. */
  resolve(text: string, lookup: SpanLookup): BookSpan[] {
    const row = lookup.tokens.words;
    const runs = new Map<number, { a: number; b: number; chunk: number }>();
    for (const c of lookup.candidates) {
      const cw = this.wordsOf(c)?.words;
      if (!cw) continue;
      let win: Window | null | undefined; // the neighbours are read only when a run reaches the chunk's edge
      let coveredUntil = -1;
      for (const i of lookup.hits.get(c) ?? []) {
        if (i < coveredUntil) continue; // inside a run already found in this chunk
        for (let j = 0; j + SHINGLE_WORDS <= cw.length; j++) {
          if (cw[j] !== row[i] || cw[j + 1] !== row[i + 1] || cw[j + 2] !== row[i + 2] || cw[j + 3] !== row[i + 3]) continue;
          let a = i;
          let b = j;
          while (a > 0 && b > 0 && row[a - 1] === cw[b - 1]) {
            a--;
            b--;
          }
          let n = i - a + SHINGLE_WORDS;
          while (a + n < row.length && b + n < cw.length && row[a + n] === cw[b + n]) n++;
          let chunk = c;
          if ((b === 0 && a > 0) || (b + n === cw.length && a + n < row.length)) {
            if (win === undefined) win = this.window(c);
            if (win) {
              b += win.midAt;
              while (a > 0 && b > 0 && row[a - 1] === win.word(b - 1)) {
                a--;
                b--;
                n++;
              }
              while (a + n < row.length && b + n < win.size && row[a + n] === win.word(b + n)) n++;
              chunk = win.chunkAt(b);
            }
          }
          coveredUntil = Math.max(coveredUntil, a + n - SHINGLE_WORDS + 1);
          const key = a * 65536 + n;
          if (!runs.has(key)) runs.set(key, { a, b: a + n, chunk });
        }
      }
    }
    const all = [...runs.values()].filter((r) => r.b - r.a >= MIN_SPAN_WORDS);
    const maximal = all.filter((r) => !all.some((o) => o !== r && o.a <= r.a && o.b >= r.b && o.b - o.a > r.b - r.a));
    const { starts, ends } = lookup.tokens;
    return maximal
      .filter((r) => !isBoilerplate(lookup.commonness, r.a, r.b))
      .sort((x, y) => x.a - y.a || y.b - x.b)
      .map((r) => ({
        char_start: starts[r.a],
        char_end: ends[r.b - 1],
        words: r.b - r.a,
        chunk_idx: r.chunk,
        stage: this.chunks.get(r.chunk)?.meta.corpus_stage ?? null,
        text: text.slice(starts[r.a], ends[r.b - 1]),
      }));
  }
}

/** Every selected fingerprint inside the run is held by more than BOILERPLATE_CHUNKS chunks. */
function isBoilerplate(commonness: readonly number[], a: number, b: number): boolean {
  let seen = false;
  for (let i = a; i + SHINGLE_WORDS <= b; i++) {
    if (commonness[i] === 0) continue;
    seen = true;
    if (commonness[i] <= BOILERPLATE_CHUNKS) return false;
  }
  return seen;
}
