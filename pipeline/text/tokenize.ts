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

/** Lower-cased word tokens, the unit both the lexical embedder and the keyword namer count. */
export function words(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(WORD)) out.push(m[0].toLowerCase().replace(/’/g, "'"));
  return out;
}
