/** `index --deploy-gpu`: its options, and the glue from the CLI to pipeline/runners/cloud.ts. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import Docker from 'dockerode';
import { z } from 'zod';
import { CproxError } from '../pipeline/errors.js';
import type { Reporter } from '../pipeline/reporter.js';
import { deployAndBuild, ensurePulumiCli } from '../pipeline/runners/cloud.js';
import { ecrPublisher, pulumiStack } from '../pipeline/runners/cloud-aws.js';
import { openStore } from '../pipeline/store/open.js';
import { CODE_VERSION } from '../pipeline/version.js';
import { STAGES } from '../stages/table.js';
import { isOnnx, onnxLocation } from './embedder-option.js';
import { int, num } from './options.js';

const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const DeployOptionFields = {
  deployGpu: z.boolean().default(false),
  keepRunning: z.boolean().default(false),
  stack: z.string().min(1).default('dev'),
  region: z.string().min(1).optional(),
  timeout: int(z.number().min(1)).default(240),
  minVram: num(z.number().positive()).default(24),
  minCpuRam: num(z.number().positive()).default(32),
  maxPrice: num(z.number().positive()).default(1.0),
  gpuFilter: z.string().min(1).optional(),
  containerDisk: int(z.number().min(20)).default(50),
  base: z.string().min(1).optional(),
  maxRunHours: num(z.number().positive().max(168)).optional(),
};

export function addDeployOptions(cmd: Command): Command {
  return cmd
    .option('--deploy-gpu', 'build on a cloud GPU (AWS, through Pulumi): corpus uploaded, index built in the stack\'s bucket, synced to --output')
    .option('--keep-running', 'with --deploy-gpu: leave the GPU instance up afterwards (default: remove the compute, keep the bucket)')
    .option('--stack <name>', 'Pulumi stack for --deploy-gpu (default dev)')
    .option('--region <region>', 'AWS region for --deploy-gpu (default $AWS_REGION or us-east-1)')
    .option('--timeout <minutes>', 'give up waiting for the cloud run after this long (default 240)')
    .option('--min-vram <GB>', 'GPU memory the instance needs (default 24)')
    .option('--min-cpu-ram <GB>', 'host memory the instance needs (default 32)')
    .option('--max-price <USD/h>', 'spot price cap (default 1.0)')
    .option('--gpu-filter <text>', 'only GPUs whose name contains this, e.g. L4')
    .option('--container-disk <GB>', 'root volume size (default 50)')
    .option('--base <image>', 'base image for the stage image (default node:20-bookworm-slim)')
    .option('--max-run-hours <h>', 'hard limit of the cloud run: the container is stopped and the instance powered off after it (default 2 h + 2 h per GB of corpus, at most 48 h)');
}

/** The options of this build that the instance's `index` must repeat. */
const PASSED_THROUGH: Record<string, string> = {
  format: '--format', textField: '--text-field', stage: '--stage', chunkTokens: '--chunk-tokens', chunkOverlap: '--chunk-overlap',
  dims: '--dims', projection: '--projection', engine: '--engine', maxDepth: '--max-depth', basePct: '--base-pct', decay: '--decay',
  silhouetteThreshold: '--silhouette-threshold', minSamples: '--min-samples', selection: '--selection',
  selectionEpsilon: '--selection-epsilon', sampleMax: '--sample-max', seed: '--seed',
  dtype: '--dtype', ann: '--ann', annMinRows: '--ann-min-rows', efSearch: '--ef-search', device: '--device', batchSize: '--batch-size',
};

export function indexArgsFrom(raw: Record<string, unknown>): string[] {
  return Object.entries(PASSED_THROUGH).flatMap(([k, flag]) => (raw[k] === undefined ? [] : [flag, String(raw[k])]));
}

const DeployOptions = z.object(DeployOptionFields);
type DeployRequest = z.infer<typeof DeployOptions> & {
  corpus: string;
  output: string;
  namer: string;
  store?: string;
  runner: string;
  until?: string;
  shard?: string;
  embedder?: string;
  device: string;
};

/** Everything that can be refused before the corpus warning and before any cloud call. */
export function checkDeployRequest(o: DeployRequest): void {
  if (o.store) throw new CproxError('BAD_INPUT', "--store cannot be combined with --deploy-gpu: the stack's bucket is the store", { hint: 'drop --store' });
  if (o.until || o.shard) throw new CproxError('BAD_INPUT', '--until/--shard are steps of a Batch pipeline, not of --deploy-gpu', { hint: 'drop them' });
  if (o.runner !== 'in-process') throw new CproxError('BAD_INPUT', '--runner cannot be combined with --deploy-gpu', { hint: 'drop --runner' });
  if (o.namer !== 'keywords') throw new CproxError('BAD_INPUT', '--deploy-gpu builds with the keywords namer', { hint: 'rename with an LLM afterwards by re-indexing locally against the same store' });
  ensurePulumiCli();
}

export async function runDeploy(o: DeployRequest, raw: Record<string, unknown>, reporter: Reporter) {
  const region = o.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const result = await deployAndBuild({
    stack: await pulumiStack({ workDir: PACKAGE_ROOT, stackName: o.stack, region, reporter }),
    // --device cuda: the image's cuda target installs onnxruntime's CUDA provider (on a CUDA --base).
    images: ecrPublisher({ docker: new Docker(), root: PACKAGE_ROOT, region, base: o.base, cuda: o.device === 'cuda', reporter }),
    openStore,
    corpus: o.corpus.startsWith('s3://') ? o.corpus : path.resolve(o.corpus),
    model: isOnnx(o.embedder) ? onnxLocation(o.embedder) : undefined,
    indexArgs: indexArgsFrom(raw),
    settings: {
      mode: 'single',
      keepRunning: o.keepRunning,
      minVram: o.minVram,
      minCpuRam: o.minCpuRam,
      maxPrice: o.maxPrice,
      containerDisk: o.containerDisk,
      ...(o.gpuFilter ? { gpuFilter: o.gpuFilter } : {}),
      ...(o.maxRunHours ? { maxRunHours: o.maxRunHours } : {}),
    },
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
