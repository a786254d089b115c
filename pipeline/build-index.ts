/** Local index build: corpus → run in a store (resumable) → CorpusIndex exported to an output folder. */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { CproxError } from './errors.js';
import { probeKey } from './store/keys.js';
import type { CorpusSpec, IndexConfig } from './config.js';
import { corpusFingerprint, listCorpusFiles } from './corpus/files.js';
import { assertReplaceable, exportIndex } from './corpus-index/export.js';
import { readIndexMarker } from './corpus-index/location.js';
import type { Manifest } from './corpus-index/format.js';
import type { Reporter } from './reporter.js';
import type Docker from 'dockerode';
import { runPipelineInDocker } from './runners/docker.js';
import { runPipeline } from './runners/in-process.js';
import type { RunInputs, Shard, StageDefinition } from './runners/stage.js';
import type { ArtifactStore } from './store/store.js';

export interface BuildResult {
  runId: string;
  /** null when the build stopped early (`until`, `shard`): no index was exported. */
  manifest: Manifest | null;
  outputDir: string;
  ran: string[];
}

/** Checks the corpus before anything is written: missing path, no matching files, unreadable files. */
export async function inspectCorpus(corpus: CorpusSpec) {
  const { files, skipped } = await listCorpusFiles(corpus);
  return { files, skipped, fingerprint: corpusFingerprint(files) };
}

/**
 * What would otherwise fail only after hours of work, checked before the first stage: the output folder (a file, or
 * a non-empty folder that is not an index, is refused; its parent must be writable) and the store (a write and a
 * removal, so bad credentials or a read-only folder show up now).
 */
export async function preflight(store: ArtifactStore, outputDir: string | null): Promise<void> {
  if (outputDir !== null) {
    const target = path.resolve(outputDir);
    await assertReplaceable(target);
    const parent = path.dirname(target);
    try {
      await mkdir(parent, { recursive: true });
      await access(parent, constants.W_OK);
    } catch (e) {
      throw new CproxError('BAD_INPUT', `--output ${outputDir}: cannot write in ${parent} (${(e as NodeJS.ErrnoException).code ?? String(e)})`, {
        hint: 'choose an --output in a folder you can write to',
      });
    }
  }
  const probe = probeKey(randomBytes(6).toString('hex'));
  await store.write(probe, '{}\n');
  await store.remove(probe);
}

/** Runs each stage in a container instead of in this process (see runners/docker.ts). */
export interface DockerRunnerChoice {
  docker: Docker;
  image: string;
  storeLocation: string;
  gpus: boolean;
}

export async function buildIndex(opts: {
  corpus: Readonly<CorpusSpec>;
  config: Readonly<IndexConfig>;
  store: ArtifactStore;
  outputDir: string;
  stages: readonly StageDefinition[];
  reporter: Reporter;
  docker?: DockerRunnerChoice;
  /** Stop after this stage; nothing is exported (a step of a Batch pipeline). */
  until?: string;
  /** With `until`: compute only this shard of that stage (a Batch array child). */
  shard?: Shard;
  /**
   * Runs the stages in this process some other way than calling runPipeline here, e.g. in a worker thread so the
   * main thread answers signals at once (stages/pipeline-worker.ts).
   */
  runStages?: (inputs: RunInputs) => Promise<{ runId: string; ran: string[] }>;
}): Promise<BuildResult> {
  const { fingerprint } = await inspectCorpus(opts.corpus);
  const exports = !opts.until || opts.until === opts.stages.at(-1)?.name;
  if (exports) await assertReplaceable(path.resolve(opts.outputDir)); // before any stage, not after all of them
  const inputs = { corpus: opts.corpus, corpusFingerprint: fingerprint, config: opts.config };
  const run = opts.docker
    ? await runPipelineInDocker({ ...opts.docker, store: opts.store, inputs, stages: opts.stages, reporter: opts.reporter })
    : opts.runStages
      ? await opts.runStages(inputs)
      : await runPipeline({ store: opts.store, inputs, stages: opts.stages, reporter: opts.reporter, until: opts.until, shard: opts.shard });
  const outputDir = path.resolve(opts.outputDir);
  if (opts.until && opts.until !== opts.stages.at(-1)?.name) return { runId: run.runId, manifest: null, outputDir, ran: run.ran };
  // The assemble marker says where the index is: a reused assemble stage points into the run that computed it.
  const { manifest } = await exportIndex(opts.store, await readIndexMarker(opts.store, run.runId), opts.outputDir);
  return { runId: run.runId, manifest, outputDir, ran: run.ran };
}
