/**
 * Chunking: split a document into paragraphs (blank lines), then cut fixed token windows. Short paragraphs are
 * packed together up to the window size so a chunk is never a lone heading; a paragraph longer than the window
 * is cut with stride `maxTokens·(1−overlap)`. Chunk text is the exact slice of the source document, so a
 * verbatim sentence of the corpus is a substring of some chunk.
 */
import type { ChunkConfig } from '../config.js';
import type { TokenSpans } from '../text/tokenize.js';

export interface ChunkSpan {
  start: number;
  end: number;
  tokens: number;
}

const PARAGRAPH_BREAK = /\n[ \t\r]*\n/g;

export function* chunkDocument(text: string, cfg: ChunkConfig, tokenize: (t: string) => TokenSpans): Generator<ChunkSpan> {
  const { starts, ends } = tokenize(text);
  if (starts.length === 0) return;
  // Token index where each paragraph starts.
  const paraStarts: number[] = [0];
  let tok = 0;
  for (const m of text.matchAll(PARAGRAPH_BREAK)) {
    while (tok < starts.length && starts[tok] < m.index) tok++;
    if (tok > paraStarts[paraStarts.length - 1] && tok < starts.length) paraStarts.push(tok);
  }
  paraStarts.push(starts.length);

  const max = cfg.maxTokens;
  const stride = Math.max(1, Math.floor(max * (1 - cfg.overlap)));
  // A chunk runs to the next token (trailing punctuation and closing quotes included), minus whitespace.
  const endOf = (b: number) => {
    let e = b < starts.length ? starts[b] : text.length;
    while (e > ends[b - 1] && /\s/.test(text[e - 1])) e--;
    return e;
  };
  const span = (a: number, b: number): ChunkSpan => ({ start: starts[a], end: endOf(b), tokens: b - a });
  let open: number | null = null;
  for (let p = 0; p + 1 < paraStarts.length; p++) {
    const a = paraStarts[p];
    const b = paraStarts[p + 1];
    if (open !== null && b - open <= max) continue;
    if (open !== null) {
      yield span(open, a);
      open = null;
    }
    let s = a;
    while (b - s > max) {
      yield span(s, s + max);
      s += stride;
    }
    open = s;
  }
  if (open !== null) yield span(open, starts.length);
}
