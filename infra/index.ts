/** Pulumi entry point (Pulumi.yaml `main: infra/`): an ESM program's default export returns the stack outputs. */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { createStack, readStackConfig } from './program.js';

export default () => {
  const region = new pulumi.Config('aws').get('region') ?? aws.config.region ?? 'us-east-1';
  return createStack(readStackConfig(), region);
};
