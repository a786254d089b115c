/**
 * The shared artifact-store suite. Every driver runs it: the local-directory driver (test/unit/store.test.ts), the
 * S3 driver against a real local S3 server when it lands.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArtifactStore } from '../../pipeline/store/store.js';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

export function testStoreDriver(name: string, make: () => Promise<{ store: ArtifactStore; cleanup: () => Promise<void> }>) {
  describe(`artifact store driver: ${name}`, () => {
    let store: ArtifactStore;
    let cleanup: () => Promise<void>;
    beforeAll(async () => ({ store, cleanup } = await make()));
    afterAll(() => cleanup());

    it('returns null for a missing key (read, stream, stat)', async () => {
      expect(await store.read('a/missing.json')).toBeNull();
      expect(await store.readStream('a/missing.json')).toBeNull();
      expect(await store.stat('a/missing.json')).toBeNull();
    });

    it('writes and reads back, reporting size and sha256', async () => {
      const w = await store.write('runs/r1/x/data.txt', 'héllo');
      expect(w).toMatchObject({ key: 'runs/r1/x/data.txt', size: Buffer.byteLength('héllo'), sha256: sha('héllo') });
      expect((await store.read('runs/r1/x/data.txt'))!.toString('utf8')).toBe('héllo');
      const st = await store.stat('runs/r1/x/data.txt');
      expect(st?.size).toBe(w.size);
      expect(Math.abs(st!.modified!.getTime() - Date.now())).toBeLessThan(60_000);
    });

    it('streams a multi-part write and hashes the whole', async () => {
      const parts = ['a'.repeat(100_000), 'b'.repeat(50_000)];
      const w = await store.writeStream(
        'runs/r1/x/big.txt',
        (async function* () {
          yield* parts;
        })(),
      );
      expect(w.sha256).toBe(sha(parts.join('')));
      const chunks: Buffer[] = [];
      for await (const c of (await store.readStream('runs/r1/x/big.txt'))!) chunks.push(c as Buffer);
      expect(Buffer.concat(chunks).toString()).toBe(parts.join(''));
    });

    it('a failed streamed write leaves neither the object nor a visible temp file', async () => {
      const failing = (async function* () {
        yield 'partial';
        throw new Error('disk on fire');
      })();
      await expect(store.writeStream('runs/r1/x/broken.txt', failing)).rejects.toThrow(/disk on fire/);
      expect(await store.stat('runs/r1/x/broken.txt')).toBeNull();
      expect(await store.list('runs/r1/x')).not.toContain('runs/r1/x/broken.txt');
    });

    it('lists sorted keys under a prefix only', async () => {
      await store.write('runs/r2/a.json', '1');
      await store.write('runs/r2/sub/b.json', '2');
      await store.write('runs/r20/c.json', '3');
      expect(await store.list('runs/r2')).toEqual(['runs/r2/a.json', 'runs/r2/sub/b.json']);
      expect(await store.list('nothing/here')).toEqual([]);
    });

    it('copies and removes', async () => {
      const c = await store.copy('runs/r2/a.json', 'runs/r3/a.json');
      expect(c.sha256).toBe(sha('1'));
      await store.remove('runs/r3/a.json');
      await store.remove('runs/r3/never-existed.json');
      expect(await store.stat('runs/r3/a.json')).toBeNull();
    });

    it('refuses keys that could escape the store', async () => {
      await expect(store.write('../escape.txt', 'x')).rejects.toThrow(/unsafe/);
      await expect(store.read('a/../../etc/passwd')).rejects.toThrow(/unsafe/);
    });
  });
}
