/**
 * The weightless default embedder: sublinear TF-IDF over a fitted vocabulary, projected to `dims` and
 * L2-normalised. Everything a query needs lives in the index's embedder/ folder, so a query is embedded exactly
 * as the corpus was.
 *
 * Projection: `random` (default) gives each term a fixed Gaussian direction derived from a hash of (seed, term), so
 * nothing but the vocabulary and IDF is stored; `svd` (LSA) stores a fitted vocab×dims matrix. Measured choice:
 * bench/lexical-quality.ts and the README ("Why random projection").
 *
 * The last coordinate is reserved: passages leave it 0; a query puts there the share of its TF-IDF mass that
 * falls on content words the corpus never had. cos(query, passage) is then scaled by the known share, so an
 * output about things absent from the corpus is far from it instead of matching on its one familiar word.
 *
 * Two views of one vocabulary (version 3). The sparse view (`terms`) weighs every word, stopwords included: it is
 * what search ranks by (pipeline/search/term-index.ts), because function words carry the style that tells one
 * collection from another (bench/attribution.ts: dropping them cost the naive reference 4 points of stage accuracy).
 * The dense view (`embed`, the vectors the clustering reads) leaves the stopwords out, so the topics are not buried
 * under "the" and "of".
 */
import { z } from 'zod';
import { CproxError } from '../errors.js';
import { sha256 } from '../hash.js';
import { createRng } from '../linalg/random.js';
import { decodeNpy, encodeNpy } from '../npy.js';
import { STOPWORDS } from '../text/stopwords.js';
import { words } from '../text/tokenize.js';
import { normalizeRows, type EmbedKind, type Embedder } from './embedder.js';

export const LEXICAL_FILES = { model: 'lexical.json', projection: 'projection.npy' } as const;

export const LexicalModelFileSchema = z.object({
  type: z.literal('lexical'),
  version: z.literal(3),
  dims: z.number().int().min(2),
  projection: z.enum(['svd', 'random']),
  seed: z.number().int(),
  /** Corpus size the IDF was fitted on; OOV terms get the IDF of a term seen once. */
  documents: z.number().int().positive(),
  vocab: z.array(z.string()),
  idf: z.array(z.number()),
  /** Vocabulary terms the dense view leaves out (the stopword list the model was fitted with). */
  stopwords: z.array(z.string()),
});

export interface LexicalModel {
  dims: number;
  projectionKind: 'svd' | 'random';
  seed: number;
  documents: number;
  vocab: string[];
  idf: Float32Array;
  /** Vocabulary terms the dense view leaves out. */
  stopwords: string[];
  /** svd only: vocab.length × (dims − 1), row-major. */
  projection: Float32Array | null;
}

export interface WeightedTerms {
  ids: number[];
  weights: number[];
  /** Raw occurrences of each id (the stage model counts words, not weights). */
  counts: number[];
  /** Word tokens of the text, known or not. */
  tokens: number;
  /** L2 mass of content words outside the vocabulary, in the same (normalised) units as `weights`. */
  unknown: number;
}

/**
 * Sparse sublinear TF-IDF of one text, L2-normalised over known and unknown words together. With `skip` (the dense
 * view), terms flagged there and unknown stopwords are left out; without it every word counts.
 */
export function tfidf(
  text: string,
  index: ReadonlyMap<string, number>,
  idf: Float32Array,
  oovIdf = 0,
  skip?: Uint8Array,
  known?: (id: number) => boolean,
): WeightedTerms {
  const counts = new Map<number, number>();
  const unknownCounts = new Map<string, number>();
  const all = words(text);
  const tokens = all.length;
  for (const w of all) {
    const id = index.get(w);
    if (id !== undefined && known && !known(id)) {
      if (oovIdf > 0) unknownCounts.set(w, (unknownCounts.get(w) ?? 0) + 1);
    } else if (id !== undefined) {
      if (!skip?.[id]) counts.set(id, (counts.get(id) ?? 0) + 1);
    } else if (oovIdf > 0 && !(skip && STOPWORDS.has(w))) unknownCounts.set(w, (unknownCounts.get(w) ?? 0) + 1);
  }
  const ids = [...counts.keys()].sort((a, b) => a - b);
  const tf = ids.map((id) => counts.get(id)!);
  const weights = ids.map((id, i) => (1 + Math.log(tf[i])) * idf[id]);
  let unknownSq = 0;
  for (const n of unknownCounts.values()) unknownSq += ((1 + Math.log(n)) * oovIdf) ** 2;
  const norm = Math.sqrt(weights.reduce((s, w) => s + w * w, 0) + unknownSq);
  if (norm === 0) return { ids, weights, counts: tf, tokens, unknown: 0 };
  return { ids, weights: weights.map((w) => w / norm), counts: tf, tokens, unknown: Math.sqrt(unknownSq) / norm };
}

const PASSAGE_CACHE = 50_000;
/**
 * Exponent of the known share (1 − u) that scales a query's similarities. bench/attribution.ts, off-topic (other
 * languages) against held-out in-domain sentences, AUC by distance on the mixed corpus: 0.944 at 1, 0.959 at 2, 0.962 at 3.
 */
export const UNKNOWN_POWER = 2;

/** FNV-1a over the term's UTF-16 units, mixed with the seed: a stable per-term stream. */
function termSeed(seed: number, term: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < term.length; i++) h = Math.imul(h ^ term.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

export function randomDirection(seed: number, term: string, dims: number): Float32Array {
  const rng = createRng(termSeed(seed, term));
  const row = new Float32Array(dims);
  const scale = 1 / Math.sqrt(dims);
  for (let j = 0; j < dims; j++) row[j] = rng.normal() * scale;
  return row;
}

/** The lexical embedder: the dense `embed` of every embedder, plus the sparse view search ranks by. */
export interface LexicalEmbedder extends Embedder {
  readonly id: 'lexical';
  readonly vocabulary: number;
  /**
   * Sparse TF-IDF over the whole vocabulary; a query's unknown words count in its norm (and in `unknown`). `known`
   * narrows the vocabulary for one query (leave-document-out calibration: words only the left-out document has).
   */
  terms(text: string, kind: EmbedKind, known?: (id: number) => boolean): WeightedTerms;
  /**
   * Share of the text's words that are among the FUNCTION_WORDS most frequent words of the corpus (its function
   * words, in whatever language it is written): text in another language has almost none.
   */
  functionShare(t: WeightedTerms): number;
  /** Exact cosine of a query's terms (from `terms(…, 'query')`) to each passage: what `rescore` computes from text. */
  similarity(q: WeightedTerms, passages: readonly string[]): Float64Array;
}

/** How many of the corpus's most frequent words count as its function words (functionShare). */
export const FUNCTION_WORDS = 100;

export const isLexical = (e: Embedder): e is LexicalEmbedder => e.id === 'lexical' && typeof (e as Partial<LexicalEmbedder>).terms === 'function';

/** 1 for each vocabulary term the dense view leaves out. */
export function denseSkip(model: Pick<LexicalModel, 'vocab' | 'stopwords'>): Uint8Array {
  const stop = new Set(model.stopwords);
  return Uint8Array.from(model.vocab, (t) => (stop.has(t) ? 1 : 0));
}

export function lexicalEmbedder(model: LexicalModel): LexicalEmbedder {
  const index = new Map(model.vocab.map((t, i) => [t, i]));
  const skip = denseSkip(model);
  // The FUNCTION_WORDS terms with the smallest IDF are the corpus's most frequent words.
  const frequent = new Uint8Array(model.vocab.length);
  for (const id of [...model.idf.keys()].sort((a, b) => model.idf[a] - model.idf[b] || a - b).slice(0, FUNCTION_WORDS)) frequent[id] = 1;
  const { dims } = model;
  const inner = dims - 1;
  const oovIdf = Math.log((1 + model.documents) / 2) + 1;
  const cache = new Map<number, Float32Array>();
  const passageCache = new Map<string, WeightedTerms>();
  const row = (id: number): Float32Array => {
    if (model.projection) return model.projection.subarray(id * inner, (id + 1) * inner);
    let r = cache.get(id);
    if (!r) cache.set(id, (r = randomDirection(model.seed, model.vocab[id], inner)));
    return r;
  };
  const terms = (text: string, kind: EmbedKind, known?: (id: number) => boolean): WeightedTerms => {
    if (kind === 'passage') return tfidf(text, index, model.idf);
    // A query's similarity falls with the share u of its TF-IDF norm on unknown words as (1 − u)^UNKNOWN_POWER rather
    // than by the √(1 − u²) of plain normalisation: a sentence mostly in words the corpus never had is far from it
    // (bench/attribution.ts: other-language sentences that share a few tokens with the corpus).
    const q = tfidf(text, index, model.idf, oovIdf, undefined, known);
    if (q.unknown <= 0 || q.unknown >= 1) return q;
    const f = (1 - q.unknown) ** UNKNOWN_POWER / Math.sqrt(1 - q.unknown * q.unknown);
    return { ...q, weights: q.weights.map((w) => w * f) };
  };
  const cachedPassage = (text: string): WeightedTerms => {
    // The same candidate chunks come back for many sentences of a batch: weigh each once.
    let p = passageCache.get(text);
    if (!p) {
      if (passageCache.size >= PASSAGE_CACHE) passageCache.clear();
      passageCache.set(text, (p = terms(text, 'passage')));
    }
    return p;
  };
  const similarity = (q: WeightedTerms, passages: readonly string[]): Float64Array => {
    const qw = new Map(q.ids.map((id, i) => [id, q.weights[i]]));
    return Float64Array.from(passages, (text) => {
      const p = cachedPassage(text);
      let s = 0;
      for (let i = 0; i < p.ids.length; i++) s += (qw.get(p.ids[i]) ?? 0) * p.weights[i];
      return s;
    });
  };
  return {
    id: 'lexical',
    fingerprint: lexicalFingerprint(model),
    dims,
    vocabulary: model.vocab.length,
    terms,
    functionShare(t) {
      let n = 0;
      for (let i = 0; i < t.ids.length; i++) if (frequent[t.ids[i]]) n += t.counts[i];
      return t.tokens ? n / t.tokens : 0;
    },
    embed(texts, { kind }) {
      const out = new Float32Array(texts.length * dims);
      const acc = new Float64Array(inner);
      texts.forEach((text, r) => {
        const { ids, weights, unknown } = tfidf(text, index, model.idf, kind === 'query' ? oovIdf : 0, skip);
        acc.fill(0);
        for (let p = 0; p < ids.length; p++) {
          const w = weights[p];
          const dir = row(ids[p]);
          for (let j = 0; j < inner; j++) acc[j] += w * dir[j];
        }
        let norm = 0;
        for (let j = 0; j < inner; j++) norm += acc[j] * acc[j];
        norm = Math.sqrt(norm);
        const o = r * dims;
        if (norm === 0) {
          if (unknown > 0) out[o + inner] = 1; // only unknown words: as far from the corpus as it gets
          return;
        }
        const known = Math.sqrt(Math.max(0, 1 - unknown * unknown));
        for (let j = 0; j < inner; j++) out[o + j] = (acc[j] / norm) * known;
        out[o + inner] = unknown;
      });
      return Promise.resolve(normalizeRows(out, dims));
    },
    similarity,
    rescore: (query, passages) => similarity(terms(query, 'query'), passages),
  };
}

export function serializeLexicalModel(model: LexicalModel): { model: string; projection: Buffer | null } {
  const file: z.infer<typeof LexicalModelFileSchema> = {
    type: 'lexical',
    version: 3,
    dims: model.dims,
    projection: model.projectionKind,
    seed: model.seed,
    documents: model.documents,
    vocab: model.vocab,
    idf: Array.from(model.idf),
    stopwords: model.stopwords,
  };
  return { model: JSON.stringify(file), projection: model.projection ? encodeNpy(model.projection, model.vocab.length, model.dims - 1) : null };
}

export function lexicalFingerprint(model: LexicalModel): string {
  const { model: json, projection } = serializeLexicalModel(model);
  return sha256(projection ? Buffer.concat([Buffer.from(json), projection]) : Buffer.from(json));
}

export function parseLexicalModel(modelJson: Buffer, projectionNpy: Buffer | null): LexicalModel {
  let parsed;
  try {
    parsed = LexicalModelFileSchema.parse(JSON.parse(modelJson.toString('utf8')));
  } catch (e) {
    throw new CproxError('BAD_INDEX', `embedder/${LEXICAL_FILES.model} is not a lexical model this version can read`, {
      cause: e,
      hint: 'rebuild the index with `corpus-proximity index`',
    });
  }
  let projection: Float32Array | null = null;
  if (parsed.projection === 'svd') {
    if (!projectionNpy) throw new CproxError('BAD_INDEX', `embedder/${LEXICAL_FILES.projection} is missing`, { hint: 'rebuild the index' });
    const proj = decodeNpy(projectionNpy, `embedder/${LEXICAL_FILES.projection}`);
    if (proj.rows !== parsed.vocab.length || proj.dims !== parsed.dims - 1) {
      throw new CproxError('BAD_INDEX', 'lexical embedder files disagree on vocabulary size or dims', { hint: 'rebuild the index' });
    }
    projection = proj.data;
  }
  if (parsed.idf.length !== parsed.vocab.length) throw new CproxError('BAD_INDEX', 'lexical.json: vocab and idf lengths differ', { hint: 'rebuild the index' });
  return {
    dims: parsed.dims,
    projectionKind: parsed.projection,
    seed: parsed.seed,
    documents: parsed.documents,
    vocab: parsed.vocab,
    idf: Float32Array.from(parsed.idf),
    stopwords: parsed.stopwords,
    projection,
  };
}
