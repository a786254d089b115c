/**
 * The part of a supporting chunk worth showing: a window of at most `maxChars` characters around the run of chunk
 * words that best matches the sentence (content words count 1, stopwords ¼), with the matched run's offsets inside
 * the window so `show` and the HTML report can mark it. Cut ends are marked with "…".
 */
import { STOPWORDS } from '../text/stopwords.js';
import { words, wordTokens } from '../text/tokenize.js';

export interface PassageWindow {
  text: string;
  /** The best-matching run inside `text` (JavaScript string indices); null when no word matches. */
  match: [number, number] | null;
}

export function passageWindow(chunk: string, sentence: string, maxChars = 320): PassageWindow {
  const { words: chunkWords, starts, ends } = wordTokens(chunk);
  const wanted = new Set(words(sentence));
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
  const from = starts[a];
  const to = ends[b];
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
