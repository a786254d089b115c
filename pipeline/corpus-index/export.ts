/**
 * Copies a finished CorpusIndex out of a store into a local directory (used by `index` and `sync`). The index is
 * found through the run's assemble marker (a reused assemble stage points at the run that computed it), and the
 * manifest must be the one that marker recorded. Every key of
 * the manifest is checked before anything is written (no `..`, no absolute paths); files are downloaded into a
 * partial folder next to DIR (`DIR.partial-<run>`), each verified against the manifest's sha256; files already there
 * and verified are kept, so an interrupted sync resumes; the folder is renamed into place only when complete. DIR
 * is never half-written: an existing index there is replaced, any other non-empty folder is refused, and a failed
 * verification leaves DIR as it was.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline as streamPipeline } from 'node:stream/promises';
import { removeStaleTemps, tempPathFor, withTempPath } from '../atomic-file.js';
import { CproxError } from '../errors.js';
import { sha256, sha256OfFile } from '../hash.js';
import type { CompleteMarker } from '../markers.js';
import { assertSafeRelativeKey } from '../store/keys.js';
import type { ArtifactStore } from '../store/store.js';
import { INDEX_FILES, ManifestSchema, type Manifest } from './format.js';
import { indexLocation } from './location.js';
import { recordVerified } from './verify.js';

/** Refuses an output folder that holds something other than a corpus index (checked before a build starts, too). */
export async function assertReplaceable(dir: string): Promise<void> {
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

/** Downloads one file into `dest` (through a temp file), refusing it unless size and sha256 match. */
async function fetchVerified(store: ArtifactStore, key: string, rel: string, info: { size: number; sha256: string }, dest: string): Promise<void> {
  const src = await store.readStream(key);
  if (!src) throw new CproxError('BAD_INDEX', `index file ${rel} is missing from ${store.url}`, { hint: 're-run the index build' });
  await mkdir(path.dirname(dest), { recursive: true });
  const tmp = tempPathFor(dest);
  await withTempPath(tmp, async () => {
    const hash = createHash('sha256');
    let size = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        hash.update(chunk);
        size += chunk.length;
        cb(null, chunk);
      },
    });
    try {
      await streamPipeline(src, tap, createWriteStream(tmp));
      if (size !== info.size || hash.digest('hex') !== info.sha256) {
        throw new CproxError('BAD_INDEX', `index file ${rel} in ${store.url} does not match its manifest checksum (corrupted or modified)`, {
          hint: 'rebuild the index, or sync another run with --run',
        });
      }
      await rename(tmp, dest);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
  });
}

/** Moves `ready` to `target`, replacing an earlier index there. */
async function swapInto(ready: string, target: string): Promise<void> {
  const old = `${target}.old-${process.pid}`;
  let hadOld = false;
  try {
    await rename(target, old);
    hadOld = true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  await rename(ready, target);
  if (hadOld) await rm(old, { recursive: true, force: true });
}

export interface ExportResult {
  manifest: Manifest;
  downloaded: number;
  /** Files kept from an earlier, interrupted attempt. */
  resumed: number;
}

export async function exportIndex(store: ArtifactStore, marker: CompleteMarker, outDir: string, onFile?: (rel: string) => void): Promise<ExportResult> {
  const target = path.resolve(outDir);
  await assertReplaceable(target);
  const { dir: indexDir, manifest: recorded } = indexLocation(marker);
  const runId = marker.reusedFrom ?? marker.runId;
  const raw = await store.read(recorded.key);
  if (!raw) throw new CproxError('NOT_FOUND', `run ${runId} has no assembled index in ${store.url}`, { hint: 'see `corpus-proximity status --store …`' });
  if (raw.length !== recorded.size || sha256(raw) !== recorded.sha256) {
    throw new CproxError('BAD_INDEX', `the manifest of run ${runId} in ${store.url} differs from the one its assemble stage wrote (modified after the build)`, {
      hint: 'rebuild the index (`corpus-proximity index` re-runs assemble), or sync another run with --run',
    });
  }
  let manifest: Manifest;
  try {
    manifest = ManifestSchema.parse(JSON.parse(raw.toString('utf8')));
  } catch {
    throw new CproxError('BAD_INDEX', `the manifest of run ${runId} in ${store.url} is malformed`, { hint: 'rebuild the index' });
  }
  // Every key is checked before a single byte is written.
  const files = Object.entries(manifest.files).map(([name, info]) => {
    try {
      return { rel: assertSafeRelativeKey(name), info };
    } catch {
      throw new CproxError('BAD_INDEX', `refusing index file ${JSON.stringify(name)} of run ${runId}: it would be written outside ${target}`, {
        hint: 'the manifest was tampered with; do not use this run',
      });
    }
  });
  if (files.some((f) => f.rel === INDEX_FILES.manifest)) throw new CproxError('BAD_INDEX', `the manifest of run ${runId} lists itself`);
  await mkdir(path.dirname(target), { recursive: true });
  const partial = `${target}.partial-${runId}`;
  await mkdir(partial, { recursive: true });
  await removeStaleTemps(partial, { recursive: true }); // downloads of a killed earlier attempt
  let downloaded = 0;
  let resumed = 0;
  for (const { rel, info } of files) {
    const dest = path.join(partial, ...rel.split('/'));
    const have = await stat(dest).catch(() => null);
    if (have?.size === info.size && (await sha256OfFile(dest)) === info.sha256) {
      resumed++;
      continue;
    }
    await fetchVerified(store, `${indexDir}/${rel}`, rel, info, dest);
    downloaded++;
    onFile?.(rel);
  }
  await writeFile(path.join(partial, INDEX_FILES.manifest), raw);
  await swapInto(partial, target);
  await recordVerified(target, raw, manifest); // every file was just hashed: annotate need not hash it again
  return { manifest, downloaded, resumed };
}
