/**
 * Typed errors: a stable code, a one-line message, a hint saying how to fix it, and the cause.
 * Library code throws these; only cli/handle-error.ts prints them and picks the exit code.
 */
export type ErrorCode =
  | 'BAD_INPUT'
  | 'NOT_FOUND'
  | 'EMPTY_CORPUS'
  | 'BAD_INDEX'
  | 'INDEX_VERSION'
  | 'EMBEDDER_MISMATCH'
  | 'NEEDS_CONFIRMATION'
  /** Credentials refused (S3 403, LLM 401/403): the user's to fix. */
  | 'AUTH'
  | 'ABORTED'
  /** Ctrl-C (SIGINT) or SIGTERM. */
  | 'INTERRUPTED'
  | 'STAGE_FAILED'
  | 'STORE'
  | 'INTERNAL';

export class CproxError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  readonly context: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, opts: { hint?: string; cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'CproxError';
    this.code = code;
    this.hint = opts.hint;
    this.context = opts.context ?? {};
  }
}

/** An error about one place in an input file: the message names the file and the 1-based line. */
export function inputError(file: string, line: number | undefined, message: string, hint?: string): CproxError {
  const where = line === undefined ? file : `${file}:${line}`;
  return new CproxError('BAD_INPUT', `${where}: ${message}`, { hint, context: { file, line } });
}

export function isCproxError(e: unknown): e is CproxError {
  return e instanceof CproxError;
}

/**
 * The exit code of each error code (README, "Exit codes"): 2 for what the user can fix (input, usage, a tampered
 * or mismatched index, credentials), 130 for an interrupt or a refused confirmation, 3 for internal failures.
 * 1 is a failed `--max`/`--min` bound (`check`, `annotate`, `compare`; set by the command, not by an error).
 */
export const EXIT_CODES: Readonly<Record<ErrorCode, number>> = Object.freeze({
  BAD_INPUT: 2,
  NOT_FOUND: 2,
  EMPTY_CORPUS: 2,
  BAD_INDEX: 2,
  INDEX_VERSION: 2,
  EMBEDDER_MISMATCH: 2,
  NEEDS_CONFIRMATION: 2,
  AUTH: 2,
  ABORTED: 130,
  INTERRUPTED: 130,
  STAGE_FAILED: 3,
  STORE: 3,
  INTERNAL: 3,
});
