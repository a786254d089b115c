/**
 * Sentence segmentation with Intl.Segmenter, fed one paragraph at a time: in Node 20 it is quadratic on long
 * strings (1 MB takes 29 s), so paragraphs longer than MAX_PIECE are first cut at whitespace. Intl.Segmenter also
 * splits after "Dr.", "Mr." and initials ("J. R. R."); those pieces are merged back.
 * Lives in pipeline/ because both annotate and the index's calibration step segment text.
 */
export interface Sentence {
  text: string;
  start: number;
  end: number;
}

const MAX_PIECE = 20_000;
const segmenter = new Intl.Segmenter('en', { granularity: 'sentence' });
/** Abbreviations that are never the end of a sentence. */
const TITLE = /(?:^|[\s(])(?:Dr|Mr|Mrs|Ms|Mx|Prof|St|Gen|Sen|Rep|Rev|Hon|Capt|Col|Lt|Sgt|Gov|Jr|Sr|Fr|Mt|Ft)\.$/;
const INITIAL = /(?:^|[\s(.])\p{Lu}\.$/u;
/** Abbreviations that end a sentence only when a capitalised word follows. */
const SOFT = /(?:^|[\s(])(?:e\.g|i\.e|etc|vs|cf|approx|no|nos|vol|fig|pp|ca|Inc|Ltd|Co|Corp|U\.S|U\.K|a\.m|p\.m)\.$/i;

function pieces(text: string, from: number, to: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let s = from;
  while (to - s > MAX_PIECE) {
    let cut = text.lastIndexOf(' ', s + MAX_PIECE);
    if (cut <= s) cut = s + MAX_PIECE;
    out.push([s, cut]);
    s = cut;
  }
  out.push([s, to]);
  return out;
}

export function splitSentences(text: string): Sentence[] {
  const raw: Array<[number, number]> = [];
  const paragraph = /[^\n]+(?:\n(?![ \t]*\n)[^\n]*)*/g;
  for (const p of text.matchAll(paragraph)) {
    for (const [a, b] of pieces(text, p.index, p.index + p[0].length)) {
      // Intl.Segmenter ends a sentence at every line break; a wrapped line is not a sentence end, a list item is.
      // Same-length replacement keeps the offsets.
      const piece = text.slice(a, b).replace(/\n(?![ \t]*(?:[-*•#>]|\d+[.)])\s)/g, ' ');
      for (const seg of segmenter.segment(piece)) raw.push([a + seg.index, a + seg.index + seg.segment.length]);
    }
  }
  const merged: Array<[number, number]> = [];
  for (const [a, b] of raw) {
    const prev = merged[merged.length - 1];
    if (prev && text.slice(prev[1], a).indexOf('\n') === -1) {
      const prevText = text.slice(prev[0], prev[1]).trimEnd();
      const nextText = text.slice(a, b).trimStart();
      if (TITLE.test(prevText) || INITIAL.test(prevText) || (SOFT.test(prevText) && /^[\p{Ll}\d]/u.test(nextText))) {
        prev[1] = b;
        continue;
      }
    }
    merged.push([a, b]);
  }
  const out: Sentence[] = [];
  for (const [a, b] of merged) {
    const slice = text.slice(a, b);
    const lead = slice.length - slice.trimStart().length;
    const t = slice.trim();
    if (t) out.push({ text: t, start: a + lead, end: a + lead + t.length });
  }
  return out;
}
