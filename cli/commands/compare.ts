import { Command } from 'commander';
import { evaluate, parseBounds } from '../../pipeline/annotated/bounds.js';
import { compareRuns, pairRows } from '../../pipeline/annotated/compare.js';
import { readAnnotated } from '../../pipeline/annotated/read.js';
import { assertWritableFile, writeFileAtomic } from '../../pipeline/atomic-file.js';
import { consoleReporter } from '../../pipeline/reporter.js';
import { renderComparison } from '../render/report/compare-html.js';
import { addOptions, parseOptions } from '../options/register.js';
import { COMPARE_OPTIONS } from '../options/table.js';
import { appendSummary } from '../render/gate.js';
import { comparisonMarkdown, formatComparison } from '../render/compare-text.js';

export function compareCommand(): Command {
  return addOptions(
    new Command('compare')
      .summary('compare two annotated runs: metric deltas with bootstrap intervals')
      .description(
        'Compare two annotated runs of the same prompts (e.g. two checkpoints): rows are paired by order, or by --key ' +
          '(plus choice_index when rows carry one). For every metric of `check` (book_fraction, rows_with_book_spans, ' +
          'novel_fraction, mean_distance, stage:<name>) it prints base, head, the change head − base and its 95% ' +
          'interval from a paired bootstrap over the row pairs; then the clusters that gained or lost the most share ' +
          'of sentences, and the rows whose book spans appeared or disappeared. Bounds on the changes ' +
          '(--max delta:book_fraction=0.01) exit 1 when one fails.',
      ),
    COMPARE_OPTIONS,
  )
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  $ corpus-proximity compare --base step1000.annotated.jsonl --head step2000.annotated.jsonl --output cmp.html\n' +
        '  $ corpus-proximity compare --base a.jsonl --head b.jsonl --key id --max delta:book_fraction=0.01 --summary-md "$GITHUB_STEP_SUMMARY"\n',
    )
    .action(async (raw) => {
      const o = parseOptions('compare', COMPARE_OPTIONS, raw);
      const bounds = parseBounds(o.max, o.min, 'compare', 'delta:');
      if (o.output) await assertWritableFile(o.output);
      const reporter = consoleReporter({});
      if (o.base === '-' && o.head === '-') reporter.warn('--base and --head are both stdin');
      const base = await readAnnotated(o.base);
      const head = await readAnnotated(o.head);
      const pairing = pairRows(base, head, { base: o.base, head: o.head }, o.key);
      if (pairing.onlyBase.length || pairing.onlyHead.length)
        reporter.warn(`${pairing.onlyBase.length} base row(s) and ${pairing.onlyHead.length} head row(s) have no partner by --key ${o.key}; they are left out`);
      const c = compareRuns(base, head, pairing, { resamples: o.resamples });
      const stages = new Set(c.metrics.map((m) => m.metric));
      for (const b of bounds)
        if (b.metric.startsWith('delta:stage:') && !stages.has(b.metric.slice(6))) reporter.warn(`${b.metric}: neither run has that stage; its change is 0`);
      const results = evaluate(bounds, (name) => c.metrics.find((m) => `delta:${m.metric}` === name)?.delta ?? 0);
      const ok = results.every((r) => r.ok);
      if (o.json) process.stdout.write(JSON.stringify({ base: o.base, head: o.head, ...c, bounds: results, ok }) + '\n');
      else process.stdout.write(formatComparison(`compare ${o.base} → ${o.head}`, c, results) + '\n');
      if (o.output) {
        await writeFileAtomic(o.output, [renderComparison(c, results, { base: o.base, head: o.head, generated: new Date() })]);
        reporter.info(`comparison → ${o.output}`);
      }
      if (o.summaryMd) await appendSummary(o.summaryMd, comparisonMarkdown(`corpus-proximity compare: ${o.base} → ${o.head}`, c, results));
      if (!ok) process.exitCode = 1;
    });
}
