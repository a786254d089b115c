/**
 * Copies a finished CorpusIndex out of a store into a local directory: files go to a temporary sibling folder,
 * are verified against the manifest's sha256, and the folder is renamed into place at the end, so DIR never
 * holds a half-written index. An existing index at DIR is replaced; any other non-empty folder is refused.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline as streamPipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { tempPathFor, withTempPath } from '../atomic-file.js';
import { CproxError } from '../errors.js';
import { assertSafeRelativeKey, type RunKeys } from '../store/keys.js';
import type { ArtifactStore } from '../store/store.js';
import { INDEX_FILES, ManifestSchema, type Manifest } from './format.js';

async function assertReplaceable(dir: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') throw new CproxError('BAD_INPUT', `--output ${dir} is a file`, { hint: 'choose a directory path' });
    throw e;
  }
  if (entries.length > 0 && !entries.includes(INDEX_FILES.manifest)) {
    throw new CproxError('BAD_INPUT', `--output ${dir} is a non-empty folder that is not a corpus index`, {
      hint: 'choose a new or empty directory (an existing index there would be replaced)',
    });
  }
}

/** Streams every manifest file of the run's index into `dir`, checking each sha256 on the way. */
async function copyVerified(store: ArtifactStore, keys: RunKeys, manifest: Manifest, raw: Buffer, dir: string): Promise<void> {
  for (const [name, info] of Object.entries(manifest.files)) {
    const rel = assertSafeRelativeKey(name);
    const dest = path.join(dir, ...rel.split('/'));
    await mkdir(path.dirname(dest), { recursive: true });
    const src = await store.readStream(keys.indexFile(rel));
    if (!src) throw new CproxError('BAD_INDEX', `index file ${rel} is missing from ${store.url}`);
    const hash = createHash('sha256');
    const tap = new Transform({
      transform(chunk, _enc, cb) {
        hash.update(chunk);
        cb(null, chunk);
      },
    });
    await streamPipeline(src, tap, createWriteStream(dest));
    if (hash.digest('hex') !== info.sha256 || (await stat(dest)).size !== info.size) {
      throw new CproxError('BAD_INDEX', `index file ${rel} does not match its manifest checksum`, { hint: 're-run the index build' });
    }
  }
  await writeFile(path.join(dir, INDEX_FILES.manifest), raw);
}

/** Moves `tmp` to `target`, replacing an earlier index there. */
async function swapInto(tmp: string, target: string): Promise<void> {
  const old = `${target}.old-${process.pid}`;
  let hadOld = false;
  try {
    await rename(target, old);
    hadOld = true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  await rename(tmp, target);
  if (hadOld) await rm(old, { recursive: true, force: true });
}

export async function exportIndex(store: ArtifactStore, keys: RunKeys, outDir: string): Promise<Manifest> {
  const target = path.resolve(outDir);
  await assertReplaceable(target);
  const raw = await store.read(keys.indexFile(INDEX_FILES.manifest));
  if (!raw) throw new CproxError('NOT_FOUND', `run ${keys.runId} has no assembled index in ${store.url}`);
  const manifest = ManifestSchema.parse(JSON.parse(raw.toString('utf8')));
  await mkdir(path.dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  await withTempPath(tmp, async () => {
    try {
      await copyVerified(store, keys, manifest, raw, tmp);
      await swapInto(tmp, target);
    } catch (e) {
      await rm(tmp, { recursive: true, force: true });
      throw e;
    }
  });
  return manifest;
}
