import path from 'node:path';
import { Command } from 'commander';
import { writeFileAtomic } from '../../pipeline/atomic-file.js';
import { loadIndex } from '../../pipeline/corpus-index/load.js';
import { consoleReporter } from '../../pipeline/reporter.js';
import { annotateRows, DEFAULT_NEIGHBOURS } from '../../pipeline/attribution/annotate.js';
import { parseAnnotatedLine } from '../annotate/annotated-file.js';
import { formatRow } from '../annotate/format-show.js';
import { modelOutputs } from '../../pipeline/model-output.js';
import { readAnnotated } from '../../pipeline/annotated/read.js';
import { renderReport } from '../render/report/render.js';
import { buildDemoIndex, DEMO_OUTPUTS } from '../demo/corpus.js';
import { addOptions, parseOptions } from '../options/register.js';
import { DEMO_OPTIONS } from '../options/table.js';
import { useColor } from './show.js';

export function demoCommand(): Command {
  return addOptions(
    new Command('demo')
      .summary('build a demo index over US State of the Union addresses and annotate sample outputs')
      .description(
        'The quick start, offline: writes the bundled public-domain corpus (US State of the Union addresses ' +
          '1790–2021; pretrain ≤ 1900, midtrain 1901–1980, sft ≥ 1981) as JSONL, builds an index over it with the ' +
          'default settings, annotates a handful of sample model outputs and shows each one. Rerunning reuses the ' +
          'finished stages. Everything lands in --output: corpus/, store/, index/, outputs.jsonl, annotated.jsonl.',
      ),
    DEMO_OPTIONS,
  )
    .addHelpText('after', '\nExamples:\n' + '  $ corpus-proximity demo\n' + '  $ corpus-proximity demo --output /tmp/cprox-demo --show-chunks --quiet\n')
    .action(async (raw) => {
      const o = parseOptions('demo', DEMO_OPTIONS, raw);
      const reporter = consoleReporter({ quiet: o.quiet });
      const dir = path.resolve(o.output);
      const indexDir = await buildDemoIndex(dir, reporter);
      const outputsFile = path.join(dir, 'outputs.jsonl');
      await writeFileAtomic(
        outputsFile,
        DEMO_OUTPUTS.map((r) => `${JSON.stringify(r)}\n`),
      );
      const index = await loadIndex(indexDir);
      const rows = DEMO_OUTPUTS.map((row, i) => {
        const found = modelOutputs(row);
        const first = 'error' in found ? { text: '', logprobs: null } : found.outputs[0];
        return { line: i + 1, row: { ...row }, text: first.text, logprobs: first.logprobs };
      });
      const annotated = await annotateRows(index, rows, { k: 3, neighbours: DEFAULT_NEIGHBOURS, phraseLevel: true, indexPath: indexDir }).finally(() =>
        index.close(),
      );
      const annotatedFile = path.join(dir, 'annotated.jsonl');
      const lines = annotated.map((r) => JSON.stringify(r));
      await writeFileAtomic(
        annotatedFile,
        lines.map((l) => `${l}\n`),
      );
      lines.forEach((line, i) => {
        process.stdout.write(
          `\n━━━ output ${i} ━━━` + formatRow(parseAnnotatedLine(annotatedFile, i + 1, line), { showChunks: o.showChunks, color: useColor() }) + '\n',
        );
      });
      const reportFile = path.join(dir, 'report.html');
      const read = await readAnnotated(annotatedFile);
      await writeFileAtomic(reportFile, [renderReport(read, { title: 'corpus-proximity demo', source: path.basename(annotatedFile), generated: new Date() })]);
      const rel = (p: string) => path.relative(process.cwd(), p) || '.';
      reporter.info(
        `\nFiles: ${indexDir} (index), ${outputsFile}, ${annotatedFile}\n` +
          `Report: ${reportFile} (open it in a browser; it needs no network)\n` +
          `Try: corpus-proximity show --annotated-file ${rel(annotatedFile)} --row 0 --show-chunks\n` +
          `     corpus-proximity check --annotated-file ${rel(annotatedFile)} --max book_fraction=0.5`,
      );
    });
}
