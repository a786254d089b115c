/** Pulumi entry point (Pulumi.yaml `main: infra/`): an ESM program's default export returns the stack outputs. */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { createStack, readStackConfig } from './program.js';
import { env } from '../pipeline/env.js';

export default () => {
  const region = new pulumi.Config('aws').get('region') ?? aws.config.region ?? env().awsRegion;
  return createStack(readStackConfig(), region);
};
