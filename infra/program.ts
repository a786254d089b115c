/**
 * The stack: an artifact bucket and an image repository, then either one spot GPU instance that builds the index
 * and powers off (mode single, the original Python plan's flow) or AWS Batch (mode batch), plus an optional re-indexing schedule.
 * infra/index.ts is the entry point Pulumi runs; tests call createStack under pulumi.runtime.setMocks.
 */
import * as pulumi from '@pulumi/pulumi';
import { ArtifactBucket } from './components/artifact-bucket.js';
import { BatchRunner } from './components/batch-runner.js';
import { GpuRunner } from './components/gpu-runner.js';
import { ImageRepository } from './components/image-repository.js';
import { ReindexSchedule } from './components/schedule.js';
import { StackConfigSchema, type StackConfig } from './config.js';
import { runTimeLimitSeconds } from './policy.js';

export function readStackConfig(): StackConfig {
  const c = new pulumi.Config('corpus-proximity');
  const parsed = StackConfigSchema.safeParse({
    mode: c.get('mode'),
    corpusUri: c.get('corpusUri'),
    prefix: c.get('prefix'),
    keepRunning: c.getBoolean('keepRunning'),
    minVram: c.getNumber('minVram'),
    minCpuRam: c.getNumber('minCpuRam'),
    maxPrice: c.getNumber('maxPrice'),
    containerDisk: c.getNumber('containerDisk'),
    gpuFilter: c.get('gpuFilter'),
    imageTag: c.get('imageTag'),
    maxVcpus: c.getNumber('maxVcpus'),
    subnetIds: c.getObject<string[]>('subnetIds'),
    embedShards: c.getNumber('embedShards'),
    schedule: c.get('schedule'),
    runsExpireDays: c.getNumber('runsExpireDays'),
    compute: c.getBoolean('compute'),
    maxRunHours: c.getNumber('maxRunHours'),
    corpusBytes: c.getNumber('corpusBytes'),
    requestUri: c.get('requestUri'),
  });
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new Error(`stack config corpus-proximity:${i.path.join('.')}: ${i.message}`);
  }
  return parsed.data;
}

export function createStack(cfg: StackConfig, region: string) {
  const bucket = new ArtifactBucket('artifacts', { prefix: cfg.prefix, runsExpireDays: cfg.runsExpireDays });
  const repo = new ImageRepository('stage-image');
  const image = pulumi.interpolate`${repo.url}:${cfg.imageTag}`;
  const requirements = { minVramGb: cfg.minVram, minCpuRamGb: cfg.minCpuRam, gpuFilter: cfg.gpuFilter, maxPriceUsd: cfg.maxPrice };
  const common = { bucketArn: bucket.arn, bucketName: bucket.name, prefix: cfg.prefix, repositoryArn: repo.arn, image };
  const base = { bucket: bucket.name, store: pulumi.interpolate`s3://${bucket.name}/${cfg.prefix}`, repositoryUrl: repo.url, image };
  if (!cfg.compute) return base;
  const timeoutSeconds = runTimeLimitSeconds(cfg.corpusBytes, cfg.maxRunHours);
  if (cfg.mode === 'single') {
    const runner = new GpuRunner('gpu', {
      ...requirements,
      ...common,
      corpusUri: cfg.corpusUri,
      region,
      keepRunning: cfg.keepRunning,
      diskGb: cfg.containerDisk,
      requestUri: cfg.requestUri,
      timeoutSeconds,
    });
    return { ...base, instanceId: runner.instance.id, instanceType: runner.instanceType, timeoutSeconds };
  }
  const batch = new BatchRunner('batch', {
    ...requirements,
    ...common,
    subnetIds: cfg.subnetIds,
    maxVcpus: cfg.maxVcpus,
    corpusUri: cfg.corpusUri,
    requestUri: cfg.requestUri,
    embedShards: cfg.embedShards,
    timeoutSeconds,
  });
  if (cfg.schedule) new ReindexSchedule('reindex', { expression: cfg.schedule, stateMachineArn: batch.pipeline.arn, timeoutSeconds });
  return { ...base, jobQueue: batch.queue.arn, pipeline: batch.pipeline.arn, timeoutSeconds };
}
