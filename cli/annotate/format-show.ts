/** Chess-engine style rendering of one annotated row (as the original Python plan formats it), plus the one-line compact form. */
import pc from 'picocolors';
import type { ClusterAnnotation } from '../../pipeline/attribution/annotate.js';
import { formatSentences, type SentencesView } from './format-sentences.js';

export interface Thresholds {
  high: number;
  medium: number;
  /** Where the cut-offs come from, shown to the reader. */
  source: string;
}

/** The original Python plan's fixed cut-offs, used only when the index carried no calibration. */
export const SEED_THRESHOLDS: Thresholds = { high: 0.15, medium: 0.3, source: 'the original Python plan’s fixed cut-offs (uncalibrated)' };

export interface ShowInput {
  /** Rows of annotation format 2 carry per-sentence verdicts; `show` renders those (format-sentences.ts). */
  sentences: SentencesView | null;
  text: string;
  annotations: ClusterAnnotation[];
  thresholds: Thresholds;
}

type Colors = ReturnType<typeof pc.createColors>;

function grade(avg: number, t: Thresholds): { level: 'HIGH' | 'MEDIUM' | 'LOW'; text: string } {
  if (avg <= t.high) return { level: 'HIGH', text: 'Model output closely matches training corpus - likely grounded response.' };
  if (avg <= t.medium) return { level: 'MEDIUM', text: 'Model output moderately close to training corpus - possible extrapolation.' };
  return { level: 'LOW', text: 'Model output far from training corpus - likely hallucination or novel generation.' };
}

/** Annotations grouped by sentence, in the order the sentences appear (the original Python plan sorted them alphabetically). */
export function groupBySpan(annotations: ClusterAnnotation[]): Array<[string, ClusterAnnotation[]]> {
  const groups: Array<[string, ClusterAnnotation[]]> = [];
  for (const a of annotations) {
    const last = groups[groups.length - 1];
    if (last && last[0] === a.text_span && a.rank > last[1][last[1].length - 1].rank) last[1].push(a);
    else groups.push([a.text_span, [a]]);
  }
  return groups;
}

export function formatShow(input: ShowInput, opts: { showChunks: boolean; color: boolean }): string {
  const c: Colors = pc.createColors(opts.color);
  const lines: string[] = ['', c.bold('Model Output:'), `"${input.text}"`, '', c.bold('📍 Source Analysis:')];
  const groups = groupBySpan(input.annotations);
  groups.forEach(([span, anns], gi) => {
    lines.push(`  ${gi === groups.length - 1 ? '└─' : '├─'} "${span}"`);
    for (const a of anns) {
      const stage = a.corpus_stage ? `, ${a.corpus_stage}` : '';
      const verbatim = a.verbatim ? c.green(' ✓ verbatim') : '';
      // The top-level cluster gives the leaf's name its context: "World, Nations, Peace › Weapons, Treaty".
      const path = a.cluster_path ?? [];
      const top = path.length > 1 ? `${path[0]} › ` : '';
      const name = `${c.dim(top)}${a.rank === 1 ? c.cyan(a.cluster_name) : a.cluster_name}`;
      lines.push(`     [${a.rank}] ${name} ${c.dim(`(d=${a.distance.toFixed(3)}${stage})`)}${verbatim}`);
    }
    if (opts.showChunks && anns.length) lines.push(c.dim(`     Corpus: "${anns[0].nearest_chunk_text.replace(/\s+/g, ' ')}..."`));
    lines.push('');
  });
  const top = input.annotations.filter((a) => a.rank === 1);
  lines.push(c.bold('🎯 Interpretation:'));
  if (top.length === 0) {
    lines.push('  No sentences to annotate (the output is empty).', '');
    return lines.join('\n');
  }
  const avg = top.reduce((s, a) => s + a.distance, 0) / top.length;
  const verbatim = top.filter((a) => a.verbatim).length;
  // A sentence found word for word in the corpus is grounded whatever its cosine distance to a 256-token chunk:
  // it counts as an exact match (0) in the grade.
  const graded = top.reduce((s, a) => s + (a.verbatim ? 0 : a.distance), 0) / top.length;
  const g = grade(graded, input.thresholds);
  const paint = g.level === 'HIGH' ? c.green : g.level === 'MEDIUM' ? c.yellow : c.red;
  const adjusted = verbatim ? `; ${graded.toFixed(3)} with verbatim sentences as exact matches` : '';
  lines.push(`  Average distance: ${avg.toFixed(3)}${adjusted} (${paint(`${g.level} confidence`)})`);
  lines.push(`  ${g.text}`);
  if (verbatim)
    lines.push(`  ${verbatim} of ${top.length} sentence${top.length === 1 ? '' : 's'} appear${verbatim === 1 ? 's' : ''} verbatim in the training corpus.`);
  const stages = new Map<string, number>();
  for (const a of top) stages.set(a.corpus_stage ?? 'unstaged', (stages.get(a.corpus_stage ?? 'unstaged') ?? 0) + 1);
  lines.push(`  Nearest stage per sentence: ${[...stages].map(([s, n]) => `${s} ${n}`).join(', ')}`);
  lines.push(c.dim(`  Cut-offs: HIGH ≤ ${input.thresholds.high.toFixed(3)}, MEDIUM ≤ ${input.thresholds.medium.toFixed(3)} (${input.thresholds.source})`));
  lines.push('');
  return lines.join('\n');
}

export function formatCompact(input: ShowInput): string {
  const top = input.annotations.filter((a) => a.rank === 1).slice(0, 3);
  const clusters = top.map((a) => `${a.cluster_name} (${a.distance.toFixed(2)})`).join(', ');
  const text = input.text.replace(/\s+/g, ' ');
  const preview = text.length > 60 ? `${text.slice(0, 60)}...` : text;
  return `"${preview}" → ${clusters || '(no sentences)'}`;
}

/** One row as `show` and `demo` print it: per-sentence verdicts when the row has them, else the seed's rank list. */
export function formatRow(input: ShowInput, opts: { showChunks: boolean; color: boolean }): string {
  return input.sentences ? formatSentences(input.sentences, opts) : formatShow(input, opts);
}
