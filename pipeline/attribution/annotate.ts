/**
 * Annotated rows, the format `annotate` writes: each input row unchanged plus `annotations` (one entry per span and
 * rank, the fields of the original Python plan's ClusterAnnotation) and `annotation_metadata`.
 */
import type { Manifest } from '../corpus-index/format.js';
import type { Progress } from '../reporter.js';
import { splitSentences } from '../text/segment.js';
import type { Attribution, AttributeOptions } from './attribute.js';

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
  avg_logprob: number | null;
}

/** An opened index as annotation sees it. */
export interface AttributingIndex {
  manifest: Manifest;
  attribute(spans: readonly string[], opts: AttributeOptions): Promise<Attribution[][]>;
}

export interface AnnotateOptions {
  k: number;
  phraseLevel: boolean;
  /** As given by the user; recorded in annotation_metadata. */
  indexPath: string;
  now?: Date;
}

const CHUNK_PREVIEW = 200;

/** The spans of one text: its sentences, or the whole text as one span. */
export function spansOf(text: string, phraseLevel: boolean): string[] {
  if (!phraseLevel) return text.trim() ? [text.trim()] : [];
  return splitSentences(text).map((s) => s.text);
}

const distanceOf = (similarity: number) => Math.round(Math.min(1, Math.max(0, 1 - similarity)) * 1e6) / 1e6;

export async function annotateRows(
  index: AttributingIndex,
  rows: ReadonlyArray<{ row: Record<string, unknown>; text: string }>,
  opts: AnnotateOptions,
  progress?: Progress,
): Promise<Record<string, unknown>[]> {
  const spans = rows.map((r) => spansOf(r.text, opts.phraseLevel));
  const attributed = await index.attribute(spans.flat(), { k: opts.k, onProgress: (n) => progress?.tick(n) });
  progress?.done();

  const { manifest } = index;
  const metadata = {
    timestamp: (opts.now ?? new Date()).toISOString(),
    corpus_index_path: opts.indexPath,
    k: opts.k,
    phrase_level: opts.phraseLevel,
    embedder: manifest.embedder.id,
    index_run_id: manifest.run_id,
    /** Rank-1 distance quantiles of the index's own sentences; `show` grades outputs against them. */
    distance_calibration: manifest.calibration ? { high: manifest.calibration.p50, medium: manifest.calibration.p90 } : null,
  };
  let s = 0;
  return rows.map((r, i) => {
    const annotations: ClusterAnnotation[] = spans[i].flatMap((span) =>
      attributed[s++].map((a) => ({
        text_span: span,
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
        avg_logprob: null,
      })),
    );
    return { ...r.row, annotations, annotation_metadata: metadata };
  });
}
