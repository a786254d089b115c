/**
 * Attribution: for each span of model output, the k corpus chunks it most likely came from, each resolved to its
 * cluster (id, name, depth, path from the top), training stage and text. One batched search for all spans
 * (pipeline/search/neighbours.ts: vector search, exact rescoring, verbatim candidates ranked first), then one pass
 * over the chunk files for the chunks it names.
 */
import type { ChunkDetails } from '../corpus-index/chunks.js';
import type { Manifest } from '../corpus-index/format.js';
import type { ClusterTable } from '../corpus-index/cluster-table.js';
import type { Embedder } from '../embedders/embedder.js';
import { findNeighbours, indexSearchSource, type FindOptions } from '../search/neighbours.js';
import type { TermIndex } from '../search/term-index.js';
import type { StageModel } from './stage-model.js';
import type { VectorIndex } from '../search/vector-index.js';

/** What attribution reads of an opened index (pipeline/corpus-index/load.ts provides it). */
export interface IndexParts {
  manifest: Manifest;
  embedder: Embedder;
  /** Lexical: the term postings search ranks by. */
  terms: TermIndex | null;
  /** Dense: the vectors (exact or through the graph); null for a lexical index. */
  vectors: VectorIndex | null;
  /** The cluster tree's node table and each chunk's cluster (index format 4: clusters.json, chunk_clusters.u32). */
  clusters: ClusterTable;
  /** Sorted shingle table for verbatim lookup; null for an index built without one. */
  shingles: BigUint64Array | null;
  /** Word counts per training stage (lexical indexes); null otherwise. */
  stageModel: StageModel | null;
  fetchChunks(ids: Set<number>): Promise<Map<number, ChunkDetails>>;
}

export interface ClusterRef {
  id: string;
  name: string;
  depth: number;
  /** Names from the top-level cluster down to this one (empty for the root). */
  path: string[];
}

export interface Attribution {
  /** 1 = best: chunks holding the span verbatim first, then by similarity. */
  rank: number;
  chunk: number;
  docId: string | null;
  source: string | null;
  /** Cosine similarity of span and chunk (exact where the embedder rescores). */
  similarity: number;
  /** The span occurs word for word (whitespace-normalised) in the chunk. */
  verbatim: boolean;
  cluster: ClusterRef;
  corpusStage: string | null;
  chunkText: string;
}

export interface AttributeOptions {
  k: number;
  /** Per span: chunks to include whatever their rank (the chunks of its book spans), after the k best. */
  extra?: ReadonlyArray<readonly number[]>;
  /** Spans embedded and searched so far (called per batch). */
  onProgress?: (spans: number) => void;
  /** Per span: its lexical query terms, when the caller has already computed them. */
  queries?: FindOptions['queries'];
}

export function clusterRef(index: Pick<IndexParts, 'clusters'>, id: string): ClusterRef {
  const node = index.clusters.byId.get(id);
  return { id, name: node?.name || 'Unknown', depth: node?.depth ?? 0, path: index.clusters.path(id) };
}

/** The k best chunks of each span, in span order. */
export async function attributeSpans(index: IndexParts, spans: readonly string[], opts: AttributeOptions): Promise<Attribution[][]> {
  const source = indexSearchSource({ ...index, fetchChunks: (ids) => index.fetchChunks(ids) });
  const { neighbours, chunks } = await findNeighbours(source, spans, opts.k, { onBatch: opts.onProgress, extra: opts.extra, queries: opts.queries });
  const refs = new Map<string, ClusterRef>();
  const refOf = (id: string) => refs.get(id) ?? refs.set(id, clusterRef(index, id)).get(id)!;
  return neighbours.map((row) =>
    row.map((n, rank) => {
      const chunk = chunks.get(n.idx);
      return {
        rank: rank + 1,
        chunk: n.idx,
        docId: chunk?.meta.doc_id ?? null,
        source: chunk?.meta.source ?? null,
        similarity: n.similarity,
        verbatim: n.verbatim,
        cluster: refOf(index.clusters.clusterOf(n.idx)),
        corpusStage: chunk?.meta.corpus_stage ?? null,
        chunkText: chunk?.text ?? '',
      };
    }),
  );
}
