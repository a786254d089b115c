#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm ci` (prepare) or `npm run build`.
import { existsSync } from 'node:fs';
const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('corpus-proximity is not built yet.\n  hint: run `npm ci` (or `npm run build`) in the package folder first.\n');
  process.exit(2);
}
await import(main.href);
