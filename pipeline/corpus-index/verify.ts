/**
 * Integrity of a local CorpusIndex. `verifyIndex` hashes every file against the manifest (the `verify` command, the
 * end of `sync`). `checkIndexOnOpen` is annotate's cheap default: a file whose inode, size, mtime and ctime match
 * the stamp of its last full check is trusted; any other file is hashed before the index answers. Editing a file,
 * even in place with the same size, changes its ctime, which user space cannot set back.
 */
import { mkdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../atomic-file.js';
import { cacheRoot } from '../env.js';
import { CproxError } from '../errors.js';
import { sha256, sha256OfFile } from '../hash.js';
import { readCompleteMarker } from '../markers.js';
import { assertSafeRelativeKey, runKeys } from '../store/keys.js';
import type { ArtifactStore } from '../store/store.js';
import { INDEX_FILES, type Manifest } from './format.js';
import { indexLocation, INDEX_STAGE } from './location.js';

export interface VerifyReport {
  files: number;
  bytes: number;
  /** One line per file that does not match, e.g. `chunks.jsonl: sha256 differs from the manifest`. */
  problems: string[];
  /** The manifest against the assemble marker in the store: null when no store was given. */
  store: { checked: true; problem: string | null } | null;
}

const StampSchema = z.object({ dir: z.string(), manifest: z.string(), files: z.record(z.string(), z.tuple([z.number(), z.number(), z.number(), z.number()])) });
type Stamp = z.infer<typeof StampSchema>;
type FileId = Stamp['files'][string];

async function fileId(file: string): Promise<FileId | null> {
  const s = await stat(file, { bigint: false }).catch(() => null);
  return s ? [s.ino, s.size, s.mtimeMs, s.ctimeMs] : null;
}

const sameId = (a: FileId | undefined, b: FileId | null) => Boolean(a && b && a.every((v, i) => v === b[i]));

async function stampPath(dir: string): Promise<string> {
  return path.join(cacheRoot(), 'verified', `${sha256(await realpath(dir)).slice(0, 32)}.json`);
}

async function readStamp(dir: string): Promise<Stamp | null> {
  try {
    const parsed = StampSchema.safeParse(JSON.parse(await readFile(await stampPath(dir), 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Records that every file of the index in `dir` was just hashed and matched (best effort: a read-only cache is fine). */
export async function recordVerified(dir: string, manifestRaw: Buffer, manifest: Manifest): Promise<void> {
  const files: Stamp['files'] = {};
  for (const name of [...Object.keys(manifest.files), INDEX_FILES.manifest]) {
    const id = await fileId(path.join(dir, name));
    if (id) files[name] = id;
  }
  const stamp: Stamp = { dir: await realpath(dir), manifest: sha256(manifestRaw), files };
  try {
    const file = await stampPath(dir);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFileAtomic(file, [JSON.stringify(stamp)]);
  } catch {
    // No writable cache: the next open hashes again.
  }
}

/** First difference of one file from the manifest, or null. */
async function checkFile(dir: string, name: string, info: { size: number; sha256: string }): Promise<string | null> {
  const file = path.join(dir, ...assertSafeRelativeKey(name).split('/'));
  const s = await stat(file).catch(() => null);
  if (!s) return `${name} is missing`;
  if (s.size !== info.size) return `${name} has ${s.size} bytes, the manifest says ${info.size} (truncated or modified)`;
  const digest = await sha256OfFile(file);
  if (digest === null) return `${name} cannot be read`;
  return digest === info.sha256 ? null : `${name} does not match the sha256 in the manifest (corrupted or modified)`;
}

/** Hashes every file of the index against its manifest; with a store, checks the manifest against the assemble marker. */
export async function verifyIndex(
  dir: string,
  manifest: Manifest,
  opts: { store?: ArtifactStore; onFile?: (name: string, bytes: number) => void } = {},
): Promise<VerifyReport> {
  const manifestRaw = await readFile(path.join(dir, INDEX_FILES.manifest));
  const problems: string[] = [];
  let bytes = 0;
  for (const [name, info] of Object.entries(manifest.files)) {
    const problem = await checkFile(dir, name, info);
    if (problem) problems.push(problem);
    bytes += info.size;
    opts.onFile?.(name, info.size);
  }
  let storeCheck: VerifyReport['store'] = null;
  if (opts.store) storeCheck = { checked: true, problem: await manifestAgainstStore(opts.store, manifest, manifestRaw) };
  if (problems.length === 0) await recordVerified(dir, manifestRaw, manifest);
  return { files: Object.keys(manifest.files).length, bytes, problems, store: storeCheck };
}

async function manifestAgainstStore(store: ArtifactStore, manifest: Manifest, raw: Buffer): Promise<string | null> {
  const marker = await readCompleteMarker(store, runKeys(manifest.run_id), INDEX_STAGE);
  if (!marker) return `run ${manifest.run_id} (the manifest's run_id) has no complete assemble marker in ${store.url}`;
  const recorded = indexLocation(marker).manifest;
  return recorded.sha256 === sha256(raw) ? null : `manifest.json differs from the one run ${manifest.run_id} wrote to ${store.url} (modified after the build)`;
}

/**
 * Annotate's check before an index answers: files unchanged since their last full check cost one stat; any
 * other file is hashed. Throws BAD_INDEX naming the first file that does not match.
 */
export async function checkIndexOnOpen(dir: string, manifest: Manifest, onHash?: (name: string, bytes: number) => void): Promise<{ hashed: number }> {
  const manifestRaw = await readFile(path.join(dir, INDEX_FILES.manifest));
  const stamp = await readStamp(dir);
  const trusted = stamp?.manifest === sha256(manifestRaw) && sameId(stamp.files[INDEX_FILES.manifest], await fileId(path.join(dir, INDEX_FILES.manifest)));
  let hashed = 0;
  for (const [name, info] of Object.entries(manifest.files)) {
    const id = await fileId(path.join(dir, ...assertSafeRelativeKey(name).split('/')));
    if (trusted && sameId(stamp.files[name], id)) continue;
    onHash?.(name, info.size);
    const problem = await checkFile(dir, name, info);
    if (problem) {
      throw new CproxError('BAD_INDEX', `${dir} failed its integrity check: ${problem}`, {
        hint: 'rebuild or re-sync the index (`corpus-proximity sync` replaces it); `corpus-proximity verify --corpus-index DIR` lists every file that differs',
      });
    }
    hashed++;
  }
  if (hashed > 0 || !trusted) await recordVerified(dir, manifestRaw, manifest);
  return { hashed };
}
