/**
 * Builds the stage image (images/stage.Dockerfile) through dockerode from a context assembled here: the compiled
 * CLI, the naming prompts, package.json and the production dependencies only, so no registry is needed.
 */
import { execFileSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { CproxError } from '../errors.js';
import type { Reporter } from '../reporter.js';

/** Production dependency folders (paths under node_modules), from npm's own view of the tree. */
function productionPackages(root: string): string[] {
  const out = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return out
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.includes(`${path.sep}node_modules${path.sep}`))
    .map((l) => path.relative(root, l));
}

export async function stageImageContext(root: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cprox-image-'));
  const app = path.join(dir, 'app');
  await mkdir(app, { recursive: true });
  for (const rel of ['dist', 'bin', 'package.json', path.join('stages', 'name', 'prompts')]) {
    await cp(path.join(root, rel), path.join(app, rel), { recursive: true });
  }
  // The image is Linux: native binaries for other systems (220 MB of onnxruntime's alone) stay out of it.
  const linuxOnly = (src: string) => !/[\\/](darwin|win32)([-\\/]|$)/.test(path.relative(root, src));
  for (const rel of productionPackages(root)) await cp(path.join(root, rel), path.join(app, rel), { recursive: true, filter: linuxOnly });
  await cp(path.join(root, 'images', 'stage.Dockerfile'), path.join(dir, 'Dockerfile'));
  return dir;
}

/** `cuda` builds the Dockerfile's cuda target, whose installer downloads onnxruntime's CUDA provider (network needed). */
/** The stage image `build-image` tags and `index --runner docker` runs, unless told otherwise. */
export const DEFAULT_STAGE_IMAGE = 'corpus-proximity-stage:latest';

export async function buildStageImage(docker: Docker, opts: { root: string; tag: string; base?: string; cuda?: boolean; reporter: Reporter }): Promise<void> {
  const context = await stageImageContext(opts.root);
  try {
    const stream = await docker.buildImage(
      { context, src: ['Dockerfile', 'app'] },
      {
        t: opts.tag,
        target: opts.cuda ? 'cuda' : 'cpu',
        buildargs: opts.base ? { BASE: opts.base } : {},
        ...(opts.cuda ? {} : { networkmode: 'none' }),
      },
    );
    const events: Array<{ stream?: string; error?: string }> = await new Promise((resolve, reject) =>
      docker.modem.followProgress(stream, (err: Error | null, res: Array<{ stream?: string; error?: string }>) => (err ? reject(err) : resolve(res))),
    );
    const failed = events.find((e) => e.error);
    if (failed) throw new CproxError('STAGE_FAILED', `building ${opts.tag} failed: ${failed.error}`, { hint: 'is the base image (--base) present locally?' });
    opts.reporter.info(`built ${opts.tag}${opts.cuda ? ' (CUDA)' : ''}${opts.base ? ` on ${opts.base}` : ''}`);
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}
