/**
 * What a sentence's distance means, read against the index's leave-document-out calibration (stages/assemble/
 * calibrate.ts): `percentile` is the share of unseen in-domain corpus sentences that landed at this distance or
 * closer, and the verdict is
 * - `book`: book spans (pipeline/verbatim/book-spans.ts) cover more than half of the sentence's words;
 * - `known`: distance ≤ the calibration's `known` cut-off (as close as the typical unseen in-domain sentence);
 * - `near`: distance ≤ the `near` cut-off (within the bulk of in-domain text);
 * - `novel`: farther than nearly all in-domain text (the `near` cut-off), or more of its TF-IDF norm on words the
 *   corpus never had than nearly all in-domain text has (the `unknown` cut-off), or fewer of the corpus's function
 *   words than nearly all in-domain text has (the `function` cut-off) with more than FOREIGN_UNKNOWN unknown: in
 *   another language.
 */
import type { Calibration } from '../corpus-index/format.js';

export const VERDICTS = ['book', 'known', 'near', 'novel'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** Share of words covered by book spans above which a sentence is `book`. */
export const BOOK_COVERAGE = 0.5;
/** Cut-offs of an index too small to calibrate (fewer than 20 sampled sentences), near the measured ones of bench/attribution.ts. */
export const UNCALIBRATED = { known: 0.84, near: 0.93, unknown: 0.6, function: 0.05 } as const;
/** The function-word rule needs at least this unknown share, so that a terse in-domain line (a command synopsis) is not taken for another language. */
export const FOREIGN_UNKNOWN = 0.4;

/** Percentile (0–100) of a distance among the calibration's distances; null without calibration. */
export function percentileOf(cal: Calibration | null, distance: number): number | null {
  if (!cal) return null;
  const p = cal.percentiles;
  if (distance < p[0]) return 0;
  if (distance >= p[100]) return 100;
  let i = 0;
  while (i < 100 && p[i + 1] <= distance) i++;
  const span = p[i + 1] - p[i];
  const within = span > 0 ? (distance - p[i]) / span : 0;
  return Math.round(Math.min(100, i + within) * 10) / 10;
}

export function verdictOf(o: {
  cal: Calibration | null;
  distance: number;
  bookCoverage: number;
  unknownShare: number;
  /** Share of the corpus's function words (lexical indexes; null otherwise). */
  functionShare: number | null;
}): Verdict {
  if (o.bookCoverage > BOOK_COVERAGE) return 'book';
  const cut = o.cal?.cutoffs ?? UNCALIBRATED;
  if (cut.unknown !== null && o.unknownShare > cut.unknown) return 'novel';
  if (cut.function !== null && o.functionShare !== null && o.functionShare < cut.function && o.unknownShare > FOREIGN_UNKNOWN) return 'novel';
  if (o.distance <= cut.known) return 'known';
  if (o.distance <= cut.near) return 'near';
  return 'novel';
}
