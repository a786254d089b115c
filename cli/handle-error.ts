/** The one place that prints errors and picks exit codes. Stack traces only with CPROX_DEBUG=1. */
import { isCproxError } from '../pipeline/errors.js';

const USAGE_CODES = new Set(['BAD_INPUT', 'NOT_FOUND', 'EMPTY_CORPUS', 'BAD_INDEX', 'INDEX_VERSION', 'EMBEDDER_MISMATCH', 'NEEDS_CONFIRMATION']);

export function handleError(e: unknown): number {
  const debug = process.env.CPROX_DEBUG === '1';
  if (isCproxError(e)) {
    process.stderr.write(`error: ${e.message}\n`);
    if (e.hint) process.stderr.write(`  hint: ${e.hint}\n`);
    if (debug && e.stack) process.stderr.write(`${e.stack}\n`);
    if (e.code === 'ABORTED') return 130;
    return USAGE_CODES.has(e.code) ? 2 : 1;
  }
  const msg = e instanceof Error ? e.message : String(e);
  process.stderr.write(`error: unexpected failure: ${msg}\n  hint: re-run with CPROX_DEBUG=1 for details and report it\n`);
  if (debug && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
  return 1;
}
