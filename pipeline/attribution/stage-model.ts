/**
 * A multinomial naive Bayes model of the training stages over the lexical vocabulary: how often each stage's chunks
 * use each word. A sentence's neighbours say which passages it resembles; the stage model says which stage's
 * language it is written in, from every word at once. The vote (vote.ts) multiplies the two. Measured in
 * bench/attribution.ts: on the mixed corpus (stages that differ in kind: speeches and manuals, e-mail, spam) the
 * neighbourhood vote alone was right for 0.79 of held-out sentences, naive Bayes alone 0.86, the product 0.87; on
 * sotu-era (stages that differ only in era) 0.86, 0.88 and 0.88.
 *
 * A word repeated in the sentence counts 1 + ln(count) times (sublinear term frequency, as TF-IDF does): one
 * repeated word should not outvote the rest of the sentence.
 *
 * Stored as `stage_terms.npy`: float32, stages × vocabulary, the word counts (rows in the order of the manifest's
 * `stage_model.stages`; a chunk without a stage counts under "unstaged").
 */
import { CproxError } from '../errors.js';
import { decodeNpy, encodeNpy } from '../npy.js';

/**
 * Laplace smoothing of the word probabilities, recorded in the manifest (an index is read with the alpha it was
 * built with). bench/attribution.ts, held-out stage of the vote over 10 neighbours times the model (sotu-era / mixed):
 * alpha 0.1 0.873 / 0.850; 0.01 0.877 / 0.873 (with the sublinear counts below); 0.001 0.873 / 0.880; 1 0.863 / 0.823.
 */
export const STAGE_MODEL_ALPHA = 0.01;
export const UNSTAGED = 'unstaged';

export class StageModelBuilder {
  private readonly stages: string[] = [];
  private readonly rows: Float64Array[] = [];
  private readonly chunks: number[] = [];

  constructor(private readonly terms: number) {}

  add(stage: string | null, ids: readonly number[], counts: readonly number[]): void {
    const name = stage ?? UNSTAGED;
    let s = this.stages.indexOf(name);
    if (s < 0) {
      s = this.stages.push(name) - 1;
      this.rows.push(new Float64Array(this.terms));
      this.chunks.push(0);
    }
    const row = this.rows[s];
    for (let i = 0; i < ids.length; i++) row[ids[i]] += counts[i];
    this.chunks[s]++;
  }

  /** Stages in first-seen order, their chunk counts, and the npy bytes. */
  finish(): { stages: string[]; chunks: number[]; npy: Buffer } {
    const data = new Float32Array(this.stages.length * this.terms);
    this.rows.forEach((r, s) => data.set(r, s * this.terms));
    return { stages: [...this.stages], chunks: [...this.chunks], npy: encodeNpy(data, this.stages.length, this.terms) };
  }
}

export class StageModel {
  /** log P(word | stage), stages × terms. */
  private readonly logp: Float32Array;
  private readonly logPrior: number[];
  private readonly unseen: number[];

  constructor(
    readonly stages: readonly string[],
    chunks: readonly number[],
    counts: Float32Array,
    readonly terms: number,
    readonly alpha: number = STAGE_MODEL_ALPHA,
  ) {
    this.logp = new Float32Array(counts.length);
    const total = chunks.reduce((a, b) => a + b, 0);
    this.logPrior = chunks.map((c) => Math.log(c / total));
    this.unseen = [];
    stages.forEach((_, s) => {
      let sum = 0;
      for (let t = 0; t < terms; t++) sum += counts[s * terms + t];
      const denominator = Math.log(sum + alpha * terms);
      this.unseen.push(Math.log(alpha) - denominator);
      for (let t = 0; t < terms; t++) this.logp[s * terms + t] = Math.log(counts[s * terms + t] + alpha) - denominator;
    });
  }

  static fromNpy(buf: Buffer, name: string, stages: readonly string[], chunks: readonly number[], alpha: number): StageModel {
    const m = decodeNpy(buf, name);
    if (m.rows !== stages.length || chunks.length !== stages.length)
      throw new CproxError('BAD_INDEX', `${name} has ${m.rows} stage rows, the manifest names ${stages.length}`, { hint: 'rebuild the index' });
    return new StageModel(stages, chunks, m.data, m.dims, alpha);
  }

  /** P(stage | words) of a text given its vocabulary ids and their counts; {} for a model of one stage or no words. */
  posterior(ids: readonly number[], counts: readonly number[]): Record<string, number> {
    if (this.stages.length < 2 || ids.length === 0) return {};
    const lp = this.stages.map((_, s) => {
      let l = this.logPrior[s];
      for (let i = 0; i < ids.length; i++) l += (1 + Math.log(counts[i])) * (ids[i] < this.terms ? this.logp[s * this.terms + ids[i]] : this.unseen[s]);
      return l;
    });
    const max = Math.max(...lp);
    const e = lp.map((x) => Math.exp(x - max));
    const z = e.reduce((a, b) => a + b, 0);
    return Object.fromEntries(this.stages.map((st, s) => [st, e[s] / z]));
  }
}
