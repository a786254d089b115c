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
  /** Shards the embed array job splits the corpus into. */
  embedShards: number;
}

/**
 * Scale-out mode: an AWS Batch GPU compute environment (spot, capped at maxVcpus), a job queue, and job definitions
 * for the stages: embed as an array job over corpus shards, then cluster → name as dependent jobs (submitted with
 * dependsOn by the scheduler or the CLI).
 */
export class BatchRunner extends pulumi.ComponentResource {
  readonly queue: aws.batch.JobQueue;
  readonly jobDefinitions: Record<'prepare' | 'embed' | 'cluster' | 'name', aws.batch.JobDefinition>;
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
    const definition = (stage: 'prepare' | 'embed' | 'cluster' | 'name', gpu: boolean, vcpus: number, memoryMb: number) =>
      new aws.batch.JobDefinition(
        `${name}-${stage}`,
        {
          type: 'container',
          platformCapabilities: ['EC2'],
          retryStrategy: { attempts: 3, evaluateOnExits: [{ onStatusReason: 'Host EC2*', action: 'RETRY' }, { onReason: '*', action: 'EXIT' }] },
          containerProperties: pulumi.all([args.image, jobRole.arn, store]).apply(([image, roleArn, s]) =>
            JSON.stringify({
              image,
              jobRoleArn: roleArn,
              command: ['stage', stage, '--store', s],
              environment: stage === 'embed' ? [{ name: 'CPROX_EMBED_SHARDS', value: String(args.embedShards) }] : [],
              resourceRequirements: [
                { type: 'VCPU', value: String(vcpus) },
                { type: 'MEMORY', value: String(memoryMb) },
                ...(gpu ? [{ type: 'GPU', value: '1' }] : []),
              ],
            }),
          ),
        },
        parent,
      );
    this.jobDefinitions = {
      prepare: definition('prepare', false, 2, 7000),
      embed: definition('embed', true, 4, 15000),
      cluster: definition('cluster', false, 4, 15000),
      name: definition('name', false, 2, 7000),
    };
    this.registerOutputs({ queueArn: this.queue.arn });
  }
}
