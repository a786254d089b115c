/** Stale temp files: a dead writer's on this machine go at once, a live writer's stay, another machine's go after an hour. */
import { spawn, spawnSync } from 'node:child_process';
import { readdir, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FOREIGN_TEMP_MAX_AGE_MS, removeStaleTemps, tempPathFor } from '../../pipeline/atomic-file.js';
import { tempDir } from '../helpers/corpus.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await tempDir()));
afterAll(() => cleanup());

/** This machine's temp name for `target`, as if written by process `pid`. */
const asWrittenBy = (target: string, pid: number) => tempPathFor(target).replace(/-(\d+)-([0-9a-f]{8})$/, `-${pid}-$2`);

describe('removeStaleTemps', () => {
  it('removes a dead writer’s file, keeps a live one’s, and judges other machines’ files by age', async () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadPid = Number(dead.stdout);
    const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      const deadFile = asWrittenBy(path.join(dir, 'a.npy'), deadPid);
      const liveFile = asWrittenBy(path.join(dir, 'b.npy'), live.pid!);
      const foreignOld = path.join(dir, 'c.npy.tmp-0badc0de-123-abcdef01');
      const foreignNew = path.join(dir, 'd.npy.tmp-0badc0de-123-abcdef02');
      const notTemp = path.join(dir, 'e.tmp-notes.txt');
      for (const f of [deadFile, liveFile, foreignOld, foreignNew, notTemp]) await writeFile(f, 'x'.repeat(10));
      const old = new Date(Date.now() - FOREIGN_TEMP_MAX_AGE_MS - 60_000);
      await utimes(foreignOld, old, old);
      const removed = await removeStaleTemps(dir);
      expect(removed).toEqual({ files: 2, bytes: 20 });
      expect((await readdir(dir)).sort()).toEqual([liveFile, foreignNew, notTemp].map((f) => path.basename(f)).sort());
    } finally {
      live.kill();
    }
  });
});
