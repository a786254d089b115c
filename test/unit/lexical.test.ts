/** The lexical embedder against independent computations, and the verbatim shingle index's guarantee. */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../pipeline/config.js';
import { fitLexical } from '../../pipeline/embedders/lexical-fit.js';
import { lexicalEmbedder, parseLexicalModel, serializeLexicalModel } from '../../pipeline/embedders/lexical.js';
import { decodeNpy, encodeNpy } from '../../pipeline/npy.js';
import { splitSentences } from '../../pipeline/text/segment.js';
import { verbatimCandidates, ShingleTableBuilder } from '../../pipeline/verbatim/shingles.js';
import { addresses } from '../helpers/corpus.js';

const texts = addresses()
  .slice(0, 12)
  .map((a) => a.text.slice(0, 6000));

async function fit(overrides: Record<string, unknown> = {}) {
  async function* it() {
    yield* texts;
  }
  return fitLexical({ texts: it(), total: texts.length }, resolveConfig({ embed: overrides }).embed);
}

describe('lexical embedder', () => {
  it('is deterministic: the same corpus gives byte-identical vectors and fingerprint', async () => {
    const a = lexicalEmbedder(await fit());
    const b = lexicalEmbedder(await fit());
    expect(Buffer.from((await a.embed(texts, { kind: 'passage' })).buffer).equals(Buffer.from((await b.embed(texts, { kind: 'passage' })).buffer))).toBe(true);
    expect(a.fingerprint).toBe(b.fingerprint);
  });

  it('survives a save/load round trip unchanged (queries embed exactly like at index time)', async () => {
    for (const projection of ['random', 'svd'] as const) {
      const model = await fit({ projection, dims: 64 });
      const files = serializeLexicalModel(model);
      const loaded = lexicalEmbedder(parseLexicalModel(Buffer.from(files.model), files.projection));
      const orig = lexicalEmbedder(model);
      expect(loaded.fingerprint).toBe(orig.fingerprint);
      expect(Array.from(await loaded.embed(['The tariff and the treaty.'], { kind: 'query' }))).toEqual(
        Array.from(await orig.embed(['The tariff and the treaty.'], { kind: 'query' })),
      );
    }
  });

  it('rows are unit length; a passage leaves the reserved coordinate at 0', async () => {
    const e = lexicalEmbedder(await fit());
    const v = await e.embed(texts.slice(0, 3), { kind: 'passage' });
    for (let r = 0; r < 3; r++) {
      let s = 0;
      for (let j = 0; j < e.dims; j++) s += v[r * e.dims + j] ** 2;
      expect(s).toBeCloseTo(1, 5);
      expect(v[r * e.dims + e.dims - 1]).toBe(0);
    }
  });

  it('words the corpus never had push a query away: cosine scales by the known share', async () => {
    const e = lexicalEmbedder(await fit());
    const [known, mixed] = [
      await e.embed(['treaty commerce tariff'], { kind: 'query' }),
      await e.embed(['treaty commerce tariff mitochondria ribosome photosynthesis'], { kind: 'query' }),
    ];
    const passage = await e.embed(['The treaty of commerce lowered the tariff.'], { kind: 'passage' });
    const cos = (q: Float32Array) => q.reduce((s, x, j) => s + x * passage[j], 0);
    expect(cos(mixed)).toBeLessThan(cos(known) * 0.8);
  });

  it('rescore equals the sparse TF-IDF cosine computed independently', async () => {
    const model = await fit();
    const e = lexicalEmbedder(model);
    const query = 'The revenue of the Treasury and the public debt, said the zyzzyva';
    const passages = texts.slice(0, 4);
    const got = e.rescore!(query, passages);
    const index = new Map(model.vocab.map((t, i) => [t, i]));
    const vec = (t: string, withUnknown: boolean) => {
      const counts = new Map<string, number>();
      for (const w of t.toLowerCase().match(/[\p{L}\p{N}]+(?:['’][\p{L}]+)*/gu) ?? []) counts.set(w, (counts.get(w) ?? 0) + 1);
      const v = new Map<string, number>();
      for (const [w, n] of counts) {
        if (index.has(w)) v.set(w, (1 + Math.log(n)) * model.idf[index.get(w)!]);
        // An unknown word weighs like a term seen in one document of the N = texts.length fitted.
        else if (withUnknown) v.set(`?${w}`, (1 + Math.log(n)) * (Math.log((1 + texts.length) / 2) + 1));
      }
      const norm = Math.sqrt([...v.values()].reduce((s, x) => s + x * x, 0));
      for (const [w, x] of v) v.set(w, x / norm);
      return v;
    };
    const q = vec(query, true);
    // The query's similarity falls with the share u of its norm on unknown words as (1 − u)², not √(1 − u²).
    const u = Math.sqrt([...q].filter(([w]) => w.startsWith('?')).reduce((t, [, x]) => t + x * x, 0));
    expect(u).toBeGreaterThan(0);
    passages.forEach((p, i) => {
      const pv = vec(p, false);
      let s = 0;
      for (const [w, x] of q) s += x * (pv.get(w) ?? 0);
      expect(got[i]).toBeCloseTo((s * (1 - u) ** 2) / Math.sqrt(1 - u * u), 5);
    });
  });

  it('keeps stopwords in the sparse view search ranks by, and out of the dense vectors clustering reads', async () => {
    const model = await fit();
    const e = lexicalEmbedder(model);
    const the = model.vocab.indexOf('the');
    expect(the).toBeGreaterThanOrEqual(0);
    expect(model.stopwords).toContain('the');
    expect(e.terms('the the the treaty', 'passage').ids).toContain(the);
    // Dense: a text of stopwords alone has no direction; adding them to a content word changes nothing.
    const [onlyStop, word, wordAndStop] = [
      await e.embed(['the of and'], { kind: 'passage' }),
      await e.embed(['treaty'], { kind: 'passage' }),
      await e.embed(['the treaty of'], { kind: 'passage' }),
    ];
    expect(onlyStop.every((x) => x === 0)).toBe(true);
    wordAndStop.forEach((x, j) => expect(x).toBeCloseTo(word[j], 6));
  });
});

describe('verbatim shingles', () => {
  it('every sentence of ≥ 7 words finds the chunk that contains it (the winnowing guarantee)', () => {
    const builder = new ShingleTableBuilder();
    texts.forEach((t, i) => builder.add(i, t));
    const table = builder.finish();
    let checked = 0;
    texts.forEach((t, i) => {
      for (const s of splitSentences(t)) {
        if (s.text.split(/\s+/).length < 7) continue;
        checked++;
        expect(verbatimCandidates(table, s.text, 64), s.text).toContain(i);
      }
    });
    expect(checked).toBeGreaterThan(100);
  });

  it('finds nothing for text that is not in the corpus', () => {
    const builder = new ShingleTableBuilder();
    texts.forEach((t, i) => builder.add(i, t));
    expect(verbatimCandidates(builder.finish(), 'Gradient descent follows the negative gradient of the loss surface')).toEqual([]);
  });
});

describe('npy', () => {
  it('round-trips a float32 matrix with a 64-byte aligned header', () => {
    const data = Float32Array.from({ length: 12 }, (_, i) => i / 3);
    const buf = encodeNpy(data, 3, 4);
    expect((buf.readUInt16LE(8) + 10) % 64).toBe(0);
    const back = decodeNpy(buf);
    expect([back.rows, back.dims]).toEqual([3, 4]);
    expect(Array.from(back.data)).toEqual(Array.from(data));
  });
});
