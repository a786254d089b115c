/** `index --deploy-gpu`: its options, and the glue from the CLI to pipeline/runners/cloud.ts. */
import path from 'node:path';
import { CproxError } from '../pipeline/errors.js';
import type { Reporter } from '../pipeline/reporter.js';
import { deployAndBuild, ensurePulumiCli } from '../pipeline/runners/cloud.js';
import { ecrPublisher, pulumiStack } from '../pipeline/runners/cloud-aws.js';
import { openStore } from '../pipeline/store/open.js';
import { CODE_VERSION } from '../pipeline/version.js';
import { STAGES } from '../stages/table.js';
import { isOnnx, onnxLocation } from './embedder-option.js';
import type { OptionValues } from './options/spec.js';
import type { INDEX_OPTIONS } from './options/table.js';
import type { RunRequest } from '../pipeline/runners/request.js';
import { env } from '../pipeline/env.js';
import { PACKAGE_ROOT } from '../pipeline/package-root.js';
import { newDocker } from '../pipeline/runners/docker.js';

type IndexOptionValues = OptionValues<typeof INDEX_OPTIONS>;

/** Everything that can be refused before the corpus warning and before any cloud call. */
export function checkDeployRequest(o: IndexOptionValues): void {
  if (o.store) throw new CproxError('BAD_INPUT', "--store cannot be combined with --deploy-gpu: the stack's bucket is the store", { hint: 'drop --store' });
  if (o.until || o.shard) throw new CproxError('BAD_INPUT', '--until/--shard are steps of a Batch pipeline, not of --deploy-gpu', { hint: 'drop them' });
  if (o.runner !== 'in-process') throw new CproxError('BAD_INPUT', '--runner cannot be combined with --deploy-gpu', { hint: 'drop --runner' });
  if (o.namer === 'llm')
    throw new CproxError('BAD_INPUT', '--deploy-gpu builds with the keywords namer', {
      hint: 'rename with an LLM afterwards by re-indexing locally against the same store',
    });
  ensurePulumiCli();
}

function definedOnly(o: Record<string, string | number | boolean | undefined>): Record<string, string | number | boolean> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Record<string, string | number | boolean>;
}

/** `request`: what the instance builds (its embedder is set once the model folder is in the bucket). */
export async function runDeploy(o: IndexOptionValues, request: RunRequest, reporter: Reporter) {
  const region = o.region ?? env().awsRegion;
  const result = await deployAndBuild({
    stack: await pulumiStack({ workDir: PACKAGE_ROOT, stackName: o.stack, region, reporter }),
    // --device cuda: the image's cuda target installs onnxruntime's CUDA provider (on a CUDA --base).
    images: ecrPublisher({ docker: await newDocker(), root: PACKAGE_ROOT, region, base: o.base, cuda: o.device === 'cuda', reporter }),
    openStore,
    corpus: o.corpus.startsWith('s3://') ? o.corpus : path.resolve(o.corpus),
    model: isOnnx(o.embedder) ? onnxLocation(o.embedder) : undefined,
    request,
    // Settings not given are left out: the stack config's defaults apply (infra/config.ts).
    settings: definedOnly({
      mode: 'single',
      keepRunning: o.keepRunning,
      minVram: o.minVram,
      minCpuRam: o.minCpuRam,
      maxPrice: o.maxPrice,
      containerDisk: o.containerDisk,
      gpuFilter: o.gpuFilter,
      maxRunHours: o.maxRunHours,
    }),
    // ECR tags are immutable: one per deploy.
    imageTag: `${CODE_VERSION}-${Date.now().toString(36)}`,
    outputDir: o.output,
    keepRunning: o.keepRunning,
    timeoutMs: o.timeout * 60_000,
    reporter,
    stages: STAGES.map((s) => s.name),
  });
  reporter.info(`\nIndex of cloud run ${result.runId} written to ${path.resolve(o.output)}`);
}
