import path from 'node:path';
import { Command } from 'commander';
import { readAnnotated } from '../../pipeline/annotated/read.js';
import { assertWritableFile, writeFileAtomic } from '../../pipeline/atomic-file.js';
import { consoleReporter } from '../../pipeline/reporter.js';
import { addOptions, parseOptions } from '../options/register.js';
import { REPORT_OPTIONS } from '../options/table.js';
import { renderReport } from '../render/report/render.js';

export function reportCommand(): Command {
  return addOptions(
    new Command('report')
      .summary('write an annotated file as one self-contained HTML report')
      .description(
        'Write one static HTML file that opens offline (no network, no CDN): an overview (the metrics of `check`, ' +
          "stage mix, verdict counts, a histogram of distances against the index's calibrated cut-offs, the top " +
          'clusters) as inline SVG, then every row, 50 to a page, with its sentences coloured by verdict and its book ' +
          'spans underlined; hover a sentence for its verdict, distance and stages, click it for the cluster path, ' +
          'stage probabilities and the supporting passage with the match marked. Rows can be filtered by verdict, ' +
          'stage, book spans and text.',
      ),
    REPORT_OPTIONS,
  )
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  $ corpus-proximity report --annotated-file annotated.jsonl --output report.html\n' +
        '  $ corpus-proximity annotate --corpus-index idx --input outputs.jsonl | corpus-proximity report --annotated-file - --output report.html\n',
    )
    .action(async (raw) => {
      const o = parseOptions('report', REPORT_OPTIONS, raw);
      const reporter = consoleReporter({ quiet: o.quiet });
      await assertWritableFile(o.output);
      const rows = await readAnnotated(o.annotatedFile);
      const source = o.annotatedFile === '-' ? '<stdin>' : path.basename(o.annotatedFile);
      const html = renderReport(rows, { title: o.title ?? `corpus-proximity report: ${source}`, source, generated: new Date() });
      await writeFileAtomic(o.output, [html]);
      reporter.info(`report of ${rows.length} row(s) → ${o.output} (${(Buffer.byteLength(html) / 1e6).toFixed(2)} MB; open it in a browser, offline)`);
    });
}
