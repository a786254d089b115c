/**
 * Model outputs in: JSONL rows from vLLM, OpenAI or anything else. The text is taken from `--text-field`, else the
 * first of `output`, `text`, `response`, an OpenAI chat completion (`choices[0].message.content`) or a legacy
 * completion (`choices[0].text`).
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { readLines } from '../../pipeline/corpus/lines.js';
import { CproxError, inputError } from '../../pipeline/errors.js';

export const TEXT_FIELDS = ['output', 'text', 'response'] as const;

export interface InputRow {
  line: number;
  row: Record<string, unknown>;
  text: string;
  /** The line had bytes that are not UTF-8 (replaced by U+FFFD). */
  replaced?: boolean;
}

export function extractText(row: Record<string, unknown>, field?: string): string | undefined {
  if (field) return typeof row[field] === 'string' ? row[field] : undefined;
  for (const f of TEXT_FIELDS) if (typeof row[f] === 'string') return row[f];
  const choice = Array.isArray(row.choices) ? (row.choices[0] as Record<string, unknown> | undefined) : undefined;
  if (choice && typeof choice === 'object') {
    const message = choice.message as Record<string, unknown> | undefined;
    if (message && typeof message.content === 'string') return message.content;
    // Content parts ([{type: "text", text}]) are joined; a message with only tool calls has no text to annotate.
    if (message && Array.isArray(message.content)) {
      return message.content
        .map((p) => (p && typeof p === 'object' && typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : ''))
        .join('');
    }
    if (message && message.content === null) return '';
    if (typeof choice.text === 'string') return choice.text;
  }
  return undefined;
}

export async function openInput(file: string): Promise<{ name: string; stream: Readable }> {
  if (file === '-') {
    if (process.stdin.isTTY) {
      throw new CproxError('BAD_INPUT', 'no --input given and stdin is a terminal', {
        hint: 'pass --input outputs.jsonl, or pipe JSONL in: cat outputs.jsonl | corpus-proximity annotate --corpus-index DIR',
      });
    }
    return { name: '<stdin>', stream: process.stdin };
  }
  const st = await stat(file).catch(() => null);
  if (!st) throw new CproxError('NOT_FOUND', `input file not found: ${file}`, { hint: 'pass --input with a JSONL file of model outputs, or - for stdin' });
  if (!st.isFile()) throw new CproxError('BAD_INPUT', `--input ${file} is not a file`, { hint: 'pass a JSONL file, or - for stdin' });
  return { name: file, stream: createReadStream(file) };
}

export async function readInputRows(name: string, stream: Readable, field?: string): Promise<InputRow[]> {
  const rows: InputRow[] = [];
  const looked = field ? `"${field}"` : `${TEXT_FIELDS.join(', ')} or choices[0].message.content`;
  for await (const line of readLines(stream)) {
    if (line.text.trim() === '') continue;
    let row: unknown;
    try {
      row = JSON.parse(line.text);
    } catch (e) {
      throw inputError(name, line.number, `not valid JSON (${e instanceof Error ? e.message : String(e)})`, 'each line must be one JSON object');
    }
    if (row === null || typeof row !== 'object' || Array.isArray(row)) {
      throw inputError(name, line.number, 'line is not a JSON object', 'each line must look like {"output": "..."}');
    }
    const text = extractText(row as Record<string, unknown>, field);
    if (text === undefined) {
      throw inputError(name, line.number, `row has no text to annotate (looked for ${looked})`, 'pass --text-field with the field that holds the model output');
    }
    rows.push({ line: line.number, row: row as Record<string, unknown>, text, replaced: line.replaced });
  }
  return rows;
}
