/**
 * Model outputs in: JSONL rows, read one at a time from vLLM, OpenAI or anything else. pipeline/model-output.ts finds the output(s) of a
 * row; here rows become annotate's input rows: one per row (its first output; rows with more are counted), or one
 * per output with `--choices all` (each carrying `choice_index`). A bad row stops the run, naming the line, unless
 * `--skip-bad-rows FILE` collects it there with the reason.
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { readLines } from '../../pipeline/corpus/lines.js';
import { inputError } from '../../pipeline/errors.js';
import { openFileOrStdin } from '../../pipeline/input-file.js';
import { modelOutputs } from '../../pipeline/model-output.js';

export interface InputRow {
  line: number;
  row: Record<string, unknown>;
  text: string;
  /** The object carrying the output's token logprobs (pipeline/attribution/logprobs.ts), if any. */
  logprobs: Record<string, unknown> | null;
  /** The line had bytes that are not UTF-8 (replaced by U+FFFD). */
  replaced?: boolean;
}

export interface BadRow {
  line: number;
  reason: string;
  /** The line as read. */
  raw: string;
}

export interface ReadOptions {
  /** Dotted path of the text (--text-field). */
  field?: string;
  /** 'first': one output per row (choices[0]); 'all': one per choice, with choice_index. */
  choices: 'first' | 'all';
  /** Collect bad rows instead of stopping at the first. */
  skipBad: boolean;
}

/** What reading has met so far, filled in as rows are read. */
export interface ReadTally {
  bad: BadRow[];
  /** Rows with more than one output of which only the first was taken (choices 'first'). */
  multiChoice: number;
  /** Lines that had bytes that are not UTF-8 (replaced by U+FFFD). */
  replacedLines: number;
}

export function openInput(file: string): Promise<{ name: string; stream: Readable }> {
  return openFileOrStdin(file, {
    terminal: {
      message: 'no --input given and stdin is a terminal',
      hint: 'pass --input outputs.jsonl, or pipe JSONL in: cat outputs.jsonl | corpus-proximity annotate --corpus-index DIR',
    },
    missing: (f) => ({ message: `input file not found: ${f}`, hint: 'pass --input with a JSONL file of model outputs, or - for stdin' }),
    notFile: (f) => ({ message: `--input ${f} is not a file`, hint: 'pass a JSONL file, or - for stdin' }),
  });
}

/** Non-empty lines of a file, for the progress bar's total (one fast pass over the bytes). */
export async function countLines(file: string): Promise<number> {
  let n = 0;
  for await (const line of readLines(createReadStream(file))) if (line.text.trim() !== '') n++;
  return n;
}

/**
 * The input rows one at a time, in order, as they are read: memory does not grow with the file. `tally` counts what
 * was skipped or replaced on the way.
 */
export async function* inputRows(name: string, stream: Readable, opts: ReadOptions, tally: ReadTally): AsyncGenerator<InputRow> {
  const { bad } = tally;
  const fail = (line: number, raw: string, reason: string, hint: string) => {
    if (!opts.skipBad) throw inputError(name, line, reason, hint);
    bad.push({ line, reason, raw });
  };
  for await (const line of readLines(stream)) {
    if (line.text.trim() === '') continue;
    if (line.replaced) tally.replacedLines++;
    let row: unknown;
    try {
      row = JSON.parse(line.text);
    } catch (e) {
      fail(
        line.number,
        line.text,
        `not valid JSON (${e instanceof Error ? e.message : String(e)})`,
        'each line must be one JSON object (or pass --skip-bad-rows FILE)',
      );
      continue;
    }
    if (row === null || typeof row !== 'object' || Array.isArray(row)) {
      fail(line.number, line.text, 'line is not a JSON object', 'each line must look like {"output": "..."} (or pass --skip-bad-rows FILE)');
      continue;
    }
    const found = modelOutputs(row as Record<string, unknown>, opts.field);
    if ('error' in found) {
      const hint =
        found.hint ??
        (opts.field
          ? 'check --text-field (a dotted path such as choices.0.message.content)'
          : 'pass --text-field with the field (or dotted path) that holds the model output');
      fail(line.number, line.text, found.error, hint);
      continue;
    }
    const outputs = opts.choices === 'all' ? found.outputs : found.outputs.slice(0, 1);
    if (found.outputs.length > 1 && opts.choices === 'first') tally.multiChoice++;
    for (const o of outputs) {
      const base = row as Record<string, unknown>;
      yield {
        line: line.number,
        row: opts.choices === 'all' ? { ...base, choice_index: o.choice } : base,
        text: o.text,
        logprobs: o.logprobs,
        replaced: line.replaced,
      };
    }
  }
}
