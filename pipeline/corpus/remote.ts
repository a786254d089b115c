/**
 * Folders in S3, used where a local path is expected: a corpus (`--corpus s3://bucket/path`) or an ONNX model
 * (`--embedder onnx:s3://bucket/path`) is copied to a local cache folder first (files already there with the same
 * size are kept). Folder layout, hence stages, is preserved. Each copy takes its object's last-modified time, so
 * every machine that copies the same corpus computes the same corpus fingerprint, hence the same run (the jobs of a
 * Batch pipeline meet in one run this way).
 */
import { stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { cacheRoot } from '../env.js';
import { writeFileAtomic } from '../atomic-file.js';
import { CproxError } from '../errors.js';
import type { Reporter } from '../reporter.js';
import { parseS3Url, s3Store } from '../store/s3.js';

export type RemoteKind = 'corpora' | 'models';

export function remoteCacheDir(kind: RemoteKind): string {
  return path.join(cacheRoot(), kind);
}

export function materializeCorpus(uri: string, reporter: Reporter): Promise<string> {
  return materializeS3(uri, reporter, 'corpora');
}

/** The local copy of an s3:// folder (or single object); a local path is returned as it is. */
export async function materializeS3(uri: string, reporter: Reporter, kind: RemoteKind, cacheRoot = remoteCacheDir(kind)): Promise<string> {
  if (!uri.startsWith('s3://')) return uri;
  const what = kind === 'corpora' ? 'corpus' : 'model';
  const { bucket, prefix } = parseS3Url(uri);
  const folder = await s3Store(`s3://${bucket}/${prefix}`);
  let keys = await folder.list('');
  let parent = folder;
  let local = path.join(cacheRoot, bucket, ...prefix.split('/'));
  if (keys.length === 0) {
    // Not a folder: maybe one object.
    const dir = prefix.split('/').slice(0, -1).join('/');
    const name = prefix.split('/').pop()!;
    parent = await s3Store(`s3://${bucket}${dir ? `/${dir}` : ''}`);
    if (!(await parent.stat(name))) throw new CproxError('NOT_FOUND', `nothing at ${uri}`, { hint: `pass an s3:// folder or file that holds the ${what}` });
    keys = [name];
    local = path.join(cacheRoot, bucket, ...dir.split('/').filter(Boolean));
  }
  const progress = reporter.progress(`download ${what}`, keys.length, 'files');
  for (const key of keys) {
    const dest = path.join(local, ...key.split('/'));
    const remote = await parent.stat(key);
    const have = await stat(dest).catch(() => null);
    if (!(have && remote && have.size === remote.size)) {
      const stream = await parent.readStream(key);
      if (!stream) throw new CproxError('NOT_FOUND', `${uri}: ${key} disappeared while copying`);
      await writeFileAtomic(dest, stream as AsyncIterable<Uint8Array>);
    }
    if (remote?.modified && have?.mtime.getTime() !== remote.modified.getTime()) await utimes(dest, remote.modified, remote.modified);
    progress.tick();
  }
  progress.done();
  reporter.info(`${what} ${uri} → ${keys.length === 1 && parent !== folder ? path.join(local, keys[0]) : local}`);
  return keys.length === 1 && parent !== folder ? path.join(local, keys[0]) : local;
}
