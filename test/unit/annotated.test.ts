/** Metrics over annotated files: bounds parsing, JSON paths, the paired bootstrap against the normal approximation. */
import { describe, expect, it } from 'vitest';
import { evaluate, parseBounds } from '../../pipeline/annotated/bounds.js';
import { compareRuns, pairRows } from '../../pipeline/annotated/compare.js';
import type { RowFacts } from '../../pipeline/annotated/metrics.js';
import type { ReadRow } from '../../pipeline/annotated/read.js';
import { getPath } from '../../pipeline/json-path.js';

const facts = (bookWords: number, stage: string): RowFacts => ({
  words: 10,
  bookWords,
  spans: bookWords ? 1 : 0,
  sentences: 1,
  novel: 0,
  distanceSum: 0.5,
  stages: new Map([[stage, 1]]),
  clusters: new Map([['0.1', 1]]),
});
const row = (f: RowFacts, line: number, id: string): ReadRow => ({
  line,
  facts: f,
  row: { id, sentences: [], book_spans: f.spans ? [{ char_start: 0, char_end: 5, words: f.bookWords, text: 'words' }] : [], summary: { words: f.words } },
});

describe('bounds', () => {
  it('parses METRIC=VALUE for max and min, with a prefix for compare, and evaluates them', () => {
    const b = parseBounds(['book_fraction=0.05', 'stage:sft=0.5'], ['rows=10'], 'check');
    expect(b).toEqual([
      { metric: 'book_fraction', op: 'max', bound: 0.05 },
      { metric: 'stage:sft', op: 'max', bound: 0.5 },
      { metric: 'rows', op: 'min', bound: 10 },
    ]);
    const values: Record<string, number> = { book_fraction: 0.1, 'stage:sft': 0.5, rows: 9 };
    expect(evaluate(b, (m) => values[m]).map((r) => r.ok)).toEqual([false, true, false]);
    expect(parseBounds(['delta:book_fraction=0.01'], [], 'compare', 'delta:')[0].metric).toBe('delta:book_fraction');
    expect(() => parseBounds(['book_fraction=0.01'], [], 'compare', 'delta:')).toThrow(/unknown metric/);
    expect(() => parseBounds(['book_fraction=x'], [], 'check')).toThrow(/expected METRIC=NUMBER/);
    expect(() => parseBounds(['words=3'], [], 'check')).toThrow(/unknown metric "words"/);
  });
});

describe('json paths', () => {
  it('follows fields and array indices, negative from the end; a dotted field name wins', () => {
    const r = { a: { b: [{ c: 1 }, { c: 2 }] }, 'x.y': 3, messages: [{ content: 'first' }, { content: 'last' }] };
    expect(getPath(r, 'a.b.1.c')).toBe(2);
    expect(getPath(r, 'messages.-1.content')).toBe('last');
    expect(getPath(r, 'x.y')).toBe(3);
    expect(getPath(r, 'a.b.9.c')).toBeUndefined();
    expect(getPath(r, 'a.b.c')).toBeUndefined();
  });
});

describe('compare', () => {
  it("gives the paired bootstrap interval of a share's change that the normal approximation predicts", () => {
    // n rows: the base copies nothing; the head copies all 10 words in a random half of the rows. The change of
    // book_fraction is a sample mean of Bernoulli(1/2): interval ≈ p ± 1.96·√(p(1−p)/n).
    const n = 400;
    const base = Array.from({ length: n }, (_, i) => row(facts(0, 'pretrain'), i + 1, `k${i}`));
    let s = 7;
    const coin = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 < 0.5 ? 1 : 0);
    const head = Array.from({ length: n }, (_, i) => {
      const copied = coin();
      return row(facts(copied * 10, copied ? 'sft' : 'pretrain'), i + 1, `k${i}`);
    });
    const pairing = pairRows(base, head, { base: 'a', head: 'b' });
    const c = compareRuns(base, head, pairing, { resamples: 4000, seed: 3 });
    const bf = c.metrics.find((m) => m.metric === 'book_fraction')!;
    const p = head.filter((r) => r.facts.spans).length / n;
    expect(bf.delta).toBeCloseTo(p, 12);
    const half = 1.96 * Math.sqrt((p * (1 - p)) / n);
    expect(bf.ci![0]).toBeCloseTo(p - half, 2);
    expect(bf.ci![1]).toBeCloseTo(p + half, 2);
    // The stage moved with the copying: stage:sft gained exactly what stage:pretrain lost.
    const sft = c.metrics.find((m) => m.metric === 'stage:sft')!;
    const pre = c.metrics.find((m) => m.metric === 'stage:pretrain')!;
    expect(sft.delta).toBeCloseTo(-pre.delta, 12);
    expect(c.appeared).toHaveLength(head.filter((r) => r.facts.spans).length);
    expect(c.metrics.find((m) => m.metric === 'rows')!.ci).toBeNull();
  });

  it('pairs by key (and choice_index), reports rows without a partner, refuses duplicate keys', () => {
    const mk = (ids: string[]) => ids.map((id, i) => row(facts(0, 'pretrain'), i + 1, id));
    const p = pairRows(mk(['a', 'b', 'c']), mk(['c', 'a', 'd']), { base: 'A', head: 'B' }, 'id');
    expect(p.pairs.map((x) => [x.key, x.base, x.head])).toEqual([
      ['a', 0, 1],
      ['c', 2, 0],
    ]);
    expect(p.onlyBase).toEqual(['b']);
    expect(p.onlyHead).toEqual(['d']);
    expect(() => pairRows(mk(['a', 'a']), mk(['a']), { base: 'A', head: 'B' }, 'id')).toThrow(/A:2: --key id value "a" also appears on row 1/);
    const choices = mk(['a', 'a']);
    choices.forEach((r, i) => (r.row.choice_index = i));
    expect(pairRows(choices, choices, { base: 'A', head: 'B' }, 'id').pairs.map((x) => x.key)).toEqual(['a#0', 'a#1']);
  });
});
