/**
 * The S3 driver against a real local S3 server: the shared store suite, then a whole index build with
 * --store s3://… through the CLI and annotate on the result.
 */
import { copyFile, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3Store } from '../../pipeline/store/s3.js';
import { runCli } from '../helpers/cli.js';
import { tempDir, writeStagedCorpus, writeYearsCorpus } from '../helpers/corpus.js';
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

  it('a rewritten stage output on S3 (same size, new entity tag) is not reused: the stage re-runs, the index is unchanged', async () => {
    const corpus = path.join(dir, 'corpus.jsonl');
    const out = path.join(dir, 'index-etag');
    const before = JSON.parse(await readFile(path.join(dir, 'index', 'manifest.json'), 'utf8'));
    const store = await s3Store('s3://artifacts/team/corpus-a');
    const key = `runs/${before.run_id}/prepare/chunks/part-00000.jsonl`;
    const original = (await store.read(key))!;
    const flipped = Buffer.from(original);
    flipped[100] ^= 0x20;
    await store.write(key, flipped);
    const r = await runCli(['index', '--corpus', corpus, '--output', out, '--store', 's3://artifacts/team/corpus-a', '--yes'], { env: server.env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: prepare: .*part-00000\.jsonl was rewritten after its marker \(entity tag .*re-running the stage/);
    expect(r.stderr).toMatch(/▸ prepare:/);
    expect(JSON.parse(await readFile(path.join(out, 'manifest.json'), 'utf8')).files).toEqual(before.files);
    expect((await store.read(key))!.equals(original)).toBe(true);
  });

  it('status lists the run and its stages; sync downloads it verified; annotate works on the copy', async () => {
    const status = await runCli(['status', '--store', 's3://artifacts/team/corpus-a'], { env: server.env });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/^run [0-9a-f]{16} {2}complete/m);
    for (const stage of ['prepare', 'embed', 'ann', 'cluster', 'name', 'assemble']) expect(status.stdout).toMatch(new RegExp(`  ${stage} +complete`));
    const synced = path.join(dir, 'synced');
    const r = await runCli(['sync', '--store', 's3://artifacts/team/corpus-a', '--output', synced], { env: server.env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/synced run [0-9a-f]{16}: \d+ file\(s\) downloaded, 0 kept/);
    expect(await readFile(path.join(synced, 'manifest.json'), 'utf8')).toBe(await readFile(path.join(dir, 'index', 'manifest.json'), 'utf8'));
    const a = await runCli(['annotate', '--corpus-index', synced], { input: '{"output":"The Congress must act."}\n' });
    expect(a.code, a.stderr).toBe(0);
  });

  it('sync refuses a corrupted object and leaves --output untouched', async () => {
    const store = await s3Store('s3://artifacts/team/corpus-a');
    const runId = (await store.list('runs')).find((k) => k.endsWith('_PIPELINE_COMPLETE.json'))!.split('/')[1];
    const key = `runs/${runId}/assemble/index/tree.json`;
    const original = (await store.read(key))!;
    await store.write(key, Buffer.concat([original.subarray(0, 10), Buffer.from('X'), original.subarray(11)]));
    try {
      const out = path.join(dir, 'corrupt');
      const r = await runCli(['sync', '--store', 's3://artifacts/team/corpus-a', '--output', out], { env: server.env });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/index file tree\.json .* does not match its manifest checksum/);
      await expect(readdir(out)).rejects.toThrow();
    } finally {
      await store.write(key, original);
    }
  });

  it('sync refuses a manifest key that escapes --output, writing nothing', async () => {
    const store = await s3Store('s3://artifacts/team/corpus-a');
    const runId = (await store.list('runs')).find((k) => k.endsWith('_PIPELINE_COMPLETE.json'))!.split('/')[1];
    const manifest = JSON.parse((await store.read(`runs/${runId}/assemble/index/manifest.json`))!.toString());
    const evil = 'abcdefabcdefabcd';
    manifest.files['../evil.txt'] = { size: 4, sha256: '0'.repeat(64) };
    const forged = await store.write(`runs/${evil}/assemble/index/manifest.json`, JSON.stringify(manifest));
    // Whoever can write the store can forge the assemble marker too: the key check must still hold.
    const marker = JSON.parse((await store.read(`runs/${runId}/assemble/_COMPLETE.json`))!.toString());
    marker.runId = evil;
    marker.outputs = [forged];
    await store.write(`runs/${evil}/assemble/_COMPLETE.json`, JSON.stringify(marker));
    await store.write(`runs/${evil}/_PIPELINE_COMPLETE.json`, JSON.stringify({ runId: evil, finishedAt: '2000-01-01T00:00:00.000Z' }));
    const out = path.join(dir, 'victim', 'index');
    const r = await runCli(['sync', '--store', 's3://artifacts/team/corpus-a', '--output', out, '--run', evil], { env: server.env });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/refusing index file "\.\.\/evil\.txt"/);
    expect(await readdir(path.join(dir, 'victim')).catch(() => [])).toEqual([]);
  });

  it('an interrupted sync resumes with the files it already verified', async () => {
    const out = path.join(dir, 'resumed');
    const first = await runCli(['sync', '--store', 's3://artifacts/team/corpus-a', '--output', path.join(dir, 'template')], { env: server.env });
    expect(first.code, first.stderr).toBe(0);
    const runId = /synced run ([0-9a-f]{16})/.exec(first.stderr)![1];
    // Simulate the state a killed sync leaves: some verified files in the partial folder, one truncated.
    const partial = `${out}.partial-${runId}`;
    await mkdir(partial, { recursive: true });
    for (const f of ['embeddings.npy', 'chunks.jsonl']) await copyFile(path.join(dir, 'template', f), path.join(partial, f));
    await writeFile(path.join(partial, 'tree.json'), '{"truncated');
    const r = await runCli(['sync', '--store', 's3://artifacts/team/corpus-a', '--output', out], { env: server.env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/, 2 kept from an earlier attempt/);
    expect(await readFile(path.join(out, 'tree.json'), 'utf8')).toBe(await readFile(path.join(dir, 'template', 'tree.json'), 'utf8'));
    await expect(readdir(partial)).rejects.toThrow();
  });

  it('--corpus s3://… is copied to the local cache first, keeping the stage folders', async () => {
    const local = await writeStagedCorpus(path.join(dir, 'to-upload'));
    const bucket = await s3Store('s3://artifacts/corpora/staged');
    for (const stage of ['pretrain', 'midtrain', 'sft']) {
      await bucket.write(`${stage}/speeches.jsonl`, await readFile(path.join(local, stage, 'speeches.jsonl')));
    }
    const out = path.join(dir, 'from-s3-corpus');
    const env = { ...server.env, XDG_CACHE_HOME: path.join(dir, 'cache') };
    const r = await runCli(['index', '--corpus', 's3://artifacts/corpora/staged', '--output', out, '--store', path.join(dir, 'store-s3corpus'), '--yes'], {
      env,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/corpus s3:\/\/artifacts\/corpora\/staged → .*cache\/corpus-proximity\/corpora\/artifacts\/corpora\/staged/);
    const manifest = JSON.parse(await readFile(path.join(out, 'manifest.json'), 'utf8'));
    expect(Object.keys(manifest.counts.per_stage).sort()).toEqual(['midtrain', 'pretrain', 'sft']);
    // Another machine (here: an emptied cache) copies the corpus afresh, gets the objects' times, so the same run:
    // what lets the jobs of a Batch pipeline meet in one run.
    await rm(path.join(dir, 'cache'), { recursive: true });
    const again = await runCli(['index', '--corpus', 's3://artifacts/corpora/staged', '--output', out, '--store', path.join(dir, 'store-s3corpus'), '--yes'], {
      env,
    });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(`prepare: already complete (run ${manifest.run_id})`);
    const missing = await runCli(
      ['index', '--corpus', 's3://artifacts/corpora/nothing-here', '--output', path.join(dir, 'y'), '--store', path.join(dir, 'store-s3corpus'), '--yes'],
      { env },
    );
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nothing at s3:\/\/artifacts\/corpora\/nothing-here/);
  });

  it('a bucket that does not exist is a clear store error', async () => {
    const r = await runCli(
      ['index', '--corpus', path.join(dir, 'corpus.jsonl'), '--output', path.join(dir, 'x'), '--store', 's3://no-such-bucket/p', '--yes'],
      { env: server.env },
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/error: store .* failed: NoSuchBucket/);
    expect(r.stderr).toMatch(/hint: check AWS credentials/);
  });
});
