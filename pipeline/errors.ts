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
  | 'ABORTED'
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
