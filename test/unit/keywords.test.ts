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

  it('labels are title-cased, unique among siblings, and fall back to "Cluster <id>"', () => {
    const labels = labelSiblings(
      [
        { id: '0.0', counts: counts(navy), chunks: 3 },
        { id: '0.1', counts: counts(navy), chunks: 3 },
        { id: '0.2', counts: new Map(), chunks: 3 },
      ],
      parent,
      2,
    );
    expect(labels[0]).toMatch(/^[A-Z]\w+, [A-Z]\w+$/);
    expect(labels[1]).not.toBe(labels[0]);
    expect(labels[2]).toBe('Cluster 0.2');
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
