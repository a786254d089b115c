/**
 * Distance calibration. Cosine distances mean different things for different embedders and corpora (the original
 * Python plan's fixed 0.15/0.30 cut-offs fit one model only), so the index measures what a distance means for it:
 * sentences sampled evenly from the corpus are searched the way annotate searches, with their own document left
 * out (leave-document-out). The rank-1 distances describe unseen text of the corpus's own kind; the verdict
 * cut-offs are percentiles of them (pipeline/attribution/verdict.ts reads them back).
 */
import type { Calibration } from '../../pipeline/corpus-index/format.js';
import { findNeighbours, type NeighbourSource } from '../../pipeline/search/neighbours.js';
import type { ExcludeRange } from '../../pipeline/search/term-index.js';
import { splitSentences } from '../../pipeline/text/segment.js';

export const CALIBRATION_SENTENCES = 1000;
/** Verdict cut-offs, as percentiles of the leave-document-out distances: measured in bench/attribution.ts. */
export const KNOWN_PERCENTILE = 50;
export const NEAR_PERCENTILE = 95;
const MIN_WORDS = 6;
/** A document longer than this many chunks is not sampled (a dense search would have to look past all of them). */
const MAX_EXCLUDED = 2000;

export interface CalibrationSample {
  text: string;
  /** The chunks of the sentence's own document. */
  exclude: ExcludeRange;
}

/** Every `step`-th chunk id, so that about CALIBRATION_SENTENCES chunks are sampled evenly. */
export function calibrationStep(total: number): number {
  return Math.max(1, Math.floor(total / CALIBRATION_SENTENCES));
}

/**
 * Fed the chunks in idx order: samples one sentence from the middle of every `step`-th chunk and learns each
 * sampled chunk's document range (chunks of one document are consecutive).
 */
export class CalibrationSampler {
  private readonly samples: CalibrationSample[] = [];
  private open: CalibrationSample[] = [];
  private doc: string | null = null;
  private docStart = 0;

  constructor(private readonly step: number) {}

  add(idx: number, docId: string, text: string): void {
    if (docId !== this.doc) this.close(idx, docId);
    if (idx % this.step !== 0 || this.samples.length >= CALIBRATION_SENTENCES) return;
    const sentences = splitSentences(text).filter((s) => s.text.split(/\s+/).length >= MIN_WORDS);
    if (!sentences.length) return;
    const sample = { text: sentences[Math.floor(sentences.length / 2)].text, exclude: { from: this.docStart, to: Infinity } };
    this.samples.push(sample);
    this.open.push(sample);
  }

  private close(idx: number, docId: string | null): void {
    for (const s of this.open) s.exclude.to = idx;
    this.open = [];
    this.doc = docId;
    this.docStart = idx;
  }

  finish(total: number): CalibrationSample[] {
    this.close(total, null);
    return this.samples.filter((s) => s.exclude.to - s.exclude.from <= MAX_EXCLUDED);
  }
}

function quantile(sorted: number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export async function calibrate(source: NeighbourSource, samples: CalibrationSample[]): Promise<Calibration | null> {
  if (samples.length < 20) return null;
  const { neighbours } = await findNeighbours(
    source,
    samples.map((s) => s.text),
    1,
    { exclude: samples.map((s) => s.exclude) },
  );
  const d = neighbours.map((n) => Math.min(1, Math.max(0, 1 - (n[0]?.similarity ?? 0)))).sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 1e4) / 1e4;
  const percentiles = Array.from({ length: 101 }, (_, p) => round(quantile(d, p / 100)));
  return {
    method: 'leave-document-out',
    sentences: samples.length,
    percentiles,
    cutoffs: { known: percentiles[KNOWN_PERCENTILE], near: percentiles[NEAR_PERCENTILE] },
    cutoff_percentiles: { known: KNOWN_PERCENTILE, near: NEAR_PERCENTILE },
  };
}
