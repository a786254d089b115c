/**
 * Annotated rows, the format `annotate` writes: each input row unchanged plus
 * - `annotations`: one entry per sentence and rank, the fields of the original Python plan's ClusterAnnotation
 *   (kept stable for scripts written against it);
 * - `sentences`: one entry per sentence with the neighbourhood vote (vote.ts), the supporting passage, the
 *   calibrated percentile and verdict (verdict.ts) and the mean token logprob (logprobs.ts);
 * - `book_spans`: the maximal runs of the text that occur verbatim in the corpus (pipeline/verbatim/book-spans.ts);
 * - `summary`, and `annotation_metadata`.
 * The README's "Output format" section documents every field.
 */
import type { ChunkDetails } from '../corpus-index/chunks.js';
import type { Manifest } from '../corpus-index/format.js';
import { isLexical } from '../embedders/lexical.js';
import type { Progress } from '../reporter.js';
import { splitSentences, type Sentence } from '../text/segment.js';
import { wordSpans } from '../text/tokenize.js';
import { BookSpanResolver, chunksToFetch, lookupBookSpans, type BookSpan } from '../verbatim/book-spans.js';
import { clusterRef, type Attribution, type AttributeOptions, type IndexParts } from './attribute.js';
import { meanLogprob, tokenLogprobs } from './logprobs.js';
import { passageWindow } from './passage-window.js';
import { BOOK_COVERAGE, percentileOf, verdictOf, VERDICTS, type Verdict } from './verdict.js';
import { voteOn } from './vote.js';

export interface ClusterAnnotation {
  text_span: string;
  cluster_id: string;
  cluster_name: string;
  cluster_depth: number;
  /** Names from the top-level cluster down to this one (empty for the root). */
  cluster_path: string[];
  /** Cosine distance 1 − cos(sentence, chunk). */
  distance: number;
  /** 1 = best match: chunks containing the sentence verbatim first, then by distance. */
  rank: number;
  corpus_stage: string | null;
  nearest_chunk_idx: number;
  /** First 200 characters of the chunk. */
  nearest_chunk_text: string;
  /** The sentence occurs word for word (whitespace-normalised) in that chunk. */
  verbatim: boolean;
  /** Mean token logprob of the sentence, when the row carries logprobs. */
  avg_logprob: number | null;
}

export interface SentenceAnnotation {
  text: string;
  char_start: number;
  char_end: number;
  verdict: Verdict;
  /** Null when the verdict is `novel`. */
  stage: string | null;
  stage_probs: Record<string, number>;
  cluster_id: string | null;
  cluster_name: string | null;
  cluster_path: string[];
  cluster_prob: number;
  nearest_chunk_idx: number | null;
  /** A window of the supporting chunk around the passage that best matches the sentence. */
  nearest_chunk_text: string | null;
  /** The matching passage inside nearest_chunk_text (string indices), or null. */
  nearest_chunk_match: [number, number] | null;
  /** Source collection (file) and document of the supporting chunk. */
  source: string | null;
  doc_id: string | null;
  distance: number;
  /** Share of unseen in-domain corpus sentences at this distance or closer (the index's calibration); null without one. */
  percentile: number | null;
  /** Share of the sentence's words inside book spans. */
  book_coverage: number;
  /** Share of the sentence's TF-IDF mass on words the corpus never had (lexical indexes; 0 otherwise). */
  unknown_share: number;
  /** Share of its words among the corpus's 100 most frequent words (lexical indexes; null otherwise). */
  function_share: number | null;
  verbatim: boolean;
  avg_logprob: number | null;
}

export interface RowSummary {
  sentences: number;
  /** Words in the row, counted as book spans count them (the denominator of book_fraction). */
  words: number;
  /** Share of the row's words inside book spans. */
  book_fraction: number;
  /** Share of sentences per voted stage ("novel" for novel sentences, "unstaged" for a corpus without stages). */
  stage_mix: Record<string, number>;
  verdicts: Record<Verdict, number>;
  novel_fraction: number;
  /** Mean distance of the sentences to their supporting chunks. */
  mean_distance: number | null;
}

/** An opened index as annotation sees it. */
export interface AttributingIndex extends Pick<IndexParts, 'manifest' | 'embedder' | 'shingles' | 'fetchChunks' | 'clusters' | 'stageModel'> {
  manifest: Manifest;
  attribute(spans: readonly string[], opts: AttributeOptions): Promise<Attribution[][]>;
}

export interface AnnotateOptions {
  k: number;
  /** Neighbours each sentence's vote is taken over (≥ k). */
  neighbours: number;
  phraseLevel: boolean;
  /** As given by the user; recorded in annotation_metadata. */
  indexPath: string;
  now?: Date;
}

/** bench/attribution.ts: stage accuracy peaks at 10 (sotu-era 0.863, mixed 0.787; 20: 0.857, 0.767). */
export const DEFAULT_NEIGHBOURS = 10;
const CHUNK_PREVIEW = 200;
/** Version of the fields beside `annotations` (sentences, book_spans, summary). */
export const ANNOTATION_FORMAT = 2;

/** The spans of one text: its sentences, or the whole text as one span. */
export function spansOf(text: string, phraseLevel: boolean): Sentence[] {
  if (!phraseLevel) {
    const t = text.trim();
    return t ? [{ text: t, start: text.indexOf(t), end: text.indexOf(t) + t.length }] : [];
  }
  return splitSentences(text);
}

const round = (x: number, d = 6) => Math.round(x * 10 ** d) / 10 ** d;
const distanceOf = (similarity: number) => round(Math.min(1, Math.max(0, 1 - similarity)));

/** Fetches each chunk once per annotate call, whichever step asks first. */
function cachedFetch(fetch: IndexParts['fetchChunks']) {
  const cache = new Map<number, ChunkDetails>();
  return async (ids: Set<number>) => {
    const missing = new Set([...ids].filter((i) => !cache.has(i)));
    if (missing.size) for (const [i, c] of await fetch(missing)) cache.set(i, c);
    return new Map([...ids].filter((i) => cache.has(i)).map((i) => [i, cache.get(i)!]));
  };
}

/** Per word of the text: inside some book span. */
function coveredWords(text: string, spans: readonly BookSpan[]): { starts: number[]; covered: boolean[] } {
  const { starts, ends } = wordSpans(text);
  return { starts, covered: starts.map((s, i) => spans.some((b) => b.char_start <= s && b.char_end >= ends[i])) };
}

export async function annotateRows(
  index: AttributingIndex,
  rows: ReadonlyArray<{ row: Record<string, unknown>; text: string; logprobs?: Record<string, unknown> | null }>,
  opts: AnnotateOptions,
  progress?: Progress,
): Promise<Record<string, unknown>[]> {
  const neighbours = Math.max(opts.k, opts.neighbours);
  const fetch = cachedFetch((ids) => index.fetchChunks(ids));
  const { manifest } = index;

  // Book spans of every row: fingerprints name candidate chunks, one fetch brings them and their neighbours.
  const lookups = index.shingles ? rows.map((r) => lookupBookSpans(index.shingles!, r.text)) : null;
  const spanChunks = lookups ? await fetch(chunksToFetch(lookups, manifest.counts.chunks)) : new Map<number, ChunkDetails>();
  const resolver = new BookSpanResolver(spanChunks);
  const bookSpans = rows.map((r, i) => (lookups ? resolver.resolve(r.text, lookups[i]) : []));

  const sentences = rows.map((r) => spansOf(r.text, opts.phraseLevel));
  const covers = rows.map((r, i) => coveredWords(r.text, bookSpans[i]));
  // Per sentence: the chunks of the book spans over it, weighted by the words they cover there.
  const bookVotes = sentences.map((list, i) =>
    list.map((s) => {
      const votes = new Map<number, number>();
      for (const b of bookSpans[i]) {
        const words = covers[i].starts.filter((w) => w >= Math.max(s.start, b.char_start) && w < Math.min(s.end, b.char_end)).length;
        if (words) votes.set(b.chunk_idx, (votes.get(b.chunk_idx) ?? 0) + words);
      }
      return votes;
    }),
  );
  const flat = sentences.flat();
  // Each sentence's lexical terms, computed once: the search, the stage model and the verdict all read them.
  const lexical = isLexical(index.embedder) ? index.embedder : null;
  const queries = flat.map((s) => lexical?.terms(s.text, 'query'));
  const attributed = await index.attribute(
    flat.map((s) => s.text),
    { k: neighbours, extra: bookVotes.flat().map((v) => [...v.keys()]), queries, onProgress: (n) => progress?.tick(n) },
  );
  progress?.done();

  const cal = manifest.calibration;
  const metadata = {
    timestamp: (opts.now ?? new Date()).toISOString(),
    corpus_index_path: opts.indexPath,
    k: opts.k,
    neighbours,
    phrase_level: opts.phraseLevel,
    embedder: manifest.embedder.id,
    index_run_id: manifest.run_id,
    annotation_format: ANNOTATION_FORMAT,
    /** The cut-offs the verdicts were read against (the index's leave-document-out calibration). */
    calibration: cal ? { method: cal.method, sentences: cal.sentences, cutoffs: cal.cutoffs, cutoff_percentiles: cal.cutoff_percentiles } : null,
    /** Kept for readers of annotation format 1: the known / near cut-offs. */
    distance_calibration: cal ? { high: cal.cutoffs.known, medium: cal.cutoffs.near } : null,
  };
  let at = 0;
  return rows.map((r, i) => {
    const logprobs = tokenLogprobs(r.logprobs, r.text);
    const annotations: ClusterAnnotation[] = [];
    const out: SentenceAnnotation[] = sentences[i].map((s, j) => {
      const q = queries[at];
      const found = attributed[at++];
      const avgLogprob = meanLogprob(logprobs, s.start, s.end);
      for (const a of found.slice(0, opts.k))
        annotations.push({
          text_span: s.text,
          cluster_id: a.cluster.id,
          cluster_name: a.cluster.name,
          cluster_depth: a.cluster.depth,
          cluster_path: a.cluster.path,
          distance: distanceOf(a.similarity),
          rank: a.rank,
          corpus_stage: a.corpusStage,
          nearest_chunk_idx: a.chunk,
          nearest_chunk_text: a.chunkText.slice(0, CHUNK_PREVIEW),
          verbatim: a.verbatim,
          avg_logprob: avgLogprob,
        });
      const language = {
        unknownShare: q?.unknown ?? 0,
        functionShare: q && lexical ? lexical.functionShare(q) : null,
        stageModel: q && index.stageModel ? index.stageModel.posterior(q.ids, q.counts) : undefined,
      };
      return sentenceAnnotation(index, s, found, bookVotes[i][j], covers[i], language, avgLogprob);
    });
    return { ...r.row, annotations, sentences: out, book_spans: bookSpans[i], summary: summarize(out, covers[i].covered), annotation_metadata: metadata };
  });
}

function sentenceAnnotation(
  index: AttributingIndex,
  s: Sentence,
  found: Attribution[],
  book: Map<number, number>,
  cover: { starts: number[]; covered: boolean[] },
  { unknownShare, functionShare, stageModel }: { unknownShare: number; functionShare: number | null; stageModel?: Record<string, number> },
  avgLogprob: number | null,
): SentenceAnnotation {
  const inside = cover.starts.flatMap((w, n) => (w >= s.start && w < s.end ? [cover.covered[n]] : []));
  const bookCoverage = inside.length ? inside.filter(Boolean).length / inside.length : 0;
  const vote = voteOn(found, { book: bookCoverage > BOOK_COVERAGE ? book : undefined, stageModel });
  const support = vote.support;
  const distance = support ? distanceOf(support.similarity) : 1;
  const cal = index.manifest.calibration;
  const verdict = verdictOf({ cal, distance, bookCoverage, unknownShare, functionShare });
  const window = support ? passageWindow(support.chunkText, s.text) : null;
  // A novel sentence has no stage and no cluster: nothing in the corpus is close enough to name one.
  const cluster = vote.clusterId && verdict !== 'novel' ? clusterRef(index, vote.clusterId) : null;
  return {
    text: s.text,
    char_start: s.start,
    char_end: s.end,
    verdict,
    stage: verdict === 'novel' ? null : vote.stage,
    stage_probs: vote.stageProbs,
    cluster_id: cluster?.id ?? null,
    cluster_name: cluster?.name ?? null,
    cluster_path: cluster?.path ?? [],
    cluster_prob: cluster ? vote.clusterProb : 0,
    nearest_chunk_idx: support?.chunk ?? null,
    nearest_chunk_text: window?.text ?? null,
    nearest_chunk_match: window?.match ?? null,
    source: support?.source ?? null,
    doc_id: support?.docId ?? null,
    distance,
    percentile: percentileOf(cal, distance),
    book_coverage: round(bookCoverage, 4),
    unknown_share: round(unknownShare, 4),
    function_share: functionShare === null ? null : round(functionShare, 4),
    verbatim: support?.verbatim ?? false,
    avg_logprob: avgLogprob,
  };
}

export function summarize(sentences: readonly SentenceAnnotation[], covered: readonly boolean[]): RowSummary {
  const n = sentences.length;
  const verdicts = Object.fromEntries(VERDICTS.map((v) => [v, sentences.filter((s) => s.verdict === v).length])) as Record<Verdict, number>;
  const mix = new Map<string, number>();
  for (const s of sentences) {
    const key = s.verdict === 'novel' ? 'novel' : (s.stage ?? 'unstaged');
    mix.set(key, (mix.get(key) ?? 0) + 1);
  }
  return {
    sentences: n,
    words: covered.length,
    book_fraction: covered.length ? round(covered.filter(Boolean).length / covered.length, 4) : 0,
    stage_mix: Object.fromEntries([...mix].sort((a, b) => b[1] - a[1]).map(([st, c]) => [st, round(c / n, 4)])),
    verdicts,
    novel_fraction: n ? round(verdicts.novel / n, 4) : 0,
    mean_distance: n ? round(sentences.reduce((t, s) => t + s.distance, 0) / n) : null,
  };
}
