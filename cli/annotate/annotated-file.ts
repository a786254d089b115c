/** Reads back an annotated JSONL file (ours) with validation, for `show`. */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { z } from 'zod';
import { readLines } from '../../pipeline/corpus/lines.js';
import { CproxError, inputError } from '../../pipeline/errors.js';
import { extractText } from './input.js';
import { VERDICTS } from '../../pipeline/attribution/verdict.js';
import { SEED_THRESHOLDS, type ShowInput } from './format-show.js';
import type { SentencesView } from './format-sentences.js';

const AnnotationSchema = z.object({
  text_span: z.string(),
  cluster_id: z.string(),
  cluster_name: z.string(),
  cluster_depth: z.number(),
  cluster_path: z.array(z.string()).default([]),
  distance: z.number(),
  rank: z.number().int(),
  corpus_stage: z.string().nullable(),
  nearest_chunk_idx: z.number().int(),
  nearest_chunk_text: z.string(),
  verbatim: z.boolean().default(false),
  avg_logprob: z.number().nullable().default(null),
});

const RowSchema = z.object({
  annotations: z.array(AnnotationSchema),
  /** Annotation format 2 (pipeline/attribution/annotate.ts); checked loosely, rendered by format-sentences.ts. */
  sentences: z.array(z.object({ text: z.string(), verdict: z.enum(VERDICTS), distance: z.number() }).passthrough()).optional(),
  book_spans: z.array(z.object({ char_start: z.number(), char_end: z.number() }).passthrough()).optional(),
  summary: z.object({ sentences: z.number() }).passthrough().optional(),
  annotation_metadata: z
    .object({
      distance_calibration: z.object({ high: z.number(), medium: z.number() }).nullable().optional(),
      calibration: z
        .object({ cutoffs: z.object({ known: z.number(), near: z.number(), unknown: z.number().nullable(), function: z.number().nullable().optional() }) })
        .passthrough()
        .nullable()
        .optional(),
    })
    .passthrough(),
});

export async function countAndReadRow(file: string, index: number): Promise<{ total: number; row: ShowInput | null }> {
  const st = await stat(file).catch(() => null);
  if (!st?.isFile())
    throw new CproxError('NOT_FOUND', `annotated file not found: ${file}`, { hint: 'create it with `corpus-proximity annotate --output FILE`' });
  let total = 0;
  let found: ShowInput | null = null;
  for await (const line of readLines(createReadStream(file))) {
    if (line.text.trim() === '') continue;
    if (total === index) found = parseAnnotatedLine(file, line.number, line.text);
    total++;
  }
  return { total, row: found };
}

export function parseAnnotatedLine(file: string, lineNo: number, text: string): ShowInput {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw inputError(file, lineNo, 'not valid JSON', 'pass a file written by `corpus-proximity annotate`');
  }
  const parsed = RowSchema.safeParse(json);
  if (!parsed.success) {
    throw inputError(file, lineNo, 'row has no valid "annotations"/"annotation_metadata"', 'pass a file written by `corpus-proximity annotate`');
  }
  const cal = parsed.data.annotation_metadata.distance_calibration;
  const { sentences, book_spans: spans, summary } = parsed.data;
  return {
    sentences: sentences
      ? {
          text: extractText(json as Record<string, unknown>) ?? sentences.map((s) => s.text).join(' '),
          sentences: sentences as unknown as SentencesView['sentences'],
          bookSpans: (spans ?? []) as unknown as SentencesView['bookSpans'],
          summary: (summary ?? null) as unknown as SentencesView['summary'],
          cutoffs: parsed.data.annotation_metadata.calibration?.cutoffs ?? null,
        }
      : null,
    text:
      extractText(json as Record<string, unknown>) ??
      parsed.data.annotations
        .map((a) => a.text_span)
        .filter((s, i, all) => all.indexOf(s) === i)
        .join(' '),
    annotations: parsed.data.annotations,
    thresholds: cal
      ? { high: cal.high, medium: cal.medium, source: 'calibrated on this index: median and p90 distance of its own sentences' }
      : SEED_THRESHOLDS,
  };
}
