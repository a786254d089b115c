import { Command } from 'commander';
import { failureLines, parseBounds } from '../../pipeline/annotated/bounds.js';
import { aggregate } from '../../pipeline/annotated/metrics.js';
import { readAnnotated } from '../../pipeline/annotated/read.js';
import { consoleReporter } from '../../pipeline/reporter.js';
import { addOptions, parseOptions } from '../options/register.js';
import { CHECK_OPTIONS } from '../options/table.js';
import { formatGate, gate, gateTitle } from '../render/gate.js';

export function checkCommand(): Command {
  return addOptions(
    new Command('check')
      .summary('gate a CI job on metrics of an annotated file (exit 1 when a bound fails)')
      .description(
        'Compute file-level metrics over every row of an annotated file and check them against bounds. Metrics: ' +
          'book_fraction (words inside book spans ÷ all words), rows_with_book_spans (share of rows), novel_fraction ' +
          '(share of sentences whose verdict is novel), mean_distance (of sentences to their supporting chunks), ' +
          'stage:<name> (share of all sentences, novel ones included, voted to that stage), rows. Exit 0 when every ' +
          'bound holds, 1 when one fails (each failure printed with its value and bound), 2 on bad input (a file ' +
          'annotated before per-sentence verdicts existed must be annotated again). `annotate` takes the same ' +
          '--max/--min to annotate and gate in one command.',
      ),
    CHECK_OPTIONS,
  )
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  $ corpus-proximity check --annotated-file annotated.jsonl --max book_fraction=0.05 --min stage:sft=0.2\n' +
        '  $ corpus-proximity check --annotated-file annotated.jsonl --max novel_fraction=0.5 --summary-md "$GITHUB_STEP_SUMMARY"\n' +
        '  $ corpus-proximity check --annotated-file annotated.jsonl --json | jq .metrics\n',
    )
    .action(async (raw) => {
      const o = parseOptions('check', CHECK_OPTIONS, raw);
      const bounds = parseBounds(o.max, o.min, 'check');
      const reporter = consoleReporter({ quiet: o.quiet });
      const rows = await readAnnotated(o.annotatedFile);
      const m = aggregate(rows.map((r) => r.facts));
      const name = o.annotatedFile === '-' ? '<stdin>' : o.annotatedFile;
      const g = await gate(m, bounds, { reporter, summaryMd: o.summaryMd, summaryTitle: `corpus-proximity check: ${name}` });
      if (o.json) {
        process.stdout.write(
          JSON.stringify({ file: name, rows: m.rows, sentences: m.sentences, words: m.words, metrics: g.metrics, bounds: g.results, ok: g.ok }) + '\n',
        );
      } else if (!o.quiet) {
        process.stdout.write(formatGate(gateTitle(`check ${name}`, m), g) + '\n');
      } else {
        for (const f of failureLines(g.results)) process.stderr.write(`check failed: ${f}\n`);
      }
    });
}
