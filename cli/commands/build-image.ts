import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import Docker from 'dockerode';
import { z } from 'zod';
import { consoleReporter } from '../../pipeline/reporter.js';
import { buildStageImage } from '../../pipeline/runners/image.js';
import { parseOptions } from '../options.js';

export const DEFAULT_STAGE_IMAGE = 'corpus-proximity-stage:latest';
const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const BuildOptions = z.object({ tag: z.string().min(1), base: z.string().min(1).optional(), cuda: z.boolean().default(false), quiet: z.boolean().default(false) });

export function buildImageCommand(): Command {
  return new Command('build-image')
    .summary('build the stage image for --runner docker')
    .description(
      'Build images/stage.Dockerfile with the local Docker engine (DOCKER_HOST is honoured). The context holds the ' +
        'compiled CLI and the production dependencies of this checkout, so the build needs no registry beyond the base ' +
        'image. --base picks the base (default node:20-bookworm-slim). --cuda builds the CUDA variant on a base with ' +
        "Node 20 and the CUDA 12 runtime: it installs onnxruntime-node's CUDA execution provider (downloaded at build " +
        'time), for `--device cuda`.',
    )
    .option('--tag <name>', 'image name', DEFAULT_STAGE_IMAGE)
    .option('--base <image>', 'base image with Node 20')
    .option('--cuda', "install onnxruntime's CUDA 12 execution provider (target cuda; needs network and a CUDA base)")
    .option('-q, --quiet', 'no output')
    .addHelpText('after', '\nExamples:\n  $ corpus-proximity build-image\n  $ corpus-proximity build-image --cuda --base my-registry/node20-cuda12:latest --tag corpus-proximity-stage:cuda\n')
    .action(async (raw) => {
      const o = parseOptions(BuildOptions, raw, 'build-image');
      await buildStageImage(new Docker(), { root: PACKAGE_ROOT, tag: o.tag, base: o.base, cuda: o.cuda, reporter: consoleReporter({ quiet: o.quiet }) });
    });
}
