/**
 * Bounds on metrics, as `check`, `annotate` and `compare` take them: `--max METRIC=VALUE` / `--min METRIC=VALUE`,
 * each repeatable. A bound holds when the value is ≤ max (≥ min). The result table is printed as text, JSON, or
 * Markdown (for $GITHUB_STEP_SUMMARY).
 */
import { CproxError } from '../errors.js';
import { SCALAR_METRICS } from './metrics.js';

export interface Bound {
  metric: string;
  op: 'max' | 'min';
  bound: number;
}

export interface BoundResult extends Bound {
  value: number;
  ok: boolean;
}

/** The metric names a bound may name, for messages: the scalars and `stage:<name>`, with `prefix` (e.g. "delta:"). */
export function metricNames(prefix = ''): string {
  return [...SCALAR_METRICS, 'stage:<name>'].map((m) => prefix + m).join(', ');
}

const METRIC = /^(?:[a-z_]+|stage:.+)$/;

/** Parses the `--max`/`--min` values; `prefix` is required on every metric name (compare: "delta:"). */
export function parseBounds(max: readonly string[], min: readonly string[], command: string, prefix = ''): Bound[] {
  const out: Bound[] = [];
  for (const [op, list] of [
    ['max', max],
    ['min', min],
  ] as const) {
    for (const raw of list) {
      const eq = raw.lastIndexOf('=');
      const metric = eq > 0 ? raw.slice(0, eq).trim() : '';
      const value = eq > 0 ? Number(raw.slice(eq + 1)) : NaN;
      const hint = `write --${op} METRIC=VALUE, e.g. --${op} ${prefix}book_fraction=0.05; metrics: ${metricNames(prefix)}`;
      if (!metric || raw.slice(eq + 1).trim() === '' || !Number.isFinite(value))
        throw new CproxError('BAD_INPUT', `${command}: invalid --${op} "${raw}": expected METRIC=NUMBER`, { hint });
      const bare = prefix && metric.startsWith(prefix) ? metric.slice(prefix.length) : prefix ? null : metric;
      if (bare === null || !METRIC.test(bare) || (!bare.startsWith('stage:') && !(SCALAR_METRICS as readonly string[]).includes(bare)))
        throw new CproxError('BAD_INPUT', `${command}: unknown metric "${metric}" in --${op} ${raw}`, { hint });
      out.push({ metric, op, bound: value });
    }
  }
  return out;
}

export function evaluate(bounds: readonly Bound[], value: (metric: string) => number): BoundResult[] {
  return bounds.map((b) => {
    const v = value(b.metric);
    return { ...b, value: v, ok: b.op === 'max' ? v <= b.bound : v >= b.bound };
  });
}

const fmt = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(4).replace(/0+$/, '').replace(/\.$/, ''));

/** One line per failed bound: "book_fraction = 0.12 > max 0.05". */
export function failureLines(results: readonly BoundResult[]): string[] {
  return results.filter((r) => !r.ok).map((r) => `${r.metric} = ${fmt(r.value)} ${r.op === 'max' ? '>' : '<'} ${r.op} ${fmt(r.bound)}`);
}

/**
 * A Markdown section: the metrics (with an optional extra column, e.g. a 95% interval) and each bound's verdict.
 */
export function markdownSummary(
  title: string,
  metrics: Record<string, number>,
  results: readonly BoundResult[],
  extra?: { header: string; cell: (metric: string) => string },
): string {
  const lines = [`### ${title}`, ''];
  const boundsOf = (m: string) => results.filter((r) => r.metric === m);
  lines.push(`| metric | value |${extra ? ` ${extra.header} |` : ''} bound | result |`, `|---|---|${extra ? '---|' : ''}---|---|`);
  const names = [...Object.keys(metrics), ...results.map((r) => r.metric).filter((m) => !(m in metrics))];
  for (const m of [...new Set(names)]) {
    const bs = boundsOf(m);
    const value = metrics[m] ?? bs[0]?.value;
    const bound = bs.map((b) => `${b.op === 'max' ? '≤' : '≥'} ${fmt(b.bound)}`).join(', ');
    const result = bs.length ? (bs.every((b) => b.ok) ? '✅ pass' : '❌ fail') : '';
    lines.push(`| \`${m}\` | ${value === undefined ? '' : fmt(value)} |${extra ? ` ${extra.cell(m)} |` : ''} ${bound} | ${result} |`);
  }
  const failed = results.filter((r) => !r.ok).length;
  lines.push(
    '',
    results.length ? (failed ? `**${failed} of ${results.length} bound(s) failed.**` : `All ${results.length} bound(s) hold.`) : 'No bounds given.',
    '',
  );
  return lines.join('\n');
}

/** A change, always signed: "+0.12", "−0.03", "±0". */
export const formatChange = (x: number) => (x > 0 ? '+' : x < 0 ? '−' : '±') + fmt(Math.abs(x));

export { fmt as formatMetric };
