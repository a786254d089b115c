import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { assumeRolePolicy, batchInstanceTypes, runnerPolicy, type InstanceRequirements } from '../policy.js';

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
  indexArgs?: string[];
}

/**
 * Batch mode: an AWS Batch GPU compute environment (spot, capped at maxVcpus), a job queue and a job definition that
 * runs the pipeline against the bucket (the schedule submits it).
 */
export class BatchRunner extends pulumi.ComponentResource {
  readonly queue: aws.batch.JobQueue;
  readonly pipeline: aws.batch.JobDefinition;
  readonly computeEnvironment: aws.batch.ComputeEnvironment;

  constructor(name: string, args: BatchRunnerArgs, opts?: pulumi.ComponentResourceOptions) {
    super('corpus-proximity:infra:BatchRunner', name, {}, opts);
    const parent = { parent: this };
    const instanceRole = new aws.iam.Role(`${name}-instance-role`, { assumeRolePolicy: JSON.stringify(assumeRolePolicy('ec2.amazonaws.com')) }, parent);
    new aws.iam.RolePolicyAttachment(`${name}-ecs-instance`, { role: instanceRole.name, policyArn: 'arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role' }, parent);
    const profile = new aws.iam.InstanceProfile(`${name}-instance-profile`, { role: instanceRole.name }, parent);
    const jobRole = new aws.iam.Role(`${name}-job-role`, { assumeRolePolicy: JSON.stringify(assumeRolePolicy('ecs-tasks.amazonaws.com')) }, parent);
    new aws.iam.RolePolicy(
      `${name}-job-artifacts`,
      { role: jobRole.id, policy: pulumi.all([args.bucketArn, args.repositoryArn]).apply(([b, r]) => JSON.stringify(runnerPolicy(b, args.prefix, r))) },
      parent,
    );
    const sg = new aws.ec2.SecurityGroup(
      `${name}-egress-only`,
      { description: 'corpus-proximity batch: no inbound, HTTPS out', ingress: [], egress: [{ protocol: 'tcp', fromPort: 443, toPort: 443, cidrBlocks: ['0.0.0.0/0'] }] },
      parent,
    );
    this.computeEnvironment = new aws.batch.ComputeEnvironment(
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
    this.queue = new aws.batch.JobQueue(
      `${name}-queue`,
      { state: 'ENABLED', priority: 1, computeEnvironmentOrders: [{ order: 1, computeEnvironment: this.computeEnvironment.arn }] },
      parent,
    );
    const store = pulumi.interpolate`s3://${args.bucketName}/${args.prefix}`;
    // The whole pipeline as one GPU job (`index` against the bucket); stages already complete are skipped, so a
    // retried or rescheduled job resumes. Per-stage jobs with embed as an array over shards are not built yet.
    this.pipeline = new aws.batch.JobDefinition(
      `${name}-pipeline`,
      {
        type: 'container',
        platformCapabilities: ['EC2'],
        retryStrategy: { attempts: 3, evaluateOnExits: [{ onStatusReason: 'Host EC2*', action: 'RETRY' }, { onReason: '*', action: 'EXIT' }] },
        containerProperties: pulumi.all([args.image, jobRole.arn, store]).apply(([image, roleArn, s]) =>
          JSON.stringify({
            image,
            jobRoleArn: roleArn,
            command: ['index', '--corpus', args.corpusUri, '--store', s, '--output', '/tmp/index', '--yes', ...(args.indexArgs ?? [])],
            resourceRequirements: [
              { type: 'VCPU', value: '4' },
              { type: 'MEMORY', value: '15000' },
              { type: 'GPU', value: '1' },
            ],
          }),
        ),
      },
      parent,
    );
    this.registerOutputs({ queueArn: this.queue.arn });
  }
}
