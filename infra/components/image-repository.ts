import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

/** ECR repository for the stage image: scanned on push, immutable tags, only the newest images kept. */
export class ImageRepository extends pulumi.ComponentResource {
  readonly repository: aws.ecr.Repository;
  readonly url: pulumi.Output<string>;
  readonly arn: pulumi.Output<string>;

  constructor(name: string, args: { keepImages?: number } = {}, opts?: pulumi.ComponentResourceOptions) {
    super('corpus-proximity:infra:ImageRepository', name, {}, opts);
    this.repository = new aws.ecr.Repository(
      `${name}-repo`,
      { imageTagMutability: 'IMMUTABLE', imageScanningConfiguration: { scanOnPush: true }, encryptionConfigurations: [{ encryptionType: 'KMS' }] },
      { parent: this },
    );
    new aws.ecr.LifecyclePolicy(
      `${name}-keep-newest`,
      {
        repository: this.repository.name,
        policy: JSON.stringify({
          rules: [
            {
              rulePriority: 1,
              description: 'keep the newest images',
              selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: args.keepImages ?? 10 },
              action: { type: 'expire' },
            },
          ],
        }),
      },
      { parent: this },
    );
    this.url = this.repository.repositoryUrl;
    this.arn = this.repository.arn;
    this.registerOutputs({ url: this.url, arn: this.arn });
  }
}
