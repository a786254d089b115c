import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import {
  assumeRolePolicy,
  batchInstanceTypes,
  batchOrchestratorPolicy,
  batchPipelineDefinition,
  batchStepCommands,
  runnerPolicy,
  type InstanceRequirements,
} from '../policy.js';

export interface BatchRunnerArgs extends InstanceRequirements {
  bucketArn: pulumi.Input<string>;
  bucketName: pulumi.Input<string>;
  prefix: string;
  repositoryArn: pulumi.Input<string>;
  image: pulumi.Input<string>;
  subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** Upper bound on vCPUs the compute environment may run at once (the cost cap). */
  maxVcpus: number;
  corpusUri: string;
  /** The run request every job builds (its settings), if any. */
  requestUri?: string;
  /** Embed runs as an array job of this many children, each embedding one shard of the chunks. */
  embedShards: number;
  /** Hard limit of a run (infra/policy.ts): each job's default attempt timeout; executions pass their own. */
  timeoutSeconds: number;
}

type Parent = { parent: pulumi.Resource };

/** The instances' role (ECS agent) and the jobs' role (the artifact prefix, the image, the corpus; nothing else). */
function roles(name: string, args: BatchRunnerArgs, parent: Parent) {
  const instanceRole = new aws.iam.Role(`${name}-instance-role`, { assumeRolePolicy: JSON.stringify(assumeRolePolicy('ec2.amazonaws.com')) }, parent);
  new aws.iam.RolePolicyAttachment(
    `${name}-ecs-instance`,
    { role: instanceRole.name, policyArn: 'arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role' },
    parent,
  );
  const profile = new aws.iam.InstanceProfile(`${name}-instance-profile`, { role: instanceRole.name }, parent);
  const jobRole = new aws.iam.Role(`${name}-job-role`, { assumeRolePolicy: JSON.stringify(assumeRolePolicy('ecs-tasks.amazonaws.com')) }, parent);
  new aws.iam.RolePolicy(
    `${name}-job-artifacts`,
    {
      role: jobRole.id,
      policy: pulumi.all([args.bucketArn, args.repositoryArn]).apply(([b, r]) => JSON.stringify(runnerPolicy(b, args.prefix, r, args.corpusUri))),
    },
    parent,
  );
  return { profile, jobRole };
}

/** Spot GPU instances, capped at maxVcpus, with no inbound traffic and HTTPS out. */
function gpuCompute(name: string, args: BatchRunnerArgs, profile: aws.iam.InstanceProfile, parent: Parent) {
  const sg = new aws.ec2.SecurityGroup(
    `${name}-egress-only`,
    {
      description: 'corpus-proximity batch: no inbound, HTTPS out',
      ingress: [],
      egress: [{ protocol: 'tcp', fromPort: 443, toPort: 443, cidrBlocks: ['0.0.0.0/0'] }],
    },
    parent,
  );
  const computeEnvironment = new aws.batch.ComputeEnvironment(
    `${name}-gpu`,
    {
      type: 'MANAGED',
      computeResources: {
        type: 'SPOT',
        allocationStrategy: 'SPOT_PRICE_CAPACITY_OPTIMIZED',
        minVcpus: 0,
        maxVcpus: args.maxVcpus,
        instanceTypes: batchInstanceTypes(args),
        instanceRole: profile.arn,
        subnets: args.subnetIds,
        securityGroupIds: [sg.id],
        ec2Configurations: [{ imageType: 'ECS_AL2023_NVIDIA' }],
        bidPercentage: 100,
      },
    },
    parent,
  );
  const queue = new aws.batch.JobQueue(
    `${name}-queue`,
    { state: 'ENABLED', priority: 1, computeEnvironmentOrders: [{ order: 1, computeEnvironment: computeEnvironment.arn }] },
    parent,
  );
  return { computeEnvironment, queue };
}

/**
 * One job definition per step. Every step runs `index` with the same options, so all compute the same run and skip
 * what is complete: a retried job resumes, and the last step concatenates the shards the array children embedded.
 */
function jobDefinitions(name: string, args: BatchRunnerArgs, jobRole: aws.iam.Role, parent: Parent) {
  const store = pulumi.interpolate`s3://${args.bucketName}/${args.prefix}`;
  const jobDefinition = (step: 'prepare' | 'embed' | 'finish', gpus: number) =>
    new aws.batch.JobDefinition(
      `${name}-${step}`,
      {
        type: 'container',
        platformCapabilities: ['EC2'],
        timeout: { attemptDurationSeconds: args.timeoutSeconds },
        retryStrategy: {
          attempts: 3,
          evaluateOnExits: [
            { onStatusReason: 'Host EC2*', action: 'RETRY' },
            { onReason: '*', action: 'EXIT' },
          ],
        },
        containerProperties: pulumi.all([args.image, jobRole.arn, store]).apply(([image, roleArn, s]) => {
          const index = [
            'index',
            '--corpus',
            args.corpusUri,
            '--store',
            s,
            '--output',
            '/tmp/index',
            '--yes',
            ...(args.requestUri ? ['--request', args.requestUri] : []),
          ];
          return JSON.stringify({
            image,
            jobRoleArn: roleArn,
            command: batchStepCommands(index, args.embedShards)[step],
            resourceRequirements: [{ type: 'VCPU', value: '4' }, { type: 'MEMORY', value: '15000' }, ...(gpus ? [{ type: 'GPU', value: String(gpus) }] : [])],
          });
        }),
      },
      parent,
    );
  return { prepare: jobDefinition('prepare', 0), embed: jobDefinition('embed', 1), finish: jobDefinition('finish', 1) };
}

/** The Step Functions state machine that runs the steps in order, with a role that may submit only these jobs. */
function pipelineStateMachine(name: string, args: BatchRunnerArgs, queue: aws.batch.JobQueue, jobs: BatchRunner['jobs'], parent: Parent) {
  const orchestrator = new aws.iam.Role(`${name}-pipeline-role`, { assumeRolePolicy: JSON.stringify(assumeRolePolicy('states.amazonaws.com')) }, parent);
  const { prepare, embed, finish } = jobs;
  new aws.iam.RolePolicy(
    `${name}-pipeline-submit`,
    {
      role: orchestrator.id,
      policy: pulumi.all([queue.arn, prepare.arn, embed.arn, finish.arn]).apply(([q, ...defs]) => JSON.stringify(batchOrchestratorPolicy(q, defs))),
    },
    parent,
  );
  return new aws.sfn.StateMachine(
    `${name}-pipeline`,
    {
      roleArn: orchestrator.arn,
      definition: pulumi
        .all([queue.arn, prepare.arn, embed.arn, finish.arn])
        .apply(([queueArn, p, e, f]) =>
          JSON.stringify(batchPipelineDefinition({ queueArn, prepare: p, embed: e, finish: f, shards: args.embedShards, timeoutSeconds: args.timeoutSeconds })),
        ),
    },
    parent,
  );
}

/**
 * Batch mode: an AWS Batch GPU compute environment (spot, capped at maxVcpus), a job queue, one job definition per
 * step (prepare; embed as an array job over shards; the rest), and a Step Functions state machine that runs the steps
 * in order (the schedule starts it; so can `aws stepfunctions start-execution`).
 */
export class BatchRunner extends pulumi.ComponentResource {
  readonly queue: aws.batch.JobQueue;
  readonly jobs: { prepare: aws.batch.JobDefinition; embed: aws.batch.JobDefinition; finish: aws.batch.JobDefinition };
  readonly pipeline: aws.sfn.StateMachine;
  readonly computeEnvironment: aws.batch.ComputeEnvironment;

  constructor(name: string, args: BatchRunnerArgs, opts?: pulumi.ComponentResourceOptions) {
    super('corpus-proximity:infra:BatchRunner', name, {}, opts);
    const parent = { parent: this };
    const { profile, jobRole } = roles(name, args, parent);
    ({ computeEnvironment: this.computeEnvironment, queue: this.queue } = gpuCompute(name, args, profile, parent));
    this.jobs = jobDefinitions(name, args, jobRole, parent);
    this.pipeline = pipelineStateMachine(name, args, this.queue, this.jobs, parent);
    this.registerOutputs({ queueArn: this.queue.arn, pipelineArn: this.pipeline.arn });
  }
}
