/**
 * The CorpusIndex on disk: the original Python plan's file names (so numpy users can open it) plus manifest.json, which
 * carries the format version, the embedder identity and the sha256 of every other file.
 */
import { z } from 'zod';
import { AnnSettingsSchema } from '../search/hnsw.js';

export const FORMAT_NAME = 'corpus-proximity-index';
/**
 * 2: float16 vectors, the HNSW graph (`ann`), ONNX embedders.
 * 3: term postings (exact sparse search of the lexical embedder, whose vocabulary now keeps stopwords), the stage
 *    model, the leave-document-out calibration with verdict cut-offs.
 * 4: random access: row offsets beside chunks.jsonl and metadata.jsonl, the cluster node table (clusters.json) and
 *    each chunk's cluster as a uint32 array (chunk_clusters.u32) in place of chunk_to_cluster.json.
 * 5: term postings in two parts per long list (the heaviest 2% of its postings, then the rest, each with its own
 *    largest weight: terms.postings magic CPXPOST2), so MaxScore's bounds hold at 10⁶ chunks.
 */
export const FORMAT_VERSION = 5;

export const INDEX_FILES = {
  manifest: 'manifest.json',
  embeddings: 'embeddings.npy',
  chunks: 'chunks.jsonl',
  metadata: 'metadata.jsonl',
  tree: 'tree.json',
  stats: 'stats.json',
  config: 'config.json',
  chunkOffsets: 'chunks.offsets.u64',
  metadataOffsets: 'metadata.offsets.u64',
  clusters: 'clusters.json',
  chunkClusters: 'chunk_clusters.u32',
  verbatim: 'verbatim_shingles.u64',
  ann: 'vectors.usearch',
  postings: 'terms.postings',
  stageModel: 'stage_terms.npy',
  embedderDir: 'embedder',
} as const;

/**
 * What a distance means for this index. Corpus sentences are searched the way annotate searches, with their own
 * document left out, so the distribution describes unseen in-domain text (not the distance of a copied sentence to
 * its own chunk, which is near 0 and says nothing about model output).
 */
export const CalibrationSchema = z.object({
  method: z.literal('leave-document-out'),
  /** Corpus sentences sampled (one per sampled chunk, evenly over the corpus; sentences copied in other documents skipped) and searched. */
  sentences: z.number().int(),
  /** Rank-1 distance at every percentile 0..100 of those searches (101 values, ascending). */
  percentiles: z.array(z.number()).length(101),
  /**
   * Verdict cut-offs: distance ≤ known → `known`; ≤ near → `near`; above → `novel`; and a share of the TF-IDF norm on
   * unknown words above `unknown`, or a share of the corpus's function words below `function` (with some unknown
   * words), → `novel` (lexical indexes; null otherwise). See pipeline/attribution/verdict.ts.
   */
  cutoffs: z.object({ known: z.number(), near: z.number(), unknown: z.number().nullable(), function: z.number().nullable() }),
  /** The percentiles of the samples the cut-offs were taken at (null: a fixed cut-off). */
  cutoff_percentiles: z.object({ known: z.number(), near: z.number(), unknown: z.number(), function: z.number().nullable() }),
});
export type Calibration = z.infer<typeof CalibrationSchema>;

export const ManifestSchema = z.object({
  format: z.literal(FORMAT_NAME),
  format_version: z.number().int(),
  run_id: z.string(),
  code_version: z.string(),
  embedder: z.object({ id: z.string(), fingerprint: z.string(), dims: z.number().int().positive() }),
  vectors: z.object({
    file: z.string(),
    dtype: z.enum(['float32', 'float16']),
    rows: z.number().int().nonnegative(),
    dims: z.number().int().positive(),
    metric: z.literal('cosine'),
  }),
  /** Lexical indexes: the term postings annotate searches (pipeline/search/term-index.ts). */
  terms: z.object({ file: z.string(), terms: z.number().int(), postings: z.number().int() }).nullable(),
  /** Lexical indexes: word counts per training stage (pipeline/attribution/stage-model.ts), rows in `stages` order. */
  stage_model: z.object({ file: z.string(), stages: z.array(z.string()), chunks: z.array(z.number().int()), alpha: z.number() }).nullable(),
  /** The HNSW graph annotate searches instead of exact search; null below the size threshold. */
  ann: AnnSettingsSchema.extend({ file: z.string(), recall_at_10: z.number(), recall_queries: z.number().int() }).nullable(),
  counts: z.object({
    chunks: z.number().int(),
    documents: z.number().int(),
    clusters: z.number().int(),
    leaf_clusters: z.number().int(),
    per_stage: z.record(z.string(), z.number().int()),
  }),
  calibration: CalibrationSchema.nullable(),
  /** Sorted uint64 (hash << 32 | chunk idx) table of winnowed word shingles: see pipeline/verbatim/shingles.ts. */
  verbatim: z
    .object({ file: z.string(), shingle_words: z.number().int(), window: z.number().int(), hash: z.literal('fnv1a32'), entries: z.number().int() })
    .nullable(),
  files: z.record(z.string(), z.object({ size: z.number().int().nonnegative(), sha256: z.string() })),
});
export type Manifest = z.infer<typeof ManifestSchema>;

/** A row of metadata.jsonl. `corpus_stage` is the original Python plan's field name. */
export interface ChunkMetadata {
  idx: number;
  doc_id: string;
  corpus_stage: string | null;
  source: string;
  start: number;
  end: number;
  tokens: number;
}
