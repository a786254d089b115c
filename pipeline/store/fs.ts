/** Local-directory driver: keys are relative paths under `root`; writes go to a temp file, then rename. */
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Readable } from 'node:stream';
import { removeStaleTemps, tempPathFor, writeFileAtomic } from '../atomic-file.js';
import { CproxError } from '../errors.js';
import { sha256OfFile } from '../hash.js';
import { joinKey } from './keys.js';
import type { ArtifactStore, Body, WrittenObject } from './store.js';

function storeError(op: string, key: string, cause: unknown): CproxError {
  const msg = cause instanceof Error ? cause.message : String(cause);
  return new CproxError('STORE', `store ${op} ${key} failed: ${msg}`, { cause });
}

function isNotFound(e: unknown): boolean {
  return (e as NodeJS.ErrnoException)?.code === 'ENOENT' || (e as NodeJS.ErrnoException)?.code === 'ENOTDIR';
}

export function fsStore(rootDir: string): ArtifactStore {
  const root = path.resolve(rootDir);
  const file = (key: string) => path.join(root, ...joinKey(key).split('/'));

  async function writeParts(key: string, parts: Iterable<Body> | AsyncIterable<Body>): Promise<WrittenObject> {
    try {
      const { size, sha256 } = await writeFileAtomic(file(key), parts, { sweepStale: false });
      return { key: joinKey(key), size, sha256 };
    } catch (e) {
      throw e instanceof CproxError ? e : storeError('write', key, e);
    }
  }

  async function walk(dir: string, rel: string, out: string[]): Promise<void> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      if (isNotFound(e)) return;
      throw e;
    }
    for (const ent of entries) {
      const childRel = rel ? `${rel}/${ent.name}` : ent.name;
      if (ent.isDirectory()) await walk(path.join(dir, ent.name), childRel, out);
      else if (ent.isFile() && !ent.name.includes('.tmp-')) out.push(childRel);
    }
  }

  return {
    url: pathToFileURL(root).href,
    async read(key) {
      try {
        return await readFile(file(key));
      } catch (e) {
        if (isNotFound(e)) return null;
        throw storeError('read', key, e);
      }
    },
    async readStream(key): Promise<Readable | null> {
      const f = file(key);
      try {
        await stat(f);
      } catch (e) {
        if (isNotFound(e)) return null;
        throw storeError('read', key, e);
      }
      return createReadStream(f);
    },
    write(key, body) {
      return writeParts(key, [body]);
    },
    writeStream: writeParts,
    async stat(key) {
      try {
        const s = await stat(file(key));
        return s.isFile() ? { size: s.size, modified: s.mtime } : null;
      } catch (e) {
        if (isNotFound(e)) return null;
        throw storeError('stat', key, e);
      }
    },
    async list(prefix) {
      const p = prefix.replace(/\/+$/, '');
      const out: string[] = [];
      await walk(p ? file(p) : root, p, out);
      return out.sort();
    },
    async remove(key) {
      await rm(file(key), { force: true });
    },
    sweep: () => removeStaleTemps(root, { recursive: true }),
    async copy(from, to) {
      const target = file(to);
      await mkdir(path.dirname(target), { recursive: true });
      const tmp = tempPathFor(target);
      try {
        await copyFile(file(from), tmp);
        await rename(tmp, target);
      } catch (e) {
        await rm(tmp, { force: true });
        throw storeError('copy', `${from} → ${to}`, e);
      }
      const sha256 = await sha256OfFile(target);
      if (sha256 === null) throw storeError('copy', `${from} → ${to}`, new Error('copy is unreadable'));
      const { size } = await stat(target);
      return { key: joinKey(to), size, sha256 };
    },
  };
}
