/**
 * The Pulumi program under pulumi.runtime.setMocks: every resource is recorded, unimplemented calls throw, and the
 * policies are asserted (nothing public, encryption on, TLS only, IAM limited to the prefix, no open ingress,
 * vCPU cap set). Plus the pure decision functions.
 */
import * as pulumi from '@pulumi/pulumi';
import { beforeAll, describe, expect, it } from 'vitest';
import { StackConfigSchema } from '../../infra/config.js';
import {
  batchInstanceTypes,
  chooseInstanceType,
  lifecycleRules,
  RUN_LIMIT,
  runnerPolicy,
  runTimeLimitSeconds,
  tlsOnlyBucketPolicy,
  userData,
} from '../../infra/policy.js';

interface Recorded {
  type: string;
  name: string;
  // Pulumi mock inputs: whatever each resource was given.
  inputs: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}
let resources: Recorded[] = [];

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        resources.push({ type: args.type, name: args.name, inputs: args.inputs });
        const state: Record<string, unknown> = { ...args.inputs, arn: `arn:aws:mock:::${args.name}` };
        if (args.type === 'aws:s3/bucket:Bucket') state.bucket = `${args.name}-bucket-name`;
        if (args.type === 'aws:ecr/repository:Repository') state.repositoryUrl = `123456789012.dkr.ecr.us-east-1.amazonaws.com/${args.name}`;
        return { id: `${args.name}-id`, state };
      },
      call(args) {
        if (args.token === 'aws:ec2/getAmi:getAmi') return { id: 'ami-0123456789abcdef0', name: 'Deep Learning Base AMI' };
        throw new Error(`unmocked call ${args.token}`);
      },
    },
    'corpus-proximity',
    'test',
    true,
  );
});

async function build(config: Record<string, unknown>) {
  resources = [];
  const { createStack } = await import('../../infra/program.js');
  const outputs = createStack(StackConfigSchema.parse({ corpusUri: 's3://corpora/nanochat', ...config }), 'us-east-1');
  // Let every resource registration and apply() settle.
  await new Promise<void>((resolve) => pulumi.all(Object.values(outputs)).apply(() => resolve()));
  await new Promise((r) => setTimeout(r, 50));
  return resources;
}

const ofType = (rs: Recorded[], suffix: string) => rs.filter((r) => r.type.endsWith(suffix));

/** A run request in the bucket: its settings reach every compute path as this one URI. */
const REQUEST = 's3://artifacts-bucket/corpus-proximity/requests/0123456789abcdef.json';
describe('pulumi program, single-instance mode', () => {
  let rs: Recorded[];
  beforeAll(async () => {
    rs = await build({ mode: 'single', minVram: 24, minCpuRam: 32, maxPrice: 1.5 });
  });

  it('passes the run request to the instance as --request (settings as data, not flags)', async () => {
    const requested = await build({ mode: 'single', requestUri: REQUEST });
    const script = String(ofType(requested, 'ec2/instance:Instance')[0].inputs.userData);
    expect(script).toContain(`--output /tmp/index --yes --request '${REQUEST}'`);
  });

  it('creates the five kinds of resources it needs and the components parent their children', () => {
    for (const t of ['ArtifactBucket', 'ImageRepository', 'GpuRunner'])
      expect(
        rs.some((r) => r.type === `corpus-proximity:infra:${t}`),
        t,
      ).toBe(true);
    expect(ofType(rs, 'ec2/instance:Instance')).toHaveLength(1);
  });

  it('the bucket is private, encrypted, versioned, TLS-only and expires old runs', () => {
    const pab = ofType(rs, 'BucketPublicAccessBlock')[0].inputs;
    expect(pab).toMatchObject({ blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
    expect(ofType(rs, 'BucketServerSideEncryptionConfiguration')[0].inputs.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm).toBe('aws:kms');
    expect(ofType(rs, 'BucketVersioning')[0].inputs.versioningConfiguration.status).toBe('Enabled');
    const policy = JSON.parse(ofType(rs, 'BucketPolicy')[0].inputs.policy);
    expect(policy.Statement).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    expect(JSON.stringify(policy)).not.toMatch(/"Effect":"Allow"/);
    expect(ofType(rs, 'BucketLifecycleConfiguration')[0].inputs.rules[0].expiration.days).toBe(90);
  });

  it('IAM may touch only the prefix; no inbound ports; spot with max price; powers off to terminate', () => {
    const doc = JSON.parse(ofType(rs, 'iam/rolePolicy:RolePolicy')[0].inputs.policy);
    const isCorpus = (s: { Sid?: string }) => /Corpus$/.test(s.Sid ?? '');
    const s3 = doc.Statement.filter((s: { Action: string | string[]; Sid?: string }) => JSON.stringify(s.Action).includes('s3:') && !isCorpus(s));
    expect(s3).toHaveLength(2);
    // The corpus bucket (s3://corpora/nanochat) is read-only.
    const corpus = doc.Statement.filter(isCorpus);
    expect(corpus.map((s: { Action: string }) => s.Action)).toEqual(['s3:GetObject', 's3:ListBucket']);
    expect(corpus[0].Resource).toBe('arn:aws:s3:::corpora/nanochat/*');
    for (const s of s3) {
      if (JSON.stringify(s.Action).includes('ListBucket')) expect(s.Condition.StringLike['s3:prefix']).toEqual(['corpus-proximity/*', 'corpus-proximity']);
      else expect(s.Resource).toMatch(/\/corpus-proximity\/\*$/);
    }
    expect(JSON.stringify(doc)).not.toMatch(/"s3:\*"|"Resource":"\*".*s3/);
    for (const sg of ofType(rs, 'ec2/securityGroup:SecurityGroup')) {
      expect(sg.inputs.ingress ?? []).toEqual([]);
    }
    const instance = ofType(rs, 'ec2/instance:Instance')[0].inputs;
    expect(instance.instanceType).toBe(chooseInstanceType({ minVramGb: 24, minCpuRamGb: 32 }).type);
    expect(instance.instanceMarketOptions).toMatchObject({ marketType: 'spot', spotOptions: { maxPrice: '1.500' } });
    expect(instance.instanceInitiatedShutdownBehavior).toBe('terminate');
    expect(instance.metadataOptions.httpTokens).toBe('required');
    expect(instance.rootBlockDevice).toMatchObject({ volumeSize: 50, encrypted: true });
    const script = Buffer.from(instance.userData ?? '', 'utf8').toString();
    expect(script).toMatch(/index --corpus \/corpus --store 's3:\/\/artifacts-bucket-bucket-name\/corpus-proximity'/);
    expect(script).toMatch(/shutdown -h now/);
    expect(script).not.toMatch(/--request/); // no request: the default settings
    expect(instance.ami).toBe('ami-0123456789abcdef0');
    // A hung run cannot keep billing: `timeout` around `docker run` (no corpus size: the 2 h floor), and a
    // scheduled power-off 15 minutes after it.
    expect(script).toMatch(/^timeout --kill-after=120 7200 docker run --rm --name cprox-index /m);
    expect(script).toMatch(/^shutdown -h \+135 /m);
    expect(script.indexOf('shutdown -h +135')).toBeLessThan(script.indexOf('aws s3 sync'));
  });

  it('the run limit follows the corpus size the deploy passes, or maxRunHours', async () => {
    const sized = await build({ mode: 'single', corpusBytes: 5e9 });
    const script = Buffer.from(ofType(sized, 'ec2/instance:Instance')[0].inputs.userData ?? '', 'utf8').toString();
    expect(script).toMatch(/^timeout --kill-after=120 43200 docker run/m); // 2 h + 2 h/GB × 5 GB
    const capped = await build({ mode: 'single', maxRunHours: 3 });
    expect(Buffer.from(ofType(capped, 'ec2/instance:Instance')[0].inputs.userData ?? '', 'utf8').toString()).toMatch(/^timeout --kill-after=120 10800 /m);
  });

  it('keep_running keeps the instance (stop, no shutdown in the script)', async () => {
    const kept = await build({ mode: 'single', keepRunning: true });
    const instance = ofType(kept, 'ec2/instance:Instance')[0].inputs;
    expect(instance.instanceInitiatedShutdownBehavior).toBe('stop');
    expect(instance.userData).not.toMatch(/shutdown -h now/);
    expect(instance.userData).not.toMatch(/shutdown -h \+/);
    expect(instance.userData).toMatch(/^timeout --kill-after=120 7200 docker run/m); // the run itself is still limited
  });
});

describe('pulumi program, batch mode with a schedule', () => {
  let rs: Recorded[];
  beforeAll(async () => {
    rs = await build({ mode: 'batch', maxVcpus: 64, subnetIds: ['subnet-1'], schedule: 'cron(0 3 ? * SUN *)', embedShards: 6, requestUri: REQUEST });
  });

  it('caps vCPUs, uses GPU instances that fit, and no security group is open to the world', () => {
    const ce = ofType(rs, 'batch/computeEnvironment:ComputeEnvironment')[0].inputs;
    expect(ce.computeResources.maxVcpus).toBe(64);
    expect(ce.computeResources.instanceTypes).toEqual(batchInstanceTypes({ minVramGb: 24, minCpuRamGb: 32 }));
    for (const sg of ofType(rs, 'ec2/securityGroup:SecurityGroup')) expect(JSON.stringify(sg.inputs.ingress ?? [])).not.toContain('0.0.0.0/0');
  });

  it('defines one job per step: prepare, embed as an array over shards on GPUs, then the rest; all the same run', () => {
    const defs = ofType(rs, 'batch/jobDefinition:JobDefinition');
    expect(defs.map((d) => d.name)).toEqual(['batch-prepare', 'batch-embed', 'batch-finish']);
    const [prepare, embed, finish] = defs.map((d) => JSON.parse(d.inputs.containerProperties));
    const index = [
      'index',
      '--corpus',
      's3://corpora/nanochat',
      '--store',
      's3://artifacts-bucket-bucket-name/corpus-proximity',
      '--output',
      '/tmp/index',
      '--yes',
      '--request', // the settings travel as the run request, not as flags
      REQUEST,
    ];
    expect(prepare.command).toEqual([...index, '--until', 'prepare']);
    expect(embed.command).toEqual([...index, '--shard', 'batch/6']);
    expect(finish.command).toEqual(index);
    expect(prepare.resourceRequirements.some((r: { type: string }) => r.type === 'GPU')).toBe(false);
    // Every job definition has a default attempt timeout (a submit without one is limited too).
    for (const d of defs) expect(d.inputs.timeout).toEqual({ attemptDurationSeconds: 7200 });
    for (const j of [embed, finish]) expect(j.resourceRequirements).toContainEqual({ type: 'GPU', value: '1' });
  });

  it('a state machine runs the steps in order, the embed step as an array job, and the schedule starts it', () => {
    const sm = ofType(rs, 'sfn/stateMachine:StateMachine')[0].inputs;
    const def = JSON.parse(sm.definition);
    expect(def.States.Prepare.Next).toBe('Embed');
    expect(def.States.Embed.Next).toBe('Finish');
    expect(def.States.Finish.End).toBe(true);
    expect(def.States.Embed.Parameters.ArrayProperties).toEqual({ Size: 6 });
    // Limits: the whole execution, each step and each Batch job attempt, from the execution's timeoutSeconds.
    expect(def.TimeoutSeconds).toBe(RUN_LIMIT.maxHours * 3600);
    expect(def.StartAt).toBe('Limit');
    expect(def.States.Limit.Choices[0]).toMatchObject({ Variable: '$.timeoutSeconds', IsPresent: true, Next: 'Prepare' });
    expect(def.States.DefaultLimit).toMatchObject({ Type: 'Pass', Result: 7200, ResultPath: '$.timeoutSeconds', Next: 'Prepare' });
    const steps = [def.States.Prepare, def.States.Embed, def.States.Finish];
    for (const st of steps) {
      expect(st.Resource).toBe('arn:aws:states:::batch:submitJob.sync');
      expect(st.TimeoutSecondsPath).toBe('$.timeoutSeconds');
      expect(st.Parameters.Timeout).toEqual({ 'AttemptDurationSeconds.$': '$.timeoutSeconds' });
      expect(st.ResultPath).toBeNull();
    }
    const sched = ofType(rs, 'scheduler/schedule:Schedule')[0].inputs;
    expect(JSON.parse(sched.target.input)).toEqual({ timeoutSeconds: 7200 });
    expect(sched.scheduleExpression).toBe('cron(0 3 ? * SUN *)');
    expect(sched.target.arn).toBe('arn:aws:mock:::batch-pipeline'); // the state machine
    // The orchestrator may submit only the pipeline's job definitions to its queue.
    const policies = ofType(rs, 'iam/rolePolicy:RolePolicy').map((p) => JSON.parse(p.inputs.policy));
    const submit = policies.flatMap((p) => p.Statement).find((st: { Sid?: string }) => st.Sid === 'SubmitPipelineJobs');
    expect(submit.Resource).toHaveLength(4);
    const start = policies.flatMap((p) => p.Statement).find((st: { Action: string }) => st.Action === 'states:StartExecution');
    expect(start.Resource).toBe(sched.target.arn);
  });
});

describe('infra decisions', () => {
  it('the run time limit: 2 h + 2 h per GB of corpus, clamped to 2–48 h, or the override', () => {
    expect(runTimeLimitSeconds()).toBe(2 * 3600);
    expect(runTimeLimitSeconds(0.5e9)).toBe(3 * 3600);
    expect(runTimeLimitSeconds(10e9)).toBe(22 * 3600);
    expect(runTimeLimitSeconds(1e12)).toBe(48 * 3600);
    expect(runTimeLimitSeconds(1e12, 1.5)).toBe(5400);
  });

  it('picks the cheapest instance that meets VRAM, RAM and the GPU filter', () => {
    expect(chooseInstanceType({ minVramGb: 16, minCpuRamGb: 16 }).type).toBe('g4dn.xlarge');
    expect(chooseInstanceType({ minVramGb: 24, minCpuRamGb: 16 }).type).toBe('g6.xlarge');
    expect(chooseInstanceType({ minVramGb: 24, minCpuRamGb: 16, gpuFilter: 'a10g' }).type).toBe('g5.xlarge');
    expect(chooseInstanceType({ minVramGb: 40, minCpuRamGb: 32 }).type).toBe('g6e.xlarge');
    expect(() => chooseInstanceType({ minVramGb: 80, minCpuRamGb: 16 })).toThrow(/no GPU instance has ≥ 80 GB VRAM/);
  });

  it('policy documents and the boot script', () => {
    expect(tlsOnlyBucketPolicy('arn:aws:s3:::b').Statement[0].Resource).toEqual(['arn:aws:s3:::b', 'arn:aws:s3:::b/*']);
    const p = runnerPolicy('arn:aws:s3:::b', '/team/cp/', 'arn:aws:ecr:us-east-1:1:repository/r');
    expect(p.Statement[0].Resource).toBe('arn:aws:s3:::b/team/cp/*');
    // A corpus in another bucket is readable, never writable.
    const withCorpus = runnerPolicy('arn:aws:s3:::b', 'cp', 'arn:aws:ecr:us-east-1:1:repository/r', 's3://corpora/nanochat/');
    const read = withCorpus.Statement.filter((st) => JSON.stringify(st.Resource).includes('corpora'));
    expect(read.map((st) => st.Action)).toEqual(['s3:GetObject', 's3:ListBucket']);
    expect(read[0].Resource).toBe('arn:aws:s3:::corpora/nanochat/*');
    expect(lifecycleRules('cp', 30)[0]).toMatchObject({ filter: { prefix: 'cp/runs/' }, expiration: { days: 30 } });
    const script = userData({
      region: 'us-east-1',
      image: 'r.example/img:1',
      store: "s3://b/it's",
      corpusUri: 's3://c/d',
      keepRunning: false,
      gpus: true,
      timeoutSeconds: 3600,
    });
    expect(script).toContain(`--store 's3://b/it'\\''s'`); // quoted for the shell
    expect(script).toContain('--gpus all');
  });
});
