/**
 * The part of a supporting chunk worth showing: a window of at most `maxChars` characters around the passage that
 * matches the sentence, with the match's offsets inside the window so `show` and the HTML report can mark it. The
 * match is the longest run of the sentence's words that the chunk has in the same order (a copied phrase), when it
 * is at least MIN_RUN words long; otherwise the stretch of chunk words densest in the sentence's words (content words
 * count 1, stopwords ¼). Cut ends are marked with "…".
 */
import { STOPWORDS } from '../text/stopwords.js';
import { words, wordTokens } from '../text/tokenize.js';

export interface PassageWindow {
  text: string;
  /** The best-matching run inside `text` (JavaScript string indices); null when no word matches. */
  match: [number, number] | null;
}

/** A run of this many words in the same order marks the match (shorter ones are chance: "of the", "it is a"). */
export const MIN_RUN = 4;

/** The longest run of consecutive words `a` and `b` share: its start in `b` and its length (dynamic programming). */
export function longestCommonRun(a: readonly string[], b: readonly string[]): { start: number; length: number } {
  let best = { start: 0, length: 0 };
  let prev = new Uint16Array(b.length + 1);
  let cur = new Uint16Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      cur[j] = a[i - 1] === b[j - 1] ? prev[j - 1] + 1 : 0;
      if (cur[j] > best.length) best = { start: j - cur[j], length: cur[j] };
    }
    [prev, cur] = [cur, prev];
    cur.fill(0);
  }
  return best;
}

export function passageWindow(chunk: string, sentence: string, maxChars = 320): PassageWindow {
  const { words: chunkWords, starts, ends } = wordTokens(chunk);
  const sentenceWords = words(sentence);
  const run = longestCommonRun(sentenceWords, chunkWords);
  if (run.length >= Math.min(MIN_RUN, sentenceWords.length) && run.length > 0)
    return around(chunk, starts[run.start], ends[run.start + run.length - 1], maxChars);
  const wanted = new Set(sentenceWords);
  const score = chunkWords.map((w) => (wanted.has(w) ? (STOPWORDS.has(w) ? 0.25 : 1) : 0));
  const width = Math.min(starts.length, Math.max(8, Math.min(60, Math.round(wanted.size * 1.5))));
  let best = -1;
  let bestAt = 0;
  let sum = 0;
  for (let i = 0; i < starts.length; i++) {
    sum += score[i];
    if (i >= width) sum -= score[i - width];
    if (i >= width - 1 && sum > best) {
      best = sum;
      bestAt = i - width + 1;
    }
  }
  if (!(best > 0)) return { text: clip(chunk, 0, Math.min(chunk.length, maxChars)), match: null };
  let a = bestAt;
  let b = bestAt + width - 1;
  while (a < b && score[a] === 0) a++;
  while (b > a && score[b] === 0) b--;
  return around(chunk, starts[a], ends[b], maxChars);
}

/** A window of the chunk around [from, to), the match's offsets inside it. */
function around(chunk: string, from: number, to: number, maxChars: number): PassageWindow {
  // Centre the match in the window; a match longer than the window keeps its start.
  const room = Math.max(0, maxChars - (to - from));
  let start = Math.max(0, from - Math.floor(room / 2));
  let end = Math.min(chunk.length, Math.max(to, start + maxChars));
  if (end - start < maxChars) start = Math.max(0, end - maxChars);
  // Snap to word boundaries so no word is cut in half.
  while (start > 0 && start < from && /\S/.test(chunk[start - 1])) start++;
  while (end < chunk.length && end > to && /\S/.test(chunk[end])) end--;
  const text = clip(chunk, start, end);
  const shift = (start > 0 ? 1 : 0) - start;
  return { text, match: [from + shift, Math.min(to + shift, text.length)] };
}

function clip(s: string, start: number, end: number): string {
  return `${start > 0 ? '…' : ''}${s.slice(start, end)}${end < s.length ? '…' : ''}`;
}
