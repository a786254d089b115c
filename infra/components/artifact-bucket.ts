import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { lifecycleRules, tlsOnlyBucketPolicy } from '../policy.js';

export interface ArtifactBucketArgs {
  /** Key prefix the pipeline writes under (its IAM access is limited to it). */
  prefix: string;
  /** Runs older than this are deleted. */
  runsExpireDays?: number;
}

/** Private, encrypted, versioned, TLS-only bucket for stage artifacts, markers and indexes. */
export class ArtifactBucket extends pulumi.ComponentResource {
  readonly bucket: aws.s3.Bucket;
  readonly arn: pulumi.Output<string>;
  readonly name: pulumi.Output<string>;

  constructor(name: string, args: ArtifactBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super('corpus-proximity:infra:ArtifactBucket', name, {}, opts);
    const parent = { parent: this };
    this.bucket = new aws.s3.Bucket(`${name}-bucket`, { forceDestroy: false }, parent);
    const publicAccess = new aws.s3.BucketPublicAccessBlock(
      `${name}-public-access`,
      { bucket: this.bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
      parent,
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-sse`,
      { bucket: this.bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms' }, bucketKeyEnabled: true }] },
      parent,
    );
    new aws.s3.BucketVersioning(`${name}-versioning`, { bucket: this.bucket.id, versioningConfiguration: { status: 'Enabled' } }, parent);
    new aws.s3.BucketPolicy(
      `${name}-tls-only`,
      { bucket: this.bucket.id, policy: this.bucket.arn.apply((arn) => JSON.stringify(tlsOnlyBucketPolicy(arn))) },
      { parent: this, dependsOn: [publicAccess] },
    );
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-lifecycle`,
      { bucket: this.bucket.id, rules: lifecycleRules(args.prefix, args.runsExpireDays ?? 90) },
      parent,
    );
    this.arn = this.bucket.arn;
    this.name = this.bucket.bucket;
    this.registerOutputs({ arn: this.arn, name: this.name });
  }
}
