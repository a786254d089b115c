/** Reads back a row of an annotated JSONL file (ours) with validation, for `show` and `demo`. */
import { z } from 'zod';
import { parseJsonRow } from '../../pipeline/annotated/read.js';
import { inputError } from '../../pipeline/errors.js';
import { firstOutputText } from '../../pipeline/model-output.js';
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

export function parseAnnotatedLine(file: string, lineNo: number, text: string): ShowInput {
  return showInputOf(file, lineNo, parseJsonRow(file, lineNo, text));
}

/** A row of an annotated file (parsed JSON) as `show` renders it; an error naming the file and line if it is not one. */
export function showInputOf(file: string, lineNo: number, json: Record<string, unknown>): ShowInput {
  const parsed = RowSchema.safeParse(json);
  if (!parsed.success) {
    throw inputError(file, lineNo, 'row has no valid "annotations"/"annotation_metadata"', 'pass a file written by `corpus-proximity annotate`');
  }
  const cal = parsed.data.annotation_metadata.distance_calibration;
  const { sentences, book_spans: spans, summary } = parsed.data;
  return {
    sentences: sentences
      ? {
          text: firstOutputText(json) ?? sentences.map((s) => s.text).join(' '),
          sentences: sentences as unknown as SentencesView['sentences'],
          bookSpans: (spans ?? []) as unknown as SentencesView['bookSpans'],
          summary: (summary ?? null) as unknown as SentencesView['summary'],
          cutoffs: parsed.data.annotation_metadata.calibration?.cutoffs ?? null,
        }
      : null,
    text:
      firstOutputText(json) ??
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
