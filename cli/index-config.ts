/**
 * From parsed `index` (and `cluster`) options to the index config: which option fills which config field, and the
 * option combinations that would be silently ignored, refused.
 */
import path from 'node:path';
import { CproxError } from '../pipeline/errors.js';
import type { OptionValues } from './options/spec.js';
import type { CLUSTER_OPTIONS, INDEX_OPTIONS } from './options/table.js';
import { env } from '../pipeline/env.js';

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
