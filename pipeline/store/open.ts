import path from 'node:path';
import { env } from '../env.js';
import { CproxError } from '../errors.js';
import { fsStore } from './fs.js';
import type { ArtifactStore } from './store.js';

/** Where local runs keep their stage artifacts unless --store says otherwise. */
export function defaultStoreDir(): string {
  const { store, cacheRoot } = env();
  return store ?? path.join(cacheRoot, 'store');
}

/** Opens a store from a `--store` value: a directory path, a `file://` URL, or `s3://bucket/prefix`. */
export async function openStore(location: string): Promise<ArtifactStore> {
  if (location.startsWith('s3://')) {
    const { s3Store } = await import('./s3.js'); // the AWS SDK loads only on the S3 path
    return s3Store(location);
  }
  if (location.startsWith('file://')) return fsStore(new URL(location).pathname);
  if (/^[a-z0-9]+:\/\//i.test(location)) {
    throw new CproxError('BAD_INPUT', `unknown store scheme in ${location}`, { hint: 'use a directory path' });
  }
  return fsStore(location);
}
