/**
 * Distance calibration. Cosine distances mean different things for different embedders and corpora (the original
 * Python plan's fixed 0.15/0.30 cut-offs fit one model only), so the index measures what a distance means for it:
 * sentences sampled evenly from the corpus are searched the way annotate searches, with their own document left
 * out (leave-document-out). The rank-1 distances describe unseen text of the corpus's own kind; the verdict
 * cut-offs are percentiles of them (pipeline/attribution/verdict.ts reads them back).
 */
import type { Calibration } from '../../pipeline/corpus-index/format.js';
import { isLexical } from '../../pipeline/embedders/lexical.js';
import { DEFAULT_NEIGHBOURS } from '../../pipeline/attribution/annotate.js';
import type { StageModel } from '../../pipeline/attribution/stage-model.js';
import { voteOn } from '../../pipeline/attribution/vote.js';
import { findNeighbours, type NeighbourSource } from '../../pipeline/search/neighbours.js';
import type { ExcludeRange } from '../../pipeline/search/term-index.js';
import { splitSentences } from '../../pipeline/text/segment.js';

export const CALIBRATION_SENTENCES = 1000;
/**
 * Verdict cut-offs, as percentiles of the leave-document-out distances: measured in bench/attribution.ts
 * (attribution-cutoffs). Every in-domain sentence called novel loses its stage, so the novel cut-offs sit at p99:
 * held-out novel at p97.5 / p99 (distance and unknown share alike), sotu-era 0.037 / 0.007, mixed 0.047 / 0.020;
 * other-language novel 0.99 / 0.99 and 0.95 / 0.95.
 */
export const KNOWN_PERCENTILE = 50;
export const NEAR_PERCENTILE = 99;
/**
 * A sentence with more of its TF-IDF norm on unknown words than this percentile of the samples, clamped to
 * [MIN_UNKNOWN_CUTOFF, MAX_UNKNOWN_CUTOFF], is novel whatever its distance. The cap: in a corpus of e-mail or
 * manuals a few samples are mostly addresses, keys and option names that only their own document has (mixed corpus:
 * p99 0.86, other-language sentences novel 0.87); past 0.7, most of a sentence is words the corpus never had
 * (mixed, near p97.5: unknown 0.7 gives held-out novel 0.013–0.02 and other-language novel 0.95).
 */
export const UNKNOWN_PERCENTILE = 99;
export const MIN_UNKNOWN_CUTOFF = 0.5;
export const MAX_UNKNOWN_CUTOFF = 0.7;
/**
 * A sentence with fewer than this share of the corpus's function words (and some unknown words, verdict.ts) is in
 * another language. Fixed, not a percentile: in-domain text of a technical corpus has lines without function words
 * (command synopses), so the low percentiles of the samples are 0 (mixed corpus: p1 = 0). bench/attribution.ts,
 * mixed corpus: other-language sentences novel 0.78 → 0.95 with this rule, held-out in-domain novel 0.02 → 0.03
 * (at 0.1 with FOREIGN_UNKNOWN 0.3: 0.95 and 0.037). Other-language sentences have a median share of 0.
 */
export const FUNCTION_CUTOFF = 0.05;
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

/**
 * The distance annotate reports for each sample: to the chunk supporting the neighbourhood vote (vote.ts), so the
 * percentiles describe the very number a sentence gets.
 */
export async function calibrate(
  source: NeighbourSource,
  samples: CalibrationSample[],
  describe: (idx: number) => { stage: string | null; cluster: string },
  stageModel: StageModel | null = null,
): Promise<Calibration | null> {
  // A sentence that other documents copy (mailing-list footers, quoted replies, boilerplate) is not unseen text:
  // it would pull the cut-offs toward 0. Samples whose fingerprints name chunks outside their own document are skipped.
  samples = samples.filter((s) => !(source.verbatimCandidates?.(s.text) ?? []).some((idx) => idx < s.exclude.from || idx >= s.exclude.to));
  if (samples.length < 20) return null;
  const { neighbours } = await findNeighbours(
    source,
    samples.map((s) => s.text),
    DEFAULT_NEIGHBOURS,
    { exclude: samples.map((s) => s.exclude) },
  );
  const { embedder, terms } = source;
  const lexical = terms && isLexical(embedder) ? embedder : null;
  const d = neighbours
    .map((row, i) => {
      const voters = row.map((n) => ({
        chunk: n.idx,
        similarity: n.similarity,
        verbatim: n.verbatim,
        corpusStage: describe(n.idx).stage,
        cluster: { id: describe(n.idx).cluster },
      }));
      const q = lexical && stageModel ? lexical.terms(samples[i].text, 'query') : null;
      const vote = voteOn(voters, { stageModel: q && stageModel ? stageModel.posterior(q.ids, q.counts) : undefined });
      return Math.min(1, Math.max(0, 1 - (vote.support?.similarity ?? 0)));
    })
    .sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 1e4) / 1e4;
  // The share of each sample's TF-IDF norm on words no other document has: how much unknown vocabulary unseen
  // in-domain text brings (lexical indexes).
  const sampleTerms = lexical && terms ? samples.map((s) => lexical.terms(s.text, 'query', (t) => terms.occursOutside(t, s.exclude))) : null;
  const unknown = sampleTerms ? sampleTerms.map((t) => t.unknown).sort((a, b) => a - b) : null;
  const percentiles = Array.from({ length: 101 }, (_, p) => round(quantile(d, p / 100)));
  return {
    method: 'leave-document-out',
    sentences: samples.length,
    percentiles,
    cutoffs: {
      known: round(quantile(d, KNOWN_PERCENTILE / 100)),
      near: round(quantile(d, NEAR_PERCENTILE / 100)),
      unknown: unknown ? round(Math.min(MAX_UNKNOWN_CUTOFF, Math.max(MIN_UNKNOWN_CUTOFF, quantile(unknown, UNKNOWN_PERCENTILE / 100)))) : null,
      function: lexical ? FUNCTION_CUTOFF : null,
    },
    cutoff_percentiles: { known: KNOWN_PERCENTILE, near: NEAR_PERCENTILE, unknown: UNKNOWN_PERCENTILE, function: null },
  };
}
