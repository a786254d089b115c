/**
 * Reads an annotated file (JSONL written by `annotate`, a file or - for stdin) row by row, checks the fields the
 * metrics need, and reduces each row to its RowFacts. A row annotated before the per-sentence fields existed
 * (annotation format 1: `annotations` only) is refused with the fix: annotate again.
 */
import type { Readable } from 'node:stream';
import { z } from 'zod';
import { VERDICTS } from '../attribution/verdict.js';
import { readLines } from '../corpus/lines.js';
import { CproxError, inputError } from '../errors.js';
import { openFileOrStdin } from '../input-file.js';
import { wordTokens } from '../text/tokenize.js';
import type { RowFacts } from './metrics.js';

const SentenceSchema = z
  .object({
    text: z.string(),
    verdict: z.enum(VERDICTS),
    distance: z.number(),
    stage: z.string().nullable(),
    cluster_id: z.string().nullable(),
    cluster_name: z.string().nullable().optional(),
  })
  .passthrough();

const RowSchema = z
  .object({
    sentences: z.array(SentenceSchema),
    book_spans: z.array(z.object({ char_start: z.number(), char_end: z.number(), words: z.number() }).passthrough()),
    summary: z.object({ words: z.number().optional() }).passthrough(),
  })
  .passthrough();

export type AnnotatedRow = z.infer<typeof RowSchema>;

export interface ReadRow {
  line: number;
  row: AnnotatedRow;
  facts: RowFacts;
}

/** Opens an annotated file, or stdin for '-'. */
export function openAnnotated(file: string): Promise<{ name: string; stream: Readable }> {
  return openFileOrStdin(file, {
    terminal: {
      message: 'the annotated file is - (stdin), but stdin is a terminal',
      hint: 'pipe an annotated file in (… | corpus-proximity check --annotated-file -) or pass a file name',
    },
    missing: (f) => ({ message: `annotated file not found: ${f}`, hint: 'create it with `corpus-proximity annotate --output FILE`' }),
    notFile: (f) => ({ message: `${f} is not a file`, hint: 'pass a JSONL file written by `corpus-proximity annotate`' }),
  });
}

/** Parses one line: a JSON object, or an error naming the file and the line. */
export function parseJsonRow(name: string, line: number, text: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw inputError(name, line, `not valid JSON (${e instanceof Error ? e.message : String(e)})`, 'pass a file written by `corpus-proximity annotate`');
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    throw inputError(name, line, 'line is not a JSON object', 'pass a file written by `corpus-proximity annotate`');
  return json as Record<string, unknown>;
}

/** Every non-empty line of an annotated file as a JSON object, with its line number. */
export async function* jsonRows(file: string): AsyncGenerator<{ name: string; line: number; json: Record<string, unknown> }> {
  const { name, stream } = await openAnnotated(file);
  for await (const line of readLines(stream)) {
    if (line.text.trim() === '') continue;
    yield { name, line: line.number, json: parseJsonRow(name, line.number, line.text) };
  }
}

export function factsOf(row: AnnotatedRow): RowFacts {
  const stages = new Map<string, number>();
  const clusters = new Map<string, number>();
  let novel = 0;
  let distanceSum = 0;
  for (const s of row.sentences) {
    distanceSum += s.distance;
    if (s.verdict === 'novel') novel++;
    if (s.stage !== null) stages.set(s.stage, (stages.get(s.stage) ?? 0) + 1);
    if (s.cluster_id !== null) clusters.set(s.cluster_id, (clusters.get(s.cluster_id) ?? 0) + 1);
  }
  const bookWords = row.book_spans.reduce((t, b) => t + b.words, 0);
  // Files from before summary.words: the words of the sentences, counted as book spans count them.
  const words = row.summary.words ?? row.sentences.reduce((t, s) => t + wordTokens(s.text).words.length, 0);
  return { words: Math.max(words, bookWords), bookWords, spans: row.book_spans.length, sentences: row.sentences.length, novel, distanceSum, stages, clusters };
}

/** Checks one row of an annotated file for the per-sentence fields. */
export function checkRow(name: string, line: number, json: Record<string, unknown>): AnnotatedRow {
  const parsed = RowSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  if (Array.isArray(json.annotations) && json.sentences === undefined) {
    throw inputError(
      name,
      line,
      'row was annotated before per-sentence verdicts existed (it has "annotations" but no "sentences", "book_spans" or "summary")',
      'annotate the outputs again with this version: corpus-proximity annotate --corpus-index DIR --input OUTPUTS --output FILE',
    );
  }
  const issue = parsed.error.issues[0];
  throw inputError(
    name,
    line,
    `not an annotated row: ${issue.path.join('.') || 'row'}: ${issue.message}`,
    'pass a file written by `corpus-proximity annotate`',
  );
}

/** Every row of an annotated file with its facts; an empty file is an error. */
export async function readAnnotated(file: string): Promise<ReadRow[]> {
  const out: ReadRow[] = [];
  for await (const { name, line, json } of jsonRows(file)) {
    const row = checkRow(name, line, json);
    out.push({ line, row, facts: factsOf(row) });
  }
  if (!out.length) throw new CproxError('BAD_INPUT', `${file === '-' ? '<stdin>' : file} has no rows`, { hint: 'annotate some outputs first' });
  return out;
}
