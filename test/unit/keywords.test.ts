import { describe, expect, it } from 'vitest';
import { pathIds } from '../../stages/name/index.js';
import { chunkTerms, labelSiblings, pickTerms, rankTerms, type TermCounts } from '../../stages/name/keywords.js';

function counts(chunks: string[]): TermCounts {
  const c: TermCounts = new Map();
  for (const t of chunks) for (const term of chunkTerms(t)) c.set(term, (c.get(term) ?? 0) + 1);
  return c;
}

describe('keywords namer', () => {
  const navy = ['The navy built new ships for the fleet.', 'Naval ships and the fleet need officers.', 'Ships of the navy patrol the coast.'];
  const tax = ['The tariff and the tax on imports.', 'Tax revenue and tariff duties rose.', 'A lower tariff cut the tax burden.'];
  const parent = counts([...navy, ...tax]);

  it('ranks what sets a cluster apart from its parent', () => {
    const top = rankTerms(counts(navy), parent, navy.length)
      .slice(0, 3)
      .map(([t]) => t);
    expect(top).toEqual(expect.arrayContaining(['ships', 'navy', 'fleet']));
    expect(rankTerms(counts(tax), parent, tax.length)[0][0]).toMatch(/tariff|tax/);
  });

  it('labels are title-cased, unique among siblings, made of member terms, and never the cluster id', () => {
    const labels = labelSiblings(
      [
        { id: '0.0', counts: counts(navy), chunks: 3 },
        { id: '0.1', counts: counts(navy), chunks: 3 },
        { id: '0.2', counts: counts(navy), chunks: 3 },
        { id: '0.3', counts: counts(['The 1887 1888 tables.', '1887, 1888']), chunks: 2 },
        { id: '0.4', counts: new Map(), chunks: 3, samples: ['12 34 12', '-- 12'] },
        { id: '0.5', counts: new Map(), chunks: 3 },
      ],
      parent,
      2,
    ).map((l) => l.label);
    expect(labels[0]).toMatch(/^[A-Z]\w+, [A-Z]\w+$/);
    expect(new Set(labels.map((l) => l.toLowerCase())).size).toBe(labels.length);
    // Identical siblings: each later one grows by its next terms, all of them navy words.
    for (const l of labels.slice(0, 3)) for (const t of l.split(', ')) expect(navy.join(' ').toLowerCase()).toContain(t.toLowerCase());
    expect(labels[3]).toBe('Tables');
    expect(labels[4]).toBe('12, 34');
    expect(labels[5]).toBe('No words (3 chunks)');
    for (const l of labels) expect(l).not.toMatch(/0\.\d/);
  });

  it('a cluster whose terms are not distinctive is named by its most frequent ones', () => {
    const [{ label, source }] = labelSiblings([{ id: '0.0', counts: counts(navy), chunks: 3 }], counts(navy), 2);
    expect(source).toBe('frequent');
    expect(label.split(', ').length).toBe(2);
  });

  it('a phrase replaces the words it contains; plural forms are not repeated', () => {
    expect(
      pickTerms(
        [
          ['health', 3],
          ['health care', 2],
          ['indians', 1.5],
          ['indian', 1],
          ['budget', 0.5],
        ],
        3,
      ),
    ).toEqual(['health care', 'indians', 'budget']);
  });

  it('pathIds lists a node and its ancestors', () => {
    expect(pathIds('0.2.1')).toEqual(['0', '0.2', '0.2.1']);
    expect(pathIds('0')).toEqual(['0']);
  });
});
