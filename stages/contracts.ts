/**
 * What each stage promises the stages after it: the artifacts it writes (name → path under its folder) and a
 * schema of the facts its marker records. A stage reads another stage only through these (`inputKey`,
 * `upstreamFacts`), never through the other stage's module; the runner checks a stage's facts against its schema
 * before it writes the marker, and `upstreamFacts` checks them again when a later stage reads them (a marker may
 * come from another run or another version).
 */
import { z } from 'zod';
import { readChunkRecords, type ChunkRecord } from '../pipeline/corpus/chunk-records.js';
import { CproxError } from '../pipeline/errors.js';
import type { StageContext, StageDefinition } from '../pipeline/runners/stage.js';
import { AnnSettingsSchema } from '../pipeline/search/hnsw.js';

const count = z.number().int().nonnegative();

export const CONTRACTS = {
  prepare: {
    artifacts: { chunks: 'chunks' },
    facts: z.object({
      chunks: count,
      documents: count,
      emptyDocuments: count,
      replacedLines: count,
      files: count,
      skippedFiles: count,
      /** Chunks per training stage ('unstaged' for none). */
      perStage: z.record(z.string(), count),
      /** Files and documents read per training stage. */
      read: z.record(z.string(), z.object({ files: count, documents: count })),
    }),
  },
  embed: {
    artifacts: { vectors: 'embeddings.npy', embedderDir: 'embedder' },
    facts: z.object({
      embedder: z.string(),
      fingerprint: z.string(),
      dims: count,
      dtype: z.enum(['float32', 'float16']).default('float32'),
      rows: count,
      /** Lexical: terms kept. */
      vocabulary: count.optional(),
      /** ONNX: the model's window, and how many chunks were longer. */
      max_tokens: count.optional(),
      truncated: count.optional(),
      /** Built from Batch shards: how many, and how many were embedded by other jobs. */
      shards: count.optional(),
      shardsEmbeddedElsewhere: count.optional(),
    }),
  },
  ann: {
    artifacts: { graph: 'vectors.usearch', postings: 'terms.postings', stageModel: 'stage_terms.npy' },
    facts: z.object({
      /** The graph's settings and its measured recall; null when the index is searched exactly. */
      ann: AnnSettingsSchema.extend({ recall_at_10: z.number(), recall_queries: count }).nullable(),
      /** Lexical: the term postings (pipeline/search/term-index.ts); null for a dense embedder. */
      terms: z.object({ terms: count, postings: count }).nullable(),
      /** Lexical: the stages of the stage model's rows and their chunk counts; null for a dense embedder. */
      stageModel: z.object({ stages: z.array(z.string()), chunks: z.array(count) }).nullable(),
      buildSeconds: z.number().optional(),
    }),
  },
  cluster: {
    artifacts: { tree: 'tree.json', chunkToCluster: 'chunk_to_cluster.json', stats: 'stats.json' },
    facts: z.object({ clusters: count, leaves: count, maxDepth: count, seconds: z.number() }),
  },
  name: {
    artifacts: { tree: 'tree.json' },
    facts: z.object({
      named: count,
      namer: z.enum(['keywords', 'llm']),
      llm: z.object({ model: z.string(), template: z.string(), requests: count, cached: count, fallbacks: count }).optional(),
    }),
  },
  assemble: {
    artifacts: { index: 'index' },
    facts: z.object({ chunks: count }),
  },
} as const;

/** A pipeline stage's name (a training stage is a TrainingStage, pipeline/config.ts). */
export type StageName = keyof typeof CONTRACTS;
export type ArtifactName<S extends StageName> = keyof (typeof CONTRACTS)[S]['artifacts'] & string;
export type StageFacts<S extends StageName> = z.output<(typeof CONTRACTS)[S]['facts']>;

const FACTS: { [S in StageName]: z.ZodType<StageFacts<S>> } = {
  prepare: CONTRACTS.prepare.facts,
  embed: CONTRACTS.embed.facts,
  ann: CONTRACTS.ann.facts,
  cluster: CONTRACTS.cluster.facts,
  name: CONTRACTS.name.facts,
  assemble: CONTRACTS.assemble.facts,
};

function artifactPath(stage: StageName, name: string): string {
  const paths: Readonly<Record<string, string>> = CONTRACTS[stage].artifacts;
  return paths[name];
}

/** Key of artifact `name` of upstream stage `stage` (with a path below it for a folder artifact). */
export function inputKey<S extends StageName>(ctx: StageContext, stage: S, name: ArtifactName<S>, ...below: string[]): string {
  return ctx.input(stage, artifactPath(stage, name), ...below);
}

/** Keys of the files of folder artifact `name` of upstream stage `stage`, in order. */
export function inputKeysUnder<S extends StageName>(ctx: StageContext, stage: S, name: ArtifactName<S>): string[] {
  return ctx.inputsUnder(stage, artifactPath(stage, name)).sort();
}

/** Key of this stage's own artifact `name`. */
export function outputKey<S extends StageName>(ctx: StageContext, stage: S, name: ArtifactName<S>, ...below: string[]): string {
  return ctx.out(artifactPath(stage, name), ...below);
}

/** A row of the stage table: its contract (name, artifacts, facts) joined to its code, whose facts must fit it. */
export function defineStage<S extends StageName>(
  name: S,
  def: Omit<StageDefinition, 'name' | 'artifacts' | 'facts' | 'run'> & { run(ctx: StageContext): Promise<{ facts: StageFacts<S> }> },
): StageDefinition {
  return { ...def, name, artifacts: CONTRACTS[name].artifacts, facts: FACTS[name] };
}

/** The facts an upstream stage recorded, checked against its contract. */
export function upstreamFacts<S extends StageName>(ctx: StageContext, stage: S): StageFacts<S> {
  const marker = ctx.upstream[stage];
  if (!marker) throw new CproxError('INTERNAL', `stage ${stage} is not an input of this stage`);
  const schema: z.ZodType<StageFacts<S>> = FACTS[stage];
  const parsed = schema.safeParse(marker.facts);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CproxError(
      'STAGE_FAILED',
      `the ${stage} marker of run ${marker.runId} records facts this version cannot read (${issue.path.join('.')}: ${issue.message})`,
      {
        hint: 'rebuild: the stage reruns when its marker is removed, or use a fresh --store',
      },
    );
  }
  return parsed.data;
}

/** The chunks prepare wrote, streamed in idx order. */
export function chunkRecords(ctx: StageContext): AsyncGenerator<ChunkRecord> {
  return readChunkRecords(ctx.store, inputKeysUnder(ctx, 'prepare', 'chunks'));
}

export function chunkCount(ctx: StageContext): number {
  return upstreamFacts(ctx, 'prepare').chunks;
}
