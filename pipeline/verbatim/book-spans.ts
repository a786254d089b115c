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
import { wordSpans } from '../text/tokenize.js';
import { fingerprint, postingsOf, SHINGLE_WORDS } from './shingles.js';

export const MIN_SPAN_WORDS = 8;
export const BOILERPLATE_CHUNKS = 25;
/** Chunks checked per text, most fingerprints shared first. */
const MAX_CANDIDATES = 32;

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

interface Tokens {
  words: string[];
  starts: number[];
  ends: number[];
}

function tokens(text: string): Tokens {
  const { starts, ends } = wordSpans(text);
  return { words: starts.map((s, i) => text.slice(s, ends[i]).toLowerCase().replace(/’/g, "'")), starts, ends };
}

const gramAt = (w: readonly string[], i: number) => w.slice(i, i + SHINGLE_WORDS).join(' ');

/** What the fingerprints of one text say: candidate chunks, and how common each position's shingle is. */
export interface SpanLookup {
  tokens: Tokens;
  /** Candidate chunks, most shared fingerprints first. */
  candidates: number[];
  /** Per word position: chunks whose table holds the shingle starting there (0 when no chunk selected it). */
  commonness: number[];
}

export function lookupBookSpans(table: BigUint64Array, text: string): SpanLookup {
  const t = tokens(text);
  const hits = new Map<number, number>();
  const commonness = new Array<number>(t.words.length).fill(0);
  for (let i = 0; i + SHINGLE_WORDS <= t.words.length; i++) {
    const chunks = postingsOf(table, fingerprint(gramAt(t.words, i)));
    commonness[i] = chunks.count;
    for (const c of chunks.ids) hits.set(c, (hits.get(c) ?? 0) + 1);
  }
  const candidates = [...hits]
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, MAX_CANDIDATES)
    .map(([c]) => c);
  return { tokens: t, candidates, commonness };
}

/** The chunks a lookup needs fetched: each candidate and its neighbours (a span may run into them). */
export function chunksToFetch(lookups: readonly SpanLookup[], rows: number): Set<number> {
  const out = new Set<number>();
  for (const l of lookups) for (const c of l.candidates) for (const n of [c - 1, c, c + 1]) if (n >= 0 && n < rows) out.add(n);
  return out;
}

/** Word ids and n-gram keys shared by the texts of one resolver (numbers compare faster than strings). */
class Vocabulary {
  private readonly ids = new Map<string, number>();
  id(w: string): number {
    let id = this.ids.get(w);
    if (id === undefined) this.ids.set(w, (id = this.ids.size));
    return id;
  }
}

/** A hash key of the SHINGLE_WORDS ids starting at i (equal keys are confirmed word by word). */
function gramKey(ids: Int32Array, i: number): number {
  let h = 0x811c9dc5;
  for (let j = i; j < i + SHINGLE_WORDS; j++) h = Math.imul(h ^ ids[j], 0x01000193);
  return h >>> 0;
}

interface Window {
  ids: Int32Array;
  /** Per word: the chunk it belongs to. */
  chunkOf: number[];
}

/** Resolves book spans against one set of fetched chunks; windows are built once and shared by every text. */
export class BookSpanResolver {
  private readonly vocab = new Vocabulary();
  private readonly windows = new Map<number, Window | null>();

  constructor(private readonly chunks: ReadonlyMap<number, SpanChunk>) {}

  /** The text of chunks c−1, c, c+1 of one document joined by their document offsets, with each word's chunk. */
  private window(c: number): Window | null {
    if (this.windows.has(c)) return this.windows.get(c)!;
    const mid = this.chunks.get(c);
    let win: Window | null = null;
    if (mid) {
      const parts = [this.chunks.get(c - 1), mid, this.chunks.get(c + 1)].filter((p): p is SpanChunk => !!p && p.meta.doc_id === mid.meta.doc_id);
      let text = '';
      let end = -1;
      const bounds: Array<{ at: number; idx: number }> = [];
      for (const p of parts) {
        if (end < 0 || p.meta.start >= end) {
          if (text) text += ' ';
          bounds.push({ at: text.length, idx: p.meta.idx });
          text += p.text;
        } else {
          const skip = end - p.meta.start; // overlapping chunks: the shared part is already there
          bounds.push({ at: text.length - skip, idx: p.meta.idx });
          text += p.text.slice(skip);
        }
        end = Math.max(end, p.meta.end);
      }
      const t = tokens(text);
      // A word shared by two overlapping chunks belongs to the later one here; spans report the chunk of their first word.
      const chunkOf = t.starts.map((st) => {
        let idx = bounds[0].idx;
        for (const b of bounds) if (b.at <= st) idx = b.idx;
        return idx;
      });
      win = { ids: Int32Array.from(t.words, (w) => this.vocab.id(w)), chunkOf };
    }
    this.windows.set(c, win);
    return win;
  }

  /** Maximal verbatim runs of one text, given its lookup. */
  resolve(text: string, lookup: SpanLookup): BookSpan[] {
    const row = Int32Array.from(lookup.tokens.words, (w) => this.vocab.id(w));
    const rowGrams = new Map<number, number[]>();
    for (let i = 0; i + SHINGLE_WORDS <= row.length; i++) {
      const g = gramKey(row, i);
      (rowGrams.get(g) ?? rowGrams.set(g, []).get(g)!).push(i);
    }
    const runs = new Map<number, { a: number; b: number; chunk: number }>();
    for (const c of lookup.candidates) {
      const win = this.window(c);
      if (!win) continue;
      const cw = win.ids;
      for (let j = 0; j + SHINGLE_WORDS <= cw.length; j++) {
        const at = rowGrams.get(gramKey(cw, j));
        if (!at) continue;
        for (const i of at) {
          if (i > 0 && j > 0 && row[i - 1] === cw[j - 1]) continue; // not where the run starts
          let n = 0;
          while (i + n < row.length && j + n < cw.length && row[i + n] === cw[j + n]) n++;
          if (n < SHINGLE_WORDS) continue; // a hash collision
          const key = i * 65536 + n;
          if (!runs.has(key)) runs.set(key, { a: i, b: i + n, chunk: win.chunkOf[j] });
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
