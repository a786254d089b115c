/**
 * A JSONL input named on the command line: a file, or stdin for '-'. Each caller says, in its own words, what a
 * terminal on stdin, a missing path and a path that is not a file mean for it.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { CproxError } from './errors.js';

interface Said {
  message: string;
  hint: string;
}

export interface InputMessages {
  terminal: Said;
  missing: (file: string) => Said;
  notFile: (file: string) => Said;
}

export async function openFileOrStdin(file: string, say: InputMessages): Promise<{ name: string; stream: Readable }> {
  if (file === '-') {
    if (process.stdin.isTTY) throw new CproxError('BAD_INPUT', say.terminal.message, { hint: say.terminal.hint });
    return { name: '<stdin>', stream: process.stdin };
  }
  const st = await stat(file).catch(() => null);
  if (!st) throw new CproxError('NOT_FOUND', say.missing(file).message, { hint: say.missing(file).hint });
  if (!st.isFile()) throw new CproxError('BAD_INPUT', say.notFile(file).message, { hint: say.notFile(file).hint });
  return { name: file, stream: createReadStream(file) };
}
