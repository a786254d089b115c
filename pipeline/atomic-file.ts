/**
 * Writes a file atomically: a temp file next to it, renamed into place when complete, removed on failure.
 * Returns the size and sha256 of what was written. Used for user-facing outputs and by the fs store driver.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { access, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { constants } from 'node:fs';
import { CproxError } from './errors.js';
import path from 'node:path';
import { once } from 'node:events';

/** Temp files being written right now, so an interrupted process can remove them on its way out. */
const inFlight = new Set<string>();

/**
 * This machine (and container): hostname and boot id. A temp file's name carries it with the writer's pid, so a
 * later process on the same machine can tell a dead writer's file (pid gone) from a live one's; a file from another
 * machine or container is judged by its age instead.
 */
const HOST_TAG = createHash('sha256')
  .update(
    `${os.hostname()}\n${(() => {
      try {
        return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
      } catch {
        return '';
      }
    })()}`,
  )
  .digest('hex')
  .slice(0, 8);

/** A temp file no writer on another machine has touched for this long is abandoned (writers append continuously). */
export const FOREIGN_TEMP_MAX_AGE_MS = 60 * 60 * 1000;
/** `<target>.tmp-<host>-<pid>-<random>`, and the older `<target>.tmp-<pid>-<random>`. */
const TEMP_NAME = /\.tmp-(?:([0-9a-f]{8})-)?(\d+)-[0-9a-f]{8}$/;

export function tempPathFor(target: string): string {
  return `${target}.tmp-${HOST_TAG}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

export function isTempName(name: string): boolean {
  return TEMP_NAME.test(name);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // alive, owned by someone else
  }
}

/** Whether a temp file was left by a writer that is gone: same machine and its pid is dead, or old enough. */
export function isStaleTemp(name: string, mtimeMs: number, now = Date.now()): boolean {
  const m = TEMP_NAME.exec(name);
  if (!m) return false;
  if (m[1] === HOST_TAG) return Number(m[2]) !== process.pid && !pidAlive(Number(m[2]));
  return now - mtimeMs > FOREIGN_TEMP_MAX_AGE_MS;
}

/**
 * Removes stale temp files (see isStaleTemp) in `dir`, and below it with `recursive`; `namePrefix` limits it to
 * names that start with it (for shared folders such as the OS temp dir). Returns what was removed.
 */
export async function removeStaleTemps(dir: string, opts: { recursive?: boolean; namePrefix?: string } = {}): Promise<{ files: number; bytes: number }> {
  const removed = { files: 0, bytes: 0 };
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return removed;
  }
  for (const ent of entries) {
    const full = path.join(dir, ent.name);
    if (ent.isDirectory() && opts.recursive) {
      const r = await removeStaleTemps(full, opts);
      removed.files += r.files;
      removed.bytes += r.bytes;
      continue;
    }
    if (opts.namePrefix && !ent.name.startsWith(opts.namePrefix)) continue;
    if (!isTempName(ent.name)) continue;
    const st = await stat(full).catch(() => null);
    if (!st || !isStaleTemp(ent.name, st.mtimeMs)) continue;
    await rm(full, { force: true, recursive: true });
    removed.files++;
    removed.bytes += st.isFile() ? st.size : 0;
  }
  return removed;
}

/** Synchronously removes every temp file still being written (for SIGINT/SIGTERM handlers). */
export function removeTempFilesSync(): void {
  for (const tmp of inFlight) rmSync(tmp, { force: true, recursive: true });
  inFlight.clear();
}

/** Another thread's temp file, tracked here so this thread's interrupt handler removes it too. */
export function trackTempPath(tmp: string, writing: boolean): void {
  if (writing) inFlight.add(tmp);
  else inFlight.delete(tmp);
}

let onTempChange: ((tmp: string, writing: boolean) => void) | null = null;
/** In a worker thread: tell the main thread (which handles signals) about every temp file. */
export function reportTempPathsTo(listener: (tmp: string, writing: boolean) => void): void {
  onTempChange = listener;
}

/** Runs `work` with `tmp` registered as in flight. */
export async function withTempPath<T>(tmp: string, work: () => Promise<T>): Promise<T> {
  inFlight.add(tmp);
  onTempChange?.(tmp, true);
  try {
    return await work();
  } finally {
    inFlight.delete(tmp);
    onTempChange?.(tmp, false);
  }
}

export async function writeFileAtomic(
  file: string,
  parts: Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>,
  opts: { sweepStale?: boolean } = {},
): Promise<{ size: number; sha256: string }> {
  const target = path.resolve(file);
  await mkdir(path.dirname(target), { recursive: true });
  // An earlier killed write of this file (the fs store opts out: it is swept once per run instead).
  if (opts.sweepStale ?? true) await removeStaleTemps(path.dirname(target), { namePrefix: `${path.basename(target)}.tmp-` });
  const tmp = tempPathFor(target);
  return withTempPath(tmp, async () => {
    const hash = createHash('sha256');
    let size = 0;
    const out = createWriteStream(tmp);
    // A write still in flight when the parts fail errors once the stream is destroyed; that error is this one's echo.
    const stream: { error?: Error } = {};
    out.on('error', (e) => (stream.error ??= e));
    try {
      for await (const part of parts) {
        const buf = typeof part === 'string' ? Buffer.from(part, 'utf8') : part;
        hash.update(buf);
        size += buf.byteLength;
        if (!out.write(buf)) await once(out, 'drain');
      }
      out.end();
      await once(out, 'close');
      if (stream.error) throw stream.error;
      await rename(tmp, target);
    } catch (e) {
      if (!out.destroyed) {
        out.destroy();
        await once(out, 'close').catch(() => undefined);
      }
      await rm(tmp, { force: true });
      throw e;
    }
    return { size, sha256: hash.digest('hex') };
  });
}

/** Refuses an output file path that cannot be written (a folder, a folder not writable), before any work. */
export async function assertWritableFile(file: string, flag = '--output'): Promise<void> {
  const target = path.resolve(file);
  const st = await stat(target).catch(() => null);
  if (st?.isDirectory())
    throw new CproxError('BAD_INPUT', `${flag} ${file} is a folder`, { hint: `give ${flag} a file path, e.g. ${path.join(file, 'annotated.jsonl')}` });
  const parent = path.dirname(target);
  try {
    await mkdir(parent, { recursive: true });
    await access(parent, constants.W_OK);
  } catch (e) {
    throw new CproxError('BAD_INPUT', `${flag} ${file}: cannot write in ${parent} (${(e as NodeJS.ErrnoException).code ?? String(e)})`, {
      hint: `choose a ${flag} path in a folder you can write to`,
    });
  }
}
