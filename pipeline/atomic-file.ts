/**
 * Writes a file atomically: a temp file next to it, renamed into place when complete, removed on failure.
 * Returns the size and sha256 of what was written. Used for user-facing outputs and by the fs store driver.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, rmSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';

/** Temp files being written right now, so an interrupted process can remove them on its way out. */
const inFlight = new Set<string>();

export function tempPathFor(target: string): string {
  return `${target}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** Synchronously removes every temp file still being written (for SIGINT/SIGTERM handlers). */
export function removeTempFilesSync(): void {
  for (const tmp of inFlight) rmSync(tmp, { force: true, recursive: true });
  inFlight.clear();
}

/** Runs `work` with `tmp` registered as in flight. */
export async function withTempPath<T>(tmp: string, work: () => Promise<T>): Promise<T> {
  inFlight.add(tmp);
  try {
    return await work();
  } finally {
    inFlight.delete(tmp);
  }
}

export async function writeFileAtomic(
  file: string,
  parts: Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>,
): Promise<{ size: number; sha256: string }> {
  const target = path.resolve(file);
  await mkdir(path.dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  return withTempPath(tmp, async () => {
    const hash = createHash('sha256');
    let size = 0;
    const out = createWriteStream(tmp);
    try {
      for await (const part of parts) {
        const buf = typeof part === 'string' ? Buffer.from(part, 'utf8') : part;
        hash.update(buf);
        size += buf.byteLength;
        if (!out.write(buf)) await once(out, 'drain');
      }
      out.end();
      await once(out, 'close');
      await rename(tmp, target);
    } catch (e) {
      out.destroy();
      await rm(tmp, { force: true });
      throw e;
    }
    return { size, sha256: hash.digest('hex') };
  });
}
