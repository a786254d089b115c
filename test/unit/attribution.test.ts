/** The parts of a sentence's answer: the neighbourhood vote, verdicts, book spans, token logprobs, the passage window. */
import { describe, expect, it } from 'vitest';
import { tokenLogprobs as fromSource, meanLogprob } from '../../pipeline/attribution/logprobs.js';
import { modelOutputs } from '../../pipeline/model-output.js';
import { longestCommonRun, passageWindow } from '../../pipeline/attribution/passage-window.js';
import { StageModel, StageModelBuilder } from '../../pipeline/attribution/stage-model.js';
import { percentileOf, verdictOf } from '../../pipeline/attribution/verdict.js';
import { voteOn, type Voter } from '../../pipeline/attribution/vote.js';
import type { Calibration } from '../../pipeline/corpus-index/format.js';
import { BookSpanResolver, chunksToFetch, lookupBookSpans, type SpanChunk } from '../../pipeline/verbatim/book-spans.js';
import { ShingleTableBuilder } from '../../pipeline/verbatim/shingles.js';

const n = (chunk: number, similarity: number, stage: string, cluster: string, verbatim = false): Voter => ({
  chunk,
  similarity,
  verbatim,
  corpusStage: stage,
  cluster: { id: cluster },
});

describe('neighbourhood vote', () => {
  it('lets the neighbourhood outvote rank 1, weighted by similarity², and picks a supporting chunk that agrees', () => {
    const v = voteOn([n(1, 0.5, 'sft', '0.1.0'), n(2, 0.45, 'pretrain', '0.0.1'), n(3, 0.44, 'pretrain', '0.0.1'), n(4, 0.3, 'pretrain', '0.0.0')]);
    expect(v.stage).toBe('pretrain');
    const w = [0.25, 0.2025, 0.1936, 0.09];
    const total = w.reduce((a, b) => a + b);
    expect(v.stageProbs.pretrain).toBeCloseTo((w[1] + w[2] + w[3]) / total, 3);
    expect(v.stageProbs.sft + v.stageProbs.pretrain).toBeCloseTo(1, 3);
    // Top level 0.0 holds > half; inside it 0.0.1 holds (w1+w2)/total ≥ half: the deepest node with a majority.
    expect(v.clusterId).toBe('0.0.1');
    expect(v.support?.chunk).toBe(2);
  });

  it('stops at the level where no child holds half of the weight, and takes the plurality at the top', () => {
    const v = voteOn([n(1, 0.5, 'a', '0.0.0'), n(2, 0.5, 'a', '0.0.1'), n(3, 0.4, 'a', '0.1.0')]);
    expect(v.clusterId).toBe('0.0');
    const split = voteOn([n(1, 0.5, 'a', '0.0'), n(2, 0.5, 'a', '0.1'), n(3, 0.5, 'a', '0.2')]);
    expect(split.clusterId).toBe('0.0');
    expect(split.clusterProb).toBeCloseTo(1 / 3, 3);
  });

  it('lets verbatim neighbours, and book-span chunks, vote alone', () => {
    const list = [n(1, 0.6, 'sft', '0.1'), n(2, 0.6, 'sft', '0.1'), n(3, 0.2, 'pretrain', '0.0', true)];
    expect(voteOn(list).stage).toBe('pretrain');
    expect(voteOn(list, { book: new Map([[2, 5]]) })).toMatchObject({ stage: 'sft', stageProbs: { sft: 1 } });
    expect(voteOn([n(1, 0, 'sft', '0.1')])).toMatchObject({ stage: null, support: null });
  });
});

describe('stage model', () => {
  it('is multinomial naive Bayes with Laplace smoothing, chunk-count priors and sublinear query counts', () => {
    // Two stages over a vocabulary of 4 words: counts summed over each stage's chunks.
    const b = new StageModelBuilder(4);
    b.add('pretrain', [0, 1], [3, 1]);
    b.add('pretrain', [0, 2], [1, 1]);
    b.add('sft', [1, 3], [2, 4]);
    const { stages, chunks, npy } = b.finish();
    expect(stages).toEqual(['pretrain', 'sft']);
    expect(chunks).toEqual([2, 1]);
    const alpha = 0.5;
    const model = StageModel.fromNpy(npy, 'stage_terms.npy', stages, chunks, alpha);
    // By hand: P(w | s) = (count + alpha) / (total + alpha·V); the query has word 0 once and word 3 twice.
    const counts = { pretrain: [4, 1, 1, 0], sft: [0, 2, 0, 4] };
    const prior = { pretrain: 2 / 3, sft: 1 / 3 };
    const logScore = (s: 'pretrain' | 'sft') => {
      const total = counts[s].reduce((a, c) => a + c, 0) + alpha * 4;
      return Math.log(prior[s]) + Math.log((counts[s][0] + alpha) / total) + (1 + Math.log(2)) * Math.log((counts[s][3] + alpha) / total);
    };
    const odds = Math.exp(logScore('sft') - logScore('pretrain'));
    const p = model.posterior([0, 3], [1, 2]);
    expect(p.sft).toBeCloseTo(odds / (1 + odds), 6);
    expect(p.pretrain + p.sft).toBeCloseTo(1, 9);
    expect(model.posterior([], [])).toEqual({});
  });
});

describe('verdicts', () => {
  const cal: Calibration = {
    method: 'leave-document-out',
    sentences: 500,
    percentiles: Array.from({ length: 101 }, (_, p) => 0.5 + p * 0.004),
    cutoffs: { known: 0.7, near: 0.88, unknown: 0.6, function: 0.05 },
    cutoff_percentiles: { known: 50, near: 95, unknown: 95, function: null },
  };
  it('reads a distance as a percentile of the calibration and a verdict from its cut-offs', () => {
    expect(percentileOf(cal, 0.7)).toBe(50);
    expect(percentileOf(cal, 0.1)).toBe(0);
    expect(percentileOf(cal, 1)).toBe(100);
    expect(percentileOf(null, 0.7)).toBeNull();
    const v = (distance: number, bookCoverage = 0, unknownShare = 0, functionShare: number | null = 0.4) =>
      verdictOf({ cal, distance, bookCoverage, unknownShare, functionShare });
    expect([v(0.6), v(0.8), v(0.95), v(0.95, 0.8), v(0.6, 0, 0.7)]).toEqual(['known', 'near', 'novel', 'book', 'novel']);
    // Few of the corpus's function words and some unknown words: another language. A terse known line is not.
    expect([v(0.6, 0, 0.5, 0.03), v(0.6, 0, 0.1, 0.03), v(0.6, 0, 0.5, null), v(0.6, 0, 0.5, 0.2)]).toEqual(['novel', 'known', 'known', 'known']);
  });
});

describe('book spans', () => {
  // One document cut into three chunks (offsets into the document), a second document, and a planted copy that
  // starts in chunk 0 and runs into chunk 1.
  const doc = 'alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau upsilon';
  const cut = [0, doc.indexOf('iota'), doc.indexOf('pi'), doc.length];
  const chunks = new Map<number, SpanChunk>();
  for (let i = 0; i < 3; i++)
    chunks.set(i, {
      text: doc.slice(cut[i], cut[i + 1]).trim(),
      meta: { idx: i, doc_id: 'd1', corpus_stage: 'pretrain', start: cut[i], end: cut[i] + doc.slice(cut[i], cut[i + 1]).trim().length },
    });
  const other = 'the cat sat on the mat while the dog slept by the door and nobody said a word';
  chunks.set(3, { text: other, meta: { idx: 3, doc_id: 'd2', corpus_stage: 'sft', start: 0, end: other.length } });
  const table = (() => {
    const b = new ShingleTableBuilder();
    for (const [i, c] of chunks) b.add(i, c.text);
    return b.finish();
  })();

  it('finds a copied run that crosses a chunk boundary, as one maximal span with char offsets and stage', () => {
    const text = 'Our model wrote: Epsilon zeta, eta theta iota kappa lambda mu nu! and then something new entirely.';
    const lookup = lookupBookSpans(table, text);
    expect(chunksToFetch([lookup], 4)).toEqual(new Set([0, 1, 2]));
    const spans = new BookSpanResolver(chunks).resolve(text, lookup);
    expect(spans).toEqual([
      {
        char_start: text.indexOf('Epsilon'),
        char_end: text.indexOf('!'),
        words: 9,
        chunk_idx: 0,
        stage: 'pretrain',
        text: 'Epsilon zeta, eta theta iota kappa lambda mu nu',
      },
    ]);
  });

  it('ignores runs shorter than the minimum and text the corpus does not have', () => {
    const text = 'the cat sat on the mat and then the moon rose over a quiet town';
    const spans = new BookSpanResolver(chunks).resolve(text, lookupBookSpans(table, text));
    expect(spans.map((s) => s.words)).toEqual([]); // "the cat sat on the mat" is 6 words
    const long = 'x: the cat sat on the mat while the dog slept. y';
    expect(new BookSpanResolver(chunks).resolve(long, lookupBookSpans(table, long))).toMatchObject([{ words: 10, stage: 'sft', chunk_idx: 3 }]);
  });
});

describe('token logprobs', () => {
  const text = 'Hello world. Bye.';
  /** The logprobs of a row's first output, found as annotate finds them (pipeline/model-output.ts). */
  const tokenLogprobs = (row: Record<string, unknown>, t: string) => {
    const e = modelOutputs(row);
    return fromSource('error' in e ? null : e.outputs[0].logprobs, t);
  };
  it('aligns chat, completion and vLLM logprobs to character offsets and averages them per sentence', () => {
    const chat = {
      choices: [
        {
          message: { content: text },
          logprobs: { content: [' ', 'Hello', ' world', '.', ' Bye', '.'].slice(1).map((t, i) => ({ token: t, logprob: -(i + 1) })) },
        },
      ],
    };
    const t = tokenLogprobs(chat, text)!;
    expect(t.map((x) => [x.start, x.end])).toEqual([
      [0, 5],
      [5, 11],
      [11, 12],
      [12, 16],
      [16, 17],
    ]);
    expect(meanLogprob(t, 0, 12)).toBe(-2);
    expect(meanLogprob(t, 13, 17)).toBe(-4.5);
    const completion = {
      choices: [{ text, logprobs: { tokens: ['Hello', ' world', '.', ' Bye', '.'], token_logprobs: [-1, -2, -3, -4, -5], text_offset: [7, 12, 18, 19, 23] } }],
    };
    expect(meanLogprob(tokenLogprobs(completion, text), 13, 17)).toBe(-4.5);
    const vllm = {
      outputs: [
        {
          text,
          token_ids: [5, 6, 7, 8, 7],
          logprobs: [
            { 5: { logprob: -1, decoded_token: 'Hello' } },
            { 6: { logprob: -2, decoded_token: ' world' } },
            { 7: { logprob: -3, decoded_token: '.' } },
            { 8: { logprob: -4, decoded_token: ' Bye' }, 9: { logprob: -9, decoded_token: 'x' } },
            { 7: { logprob: -5, decoded_token: '.' } },
          ],
        },
      ],
    };
    expect(meanLogprob(tokenLogprobs(vllm, text), 0, 12)).toBe(-2);
    // A Responses API object with output_text logprobs reads like a chat choice.
    const responses = {
      object: 'response',
      output: [
        { type: 'reasoning', summary: [] },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text, logprobs: chat.choices[0].logprobs.content }] },
      ],
    };
    expect(meanLogprob(tokenLogprobs(responses, text), 13, 17)).toBe(-4.5);
  });

  it('gives null, never a guess, when the tokens do not spell the text or there are none', () => {
    expect(tokenLogprobs({ choices: [{ text, logprobs: { content: [{ token: 'Hi', logprob: -1 }] } }] }, text)).toBeNull();
    expect(tokenLogprobs({ output: text }, text)).toBeNull();
    expect(meanLogprob(null, 0, 5)).toBeNull();
  });
});

describe('passage window', () => {
  it('centres the best-matching run of the chunk and reports where it is in the window', () => {
    const chunk = `${'filler words here and there '.repeat(20)}the treaty of commerce lowered the tariff on wool ${'more filler text follows now '.repeat(20)}`;
    const w = passageWindow(chunk, 'The treaty lowered the tariff.', 120);
    expect(w.text.startsWith('…') && w.text.endsWith('…')).toBe(true);
    expect(w.text.slice(w.match![0], w.match![1])).toBe('the treaty of commerce lowered the tariff');
    expect(passageWindow('no shared words at all', 'Completely different.').match).toBeNull();
  });

  it('marks a copied phrase exactly, even where another stretch holds more of the sentence’s words', () => {
    // The words of the sentence are dense near the start of the chunk, out of order; the copied run comes later.
    const chunk =
      'History, we citizens escape: can we not? Not history. ' + 'Filler text. '.repeat(10) + 'Fellow-citizens, we can not escape history. We of this Congress';
    const w = passageWindow(chunk, 'Fellow-citizens, we can not escape history.', 400);
    expect(w.text.slice(w.match![0], w.match![1])).toBe('Fellow-citizens, we can not escape history');
    // Longest common run by dynamic programming, against every (i, j, length) checked by brute force.
    const a = 'a b c d x y z b c d e f'.split(' ');
    const b = 'q b c d e f a b c x'.split(' ');
    let brute = 0;
    for (let i = 0; i < a.length; i++)
      for (let j = 0; j < b.length; j++)
        for (let n = 1; i + n <= a.length && j + n <= b.length && a.slice(i, i + n).join() === b.slice(j, j + n).join(); n++) brute = Math.max(brute, n);
    expect(longestCommonRun(a, b)).toEqual({ start: 1, length: brute });
  });
});
