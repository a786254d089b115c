import { describe, expect, it } from 'vitest';
import { chunkDocument } from '../../pipeline/corpus/chunking.js';
import { splitSentences } from '../../pipeline/text/segment.js';
import { wordSpans, words } from '../../pipeline/text/tokenize.js';

const cfg = (maxTokens: number, overlap = 0) => ({ maxTokens, overlap });

describe('chunking', () => {
  it('packs short paragraphs into one window and keeps exact source offsets, final punctuation included', () => {
    const doc = 'Alpha beta gamma.\n\nDelta epsilon.\n\nZeta eta theta iota.  ';
    const chunks = [...chunkDocument(doc, cfg(10), wordSpans)];
    expect(chunks).toHaveLength(1);
    expect(doc.slice(chunks[0].start, chunks[0].end)).toBe(doc.trim());
    expect(chunks[0].tokens).toBe(9);
  });

  it('cuts a long paragraph into windows of maxTokens with stride maxTokens·(1−overlap)', () => {
    const doc = Array.from({ length: 25 }, (_, i) => `w${i}`).join(' ');
    const plain = [...chunkDocument(doc, cfg(10), wordSpans)].map((c) => doc.slice(c.start, c.end).split(' '));
    expect(plain.map((c) => c.length)).toEqual([10, 10, 5]);
    expect(plain[1][0]).toBe('w10');
    const overlapped = [...chunkDocument(doc, cfg(10, 0.5), wordSpans)].map((c) => doc.slice(c.start, c.end).split(' '));
    expect(overlapped[1][0]).toBe('w5');
    expect(overlapped.flat()).toContain('w24');
  });

  it('starts a new window at a paragraph boundary when packing would overflow', () => {
    const p1 = Array.from({ length: 6 }, (_, i) => `a${i}`).join(' ');
    const p2 = Array.from({ length: 6 }, (_, i) => `b${i}`).join(' ');
    const doc = `${p1}\n\n${p2}`;
    const chunks = [...chunkDocument(`${doc}.`, cfg(10), wordSpans)].map((c) => `${doc}.`.slice(c.start, c.end));
    expect(chunks).toEqual([p1, `${p2}.`]);
  });

  it('yields nothing for a document without words', () => {
    expect([...chunkDocument(' \n\n ... ', cfg(10), wordSpans)]).toEqual([]);
  });
});

describe('tokens', () => {
  it('lower-cases, keeps inner apostrophes, splits on punctuation', () => {
    expect(words("Don't PANIC: it's 42-ish, O’Brien")).toEqual(["don't", 'panic', "it's", '42', 'ish', "o'brien"]);
  });
});

describe('sentence segmentation', () => {
  it('merges the pieces Intl.Segmenter cuts after titles and initials', () => {
    const s = splitSentences('Dr. Smith met Mr. J. R. R. Tolkien at 5 p.m. on Friday. It rained. See e.g. the notes.');
    expect(s.map((x) => x.text)).toEqual(['Dr. Smith met Mr. J. R. R. Tolkien at 5 p.m. on Friday.', 'It rained.', 'See e.g. the notes.']);
  });

  it('keeps offsets into the original text and never crosses a paragraph', () => {
    const text = 'First line\nsecond half of it.\n\nNew paragraph here';
    const s = splitSentences(text);
    expect(s.map((x) => x.text)).toEqual(['First line\nsecond half of it.', 'New paragraph here']);
    for (const x of s) expect(text.slice(x.start, x.end)).toBe(x.text);
  });

  it('treats list items as separate spans', () => {
    const s = splitSentences('Steps:\n- mix the flour\n- bake it\n1. serve');
    expect(s.map((x) => x.text)).toEqual(['Steps:', '- mix the flour', '- bake it', '1. serve']);
  });

  it('handles a 1 MB paragraph in bounded time (fed to Intl.Segmenter in pieces)', () => {
    const text = 'The tariff was raised again this year. '.repeat(26_000);
    const t0 = performance.now();
    const s = splitSentences(text);
    expect(performance.now() - t0).toBeLessThan(20_000); // unpieced, Node 20 needs ~29 s for 1 MB
    expect(s.length).toBeGreaterThan(25_000);
  });
});
