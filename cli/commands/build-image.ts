import { Command } from 'commander';
import { consoleReporter } from '../../pipeline/reporter.js';
import { buildStageImage } from '../../pipeline/runners/image.js';
import { addOptions, parseOptions } from '../options/register.js';
import { BUILD_IMAGE_OPTIONS } from '../options/table.js';
import { PACKAGE_ROOT } from '../../pipeline/package-root.js';
import { newDocker } from '../../pipeline/runners/docker.js';

export function buildImageCommand(): Command {
  return addOptions(
    new Command('build-image')
      .summary('build the stage image for --runner docker')
      .description(
        'Build images/stage.Dockerfile with the local Docker engine (DOCKER_HOST is honoured). The context holds the ' +
          'compiled CLI and the production dependencies of this checkout, so the build needs no registry beyond the base ' +
          'image. --base picks the base (default node:20-bookworm-slim). --cuda builds the CUDA variant on a base with ' +
          "Node 20 and the CUDA 12 runtime: it installs onnxruntime-node's CUDA execution provider (downloaded at build " +
          'time), for `--device cuda`.',
      ),
    BUILD_IMAGE_OPTIONS,
  )
    .addHelpText(
      'after',
      '\nExamples:\n  $ corpus-proximity build-image\n  $ corpus-proximity build-image --cuda --base my-registry/node20-cuda12:latest --tag corpus-proximity-stage:cuda\n',
    )
    .action(async (raw) => {
      const o = parseOptions('build-image', BUILD_IMAGE_OPTIONS, raw);
      await buildStageImage(await newDocker(), { root: PACKAGE_ROOT, tag: o.tag, base: o.base, cuda: o.cuda, reporter: consoleReporter({ quiet: o.quiet }) });
    });
}
