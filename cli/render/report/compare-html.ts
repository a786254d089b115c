/**
 * `compare --output cmp.html`: the comparison as one self-contained HTML page (no network): every metric's base,
 * head and change with its 95% bootstrap interval, drawn as a forest plot in inline SVG; the clusters that moved;
 * the rows whose book spans appeared or disappeared; the bounds.
 */
import nunjucks from 'nunjucks';
import { formatChange, formatMetric, type BoundResult } from '../../../pipeline/annotated/bounds.js';
import type { Comparison, Delta } from '../../../pipeline/annotated/compare.js';
import { reportAssetDir } from './render.js';

const signed = formatChange;

/** One forest-plot line per delta: the interval as a bar and the point, on an axis symmetric around 0. */
function forest(deltas: readonly Delta[], label: (d: Delta) => string) {
  const W = 360;
  const reach = Math.max(1e-9, ...deltas.flatMap((d) => [Math.abs(d.delta), ...(d.ci ? d.ci.map(Math.abs) : [])]));
  const x = (v: number) => W / 2 + (v / reach) * (W / 2 - 10);
  return {
    width: W,
    height: deltas.length * 22 + 24,
    zero: x(0),
    rows: deltas.map((d, i) => ({
      y: i * 22 + 12,
      label: label(d),
      base: formatMetric(d.base),
      head: formatMetric(d.head),
      delta: signed(d.delta),
      interval: d.ci ? `[${signed(d.ci[0])}, ${signed(d.ci[1])}]` : '',
      clear: !!d.ci && (d.ci[0] > 0 || d.ci[1] < 0),
      x: x(d.delta),
      lo: d.ci ? x(d.ci[0]) : x(d.delta),
      hi: d.ci ? x(d.ci[1]) : x(d.delta),
    })),
  };
}

export function renderComparison(c: Comparison, results: readonly BoundResult[], opts: { base: string; head: string; generated: Date }): string {
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(reportAssetDir()), { autoescape: true, throwOnUndefined: true });
  const withInterval = c.metrics.filter((m) => m.ci);
  return env.render('compare.njk', {
    base: opts.base,
    head: opts.head,
    generated: opts.generated.toISOString(),
    c,
    metrics: forest(withInterval, (d) => d.metric),
    clusters: forest(c.clusters, (d) => `${d.metric.slice('cluster:'.length)} ${(d as Delta & { name?: string | null }).name ?? ''}`.trim()),
    bounds: results.map((r) => ({ ...r, value: signed(r.value), bound: formatMetric(r.bound) })),
    failed: results.filter((r) => !r.ok).length,
  });
}
