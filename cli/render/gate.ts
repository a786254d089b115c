/**
 * Bounds over file-level metrics, as `check` and `annotate` apply them: the metric table printed as text (or JSON),
 * each failed bound named with its value and bound, a Markdown section appended for CI step summaries, and the
 * exit code (1 when a bound fails).
 */
import { appendFile } from 'node:fs/promises';
import { evaluate, failureLines, formatMetric, markdownSummary, type Bound, type BoundResult } from '../../pipeline/annotated/bounds.js';
import { metricTable, metricValue, type Metrics } from '../../pipeline/annotated/metrics.js';
import { CproxError } from '../../pipeline/errors.js';
import type { Reporter } from '../../pipeline/reporter.js';

export interface GateResult {
  metrics: Record<string, number>;
  results: BoundResult[];
  ok: boolean;
}

/** Evaluates the bounds; warns about a stage bound no sentence of the file has (its share is 0). */
export function applyBounds(m: Metrics, bounds: readonly Bound[], reporter: Reporter): GateResult {
  for (const b of bounds) {
    const stage = b.metric.replace(/^delta:/, '');
    if (stage.startsWith('stage:') && !(stage.slice(6) in m.stages)) {
      const seen = Object.keys(m.stages);
      reporter.warn(`${b.metric}: no sentence has stage "${stage.slice(6)}" (stages seen: ${seen.length ? seen.join(', ') : 'none'}); its share is 0`);
    }
  }
  const results = evaluate(bounds, (name) => metricValue(m, name) ?? 0);
  return { metrics: metricTable(m), results, ok: results.every((r) => r.ok) };
}

/** The metric table as aligned text, each bound's verdict beside its metric. */
export function formatGate(title: string, g: GateResult): string {
  const names = [...new Set([...Object.keys(g.metrics), ...g.results.map((r) => r.metric)])];
  const width = Math.max(...names.map((n) => n.length));
  const lines = [title];
  for (const n of names) {
    const rs = g.results.filter((r) => r.metric === n);
    const value = g.metrics[n] ?? rs[0]?.value ?? 0;
    const verdicts = rs.map((r) => `${r.op} ${formatMetric(r.bound)} ${r.ok ? 'ok' : 'FAILED'}`).join(', ');
    lines.push(`  ${n.padEnd(width)}  ${formatMetric(value).padStart(8)}${verdicts ? `   ${verdicts}` : ''}`);
  }
  if (g.results.length) {
    const failed = failureLines(g.results);
    lines.push(failed.length ? `${failed.length} of ${g.results.length} bound(s) failed:` : `all ${g.results.length} bound(s) hold`);
    for (const f of failed) lines.push(`  ${f}`);
  }
  return lines.join('\n');
}

/** "check x.jsonl: 12 row(s), 40 sentence(s), 512 word(s)": the heading of the metric table. */
export const gateTitle = (label: string, m: Metrics) => `${label}: ${m.rows} row(s), ${m.sentences} sentence(s), ${m.words} word(s)`;

/**
 * What `check` and `annotate` do with bounds: evaluate them, append the Markdown section to `summaryMd` when given,
 * and set exit code 1 when one fails. Printing is the caller's (the streams differ).
 */
export async function gate(m: Metrics, bounds: readonly Bound[], opts: { reporter: Reporter; summaryMd?: string; summaryTitle: string }): Promise<GateResult> {
  const g = applyBounds(m, bounds, opts.reporter);
  if (opts.summaryMd) await appendSummary(opts.summaryMd, markdownSummary(opts.summaryTitle, g.metrics, g.results));
  if (!g.ok) process.exitCode = 1;
  return g;
}

/** Appends the Markdown section to `file` (e.g. $GITHUB_STEP_SUMMARY). */
export async function appendSummary(file: string, markdown: string): Promise<void> {
  try {
    await appendFile(file, markdown + '\n');
  } catch (e) {
    throw new CproxError('BAD_INPUT', `cannot append to --summary-md ${file}: ${(e as Error).message}`, {
      hint: 'pass a file in a folder that exists and is writable',
      cause: e,
    });
  }
}
