/**
 * What the report's overview shows about an annotated file: the metrics of `check`, verdict counts, the stage mix,
 * a histogram of sentence distances (0–1 in DISTANCE_BINS bins, split by verdict) with the index's calibrated
 * cut-offs, and the clusters holding the most sentences.
 */
import { VERDICTS, type Verdict } from '../attribution/verdict.js';
import { aggregate, metricTable } from './metrics.js';
import type { ReadRow } from './read.js';

export const DISTANCE_BINS = 50;
const TOP_CLUSTERS = 12;

export interface Overview {
  rows: number;
  sentences: number;
  words: number;
  metrics: Record<string, number>;
  verdicts: Record<Verdict, number>;
  /** Share of sentences per voted stage, and `novel`. */
  stages: Array<{ stage: string; share: number }>;
  /** histogram[bin][verdict]: sentences with distance in [bin/DISTANCE_BINS, (bin+1)/DISTANCE_BINS). */
  histogram: Array<Record<Verdict, number>>;
  /** The index's cut-offs from the rows' annotation_metadata (null when the rows carry none, or disagree). */
  cutoffs: { known: number; near: number } | null;
  clusters: Array<{ id: string; name: string | null; path: string[]; sentences: number; share: number }>;
}

export function overview(rows: readonly ReadRow[]): Overview {
  const m = aggregate(rows.map((r) => r.facts));
  const verdicts = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
  const histogram = Array.from({ length: DISTANCE_BINS }, () => Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>);
  const clusters = new Map<string, { name: string | null; path: string[]; sentences: number }>();
  const cutoffs = new Set<string>();
  let novel = 0;
  for (const r of rows) {
    const meta = r.row.annotation_metadata as { calibration?: { cutoffs?: { known?: number; near?: number } } | null } | undefined;
    const c = meta?.calibration?.cutoffs;
    cutoffs.add(c && typeof c.known === 'number' && typeof c.near === 'number' ? `${c.known} ${c.near}` : '');
    for (const s of r.row.sentences) {
      verdicts[s.verdict]++;
      if (s.verdict === 'novel') novel++;
      const bin = Math.min(DISTANCE_BINS - 1, Math.max(0, Math.floor(s.distance * DISTANCE_BINS)));
      histogram[bin][s.verdict]++;
      if (s.cluster_id === null) continue;
      const e = clusters.get(s.cluster_id) ?? {
        name: s.cluster_name ?? null,
        path: Array.isArray(s.cluster_path) ? (s.cluster_path as string[]) : [],
        sentences: 0,
      };
      e.sentences++;
      clusters.set(s.cluster_id, e);
    }
  }
  const [only] = cutoffs;
  const [known, near] = cutoffs.size === 1 && only ? only.split(' ').map(Number) : [NaN, NaN];
  const stages = Object.entries(m.stages).map(([stage, share]) => ({ stage, share }));
  if (m.sentences) stages.push({ stage: 'novel', share: novel / m.sentences });
  return {
    rows: m.rows,
    sentences: m.sentences,
    words: m.words,
    metrics: metricTable(m),
    verdicts,
    stages,
    histogram,
    cutoffs: Number.isFinite(known) && Number.isFinite(near) ? { known, near } : null,
    clusters: [...clusters]
      .sort((a, b) => b[1].sentences - a[1].sentences || (a[0] < b[0] ? -1 : 1))
      .slice(0, TOP_CLUSTERS)
      .map(([id, e]) => ({ id, ...e, share: m.sentences ? e.sentences / m.sentences : 0 })),
  };
}
