/** The one place that prints errors and picks exit codes (see EXIT_CODES). Stack traces only with CPROX_DEBUG=1. */
import { CommanderError } from 'commander';
import { EXIT_CODES, isCproxError } from '../pipeline/errors.js';
import { redact } from '../pipeline/secrets.js';
import { env } from '../pipeline/env.js';

/** File-system errors a user can fix (a path that is a folder, not writable, missing), with what to do. */
const FS_ERRORS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a folder, a file was expected',
  ENOTDIR: 'a part of the path is a file, a folder was expected',
  ENOENT: 'no such file or folder',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
};

const write = (line: string) => process.stderr.write(redact(line));

export function handleError(e: unknown): number {
  const { debug } = env();
  if (e instanceof CommanderError) {
    // commander has printed its one-line message and "(add --help for usage)"; help and --version exit 0.
    return e.exitCode === 0 ? 0 : 2;
  }
  if (isCproxError(e)) {
    write(`error: ${e.message}\n`);
    if (e.hint) write(`  hint: ${e.hint}\n`);
    if (debug && e.stack) write(`${e.stack}\n`);
    if (e.code === 'INTERRUPTED' && e.context.signal === 'SIGTERM') return 143;
    return EXIT_CODES[e.code];
  }
  const errno = e as NodeJS.ErrnoException;
  if (errno?.code && errno.path && FS_ERRORS[errno.code]) {
    write(
      `error: ${errno.path}: ${FS_ERRORS[errno.code]}\n  hint: ${errno.code === 'ENOSPC' ? 'free some space, or point --store/--output elsewhere' : 'check the path and its permissions'}\n`,
    );
    if (debug && errno.stack) write(`${errno.stack}\n`);
    return errno.code === 'ENOSPC' ? 3 : 2;
  }
  const msg = e instanceof Error ? e.message : String(e);
  write(`error: unexpected failure: ${msg}\n  hint: re-run with CPROX_DEBUG=1 for details and report it\n`);
  if (debug && e instanceof Error && e.stack) write(`${e.stack}\n`);
  return 3;
}
