/** Writes a user-facing output file atomically: a temp file next to it, renamed into place when complete. */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';

export async function writeFileAtomic(file: string, parts: Iterable<string> | AsyncIterable<string>): Promise<void> {
  const target = path.resolve(file);
  await mkdir(path.dirname(target), { recursive: true });
  const tmp = `${target}.tmp-${process.pid}-${randomBytes(3).toString('hex')}`;
  const out = createWriteStream(tmp);
  try {
    for await (const part of parts) if (!out.write(part)) await once(out, 'drain');
    out.end();
    await once(out, 'close');
    await rename(tmp, target);
  } catch (e) {
    out.destroy();
    await rm(tmp, { force: true });
    throw e;
  }
}
