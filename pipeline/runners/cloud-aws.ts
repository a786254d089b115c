/** The production halves of `--deploy-gpu`: the Pulumi Automation API stack and the ECR image push. */
import type Docker from 'dockerode';
import { CproxError } from '../errors.js';
import type { Reporter } from '../reporter.js';
import type { ImagePublisher, StackDriver } from './cloud.js';
import { buildStageImage } from './image.js';

/** The stack in `workDir` (Pulumi.yaml → infra/), selected or created, driven through the Automation API. */
export async function pulumiStack(o: { workDir: string; stackName: string; region: string; reporter: Reporter }): Promise<StackDriver> {
  let automation: typeof import('@pulumi/pulumi/automation/index.js');
  try {
    automation = await import('@pulumi/pulumi/automation/index.js');
  } catch {
    throw new CproxError('NOT_FOUND', '--deploy-gpu needs @pulumi/pulumi and @pulumi/aws, which this installation lacks', {
      hint: 'run it from a checkout of corpus-proximity after `npm ci` (the infra program lives in infra/)',
    });
  }
  const stack = await automation.LocalWorkspace.createOrSelectStack({ stackName: o.stackName, workDir: o.workDir });
  await stack.setConfig('aws:region', { value: o.region });
  return {
    async up(settings) {
      await stack.setAllConfig(Object.fromEntries(Object.entries(settings).map(([k, v]) => [`corpus-proximity:${k}`, { value: String(v) }])));
      const r = await stack.up({ onOutput: (line: string) => o.reporter.info(line.trimEnd()) });
      return Object.fromEntries(Object.entries(r.outputs).map(([k, v]) => [k, (v as { value: unknown }).value]));
    },
  };
}

/** Builds the stage image locally and pushes it to ECR with a token from the AWS credentials chain. */
export function ecrPublisher(o: { docker: Docker; root: string; region: string; base?: string; cuda?: boolean; reporter: Reporter }): ImagePublisher {
  return {
    async publish(repositoryUrl, tag) {
      const ref = `${repositoryUrl}:${tag}`;
      await buildStageImage(o.docker, { root: o.root, tag: ref, base: o.base, cuda: o.cuda, reporter: o.reporter });
      const { ECRClient, GetAuthorizationTokenCommand } = await import('@aws-sdk/client-ecr');
      const auth = (await new ECRClient({ region: o.region }).send(new GetAuthorizationTokenCommand({}))).authorizationData?.[0];
      if (!auth?.authorizationToken) throw new CproxError('STORE', 'ECR returned no authorization token', { hint: 'check the AWS credentials' });
      const [username, password] = Buffer.from(auth.authorizationToken, 'base64').toString('utf8').split(':');
      const stream = await o.docker.getImage(ref).push({ authconfig: { username, password, serveraddress: auth.proxyEndpoint } });
      const events: Array<{ error?: string }> = await new Promise((resolve, reject) =>
        o.docker.modem.followProgress(stream, (err: Error | null, res: Array<{ error?: string }>) => (err ? reject(err) : resolve(res))),
      );
      const failed = events.find((e) => e.error);
      if (failed) throw new CproxError('STORE', `pushing ${ref} failed: ${failed.error}`);
      o.reporter.info(`pushed ${ref}`);
      return ref;
    },
  };
}
