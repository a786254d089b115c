/**
 * --runner docker in real containers: the stage image built by `build-image` on a locally made base, one container
 * per stage of the table, a local store and an S3 store, and a stage that fails.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir, writeYearsCorpus } from '../helpers/corpus.js';
import { buildNodeBaseImage, startEngine, type Engine } from '../helpers/docker.js';
import { startS3rver, type S3Server } from '../helpers/s3rver.js';

const engine: Engine | null = await startEngine();
const required = process.env.CPROX_REQUIRE_DOCKER === '1';
if (!engine && !required) console.warn('docker tests skipped: no Docker engine (install docker.io, or set DOCKER_HOST)');

describe.skipIf(!engine && !required)('--runner docker', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let corpus: string;
  let env: Record<string, string>;
  const image = 'cprox-stage:test';

  beforeAll(async () => {
    expect(engine, 'CPROX_REQUIRE_DOCKER=1 but no Docker engine could be reached or started').not.toBeNull();
    ({ dir, cleanup } = await tempDir());
    corpus = await writeYearsCorpus(dir, 1930, 1937);
    env = engine!.env;
    await buildNodeBaseImage(engine!.docker, 'cprox-node-base:test');
    const built = await runCli(['build-image', '--base', 'cprox-node-base:test', '--tag', image], { env });
    expect(built.code, built.stderr).toBe(0);
  }, 300_000);
  afterAll(async () => {
    await cleanup?.();
    await engine?.stop();
  });

  it('runs every stage in its own container with a local store; the index matches an in-process build', async () => {
    const store = path.join(dir, 'store-docker');
    const out = path.join(dir, 'index-docker');
    const r = await runCli(['index', '--corpus', corpus, '--output', out, '--store', store, '--yes', '--runner', 'docker', '--image', image], { env });
    expect(r.code, r.stderr).toBe(0);
    for (const stage of ['prepare', 'embed', 'ann', 'cluster', 'name', 'assemble']) expect(r.stderr).toMatch(new RegExp(`^\\[${stage}\\] ▸ ${stage}:`, 'm'));
    const left = await engine!.docker.listContainers({ all: true, filters: { label: ['corpus-proximity.stage'] } });
    expect(left).toEqual([]);
    const local = path.join(dir, 'index-local');
    const l = await runCli(['index', '--corpus', corpus, '--output', local, '--store', path.join(dir, 'store-local'), '--yes', '-q']);
    expect(l.code, l.stderr).toBe(0);
    const m = async (d: string) => JSON.parse(await readFile(path.join(d, 'manifest.json'), 'utf8'));
    expect((await m(out)).files).toEqual((await m(local)).files);
  });

  it('a stage that fails in its container is a typed error with _FAILED.json and a non-zero exit', async () => {
    const bad = path.join(dir, 'bad.jsonl');
    await writeFile(bad, '{"text":"fine"}\n{oops\n');
    const store = path.join(dir, 'store-bad');
    const r = await runCli(['index', '--corpus', bad, '--output', path.join(dir, 'x'), '--store', store, '--yes', '--runner', 'docker', '--image', image], {
      env,
    });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/error: stage prepare failed in its container \(exit 2\): .*bad\.jsonl:2: not valid JSON/);
    const status = await runCli(['status', '--store', store]);
    expect(status.stdout).toMatch(/prepare +failed: .*not valid JSON/);
  });

  it('runs against an S3 store (the local S3 server) in containers', async () => {
    const s3: S3Server = await startS3rver(path.join(dir, 's3'), ['artifacts']);
    try {
      const out = path.join(dir, 'index-s3');
      const r = await runCli(
        ['index', '--corpus', corpus, '--output', out, '--store', 's3://artifacts/docker', '--yes', '--runner', 'docker', '--image', image],
        { env: { ...env, ...s3.env } },
      );
      expect(r.code, r.stderr).toBe(0);
      const status = await runCli(['status', '--store', 's3://artifacts/docker', '--json'], { env: s3.env });
      expect(JSON.parse(status.stdout)[0].state).toBe('complete');
    } finally {
      await s3.stop();
    }
  });
});
