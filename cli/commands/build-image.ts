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

const BuildOptions = z.object({ tag: z.string().min(1), base: z.string().min(1).optional(), quiet: z.boolean().default(false) });

export function buildImageCommand(): Command {
  return new Command('build-image')
    .summary('build the stage image for --runner docker')
    .description(
      'Build images/stage.Dockerfile with the local Docker engine (DOCKER_HOST is honoured). The context holds the ' +
        'compiled CLI and the production dependencies of this checkout, so the build needs no registry beyond the base ' +
        'image. --base picks the base (default node:20-bookworm-slim; a CUDA base for GPU machines).',
    )
    .option('--tag <name>', 'image name', DEFAULT_STAGE_IMAGE)
    .option('--base <image>', 'base image with Node 20')
    .option('-q, --quiet', 'no output')
    .action(async (raw) => {
      const o = parseOptions(BuildOptions, raw, 'build-image');
      await buildStageImage(new Docker(), { root: PACKAGE_ROOT, tag: o.tag, base: o.base, reporter: consoleReporter({ quiet: o.quiet }) });
    });
}
