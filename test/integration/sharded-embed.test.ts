/**
 * Batch scale-out through the CLI: `index --until prepare`, then embed shards as separate processes (as the children
 * of a Batch array job would, one of them missing), then the full `index`: it concatenates the finished shards,
 * embeds the missing one itself, and the index is byte-identical to an unsharded build.
 */
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir, writeStagedCorpus } from '../helpers/corpus.js';

let tmp: Awaited<ReturnType<typeof tempDir>>;
let corpus: string;
beforeAll(async () => {
  tmp = await tempDir();
  corpus = await writeStagedCorpus(tmp.dir);
});
afterAll(() => tmp.cleanup());

const index = (store: string, out: string, extra: string[] = [], env?: Record<string, string>) =>
  runCli(['index', '--corpus', corpus, '--store', path.join(tmp.dir, store), '--output', path.join(tmp.dir, out), '--yes', ...extra], { env });

describe('embed sharded over separate processes (Batch array job)', () => {
  it('prepare step, shards 0 and 2 of 3, then the full build: same index as an unsharded build', async () => {
    const plain = await index('store-plain', 'plain');
    expect(plain.code, plain.stderr).toBe(0);

    const prepare = await index('store-sharded', 'unused', ['--until', 'prepare']);
    expect(prepare.code, prepare.stderr).toBe(0);
    expect(prepare.stderr).toMatch(/Stopped after prepare: run [0-9a-f]{16}; ran prepare/);
    const run = /run ([0-9a-f]{16})/.exec(prepare.stderr)![1];

    const s0 = await index('store-sharded', 'unused', ['--shard', '0/3']);
    expect(s0.code, s0.stderr).toBe(0);
    expect(s0.stderr).toMatch(/✓ prepare: already complete/);
    expect(s0.stderr).toMatch(/embed shard 1 of 3/);
    // The array index comes from AWS Batch's environment.
    const s2 = await index('store-sharded', 'unused', ['--shard', 'batch/3'], { AWS_BATCH_JOB_ARRAY_INDEX: '2' });
    expect(s2.code, s2.stderr).toBe(0);
    expect(s2.stderr).toMatch(/embed shard 3 of 3/);
    expect(s2.stderr).toContain(`run ${run}`); // every step meets in the same run
    await expect(readdir(path.join(tmp.dir, 'unused'))).rejects.toThrow(); // steps export nothing

    const finish = await index('store-sharded', 'sharded');
    expect(finish.code, finish.stderr).toBe(0);
    expect(finish.stderr).toMatch(/2 of 3 shards already embedded; embedding shard\(s\) 2 here/);
    for (const f of ['embeddings.npy', 'chunks.jsonl', 'tree.json', 'clusters.json', 'chunk_clusters.u32', 'verbatim_shingles.u64']) {
      expect((await readFile(path.join(tmp.dir, 'sharded', f))).equals(await readFile(path.join(tmp.dir, 'plain', f))), f).toBe(true);
    }
  });

  it('refuses a bad shard with a clear message', async () => {
    const r = await index('store-bad', 'x', ['--shard', '3/3']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--shard 3\/3: shard index must be 0…2/);
    const b = await index('store-bad', 'x', ['--shard', 'batch/3'], { AWS_BATCH_JOB_ARRAY_INDEX: '' });
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/AWS_BATCH_JOB_ARRAY_INDEX is not set/);
    const c = await index('store-bad', 'x', ['--shard', '0/2', '--until', 'cluster']);
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/stage cluster cannot be sharded/);
  });
});
