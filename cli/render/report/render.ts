/**
 * `report`: one self-contained HTML file (no network: styles, charts and script are inline). The overview charts
 * are inline SVG, laid out here and drawn by the nunjucks template (report.njk); every row travels as compact JSON
 * in the page and is drawn page by page by client.js (sentences coloured by verdict, book spans underlined, details
 * on hover and click), so 10,000 rows stay usable.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import nunjucks from 'nunjucks';
import { VERDICTS, type Verdict } from '../../../pipeline/attribution/verdict.js';
import { DISTANCE_BINS, overview, type Overview } from '../../../pipeline/annotated/overview.js';
import type { ReadRow } from '../../../pipeline/annotated/read.js';
import { firstOutputText } from '../../../pipeline/model-output.js';
import { formatMetric } from '../../../pipeline/annotated/bounds.js';
import { packageAssetDir } from '../../../pipeline/package-root.js';

export const VERDICT_COLOR: Record<Verdict, string> = { book: '#8e44ad', known: '#2e7d32', near: '#c79100', novel: '#c62828' };
const STAGE_COLORS = ['#1565c0', '#00838f', '#6a1b9a', '#ef6c00', '#558b2f', '#ad1457'];
const STAGE_FIXED: Record<string, string> = { pretrain: '#1565c0', midtrain: '#00838f', sft: '#ef6c00', novel: VERDICT_COLOR.novel };

/** The templates and the page script (cli/render/report/ in the package). */
export const reportAssetDir = () => packageAssetDir('cli/render/report', 'report.njk');

interface Bar {
  label: string;
  value: string;
  width: number;
  color: string;
  title: string;
}

const BAR_WIDTH = 300;
const pct = (x: number) => `${(x * 100).toFixed(x < 0.1 && x > 0 ? 1 : 0)}%`;

function bars(items: Array<{ label: string; share: number; color: string; title?: string }>, valueOf: (share: number) => string = pct): Bar[] {
  const max = Math.max(1e-9, ...items.map((i) => i.share));
  return items.map((i) => ({
    label: i.label,
    value: valueOf(i.share),
    width: Math.max(1, (i.share / max) * BAR_WIDTH),
    color: i.color,
    title: i.title ?? `${i.label}: ${valueOf(i.share)}`,
  }));
}

/** Stacked histogram columns (one rect per verdict and bin) and the cut-off lines, in a 600 × 160 box. */
function histogram(o: Overview) {
  const W = 600;
  const H = 160;
  const max = Math.max(1, ...o.histogram.map((b) => VERDICTS.reduce((t, v) => t + b[v], 0)));
  const bw = W / DISTANCE_BINS;
  const rects: Array<{ x: number; y: number; w: number; h: number; color: string; title: string }> = [];
  o.histogram.forEach((bin, i) => {
    let y = H;
    for (const v of VERDICTS) {
      if (!bin[v]) continue;
      const h = (bin[v] / max) * (H - 10);
      y -= h;
      const lo = i / DISTANCE_BINS;
      rects.push({
        x: i * bw + 0.5,
        y,
        w: bw - 1,
        h,
        color: VERDICT_COLOR[v],
        title: `d ${lo.toFixed(2)}–${(lo + 1 / DISTANCE_BINS).toFixed(2)}: ${bin[v]} ${v}`,
      });
    }
  });
  const lines = o.cutoffs
    ? [
        { x: o.cutoffs.known * W, label: `known ≤ ${o.cutoffs.known.toFixed(3)}` },
        { x: o.cutoffs.near * W, label: `near ≤ ${o.cutoffs.near.toFixed(3)}` },
      ]
    : [];
  return { width: W, height: H, rects, lines, ticks: [0, 0.25, 0.5, 0.75, 1].map((t) => ({ x: t * W, label: String(t) })) };
}

type SentenceOut = [
  number,
  number,
  Verdict,
  string | null,
  Record<string, number>,
  string[],
  number,
  number,
  number | null,
  string | null,
  [number, number] | null,
  string | null,
  string | null,
  number | null,
];

/** A row as the page script reads it: text, sentences and book spans, in arrays to keep 10,000 rows small. */
function rowPayload(r: ReadRow, i: number) {
  const s = r.row.sentences;
  let text = firstOutputText(r.row) ?? '';
  let offsets = s.map((x) => [Number(x.char_start), Number(x.char_end)]);
  // Offsets index the annotated text; without it (or if it does not match), the sentences alone are shown.
  const fits = s.every((x, k) => text.slice(offsets[k][0], offsets[k][1]) === x.text);
  if (!fits) {
    text = s.map((x) => x.text).join(' ');
    let at = 0;
    offsets = s.map((x) => {
      const o = [at, at + x.text.length];
      at += x.text.length + 1;
      return o;
    });
  }
  const num = (v: unknown) => (typeof v === 'number' ? v : null);
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  const sentences: SentenceOut[] = s.map((x, k) => [
    offsets[k][0],
    offsets[k][1],
    x.verdict,
    x.stage,
    (x.stage_probs as Record<string, number> | undefined) ?? {},
    Array.isArray(x.cluster_path) ? (x.cluster_path as string[]) : [],
    num(x.cluster_prob) ?? 0,
    x.distance,
    num(x.percentile),
    str(x.nearest_chunk_text),
    Array.isArray(x.nearest_chunk_match) ? (x.nearest_chunk_match as [number, number]) : null,
    str(x.source),
    str(x.doc_id),
    num(x.nearest_chunk_idx),
  ]);
  // Book spans index the annotated text too: without it they cannot be placed.
  const spans = fits ? r.row.book_spans.map((b) => [b.char_start, b.char_end, str(b.stage), num(b.chunk_idx)]) : [];
  return { n: i, line: r.line, t: text, s: sentences, b: spans };
}

/** JSON inside <script>: nothing in it may close the element or break the line. */
const scriptJson = (v: unknown) =>
  JSON.stringify(v)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');

export function renderReport(rows: readonly ReadRow[], opts: { title: string; source: string; generated: Date }): string {
  const o = overview(rows);
  const stageNames = o.stages.map((s) => s.stage);
  const stageColor = (s: string, i: number) => STAGE_FIXED[s] ?? STAGE_COLORS[i % STAGE_COLORS.length];
  const colors = Object.fromEntries(stageNames.map((s, i) => [s, stageColor(s, i)]));
  const dir = reportAssetDir();
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(dir), { autoescape: true, throwOnUndefined: true });
  return env.render('report.njk', {
    title: opts.title,
    source: opts.source,
    generated: opts.generated.toISOString(),
    o,
    metrics: Object.entries(o.metrics).map(([k, v]) => ({ name: k, value: formatMetric(v) })),
    stageBars: bars(o.stages.map((s) => ({ label: s.stage, share: s.share, color: colors[s.stage] }))),
    verdictBars: bars(
      VERDICTS.map((v) => ({
        label: v,
        share: o.sentences ? o.verdicts[v] / o.sentences : 0,
        color: VERDICT_COLOR[v],
        title: `${v}: ${o.verdicts[v]} sentence(s)`,
      })),
      (x) => `${Math.round(x * o.sentences)} (${pct(x)})`,
    ),
    clusterBars: bars(
      o.clusters.map((c) => ({ label: c.name ?? c.id, share: c.share, color: '#455a64', title: `${c.id} ${c.path.join(' › ')}: ${c.sentences} sentence(s)` })),
    ),
    hist: histogram(o),
    verdictColors: VERDICT_COLOR,
    rowsJson: scriptJson(rows.map(rowPayload)),
    metaJson: scriptJson({ stageColors: colors, verdictColors: VERDICT_COLOR, cutoffs: o.cutoffs }),
    client: readFileSync(path.join(dir, 'client.js'), 'utf8'),
  });
}
