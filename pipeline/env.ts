/** Locations taken from the environment, read in one place. */
import os from 'node:os';
import path from 'node:path';

/** `$XDG_CACHE_HOME/corpus-proximity` (default `~/.cache/corpus-proximity`): store, copies of corpora and models, stamps. */
export function cacheRoot(): string {
  return path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'corpus-proximity');
}
