import { readFileSync } from 'node:fs';

/** Package version, recorded in markers so that a code upgrade re-runs stages whose logic may have changed. */
export const CODE_VERSION: string = (() => {
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'corpus-proximity' && pkg.version) return pkg.version;
    } catch {
      // try the next candidate: the module runs from source (vitest) or from dist/
    }
  }
  return '0.0.0';
})();
