/**
 * The annotation engine: every sentence of every row is searched in one batched call (pipeline/search/neighbours.ts),
 * the hits are resolved to clusters and stages in one pass over the index, and each input row comes
 * back unchanged plus `annotations` (the seed's ClusterAnnotation fields) and `annotation_metadata`.
 */
import { fetchChunks, type ChunkDetails, type LoadedIndex } from '../../pipeline/corpus-index/load.js';
import type { Progress } from '../../pipeline/reporter.js';
import { findNeighbours } from '../../pipeline/search/neighbours.js';
import { verbatimCandidates } from '../../pipeline/verbatim/shingles.js';
import { splitSentences } from '../../pipeline/text/segment.js';
import type { InputRow } from './input.js';

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

export interface AnnotateOptions {
  k: number;
  phraseLevel: boolean;
  /** As given by the user; recorded in annotation_metadata. */
  indexPath: string;
  now?: Date;
}

const CHUNK_PREVIEW = 200;

function clusterPath(index: LoadedIndex, id: string): string[] {
  const parts = id.split('.');
  const names: string[] = [];
  for (let i = 2; i <= parts.length; i++) names.push(index.nodes.get(parts.slice(0, i).join('.'))?.name ?? '?');
  return names;
}

export function spansOf(text: string, phraseLevel: boolean): string[] {
  if (!phraseLevel) return text.trim() ? [text.trim()] : [];
  return splitSentences(text).map((s) => s.text);
}

export async function annotateRows(index: LoadedIndex, rows: InputRow[], opts: AnnotateOptions, progress?: Progress): Promise<Record<string, unknown>[]> {
  const spans = rows.map((r) => spansOf(r.text, opts.phraseLevel));
  let details = new Map<number, ChunkDetails>();
  const { neighbours } = await findNeighbours(
    {
      embedder: index.embedder,
      vectors: index.vectors,
      verbatimCandidates: index.shingles ? (span) => verbatimCandidates(index.shingles!, span) : undefined,
      async fetchTexts(ids) {
        details = await fetchChunks(index, ids);
        return new Map([...details].map(([i, d]) => [i, d.text]));
      },
    },
    spans.flat(),
    opts.k,
    (n) => progress?.tick(n),
  );
  progress?.done();

  const metadata = {
    timestamp: (opts.now ?? new Date()).toISOString(),
    corpus_index_path: opts.indexPath,
    k: opts.k,
    phrase_level: opts.phraseLevel,
    embedder: index.manifest.embedder.id,
    index_run_id: index.manifest.run_id,
    /** Rank-1 distance quantiles of the index's own sentences; `show` grades outputs against them. */
    distance_calibration: index.manifest.calibration ? { high: index.manifest.calibration.p50, medium: index.manifest.calibration.p90 } : null,
  };
  let s = 0;
  return rows.map((r, i) => {
    const annotations: ClusterAnnotation[] = [];
    for (const span of spans[i]) {
      neighbours[s++].forEach((n, rank) => {
        const chunk = details.get(n.idx);
        const clusterId = index.chunkToCluster[String(n.idx)] ?? index.tree.cluster_id;
        const node = index.nodes.get(clusterId);
        annotations.push({
          text_span: span,
          cluster_id: clusterId,
          cluster_name: node?.name || 'Unknown',
          cluster_depth: node?.depth ?? 0,
          cluster_path: clusterPath(index, clusterId),
          distance: Math.round(Math.min(1, Math.max(0, 1 - n.similarity)) * 1e6) / 1e6,
          rank: rank + 1,
          corpus_stage: chunk?.meta.corpus_stage ?? null,
          nearest_chunk_idx: n.idx,
          nearest_chunk_text: (chunk?.text ?? '').slice(0, CHUNK_PREVIEW),
          verbatim: n.verbatim,
          avg_logprob: null,
        });
      });
    }
    return { ...r.row, annotations, annotation_metadata: metadata };
  });
}
