/**
 * The infrastructure's decisions as plain, tested functions: which GPU instance, which IAM and bucket policy
 * documents, which lifecycle rules, what the instance runs at boot. Components only wire these to resources.
 */

/**
 * GPU instances the runner may pick, with on-demand prices in us-east-1 (USD/hour, Linux).
 * Source: https://aws.amazon.com/ec2/instance-types/#Accelerated_Computing and
 * https://aws.amazon.com/ec2/pricing/on-demand/ (read 2026-11; prices change: `max_price` is a cap, not a quote).
 */
export const GPU_INSTANCES = [
  { type: 'g4dn.xlarge', gpu: 'T4', gpus: 1, vramGb: 16, ramGb: 16, vcpus: 4, usdPerHour: 0.526 },
  { type: 'g4dn.2xlarge', gpu: 'T4', gpus: 1, vramGb: 16, ramGb: 32, vcpus: 8, usdPerHour: 0.752 },
  { type: 'g5.xlarge', gpu: 'A10G', gpus: 1, vramGb: 24, ramGb: 16, vcpus: 4, usdPerHour: 1.006 },
  { type: 'g5.2xlarge', gpu: 'A10G', gpus: 1, vramGb: 24, ramGb: 32, vcpus: 8, usdPerHour: 1.212 },
  { type: 'g6.xlarge', gpu: 'L4', gpus: 1, vramGb: 24, ramGb: 16, vcpus: 4, usdPerHour: 0.805 },
  { type: 'g6.2xlarge', gpu: 'L4', gpus: 1, vramGb: 24, ramGb: 32, vcpus: 8, usdPerHour: 0.978 },
  { type: 'g6e.xlarge', gpu: 'L40S', gpus: 1, vramGb: 48, ramGb: 32, vcpus: 4, usdPerHour: 1.861 },
  { type: 'p3.2xlarge', gpu: 'V100', gpus: 1, vramGb: 16, ramGb: 61, vcpus: 8, usdPerHour: 3.06 },
  { type: 'p4d.24xlarge', gpu: 'A100', gpus: 8, vramGb: 40, ramGb: 1152, vcpus: 96, usdPerHour: 32.77 },
] as const;

export type GpuInstance = (typeof GPU_INSTANCES)[number];

export interface InstanceRequirements {
  /** Minimum GPU memory per GPU, GB (the original Python plan's min_vram, default 24). */
  minVramGb: number;
  /** Minimum host memory, GB (the original Python plan's min_cpu_ram). */
  minCpuRamGb: number;
  /** Substring of the GPU or instance name, case-insensitive (the original Python plan's gpu_filter, e.g. "L4"). */
  gpuFilter?: string;
  /** Spot price cap, USD/hour: instances whose on-demand price is below it are preferred. */
  maxPriceUsd?: number;
}

/** The cheapest instance that meets the requirements; throws with the closest misses when none does. */
export function chooseInstanceType(req: InstanceRequirements): GpuInstance {
  const filter = req.gpuFilter?.toLowerCase();
  const fits = GPU_INSTANCES.filter(
    (i) => i.vramGb >= req.minVramGb && i.ramGb >= req.minCpuRamGb && (!filter || i.gpu.toLowerCase().includes(filter) || i.type.includes(filter)),
  );
  if (!fits.length) {
    throw new Error(
      `no GPU instance has ≥ ${req.minVramGb} GB VRAM and ≥ ${req.minCpuRamGb} GB RAM${req.gpuFilter ? ` matching "${req.gpuFilter}"` : ''}; ` +
        `known: ${GPU_INSTANCES.map((i) => `${i.type} (${i.gpu} ${i.vramGb} GB)`).join(', ')}`,
    );
  }
  return [...fits].sort((a, b) => a.usdPerHour - b.usdPerHour || a.type.localeCompare(b.type))[0];
}

/** Instance types AWS Batch may use for the same requirements (cheapest first). */
export function batchInstanceTypes(req: InstanceRequirements): string[] {
  const filter = req.gpuFilter?.toLowerCase();
  return GPU_INSTANCES.filter(
    (i) => i.vramGb >= req.minVramGb && i.ramGb >= req.minCpuRamGb && (!filter || i.gpu.toLowerCase().includes(filter) || i.type.includes(filter)),
  )
    .sort((a, b) => a.usdPerHour - b.usdPerHour)
    .map((i) => i.type);
}

type Statement = { Sid?: string; Effect: 'Allow' | 'Deny'; Action: string | string[]; Resource: string | string[]; Principal?: unknown; Condition?: unknown };
export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: Statement[];
}

/** Bucket policy: refuse every request that does not use TLS. */
export function tlsOnlyBucketPolicy(bucketArn: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'DenyInsecureTransport',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ],
  };
}

/**
 * What the pipeline's compute may do: read and write its prefix of the bucket, list only that prefix, pull images,
 * and read (only read) the corpus at `corpusUri` when it lies outside that prefix.
 */
export function runnerPolicy(bucketArn: string, prefix: string, repositoryArn: string, corpusUri?: string): PolicyDocument {
  const p = prefix.replace(/^\/+|\/+$/g, '');
  const corpus = corpusUri ? /^s3:\/\/([^/]+)\/?(.*?)\/?$/.exec(corpusUri) : null;
  const corpusStatements: Statement[] = corpus
    ? [
        { Sid: 'ReadCorpus', Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${corpus[1]}/${corpus[2] ? `${corpus[2]}/` : ''}*` },
        {
          Sid: 'ListCorpus',
          Effect: 'Allow',
          Action: 's3:ListBucket',
          Resource: `arn:aws:s3:::${corpus[1]}`,
          Condition: { StringLike: { 's3:prefix': corpus[2] ? [`${corpus[2]}/*`, corpus[2]] : ['*'] } },
        },
      ]
    : [];
  return {
    Version: '2012-10-17',
    Statement: [
      ...corpusStatements,
      {
        Sid: 'ArtifactsUnderPrefix',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
        Resource: `${bucketArn}/${p}/*`,
      },
      { Sid: 'ListPrefixOnly', Effect: 'Allow', Action: 's3:ListBucket', Resource: bucketArn, Condition: { StringLike: { 's3:prefix': [`${p}/*`, p] } } },
      {
        Sid: 'PullStageImage',
        Effect: 'Allow',
        Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'],
        Resource: repositoryArn,
      },
      { Sid: 'EcrLogin', Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
    ],
  };
}

export function assumeRolePolicy(service: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole', Resource: '*' }].map(({ Resource: _r, ...s }) => s as Statement),
  };
}

/** Old runs expire; old object versions go sooner; unfinished multipart uploads are cleaned up. */
export function lifecycleRules(prefix: string, runsExpireDays: number) {
  const p = prefix.replace(/^\/+|\/+$/g, '');
  return [
    {
      id: 'expire-old-runs',
      status: 'Enabled',
      filter: { prefix: `${p}/runs/` },
      expiration: { days: runsExpireDays },
      noncurrentVersionExpiration: { noncurrentDays: 7 },
    },
    { id: 'abort-incomplete-uploads', status: 'Enabled', filter: { prefix: `${p}/` }, abortIncompleteMultipartUpload: { daysAfterInitiation: 2 } },
  ];
}

/**
 * Hard wall-clock limit of one index build on cloud compute, so a hung run cannot keep a GPU billing. The corpus
 * size is known only per run (the stack is applied before the corpus is), so the limit is computed per run: 2 h plus
 * 2 h per GB of corpus, clamped to [2 h, 48 h]. The slope is about twice the whole-build time measured on a 2-core
 * CPU machine (a 210 MB corpus, 1.16M chunks: 56 min), which GPU instances beat; `maxRunHours` overrides it.
 */
export const RUN_LIMIT = Object.freeze({ baseHours: 2, hoursPerGb: 2, minHours: 2, maxHours: 48 });

export function runTimeLimitSeconds(corpusBytes?: number, overrideHours?: number): number {
  if (overrideHours !== undefined) return Math.round(overrideHours * 3600);
  const hours = RUN_LIMIT.baseHours + (RUN_LIMIT.hoursPerGb * (corpusBytes ?? 0)) / 1e9;
  return Math.round(Math.min(RUN_LIMIT.maxHours, Math.max(RUN_LIMIT.minHours, hours)) * 3600);
}

export interface UserDataInput {
  region: string;
  image: string;
  store: string;
  corpusUri: string;
  keepRunning: boolean;
  gpus: boolean;
  /** The run request the instance builds (`index --request`), if any. */
  requestUri?: string;
  /** The run's hard limit (runTimeLimitSeconds): `docker run` is stopped after it, the instance powered off. */
  timeoutSeconds: number;
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Boot script: copy the corpus from S3, pull the stage image, build the index against the S3 store (stage outputs
 * and markers land in the bucket, so `corpus-proximity status/sync` follow it from anywhere), then power off, which
 * terminates the instance, unless keep_running. `timeout` stops the container after the run's limit; a scheduled
 * power-off 15 minutes later also covers a hung download or pull.
 */
export function userData(i: UserDataInput): string {
  const registry = i.image.split('/')[0];
  const backstopMinutes = Math.ceil(i.timeoutSeconds / 60) + 15;
  return [
    '#!/bin/bash',
    'set -uo pipefail',
    'exec > >(tee /var/log/corpus-proximity.log) 2>&1',
    i.keepRunning
      ? '# keep_running: no scheduled power-off; the run itself is still limited below'
      : `shutdown -h +${backstopMinutes} 'corpus-proximity: run time limit'`,
    `aws s3 sync ${shellQuote(i.corpusUri)} /corpus --only-show-errors`,
    `aws ecr get-login-password --region ${shellQuote(i.region)} | docker login --username AWS --password-stdin ${shellQuote(registry)}`,
    `docker pull ${shellQuote(i.image)}`,
    `timeout --kill-after=120 ${i.timeoutSeconds} docker run --rm --name cprox-index ${i.gpus ? '--gpus all ' : ''}-e AWS_REGION=${shellQuote(i.region)} -v /corpus:/corpus:ro ${shellQuote(i.image)} \\`,
    `  index --corpus /corpus --store ${shellQuote(i.store)} --output /tmp/index --yes${i.requestUri ? ` --request ${shellQuote(i.requestUri)}` : ''}`,
    'status=$?',
    `[ "$status" -eq 124 ] && echo "pipeline stopped at its time limit (${i.timeoutSeconds} s)"`,
    'docker rm -f cprox-index >/dev/null 2>&1 # timeout stops the client; make sure the container is gone too',
    'echo "pipeline exited with $status"',
    i.keepRunning ? '# keep_running: the instance stays up for inspection (connect with SSM Session Manager)' : 'shutdown -h now',
    '',
  ].join('\n');
}

/**
 * Batch scale-out: the three steps of one index build, each a `corpus-proximity index` with the same options (so
 * every job computes the same run id and meets the others' markers in the store): prepare; embed as an array job,
 * child i embedding shard i of `shards`; then the rest, whose embed stage concatenates the shards.
 */
export function batchStepCommands(index: string[], shards: number): { prepare: string[]; embed: string[]; finish: string[] } {
  return { prepare: [...index, '--until', 'prepare'], embed: [...index, '--shard', `batch/${shards}`], finish: index };
}

/**
 * The Step Functions state machine (Amazon States Language) that runs the steps in order, waiting on each. Every
 * execution is limited: `timeoutSeconds` in its input (the schedule passes the stack's limit; a manual start may
 * pass its own) becomes each Batch job's attempt timeout and each step's timeout; the machine as a whole stops at
 * RUN_LIMIT.maxHours whatever the input says.
 */
export function batchPipelineDefinition(o: { queueArn: string; prepare: string; embed: string; finish: string; shards: number; timeoutSeconds: number }) {
  const submit = (name: string, definition: string, extra: Record<string, unknown> = {}) => ({
    Type: 'Task',
    Resource: 'arn:aws:states:::batch:submitJob.sync',
    Parameters: {
      JobName: `corpus-proximity-${name}`,
      JobQueue: o.queueArn,
      JobDefinition: definition,
      Timeout: { 'AttemptDurationSeconds.$': '$.timeoutSeconds' },
      ...extra,
    },
    TimeoutSecondsPath: '$.timeoutSeconds',
    ResultPath: null, // keep the input (and its timeoutSeconds) for the next step
  });
  return {
    Comment: 'corpus-proximity index: prepare, embed as an array job over shards, then ann → cluster → name → assemble',
    TimeoutSeconds: RUN_LIMIT.maxHours * 3600,
    StartAt: 'Limit',
    States: {
      // A start without timeoutSeconds (e.g. from the console) gets the stack's limit.
      Limit: { Type: 'Choice', Choices: [{ Variable: '$.timeoutSeconds', IsPresent: true, Next: 'Prepare' }], Default: 'DefaultLimit' },
      DefaultLimit: { Type: 'Pass', Result: o.timeoutSeconds, ResultPath: '$.timeoutSeconds', Next: 'Prepare' },
      Prepare: { ...submit('prepare', o.prepare), Next: 'Embed' },
      Embed: { ...submit('embed', o.embed, { ArrayProperties: { Size: o.shards } }), Next: 'Finish' },
      Finish: { ...submit('finish', o.finish), End: true },
    },
  };
}

/** What the state machine may do: submit these job definitions to this queue and follow the jobs (`.sync`). */
export function batchOrchestratorPolicy(queueArn: string, jobDefinitionArns: string[]): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'SubmitPipelineJobs',
        Effect: 'Allow',
        Action: 'batch:SubmitJob',
        Resource: [queueArn, ...jobDefinitionArns.map((d) => d.replace(/:\d+$/, ':*'))],
      },
      { Sid: 'FollowJobs', Effect: 'Allow', Action: ['batch:DescribeJobs', 'batch:TerminateJob'], Resource: '*' },
      {
        Sid: 'SyncIntegrationRule',
        Effect: 'Allow',
        Action: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
        Resource: 'arn:aws:events:*:*:rule/StepFunctionsGetEventsForBatchJobsRule',
      },
    ],
  };
}
