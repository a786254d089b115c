/** `compare` rendered as text (stdout) and as Markdown (--summary-md). */
import { formatChange, formatMetric, type BoundResult } from '../../pipeline/annotated/bounds.js';
import type { Comparison, Delta, SpanChange } from '../../pipeline/annotated/compare.js';

const signed = formatChange;
const interval = (d: Delta) => (d.ci ? `[${signed(d.ci[0])}, ${signed(d.ci[1])}]` : '');
/** An interval that excludes 0: the change is more than resampling noise. */
const clear = (d: Delta) => (d.ci && (d.ci[0] > 0 || d.ci[1] < 0) ? ' *' : '');
const SHOWN_ROWS = 10;

function boundCell(results: readonly BoundResult[], metric: string): { bound: string; result: string } {
  const bs = results.filter((r) => r.metric === `delta:${metric}`);
  return {
    bound: bs.map((b) => `${b.op} ${formatMetric(b.bound)}`).join(', '),
    result: bs.length ? (bs.every((b) => b.ok) ? 'ok' : 'FAILED') : '',
  };
}

function spanLines(title: string, changes: readonly SpanChange[], by: 'order' | 'key'): string[] {
  if (!changes.length) return [`${title}: none`];
  const lines = [`${title}: ${changes.length} row(s)`];
  for (const c of changes.slice(0, SHOWN_ROWS)) {
    const which = by === 'key' ? `key ${c.key}` : `row ${c.key}`;
    lines.push(
      `  ${which} (base line ${c.baseLine}, head line ${c.headLine}): ${c.spans.map((s) => JSON.stringify(s.length > 80 ? s.slice(0, 79) + '…' : s)).join(', ')}`,
    );
  }
  if (changes.length > SHOWN_ROWS) lines.push(`  … and ${changes.length - SHOWN_ROWS} more (--json lists them all)`);
  return lines;
}

export function formatComparison(title: string, c: Comparison, results: readonly BoundResult[]): string {
  const lines = [title];
  const p = c.pairing;
  lines.push(
    `${p.pairs.length} row pair(s), paired by ${p.by === 'order' ? 'row order' : 'key'}` +
      (p.onlyBase.length || p.onlyHead.length ? `; unpaired: ${p.onlyBase.length} base row(s), ${p.onlyHead.length} head row(s)` : '') +
      `; 95% intervals from ${c.resamples} paired bootstrap resamples (* the interval excludes 0)`,
    '',
  );
  const table = (rows: Array<Delta & { label: string }>) => {
    const w = Math.max(6, ...rows.map((r) => r.label.length));
    lines.push(`  ${'metric'.padEnd(w)}  ${'base'.padStart(8)}  ${'head'.padStart(8)}  ${'delta'.padStart(8)}  95% interval`);
    for (const r of rows) {
      const b = boundCell(results, r.metric);
      lines.push(
        `  ${r.label.padEnd(w)}  ${formatMetric(r.base).padStart(8)}  ${formatMetric(r.head).padStart(8)}  ${signed(r.delta).padStart(8)}  ${interval(r)}${clear(r)}` +
          (b.bound ? `   delta ${b.bound} ${b.result}` : ''),
      );
    }
  };
  table(c.metrics.map((m) => ({ ...m, label: m.metric })));
  if (c.clusters.length) {
    lines.push('', 'Clusters that gained or lost the most share of sentences:');
    table(c.clusters.map((m) => ({ ...m, label: `${m.metric.slice(8)} ${m.name ?? ''}`.trim() })));
  }
  lines.push('', ...spanLines('Book spans appeared', c.appeared, p.by), ...spanLines('Book spans disappeared', c.disappeared, p.by));
  const failed = results.filter((r) => !r.ok);
  if (results.length) {
    lines.push('', failed.length ? `${failed.length} of ${results.length} bound(s) failed:` : `all ${results.length} bound(s) hold`);
    for (const f of failed) lines.push(`  ${f.metric} = ${signed(f.value)} ${f.op === 'max' ? '>' : '<'} ${f.op} ${formatMetric(f.bound)}`);
  }
  return lines.join('\n');
}

export function comparisonMarkdown(title: string, c: Comparison, results: readonly BoundResult[]): string {
  const lines = [`### ${title}`, '', `${c.pairing.pairs.length} row pairs; 95% intervals from ${c.resamples} paired bootstrap resamples.`, ''];
  lines.push('| metric | base | head | Δ | 95% interval | bound | result |', '|---|---|---|---|---|---|---|');
  for (const m of [...c.metrics, ...c.clusters.map((x) => ({ ...x, metric: `${x.metric}${x.name ? ` (${x.name})` : ''}` }))]) {
    const b = boundCell(results, m.metric);
    const result = b.result === 'ok' ? '✅ pass' : b.result ? '❌ fail' : '';
    lines.push(`| \`${m.metric}\` | ${formatMetric(m.base)} | ${formatMetric(m.head)} | ${signed(m.delta)} | ${interval(m)} | ${b.bound} | ${result} |`);
  }
  const failed = results.filter((r) => !r.ok).length;
  lines.push(
    '',
    `Book spans appeared in ${c.appeared.length} row(s) and disappeared in ${c.disappeared.length}.`,
    '',
    results.length ? (failed ? `**${failed} of ${results.length} bound(s) failed.**` : `All ${results.length} bound(s) hold.`) : 'No bounds given.',
    '',
  );
  return lines.join('\n');
}
