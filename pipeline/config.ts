/**
 * The index build configuration: one zod schema with every default in one place. A run resolves it once
 * into a frozen object; each stage reads only its own section, and that section's hash is part of the
 * stage's fingerprint (so changing a clustering knob re-runs cluster → name → assemble, not prepare/embed).
 */
import { z } from 'zod';
import { CproxError } from './errors.js';

/** Training stages of the model (not pipeline stages, which are the rows of stages/table.ts). */
export const TRAINING_STAGES = ['pretrain', 'midtrain', 'sft'] as const;
export type TrainingStage = (typeof TRAINING_STAGES)[number];

export const CorpusSpecSchema = z.object({
  /** Absolute path of a file or folder. */
  path: z.string().min(1),
  /** jsonl / parquet: one document per line or row; text: one document per .txt/.md file. */
  format: z.enum(['jsonl', 'parquet', 'text']).default('jsonl'),
  textField: z.string().min(1).default('text'),
  /** Stage for files that are not under a pretrain/midtrain/sft folder. */
  stage: z.enum(TRAINING_STAGES).optional(),
});
export type CorpusSpec = z.infer<typeof CorpusSpecSchema>;

export const ChunkConfigSchema = z.object({
  /** Window size in tokens (the original Python plan's production value). */
  maxTokens: z.number().int().min(8).max(8192).default(256),
  /** Fraction of a window shared with the next one; the original Python plan found 0.15 made chunks cluster by position. */
  overlap: z.number().min(0).max(0.9).default(0),
});

/** An ONNX model folder as resolved by the CLI: where it is, and what it is (its fingerprint and tokenizer hash). */
export const OnnxRefSchema = z.object({
  dir: z.string().min(1),
  fingerprint: z.string().min(1),
  tokenizer: z.string().min(1),
});
export type OnnxRef = z.infer<typeof OnnxRefSchema>;

export const EmbedConfigSchema = z.object({
  /** `lexical` (weightless default) or `onnx` (a sentence-embedding model, `onnx` below). */
  embedder: z.enum(['lexical', 'onnx']).default('lexical'),
  onnx: OnnxRefSchema.optional(),
  /** Where onnxruntime runs the model; not part of any fingerprint. */
  device: z.enum(['cpu', 'cuda']).default('cpu'),
  /** Texts per onnxruntime call. */
  batchSize: z.number().int().min(1).max(4096).default(32),
  /** How embeddings.npy stores the vectors; float16 halves the file and the ANN graph's vectors. */
  dtype: z.enum(['float32', 'float16']).default('float32'),
  /** Lexical embedder only: output dimensions. */
  dims: z.number().int().min(8).max(2048).default(512),
  /** How sparse TF-IDF is reduced to `dims`; see bench/lexical-quality.ts for the measurement behind the default. */
  projection: z.enum(['svd', 'random']).default('random'),
  /** Terms kept (most frequent first); rarer terms count as unknown words. Costs only vocabulary storage with random projection. */
  maxVocab: z.number().int().min(100).default(200_000),
  /** Chunks sampled (evenly, deterministically) to fit the SVD. */
  fitSample: z.number().int().min(100).default(20_000),
  seed: z.number().int().default(42),
});

export const ClusterConfigSchema = z.object({
  maxDepth: z.number().int().min(0).max(10).default(4),
  basePct: z.number().gt(0).max(1).default(0.002),
  decay: z.number().gt(0).max(1).default(0.7),
  silhouetteThreshold: z.number().min(-1).max(1).default(0.25),
  /** Each node's points are reduced to this many dims (PCA) before clustering; the original Python plan used UMAP to 50. */
  reduceDims: z.number().int().min(2).max(512).default(50),
  /**
   * Flat clusterer at each node: spherical k-means with a fan-out (default) or HDBSCAN (the original Python plan's). Measured on the
   * demo corpus: HDBSCAN left 88 % of chunks as root noise (3 top-level clusters), k-means gives 8 named top-level
   * clusters covering every chunk. HDBSCAN suits embeddings with real density structure (neural models).
   */
  engine: z.enum(['auto', 'hdbscan', 'kmeans']).default('auto'),
  /** How the k-means engine picks a node's number of children (up to maxK): best silhouette, or the largest k. */
  kSelection: z.enum(['silhouette', 'fixed']).default('fixed'),
  /** HDBSCAN min_samples (the original Python plan's 10). */
  minSamples: z.number().int().min(1).default(10),
  /** HDBSCAN cluster selection: excess of mass (the original Python plan's) or leaves. */
  selection: z.enum(['eom', 'leaf']).default('eom'),
  /** HDBSCAN cluster_selection_epsilon in the reduced, L2-normalised space (0 = off). */
  selectionEpsilon: z.number().min(0).default(0),
  /** Nodes with more points than this are fitted on a seeded sample; the rest take their nearest sampled neighbour's label. */
  sampleMax: z.number().int().min(1000).default(100_000),
  /** Largest k tried per node by the k-means engine. */
  maxK: z.number().int().min(2).max(50).default(8),
  /**
   * Each chunk is clustered at its vector plus this weight times its document's mean vector (both unit length): the
   * chunks of one document share its topic. bench/cluster-quality.ts, top-level NMI against source labels with the
   * default space (random 512): topics 0.495 → 0.599, mixed 0.315 → 0.510 at weight 1. Off by default until the
   * clustering space is settled (the clusters-follow-topics issue).
   */
  documentWeight: z.number().min(0).max(10).default(1),
  /**
   * The space the tree is built in (stages/cluster/space.ts): `lsa`, a truncated SVD of the chunks' TF-IDF (lexical
   * embedder only); `vectors`, the index's own vectors; `auto`, LSA for the lexical embedder and vectors otherwise.
   */
  space: z.enum(['auto', 'lsa', 'vectors']).default('auto'),
  /** LSA dimensions (the reference pipeline uses 100; measured in bench/cluster-quality.ts). */
  lsaDims: z.number().int().min(2).max(512).default(50),
  /** Chunks sampled (evenly) to fit the LSA. */
  lsaSample: z.number().int().min(100).default(20_000),
  /** k-means seedings of the top-level split (3 at most below it); the best fit (summed cosine to the centroids) is kept. */
  restarts: z.number().int().min(1).max(100).default(10),
  seed: z.number().int().default(42),
});

export const SearchConfigSchema = z.object({
  /** Build the HNSW graph (usearch) when the index has at least `annMinRows` chunks (`auto`), always, or never. */
  ann: z.enum(['auto', 'always', 'never']).default('auto'),
  /** Below this, exact search through onnxruntime answers a 1,000-sentence file in well under a second. */
  annMinRows: z.number().int().min(1).default(100_000),
  /** HNSW M (links per node). */
  connectivity: z.number().int().min(4).max(128).default(16),
  /** HNSW ef at construction. */
  expansionAdd: z.number().int().min(8).max(4096).default(128),
  /** HNSW ef at query time (the recorded recall@10 is measured with it); 256 measured recall@10 0.985 at 10⁶ (bench:search). */
  expansionSearch: z.number().int().min(8).max(4096).default(256),
  /** Corpus vectors searched both ways at index time to measure recall@10. */
  recallQueries: z.number().int().min(10).max(100_000).default(1000),
});

export const LlmNamerSchema = z.object({
  /** Any OpenAI-compatible server: https://api.openai.com/v1, http://localhost:8000/v1 (vLLM), http://localhost:11434/v1 (ollama). */
  baseUrl: z.string().min(1),
  model: z.string().min(1),
  /** Name of the environment variable holding the API key; the key itself is never part of the config. */
  apiKeyEnv: z.string().min(1).default('OPENAI_API_KEY'),
  /** Sibling groups named at once within a level. */
  concurrency: z.number().int().min(1).max(64).default(4),
  maxRetries: z.number().int().min(0).max(20).default(5),
  timeoutMs: z.number().int().min(100).default(60_000),
  /** What a cluster gets when the LLM keeps failing: an error (`none`) or its keyword label. */
  fallback: z.enum(['none', 'keywords']).default('none'),
  /** Folder with system.njk and user.njk; the bundled prompts when unset. */
  templateDir: z.string().min(1).optional(),
});
export type LlmNamerConfig = z.infer<typeof LlmNamerSchema>;

export const NameConfigSchema = z.object({
  namer: z.enum(['keywords', 'llm']).default('keywords'),
  /** Terms per keyword label. */
  terms: z.number().int().min(1).max(6).default(3),
  llm: LlmNamerSchema.optional(),
});

export const IndexConfigSchema = z.object({
  chunk: ChunkConfigSchema.default(ChunkConfigSchema.parse({})),
  embed: EmbedConfigSchema.default(EmbedConfigSchema.parse({})),
  cluster: ClusterConfigSchema.default(ClusterConfigSchema.parse({})),
  search: SearchConfigSchema.default(SearchConfigSchema.parse({})),
  name: NameConfigSchema.default(NameConfigSchema.parse({})),
});
export type IndexConfig = z.infer<typeof IndexConfigSchema>;
export type ChunkConfig = IndexConfig['chunk'];
export type EmbedConfig = IndexConfig['embed'];
export type ClusterConfig = IndexConfig['cluster'];
export type SearchConfig = IndexConfig['search'];
export type NameConfig = IndexConfig['name'];

/**
 * The parts of the embed config that change the vectors: the model's fingerprint, not where its folder is, and not
 * the device or batch size it ran with.
 */
export function embedIdentity(embed: EmbedConfig): Record<string, unknown> {
  if (embed.embedder === 'onnx') return { embedder: 'onnx', fingerprint: embed.onnx?.fingerprint, dtype: embed.dtype };
  const { onnx: _onnx, device: _device, batchSize: _batch, ...lexical } = embed;
  return lexical;
}

/** The config without machine-specific settings (model folder, device), as stage fingerprints see it. */
export function portableConfig(config: IndexConfig): Record<string, unknown> {
  return { ...config, embed: embedIdentity(config.embed) };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Validates user overrides against the schema and returns a frozen, fully defaulted config. */
export function resolveConfig(overrides: unknown = {}): Readonly<IndexConfig> {
  const parsed = IndexConfigSchema.safeParse(overrides);
  if (parsed.success && parsed.data.embed.embedder === 'onnx' && !parsed.data.embed.onnx) {
    throw new CproxError('BAD_INPUT', 'the onnx embedder needs its model folder', { hint: 'pass --embedder onnx:DIR' });
  }
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CproxError('BAD_INPUT', `invalid option ${issue.path.join('.')}: ${issue.message}`, {
      hint: 'see `corpus-proximity index --help` for the allowed values',
    });
  }
  return deepFreeze(parsed.data);
}

export function resolveCorpusSpec(spec: unknown): Readonly<CorpusSpec> {
  return deepFreeze(CorpusSpecSchema.parse(spec));
}
