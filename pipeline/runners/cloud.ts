/**
 * `index --deploy-gpu`: the original Python plan's deploy flow with Pulumi. (1) create the bucket and the image repository,
 * (2) upload a local corpus (and ONNX model folder) to the bucket, (3) build and push the stage image, (4) bring up the GPU instance, which
 * builds the index against the bucket and powers off, (5) follow the run's markers in S3 with progress, (6) sync the
 * index to --output, (7) remove the compute (keeping bucket and repository) unless --keep-running, also on failure.
 * The stack and the image push are interfaces, so the orchestration is tested against a local S3 server with fakes;
 * production uses the Pulumi Automation API (pulumiStack) and dockerode + ECR (ecrPublisher).
 */
import { spawnSync } from 'node:child_process';
import { readdir, realpath, stat } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { exportIndex, type ExportResult } from '../corpus-index/export.js';
import { readIndexMarker } from '../corpus-index/location.js';
import { CproxError } from '../errors.js';
import type { Reporter } from '../reporter.js';
import { joinKey } from '../store/keys.js';
import type { ArtifactStore } from '../store/store.js';
import { writeRunRequest, type RunRequest } from './request.js';
import { runStatuses } from './status.js';

export interface StackDriver {
  /** Applies the stack with these `corpus-proximity:*` settings and returns its outputs. */
  up(settings: Record<string, string | number | boolean>): Promise<Record<string, unknown>>;
}

export interface ImagePublisher {
  /** Builds the stage image and pushes it as `repositoryUrl:tag`; returns the pushed reference. */
  publish(repositoryUrl: string, tag: string): Promise<string>;
}

export interface DeployOptions {
  stack: StackDriver;
  images: ImagePublisher;
  openStore(url: string): Promise<ArtifactStore>;
  /** A local file/folder (uploaded) or s3://… */
  corpus: string;
  /** An ONNX model folder for `--embedder onnx:…`: local (uploaded under `<prefix>/models/`) or s3://… */
  model?: string;
  /** What the instance builds: written to the bucket as a run request (its embedder set here, once the model is uploaded). */
  request: RunRequest;
  settings: Record<string, string | number | boolean>;
  imageTag: string;
  outputDir: string;
  keepRunning: boolean;
  timeoutMs: number;
  pollMs?: number;
  reporter: Reporter;
  stages: readonly string[];
}

/** Stops at once when the Pulumi CLI (which the Automation API drives) is missing. */
export function ensurePulumiCli(): void {
  const r = spawnSync('pulumi', ['version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new CproxError('NOT_FOUND', '--deploy-gpu needs the Pulumi CLI, which is not installed (or not on PATH)', {
      hint: 'install it: curl -fsSL https://get.pulumi.com | sh (see https://www.pulumi.com/docs/iac/download-install/), then `pulumi login`',
    });
  }
}

/** Files under `dir`, following symlinked files and folders (a folder reached twice, e.g. by a loop, once). */
async function* walk(dir: string, rel = '', seen = new Set<string>()): AsyncGenerator<string> {
  const real = await realpath(dir);
  if (seen.has(real)) return;
  seen.add(real);
  for (const e of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.name.startsWith('.')) continue;
    const r = rel ? `${rel}/${e.name}` : e.name;
    const target = e.isSymbolicLink() ? await stat(path.join(dir, e.name)) : e;
    if (target.isDirectory()) yield* walk(path.join(dir, e.name), r, seen);
    else if (target.isFile()) yield r;
  }
}

/**
 * Bytes of an s3:// corpus (a folder, or one object) from the listing's object sizes: what the run's time limit is
 * derived from when nothing is uploaded. Null when nothing is there (the run itself reports that).
 */
export async function s3CorpusBytes(openStore: DeployOptions['openStore'], uri: string): Promise<number | null> {
  const folder = await openStore(uri);
  const keys = await folder.list('');
  if (keys.length === 0) {
    const slash = uri.lastIndexOf('/');
    return (await (await openStore(uri.slice(0, slash))).stat(uri.slice(slash + 1)))?.size ?? null;
  }
  let bytes = 0;
  for (let i = 0; i < keys.length; i += 32) {
    const sizes = await Promise.all(keys.slice(i, i + 32).map(async (k) => (await folder.stat(k))?.size ?? 0));
    bytes += sizes.reduce((a, b) => a + b, 0);
  }
  return bytes;
}

/**
 * Uploads a local corpus (or model folder) under `<prefix>/<area>/<name>/` and returns its s3:// URI (folder layout,
 * hence stages, kept).
 */
async function uploadFolder(
  store: ArtifactStore,
  storeUrl: string,
  corpus: string,
  area: 'corpus' | 'models',
  reporter: Reporter,
): Promise<{ uri: string; bytes: number }> {
  const st = await stat(corpus).catch(() => null);
  if (!st)
    throw new CproxError('NOT_FOUND', `${area === 'corpus' ? 'corpus' : 'model'} path does not exist: ${corpus}`, {
      hint: 'pass a local folder/file or an s3:// URI',
    });
  const name = path.basename(path.resolve(corpus)).replace(/[^A-Za-z0-9._-]/g, '_');
  const files = st.isDirectory() ? [] : [path.basename(corpus)];
  if (st.isDirectory()) for await (const f of walk(corpus)) files.push(f);
  const progress = reporter.progress(`upload ${area === 'corpus' ? 'corpus' : 'model'}`, files.length, 'files');
  let bytes = 0;
  for (const f of files) {
    const local = st.isDirectory() ? path.join(corpus, f) : corpus;
    bytes += (await stat(local)).size;
    await store.writeStream(
      joinKey(area, name, ...f.split('/').map((s) => s.replace(/[^A-Za-z0-9._-]/g, '_'))),
      createReadStream(local) as AsyncIterable<Uint8Array>,
    );
    progress.tick();
  }
  progress.done();
  return { uri: `${storeUrl}/${area}/${name}${st.isDirectory() ? '' : `/${files[0]}`}`, bytes };
}

/** Waits until a run that finished after `since` is complete (returns its id) or one has failed (throws). */
async function waitForRun(store: ArtifactStore, o: DeployOptions, since: number): Promise<string> {
  const deadline = Date.now() + o.timeoutMs;
  let last = '';
  for (;;) {
    const runs = await runStatuses(store, o.stages);
    const done = runs.find((r) => r.state === 'complete' && r.finishedAt && Date.parse(r.finishedAt) >= since);
    if (done) return done.runId;
    const failed = runs.find((r) => r.state === 'failed' && r.stages.some((s) => s.state === 'failed' && s.finishedAt && Date.parse(s.finishedAt) >= since));
    if (failed) {
      const stage = failed.stages.find((s) => s.state === 'failed')!;
      throw new CproxError('STAGE_FAILED', `the cloud run ${failed.runId} failed in stage ${stage.stage}: ${stage.error}`, {
        hint: 'see /var/log/corpus-proximity.log on the instance (--keep-running keeps it)',
      });
    }
    const current = runs.find((r) => r.state === 'incomplete');
    const line = current ? current.stages.map((s) => `${s.stage} ${s.state}`).join(', ') : 'waiting for the instance to start';
    if (line !== last) o.reporter.info(`  ${line}`);
    last = line;
    if (Date.now() > deadline) {
      throw new CproxError('STAGE_FAILED', `no finished run after ${Math.round(o.timeoutMs / 60000)} min`, {
        hint: 'check the instance (--keep-running), or raise --timeout',
      });
    }
    await new Promise((r) => setTimeout(r, o.pollMs ?? 30_000));
  }
}

export async function deployAndBuild(o: DeployOptions): Promise<ExportResult & { runId: string }> {
  const { reporter } = o;
  reporter.info('▸ deploy: bucket and image repository');
  const base = await o.stack.up({ ...o.settings, compute: false, corpusUri: o.corpus.startsWith('s3://') ? o.corpus : 's3://pending/corpus' });
  const storeUrl = String(base.store);
  const store = await o.openStore(storeUrl);
  const uploaded = o.corpus.startsWith('s3://') ? null : await uploadFolder(store, storeUrl, o.corpus, 'corpus', reporter);
  const corpusUri = uploaded?.uri ?? o.corpus;
  const modelUri = !o.model || o.model.startsWith('s3://') ? o.model : (await uploadFolder(store, storeUrl, o.model, 'models', reporter)).uri;
  // The run's hard time limit follows the corpus size (infra/policy.ts, runTimeLimitSeconds) unless maxRunHours is set.
  const corpusBytes = uploaded ? uploaded.bytes : await s3CorpusBytes((url) => o.openStore(url), corpusUri);
  const settings = {
    ...o.settings,
    ...(corpusBytes !== null ? { corpusBytes } : {}),
    requestUri: `${storeUrl}/${await writeRunRequest(store, { ...o.request, embedder: modelUri ? `onnx:${modelUri}` : 'lexical' })}`,
  };
  reporter.info(`▸ deploy: stage image → ${String(base.repositoryUrl)}:${o.imageTag}`);
  await o.images.publish(String(base.repositoryUrl), o.imageTag);
  const since = Date.now();
  try {
    reporter.info('▸ deploy: GPU compute');
    await o.stack.up({ ...settings, compute: true, corpusUri, imageTag: o.imageTag });
    reporter.info(`▸ deploy: waiting for the run in ${storeUrl}`);
    const runId = await waitForRun(store, o, since);
    reporter.info(`▸ deploy: syncing run ${runId}`);
    const result = await exportIndex(store, await readIndexMarker(store, runId), o.outputDir);
    return { ...result, runId };
  } finally {
    if (o.keepRunning) reporter.info('  --keep-running: the compute stays up (run again without it to remove it)');
    else {
      reporter.info('▸ deploy: removing the compute (bucket and repository stay)');
      await o.stack.up({ ...settings, compute: false, corpusUri });
    }
  }
}
