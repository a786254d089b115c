/** Stack configuration (Pulumi config, namespace `corpus-proximity`), validated once: the original Python plan's DeploymentConfig plus mode, corpus and schedule. */
import { z } from 'zod';

export const StackConfigSchema = z.object({
  mode: z.enum(['single', 'batch']).default('single'),
  /** Where the corpus is: s3://bucket/path (pretrain/ midtrain/ sft/ folders inside set the stages). */
  corpusUri: z.string().regex(/^s3:\/\//, 'an s3:// URI'),
  /** Key prefix for runs in the artifact bucket; the compute may touch nothing else. */
  prefix: z
    .string()
    .regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/)
    .default('corpus-proximity'),
  keepRunning: z.boolean().default(false),
  minVram: z.number().positive().default(24),
  minCpuRam: z.number().positive().default(32),
  maxPrice: z.number().positive().default(1.0),
  containerDisk: z.number().int().min(20).default(50),
  gpuFilter: z.string().optional(),
  imageTag: z.string().default('latest'),
  /** Batch mode: vCPU cap of the compute environment, subnets. */
  maxVcpus: z.number().int().min(4).default(32),
  subnetIds: z.array(z.string()).default([]),
  /** Batch mode: the embed step is an array job of this many children (2…10,000), one shard of the chunks each. */
  embedShards: z.number().int().min(2).max(10_000).default(4),
  /** EventBridge Scheduler expression for scheduled re-indexing (batch mode), e.g. "cron(0 3 ? * SUN *)". */
  schedule: z.string().optional(),
  runsExpireDays: z.number().int().min(1).default(90),
  /**
   * The run request the run builds (s3://…/requests/<hash>.json: corpus format, embedder, every index setting), written
   * by `index --deploy-gpu` or `index … --write-request`; unset: the default settings.
   */
  requestUri: z
    .string()
    .regex(/^s3:\/\/.+\.json$/, 'an s3:// URI of a run request .json')
    .optional(),
  /** Hard limit of one run in hours; default derived from corpusBytes (infra/policy.ts, runTimeLimitSeconds). */
  maxRunHours: z.number().positive().max(168).optional(),
  /** Size of the corpus of this run, set by `index --deploy-gpu` so the limit follows it. */
  corpusBytes: z.number().int().nonnegative().optional(),
  /** false: only the bucket and the image repository (`index --deploy-gpu` removes the compute this way when done). */
  compute: z.boolean().default(true),
});
export type StackConfig = z.infer<typeof StackConfigSchema>;
