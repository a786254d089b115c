/** Word tokens for the lexical path: runs of letters/digits, keeping inner apostrophes ("don't"). */
const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}]+)*/gu;

export interface TokenSpans {
  starts: number[];
  ends: number[];
}

/** Character spans of the word tokens of `text` (offsets are UTF-16 indices, as String.slice uses). */
export function wordSpans(text: string): TokenSpans {
  const starts: number[] = [];
  const ends: number[] = [];
  for (const m of text.matchAll(WORD)) {
    starts.push(m.index);
    ends.push(m.index + m[0].length);
  }
  return { starts, ends };
}

/** Typographic apostrophes as ASCII: "don’t" and "don't" are one word. */
const asciiApostrophe = (w: string) => (w.includes('’') ? w.replace(/’/g, "'") : w);

/** Lower-cased word tokens, the unit both the lexical embedder and the keyword namer count. */
export function words(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(WORD)) out.push(asciiApostrophe(m[0].toLowerCase()));
  return out;
}

/** Normalised words with their character spans in `text` (book spans, passage windows). */
export function wordTokens(text: string): TokenSpans & { words: string[] } {
  const { starts, ends } = wordSpans(text);
  // Lower-casing the whole text once is faster than word by word, when it keeps every offset (it nearly always does).
  const lower = text.toLowerCase();
  const same = lower.length === text.length;
  const list = starts.map((s, i) => asciiApostrophe(same ? lower.slice(s, ends[i]) : text.slice(s, ends[i]).toLowerCase()));
  return { words: list, starts, ends };
}
