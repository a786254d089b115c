/**
 * Chess-engine rendering of a row annotated with per-sentence verdicts (annotation format 2): the text with its
 * book spans marked, then per sentence a verdict glyph, the verdict, percentile and distance, the stage
 * probabilities, the voted cluster and the supporting passage with the match marked; then the row's summary.
 * Colour on a terminal; under NO_COLOR book spans and matches are marked with brackets.
 */
import pc from 'picocolors';
import type { RowSummary, SentenceAnnotation } from '../../pipeline/attribution/annotate.js';
import type { Verdict } from '../../pipeline/attribution/verdict.js';
import type { BookSpan } from '../../pipeline/verbatim/book-spans.js';

export interface SentencesView {
  text: string;
  sentences: SentenceAnnotation[];
  bookSpans: BookSpan[];
  summary: RowSummary | null;
  cutoffs: { known: number; near: number; unknown: number | null; function?: number | null } | null;
}

export const VERDICT_GLYPH: Record<Verdict, string> = { book: '■', known: '●', near: '◐', novel: '○' };
const pct = (x: number) => `${Math.round(x * 100)}%`;

/** `text` with [from, to) ranges marked: coloured, or in «» brackets without colour. */
function mark(text: string, ranges: ReadonlyArray<[number, number]>, color: boolean, paint: (s: string) => string): string {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const r of sorted) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  let out = '';
  let at = 0;
  for (const [a, b] of merged) {
    out += text.slice(at, a) + (color ? paint(text.slice(a, b)) : `[${text.slice(a, b)}]`);
    at = b;
  }
  return out + text.slice(at);
}

export function formatSentences(view: SentencesView, opts: { color: boolean; showChunks: boolean }): string {
  const c = pc.createColors(opts.color);
  const paintVerdict: Record<Verdict, (s: string) => string> = { book: c.magenta, known: c.green, near: c.yellow, novel: c.red };
  const flat = view.text.replace(/\s/g, ' ');
  const lines = [
    '',
    c.bold('Model Output:') + c.dim('  (book spans: text found verbatim in the corpus)'),
    `"${mark(
      flat,
      view.bookSpans.map((b) => [b.char_start, b.char_end]),
      opts.color,
      (s) => c.underline(c.magenta(s)),
    )}"`,
    '',
    c.bold('📍 Sentences:') +
      c.dim(
        `  ${Object.entries(VERDICT_GLYPH)
          .map(([v, g]) => `${g} ${v}`)
          .join('  ')}`,
      ),
  ];
  view.sentences.forEach((s, i) => {
    const last = i === view.sentences.length - 1;
    const bar = last ? '   ' : '│  ';
    lines.push(`  ${last ? '└─' : '├─'} ${paintVerdict[s.verdict](VERDICT_GLYPH[s.verdict])} "${s.text.replace(/\s+/g, ' ')}"`);
    const where = s.percentile === null ? '' : ` · p${Math.round(s.percentile)}`;
    // A novel sentence's vote is shown only with --show-chunks: nothing in the corpus is close enough to name a stage.
    const probs = Object.entries(s.verdict === 'novel' && !opts.showChunks ? {} : s.stage_probs)
      .filter(([, p]) => p >= 0.005)
      .map(([st, p]) => (st === s.stage ? c.bold(`${st} ${pct(p)}`) : `${st} ${pct(p)}`))
      .join(', ');
    const book = s.book_coverage > 0 ? ` · ${pct(s.book_coverage)} in book spans` : '';
    const logprob = s.avg_logprob === null ? '' : ` · logprob ${s.avg_logprob.toFixed(2)}`;
    lines.push(`  ${bar}   ${paintVerdict[s.verdict](s.verdict)}${where} · d=${s.distance.toFixed(3)}${book}${logprob}${probs ? ` · ${probs}` : ''}`);
    if (s.cluster_name) {
      const path = s.cluster_path.length > 1 ? `${c.dim(s.cluster_path.slice(0, -1).join(' › ') + ' › ')}` : '';
      lines.push(`  ${bar}   ${path}${c.cyan(s.cluster_name)} ${c.dim(`(${pct(s.cluster_prob)} of the vote)`)}`);
    }
    if (s.nearest_chunk_text !== null && (opts.showChunks || s.verdict !== 'novel')) {
      const passage = mark(s.nearest_chunk_text.replace(/\s/g, ' '), s.nearest_chunk_match ? [s.nearest_chunk_match] : [], opts.color, c.bold);
      const from = [s.nearest_chunk_idx !== null ? `chunk ${s.nearest_chunk_idx}` : '', s.source ?? ''].filter(Boolean).join(', ');
      lines.push(`  ${bar}   ${c.dim(`Corpus (${from}):`)} ${c.dim('"')}${passage}${c.dim('"')}`);
    }
  });
  lines.push('', c.bold('🎯 Summary:'));
  const sm = view.summary;
  if (!sm || sm.sentences === 0) {
    lines.push('  No sentences to annotate (the output is empty).', '');
    return lines.join('\n');
  }
  const verdicts = (Object.keys(VERDICT_GLYPH) as Verdict[])
    .filter((v) => sm.verdicts[v])
    .map((v) => `${v} ${sm.verdicts[v]}`)
    .join(', ');
  const mix = Object.entries(sm.stage_mix)
    .map(([st, p]) => `${st} ${pct(p)}`)
    .join(', ');
  lines.push(`  ${sm.sentences} sentence${sm.sentences === 1 ? '' : 's'}: ${verdicts}`);
  lines.push(`  Stage mix: ${mix}`);
  lines.push(`  ${pct(sm.book_fraction)} of the words are in book spans; mean distance ${sm.mean_distance?.toFixed(3) ?? '–'}`);
  if (view.cutoffs) {
    const u =
      (view.cutoffs.unknown === null ? '' : `, or more than ${pct(view.cutoffs.unknown)} of the sentence on unknown words`) +
      (view.cutoffs.function == null ? '' : `, or under ${pct(view.cutoffs.function)} of its words the corpus's function words`);
    lines.push(
      c.dim(
        `  Verdicts: known ≤ ${view.cutoffs.known.toFixed(3)}, near ≤ ${view.cutoffs.near.toFixed(3)}, novel beyond${u} (this index's leave-document-out calibration)`,
      ),
    );
  }
  lines.push('');
  return lines.join('\n');
}
