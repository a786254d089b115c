/**
 * From parsed `index` (and `cluster`) options, or from a run request, to the index config: which option fills which
 * config field, and the option combinations that would be silently ignored, refused.
 */
import path from 'node:path';
import { resolveConfig, type CorpusSpec, type IndexConfig } from '../pipeline/config.js';
import { env } from '../pipeline/env.js';
import { CproxError } from '../pipeline/errors.js';
import type { Reporter } from '../pipeline/reporter.js';
import { readRunRequest } from '../pipeline/runners/request.js';
import { openStore } from '../pipeline/store/open.js';
import { embedderConfig, refuseLexicalFlags } from './embedder-option.js';
import { longFlag, type OptionValues } from './options/spec.js';
import { REQUEST_OPTIONS, type CLUSTER_OPTIONS, type INDEX_OPTIONS } from './options/table.js';

type ClusterValues = Pick<OptionValues<typeof CLUSTER_OPTIONS>, keyof typeof CLUSTER_OPTIONS & keyof typeof INDEX_OPTIONS>;
type IndexValues = OptionValues<typeof INDEX_OPTIONS>;

export function clusterConfigFrom(o: ClusterValues) {
  return {
    engine: o.engine,
    maxDepth: o.maxDepth,
    basePct: o.basePct,
    decay: o.decay,
    silhouetteThreshold: o.silhouetteThreshold,
    minSamples: o.minSamples,
    selection: o.selection,
    selectionEpsilon: o.selectionEpsilon,
    maxK: o.maxK,
    kSelection: o.kSelection,
    restarts: o.restarts,
    documentWeight: o.documentWeight,
    space: o.clusterSpace,
    lsaDims: o.lsaDims,
    sampleMax: o.sampleMax,
    seed: o.seed,
  };
}

/** The name section of the config, refusing LLM options that would be silently ignored. */
export function nameConfigFrom(o: IndexValues) {
  const llmFlags = { '--llm-base-url': o.llmBaseUrl, '--llm-model': o.llmModel, '--prompt-template': o.promptTemplate, '--fallback': o.fallback };
  if (o.namer !== 'llm') {
    const stray = Object.entries(llmFlags).find(([, v]) => v !== undefined);
    if (stray) throw new CproxError('BAD_INPUT', `${stray[0]} only applies with --namer llm`, { hint: 'add --namer llm, or drop the option' });
    return { namer: o.namer };
  }
  if (!o.llmBaseUrl || !o.llmModel) {
    throw new CproxError('BAD_INPUT', '--namer llm needs --llm-base-url and --llm-model', {
      hint: 'e.g. --llm-base-url https://api.openai.com/v1 --llm-model gpt-4o-mini (key in $OPENAI_API_KEY), or a local vLLM/ollama server',
    });
  }
  return {
    namer: o.namer,
    llm: {
      baseUrl: o.llmBaseUrl,
      model: o.llmModel,
      apiKeyEnv: o.llmApiKeyEnv,
      concurrency: o.llmConcurrency,
      maxRetries: o.llmMaxRetries,
      timeoutMs: o.llmTimeout === undefined ? undefined : o.llmTimeout * 1000,
      fallback: o.fallback,
      templateDir: o.promptTemplate ? path.resolve(o.promptTemplate) : undefined,
    },
  };
}

/** `--shard I/N` (I from 0) or `batch/N` (I from AWS Batch's array index). */
export function parseShard(spec: string | undefined): { index: number; count: number } | undefined {
  if (!spec) return undefined;
  const [i, n] = spec.split('/');
  const raw = i === 'batch' ? env().batchArrayIndex : i;
  const index = Number(raw);
  const count = Number(n);
  if (raw === undefined || raw === '' || !Number.isInteger(index) || index < 0 || count < 1 || index >= count) {
    throw new CproxError(
      'BAD_INPUT',
      `--shard ${spec}: ${i === 'batch' && !raw ? 'AWS_BATCH_JOB_ARRAY_INDEX is not set' : `shard index must be 0…${count - 1}`}`,
      {
        hint: 'use --shard I/N with 0 ≤ I < N, or batch/N inside an AWS Batch array job',
      },
    );
  }
  return { index, count };
}

/** What a build computes: how the corpus is read, the embedder (as given), and the resolved index config. */
export interface IndexSettings {
  reading: Omit<CorpusSpec, 'path'>;
  embedder: string;
  config: Readonly<IndexConfig>;
}

/**
 * The settings of an `index` call: from its options, or, with --request, from the run request (then no option that a
 * request carries may be given). With --deploy-gpu or --write-request the ONNX model is read where the request is
 * built, not here.
 */
export async function indexSettingsFrom(o: IndexValues, raw: unknown, reporter: Reporter): Promise<IndexSettings> {
  const remote = o.deployGpu || o.writeRequest !== undefined;
  if (o.request) return settingsFromRequest(o.request, o.deployGpu, raw, reporter);
  refuseLexicalFlags(o.embedder, { '--dims': o.dims, '--projection': o.projection });
  const config = resolveConfig({
    chunk: { maxTokens: o.chunkTokens, overlap: o.chunkOverlap },
    embed: {
      ...(remote ? { embedder: 'lexical' as const } : await embedderConfig(o.embedder, reporter)),
      device: o.device,
      batchSize: o.batchSize,
      dtype: o.dtype,
      dims: o.dims,
      projection: o.projection,
      seed: o.seed,
    },
    search: { ann: o.ann, annMinRows: o.annMinRows, expansionSearch: o.efSearch },
    cluster: clusterConfigFrom(o),
    name: nameConfigFrom(o),
  });
  return { reading: { format: o.format ?? 'jsonl', textField: o.textField ?? 'text', stage: o.stage }, embedder: o.embedder ?? 'lexical', config };
}

async function settingsFromRequest(location: string, deployGpu: boolean, raw: unknown, reporter: Reporter): Promise<IndexSettings> {
  const given = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const clash = REQUEST_OPTIONS.find(([key]) => given[key] !== undefined);
  if (clash) {
    throw new CproxError('BAD_INPUT', `${longFlag(clash[1].flags)} cannot be combined with --request: the request sets it`, {
      hint: 'drop the option (the request holds every index setting), or build from options without --request',
    });
  }
  if (deployGpu)
    throw new CproxError('BAD_INPUT', '--request is what --deploy-gpu writes for the instance; the two cannot be combined', { hint: 'drop --request' });
  const slash = location.lastIndexOf('/');
  const request = await readRunRequest(await openStore(slash >= 0 ? location.slice(0, slash) || '/' : '.'), location.slice(slash + 1), location);
  const embed = await embedderConfig(request.embedder, reporter);
  const config = resolveConfig({ ...request.config, embed: { ...request.config.embed, ...embed } });
  return { reading: request.corpus, embedder: request.embedder, config };
}
