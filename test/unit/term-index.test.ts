/** The sparse term index (exact TF-IDF retrieval with MaxScore pruning) against brute force over the same vectors. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRng } from '../../pipeline/linalg/random.js';
import { openTermIndex, termIndexFromBytes, type TermIndex } from '../../pipeline/search/term-index.js';
import { TermIndexBuilder, type SparseVector } from '../../pipeline/search/term-postings.js';
import { tempDir } from '../helpers/corpus.js';

/** L2-normalised sparse vectors over a Zipf vocabulary: a few terms are in most chunks (stopwords), most are rare. */
function zipfVectors(n: number, terms: number, length: number, seed: number): SparseVector[] {
  const rng = createRng(seed);
  const cdf = new Float64Array(terms);
  let z = 0;
  for (let t = 0; t < terms; t++) cdf[t] = z += 1 / (t + 1);
  const draw = () => {
    const u = rng.next() * z;
    let lo = 0;
    let hi = terms - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return Array.from({ length: n }, () => {
    const counts = new Map<number, number>();
    for (let i = 0; i < length; i++) {
      const t = draw();
      counts.set(t, (counts.get(t) ?? 0) + 1);
    }
    const ids = [...counts.keys()].sort((a, b) => a - b);
    const raw = ids.map((t) => (1 + Math.log(counts.get(t)!)) * Math.log(2 + t));
    const norm = Math.hypot(...raw);
    return { ids, weights: raw.map((w) => Math.fround(w / norm)) };
  });
}

function bruteForce(chunks: SparseVector[], q: SparseVector, k: number, exclude?: { from: number; to: number }) {
  const qw = new Map(q.ids.map((t, i) => [t, q.weights[i]]));
  return chunks
    .map((c, idx) => ({ idx, similarity: c.ids.reduce((s, t, i) => s + (qw.get(t) ?? 0) * c.weights[i], 0) }))
    .filter((h) => h.similarity > 0 && !(exclude && h.idx >= exclude.from && h.idx < exclude.to))
    .sort((a, b) => b.similarity - a.similarity || a.idx - b.idx)
    .slice(0, k);
}

function build(chunks: SparseVector[], terms: number): Buffer {
  const b = new TermIndexBuilder(terms);
  for (const c of chunks) b.add(c);
  return Buffer.concat([...b.encode()]);
}

function expectSame(index: TermIndex, chunks: SparseVector[], queries: SparseVector[], k: number, exclude?: { from: number; to: number }) {
  for (const [qi, q] of queries.entries()) {
    const got = index.search(q, k, exclude);
    const want = bruteForce(chunks, q, k, exclude);
    expect(
      got.map((h) => h.idx),
      `query ${qi}, k ${k}`,
    ).toEqual(want.map((h) => h.idx));
    got.forEach((h, j) => expect(h.similarity).toBeCloseTo(want[j].similarity, 6));
  }
}

describe('term index', () => {
  const terms = 3000;
  const chunks = zipfVectors(6000, terms, 60, 1);
  const queries = zipfVectors(60, terms, 14, 2);
  const bytes = build(chunks, terms);

  it('returns the exact top k of brute force, for every k, and prunes frequent terms on most queries', () => {
    const index = termIndexFromBytes(bytes, 'mem');
    for (const k of [1, 5, 20]) expectSame(index, chunks, queries, k);
    expect(index.stats.pruned / index.stats.searches).toBeGreaterThan(0.5);
  });

  it('leaves out an excluded range of chunks, and reads the same answers from a file', async () => {
    const tmp = await tempDir();
    const file = path.join(tmp.dir, 'terms.postings');
    await writeFile(file, bytes);
    const index = openTermIndex(file);
    try {
      expect([index.terms, index.rows]).toEqual([terms, chunks.length]);
      expectSame(index, chunks, queries, 10, { from: 100, to: 4000 });
      expectSame(index, chunks, queries, 10);
    } finally {
      index.close();
      await tmp.cleanup();
    }
  });

  it('answers nothing for a query with no known term, and fewer than k when few chunks share a term', () => {
    const index = termIndexFromBytes(
      build(
        [
          { ids: [0], weights: [1] },
          { ids: [1], weights: [1] },
        ],
        3,
      ),
      'mem',
    );
    expect(index.search({ ids: [2], weights: [1] }, 5)).toEqual([]);
    expect(index.search({ ids: [], weights: [] }, 5)).toEqual([]);
    expect(index.search({ ids: [1], weights: [0.5] }, 5)).toEqual([{ idx: 1, similarity: 0.5 }]);
  });

  it('refuses a file that is not a postings file, or is cut short', () => {
    expect(() => termIndexFromBytes(Buffer.alloc(64), 'x.postings')).toThrow(/not a term postings file/);
    expect(() => termIndexFromBytes(bytes.subarray(0, 100), 'x.postings')).toThrow(/shorter than its header/);
  });
});
