/**
 * Where the package is: its root folder, whether the code runs from source (tests, <root>/pipeline/) or compiled
 * (<root>/dist/pipeline/, also inside the stage image), and the folders of files shipped beside the sources
 * (templates, prompts, the Dockerfile, the Pulumi program).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CproxError } from './errors.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const PACKAGE_ROOT = path.basename(path.dirname(here)) === 'dist' ? path.resolve(here, '../..') : path.resolve(here, '..');

/** `rel` (a folder relative to the package root) after checking that it holds `probe`. */
export function packageAssetDir(rel: string, probe: string): string {
  const dir = path.join(PACKAGE_ROOT, rel);
  if (!existsSync(path.join(dir, probe)))
    throw new CproxError('INTERNAL', `bundled file ${rel}/${probe} not found under ${PACKAGE_ROOT}`, {
      hint: 'reinstall corpus-proximity: the package is incomplete',
    });
  return dir;
}
