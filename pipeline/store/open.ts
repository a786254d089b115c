import os from 'node:os';
import path from 'node:path';
import { CproxError } from '../errors.js';
import { fsStore } from './fs.js';
import type { ArtifactStore } from './store.js';

/** Where local runs keep their stage artifacts unless --store says otherwise. */
export function defaultStoreDir(): string {
  if (process.env.CPROX_STORE) return process.env.CPROX_STORE;
  const cache = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cache, 'corpus-proximity', 'store');
}

/** Opens a store from a `--store` value: a directory path or `file://` URL (s3:// arrives with the cloud path). */
export function openStore(location: string): ArtifactStore {
  if (location.startsWith('s3://')) {
    throw new CproxError('BAD_INPUT', `S3 stores are not supported by this build: ${location}`, {
      hint: 'use a local directory for --store',
    });
  }
  if (location.startsWith('file://')) return fsStore(new URL(location).pathname);
  if (/^[a-z0-9]+:\/\//i.test(location)) {
    throw new CproxError('BAD_INPUT', `unknown store scheme in ${location}`, { hint: 'use a directory path' });
  }
  return fsStore(location);
}
