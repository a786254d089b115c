import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { assumeRolePolicy, chooseInstanceType, runnerPolicy, userData, type InstanceRequirements } from '../policy.js';

export interface GpuRunnerArgs extends InstanceRequirements {
  /** Hard limit of the run (infra/policy.ts, runTimeLimitSeconds): `timeout` around `docker run`. */
  timeoutSeconds: number;
  bucketArn: pulumi.Input<string>;
  bucketName: pulumi.Input<string>;
  prefix: string;
  repositoryArn: pulumi.Input<string>;
  image: pulumi.Input<string>;
  corpusUri: string;
  region: string;
  keepRunning: boolean;
  /** Root volume size, GB (the original Python plan's container_disk). */
  diskGb: number;
  /** AMI with Docker and the NVIDIA container runtime; defaults to the newest AWS Deep Learning Base AMI. */
  amiId?: pulumi.Input<string>;
  subnetId?: pulumi.Input<string>;
  /** The run request the instance builds, if any. */
  requestUri?: string;
}

/**
 * Single-instance mode (the original Python plan's flow): one spot GPU instance whose boot script runs the whole pipeline against
 * S3 and powers off (→ terminated) unless keep_running. No inbound ports: reach it with SSM Session Manager.
 */
export class GpuRunner extends pulumi.ComponentResource {
  readonly instance: aws.ec2.Instance;
  readonly instanceType: string;

  constructor(name: string, args: GpuRunnerArgs, opts?: pulumi.ComponentResourceOptions) {
    super('corpus-proximity:infra:GpuRunner', name, {}, opts);
    const parent = { parent: this };
    const choice = chooseInstanceType(args);
    this.instanceType = choice.type;
    const role = new aws.iam.Role(`${name}-role`, { assumeRolePolicy: JSON.stringify(assumeRolePolicy('ec2.amazonaws.com')) }, parent);
    new aws.iam.RolePolicy(
      `${name}-artifacts`,
      {
        role: role.id,
        policy: pulumi.all([args.bucketArn, args.repositoryArn]).apply(([b, r]) => JSON.stringify(runnerPolicy(b, args.prefix, r, args.corpusUri))),
      },
      parent,
    );
    new aws.iam.RolePolicyAttachment(`${name}-ssm`, { role: role.name, policyArn: 'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore' }, parent);
    const profile = new aws.iam.InstanceProfile(`${name}-profile`, { role: role.name }, parent);
    const sg = new aws.ec2.SecurityGroup(
      `${name}-egress-only`,
      {
        description: 'corpus-proximity GPU runner: no inbound, HTTPS out',
        ingress: [],
        egress: [{ protocol: 'tcp', fromPort: 443, toPort: 443, cidrBlocks: ['0.0.0.0/0'] }],
      },
      parent,
    );
    const ami =
      args.amiId ??
      aws.ec2
        .getAmi(
          { mostRecent: true, owners: ['amazon'], filters: [{ name: 'name', values: ['Deep Learning Base OSS Nvidia Driver GPU AMI (Amazon Linux 2023)*'] }] },
          parent,
        )
        .then((a) => a.id);
    const store = pulumi.interpolate`s3://${args.bucketName}/${args.prefix}`;
    this.instance = new aws.ec2.Instance(
      `${name}-instance`,
      {
        ami,
        instanceType: choice.type,
        iamInstanceProfile: profile.name,
        vpcSecurityGroupIds: [sg.id],
        subnetId: args.subnetId,
        instanceInitiatedShutdownBehavior: args.keepRunning ? 'stop' : 'terminate',
        instanceMarketOptions: {
          marketType: 'spot',
          spotOptions: { maxPrice: args.maxPriceUsd?.toFixed(3), instanceInterruptionBehavior: 'terminate', spotInstanceType: 'one-time' },
        },
        metadataOptions: { httpTokens: 'required' },
        rootBlockDevice: { volumeSize: args.diskGb, volumeType: 'gp3', encrypted: true, deleteOnTermination: true },
        userData: pulumi.all([args.image, store]).apply(([image, s]) =>
          userData({
            region: args.region,
            image,
            store: s,
            corpusUri: args.corpusUri,
            keepRunning: args.keepRunning,
            gpus: true,
            requestUri: args.requestUri,
            timeoutSeconds: args.timeoutSeconds,
          }),
        ),
        tags: { Name: `${name}-corpus-proximity`, 'corpus-proximity:gpu': `${choice.gpu} ${choice.vramGb} GB` },
      },
      parent,
    );
    this.registerOutputs({ instanceId: this.instance.id, instanceType: this.instanceType });
  }
}
