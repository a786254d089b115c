/**
 * `index --deploy-gpu` orchestration against a real local S3 server, with the two cloud-only parts faked: the stack
 * (its "instance" builds the index in-process against the bucket, like the boot script does) and the image push.
 * And the CLI's refusal without the Pulumi CLI.
 */
import { mkdir, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig, resolveCorpusSpec } from '../../pipeline/config.js';
import { corpusFingerprint, listCorpusFiles } from '../../pipeline/corpus/files.js';
import { silentReporter } from '../../pipeline/reporter.js';
import { deployAndBuild, s3CorpusBytes, type StackDriver } from '../../pipeline/runners/cloud.js';
import { readRunRequest, runRequest } from '../../pipeline/runners/request.js';
import { runPipeline } from '../../pipeline/runners/in-process.js';
import { s3Store } from '../../pipeline/store/s3.js';
import { STAGES } from '../../stages/table.js';
import { runCli } from '../helpers/cli.js';
import { tempDir, writeStagedCorpus } from '../helpers/corpus.js';
import { startS3rver, type S3Server } from '../helpers/s3rver.js';
import { writeTestEncoder } from '../helpers/onnx.js';

let server: S3Server;
let dir: string;
let cleanup: () => Promise<void>;
let corpus: string;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  server = await startS3rver(path.join(dir, 's3'), ['artifacts']);
  Object.assign(process.env, server.env);
  corpus = await writeStagedCorpus(dir);
});
afterAll(async () => {
  await server?.stop();
  await cleanup();
});

/** A stack whose compute, when up, behaves like the GPU instance: copy the corpus from S3, build against the bucket. */
function fakeStack(storeUrl: string, opts: { breakCorpus?: boolean } = {}) {
  const calls: Array<Record<string, unknown>> = [];
  const stack: StackDriver = {
    async up(settings) {
      calls.push(settings);
      if (settings.compute === true) {
        void (async () => {
          const store = await s3Store(storeUrl);
          const local = await mkdtemp(path.join(dir, 'instance-'));
          const prefix = String(settings.corpusUri).slice(storeUrl.length + 1);
          for (const key of await store.list(prefix)) {
            const dest = path.join(local, key.slice(prefix.length + 1));
            await mkdir(path.dirname(dest), { recursive: true });
            await writeFile(dest, opts.breakCorpus ? '{broken\n' : (await store.read(key))!);
          }
          const spec = resolveCorpusSpec({ path: local });
          const inputs = { corpus: spec, corpusFingerprint: corpusFingerprint((await listCorpusFiles(spec)).files), config: resolveConfig({}) };
          await runPipeline({ store, inputs, stages: STAGES }).catch(() => undefined);
        })();
      }
      return { store: storeUrl, repositoryUrl: '123456789012.dkr.ecr.us-east-1.amazonaws.com/stage' };
    },
  };
  return { stack, calls };
}

describe('index --deploy-gpu orchestration', () => {
  it('uploads the corpus, pushes the image, waits on the markers, syncs, then removes the compute', async () => {
    const { stack, calls } = fakeStack('s3://artifacts/deploy-a');
    const pushed: string[] = [];
    const out = path.join(dir, 'deployed');
    const r = await deployAndBuild({
      stack,
      images: { publish: async (repo, tag) => (pushed.push(`${repo}:${tag}`), `${repo}:${tag}`) },
      openStore: s3Store,
      corpus,
      request: runRequest(resolveCorpusSpec({ path: corpus }), 'lexical', resolveConfig({})),
      settings: { mode: 'single', minVram: 24 },
      imageTag: 't1',
      outputDir: out,
      keepRunning: false,
      timeoutMs: 120_000,
      pollMs: 100,
      reporter: silentReporter,
      stages: STAGES.map((s) => s.name),
    });
    expect(calls.map((c) => c.compute)).toEqual([false, true, false]);
    expect(calls[1]).toMatchObject({ corpusUri: 's3://artifacts/deploy-a/corpus/corpus', imageTag: 't1', minVram: 24 });
    expect(pushed).toEqual(['123456789012.dkr.ecr.us-east-1.amazonaws.com/stage:t1']);
    const manifest = JSON.parse(await readFile(path.join(out, 'manifest.json'), 'utf8'));
    expect(manifest.run_id).toBe(r.runId);
    expect(Object.keys(manifest.counts.per_stage).sort()).toEqual(['midtrain', 'pretrain', 'sft']); // folders kept in the upload
    // The run's time limit is derived from the corpus size: the uploaded bytes, or the listed bytes of an s3:// corpus.
    const { files } = await listCorpusFiles(resolveCorpusSpec({ path: corpus }));
    const local = files.reduce((n, f) => n + f.size, 0);
    expect(calls[1].corpusBytes).toBe(local);
    expect(await s3CorpusBytes(s3Store, String(calls[1].corpusUri))).toBe(local);
    expect(await s3CorpusBytes(s3Store, `${String(calls[1].corpusUri)}/sft/speeches.jsonl`)).toBe(
      (await stat(path.join(corpus, 'sft', 'speeches.jsonl'))).size,
    );
    expect(await s3CorpusBytes(s3Store, 's3://artifacts/deploy-a/nothing-here')).toBeNull();
  });

  it('a failed cloud run is a clear error, and the compute is removed anyway (unless --keep-running)', async () => {
    for (const keepRunning of [false, true]) {
      const { stack, calls } = fakeStack(`s3://artifacts/deploy-fail-${keepRunning}`, { breakCorpus: true });
      const err = await deployAndBuild({
        stack,
        images: { publish: async (repo, tag) => `${repo}:${tag}` },
        openStore: s3Store,
        corpus,
        request: runRequest(resolveCorpusSpec({ path: corpus }), 'lexical', resolveConfig({})),
        settings: {},
        imageTag: 't2',
        outputDir: path.join(dir, 'never'),
        keepRunning,
        timeoutMs: 120_000,
        pollMs: 100,
        reporter: silentReporter,
        stages: STAGES.map((s) => s.name),
      }).catch((e) => e);
      expect(err.message).toMatch(/the cloud run [0-9a-f]{16} failed in stage prepare: .*not valid JSON/);
      expect(calls.map((c) => c.compute)).toEqual(keepRunning ? [false, true] : [false, true, false]);
    }
  });

  it('ships a local ONNX model folder: uploaded to the bucket, read by the instance through --embedder onnx:s3://…', async () => {
    const model = path.join(dir, 'tiny-encoder');
    await writeTestEncoder(model, { maxTokens: 128 });
    const storeUrl = 's3://artifacts/deploy-m';
    const calls: Array<Record<string, unknown>> = [];
    // This instance runs the real CLI with the options the boot script would pass.
    const stack: StackDriver = {
      async up(settings) {
        calls.push(settings);
        if (settings.compute === true) {
          const args = ['--request', String(settings.requestUri)];
          const env = { ...server.env, XDG_CACHE_HOME: path.join(dir, 'instance-cache') };
          void runCli(['index', '--corpus', String(settings.corpusUri), '--store', storeUrl, '--output', path.join(dir, 'on-instance'), '--yes', ...args], {
            env,
          });
        }
        return { store: storeUrl, repositoryUrl: '123456789012.dkr.ecr.us-east-1.amazonaws.com/stage' };
      },
    };
    const out = path.join(dir, 'deployed-onnx');
    await deployAndBuild({
      stack,
      images: { publish: async (repo, tag) => `${repo}:${tag}` },
      openStore: s3Store,
      corpus,
      model,
      request: runRequest(resolveCorpusSpec({ path: corpus }), 'lexical', resolveConfig({ chunk: { maxTokens: 120 } })),
      settings: { mode: 'single' },
      imageTag: 't3',
      outputDir: out,
      keepRunning: false,
      timeoutMs: 180_000,
      pollMs: 200,
      reporter: silentReporter,
      stages: STAGES.map((s) => s.name),
    });
    // The instance got one URI: the run request in the bucket, with the uploaded model as its embedder.
    const requestUri = String(calls[1].requestUri);
    expect(requestUri).toMatch(/^s3:\/\/artifacts\/deploy-m\/requests\/[0-9a-f]{16}\.json$/);
    const sent = await readRunRequest(await s3Store(storeUrl), requestUri.slice(storeUrl.length + 1), requestUri);
    expect(sent.embedder).toBe('onnx:s3://artifacts/deploy-m/models/tiny-encoder');
    expect(sent.config.chunk.maxTokens).toBe(120);
    const manifest = JSON.parse(await readFile(path.join(out, 'manifest.json'), 'utf8'));
    expect(manifest.embedder.id).toBe('onnx:tiny-encoder');
    // The synced index annotates here with the local copy of the model (same fingerprint).
    const r = await runCli(['annotate', '--corpus-index', out, '--embedder', `onnx:${model}`], { input: '{"output":"The state of the Union is strong."}\n' });
    expect(r.code, r.stderr).toBe(0);
  });

  it('the CLI stops at once without the Pulumi CLI, saying how to install it', async () => {
    const r = await runCli(['index', '--corpus', corpus, '--output', path.join(dir, 'x'), '--deploy-gpu', '--yes'], {
      env: { PATH: path.dirname(process.execPath) },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--deploy-gpu needs the Pulumi CLI/);
    expect(r.stderr).toMatch(/hint: install it: .*get\.pulumi\.com/);
    expect(r.stderr).not.toContain('CORPUS REQUIREMENT WARNING');
  });
});
