/**
 * The S3 driver against a real local S3 server: the shared store suite, then a whole index build with
 * --store s3://… through the CLI and annotate on the result.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3Store } from '../../pipeline/store/s3.js';
import { runCli } from '../helpers/cli.js';
import { tempDir, writeYearsCorpus } from '../helpers/corpus.js';
import { startS3rver, type S3Server } from '../helpers/s3rver.js';
import { testStoreDriver } from '../helpers/store-suite.js';

let server: S3Server;
let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  server = await startS3rver(path.join(dir, 's3'), ['artifacts']);
  Object.assign(process.env, server.env);
});
afterAll(async () => {
  await server?.stop();
  await cleanup();
});

testStoreDriver('s3 (s3rver)', async () => ({ store: await s3Store('s3://artifacts/suite'), cleanup: async () => {} }));

describe('index with --store s3://', () => {
  it('runs the whole pipeline against S3, resumes from S3 markers, and the index annotates', async () => {
    const corpus = await writeYearsCorpus(dir, 1930, 1940);
    const out = path.join(dir, 'index');
    const args = ['index', '--corpus', corpus, '--output', out, '--store', 's3://artifacts/team/corpus-a', '--yes'];
    const r = await runCli(args, { env: server.env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/AWS SDK for JavaScript/); // the Node 20 notice stays out of the output
    const store = await s3Store('s3://artifacts/team/corpus-a');
    const keys = await store.list('runs');
    expect(keys.some((k) => k.endsWith('/embed/_COMPLETE.json'))).toBe(true);
    expect(keys.some((k) => k.endsWith('/_PIPELINE_COMPLETE.json'))).toBe(true);
    const manifest = JSON.parse(await readFile(path.join(out, 'manifest.json'), 'utf8'));
    expect(manifest.counts.chunks).toBeGreaterThan(50);

    const again = await runCli(args, { env: server.env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/✓ assemble: already complete/);

    const a = await runCli(['annotate', '--corpus-index', out], { input: '{"output":"The Congress must act."}\n' });
    expect(a.code, a.stderr).toBe(0);
  });

  it('a bucket that does not exist is a clear store error', async () => {
    const r = await runCli(['index', '--corpus', path.join(dir, 'corpus.jsonl'), '--output', path.join(dir, 'x'), '--store', 's3://no-such-bucket/p', '--yes'], { env: server.env });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/error: store .* failed: NoSuchBucket/);
    expect(r.stderr).toMatch(/hint: check AWS credentials/);
  });
});
