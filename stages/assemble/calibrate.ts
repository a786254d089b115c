/**
 * Distance calibration. Cosine distances mean different things for different embedders (the original Python
 * plan's fixed 0.15/0.30 cut-offs fit one model only), so the index records how far sentences copied from its own
 * corpus land from their best match, through the same search annotate uses. `show` grades against these.
 */
import type { Calibration } from '../../pipeline/corpus-index/format.js';
import { findNeighbours, type NeighbourSource } from '../../pipeline/search/neighbours.js';
import { splitSentences } from '../../pipeline/text/segment.js';

export const CALIBRATION_SENTENCES = 300;
const MIN_WORDS = 6;

/** Every `step`-th chunk id, so that about CALIBRATION_SENTENCES chunks are sampled evenly. */
export function calibrationStep(total: number): number {
  return Math.max(1, Math.floor(total / CALIBRATION_SENTENCES));
}

/** One sentence from the middle of each sampled chunk. */
export function calibrationSentences(texts: Iterable<string>): string[] {
  const out: string[] = [];
  for (const text of texts) {
    if (out.length >= CALIBRATION_SENTENCES) break;
    const sentences = splitSentences(text).filter((s) => s.text.split(/\s+/).length >= MIN_WORDS);
    if (sentences.length) out.push(sentences[Math.floor(sentences.length / 2)].text);
  }
  return out;
}

function quantile(sorted: number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export async function calibrate(source: NeighbourSource, sentences: string[]): Promise<Calibration | null> {
  if (sentences.length < 5) return null;
  const { neighbours } = await findNeighbours(source, sentences, 1);
  const d = neighbours.map((n) => Math.max(0, 1 - (n[0]?.similarity ?? 0))).sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 1e4) / 1e4;
  return { sentences: sentences.length, p50: round(quantile(d, 0.5)), p90: round(quantile(d, 0.9)) };
}
