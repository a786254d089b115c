import { Command } from 'commander';
import { CproxError } from '../../pipeline/errors.js';
import { countAndReadRow } from '../annotate/annotated-file.js';
import { formatCompact, formatShow } from '../annotate/format-show.js';
import { addOptions, parseOptions } from '../options/register.js';
import { SHOW_OPTIONS } from '../options/table.js';
import { env } from '../../pipeline/env.js';

export function useColor(): boolean {
  return Boolean(process.stdout.isTTY) && !env().noColor;
}

export function showCommand(): Command {
  return addOptions(
    new Command('show')
      .summary('pretty-print one annotated output, chess-engine style')
      .description(
        'Print one row of an annotated file: each sentence with its best-matching clusters, as ' +
          '"[rank] top-level › cluster (d=distance, stage)", then an interpretation: the mean rank-1 distance graded ' +
          "HIGH / MEDIUM / LOW against the index's own calibration (the median and 90th percentile distance of " +
          'sentences taken from the corpus itself). Colour only on a terminal; NO_COLOR disables it.',
      ),
    SHOW_OPTIONS,
  )
    .addHelpText('after', '\nExample:\n  $ corpus-proximity show --annotated-file annotated.jsonl --index 0 --show-chunks\n')
    .action(async (raw) => {
      const o = parseOptions('show', SHOW_OPTIONS, raw);
      const { total, row } = await countAndReadRow(o.annotatedFile, o.index);
      if (!row) {
        throw new CproxError('BAD_INPUT', `--index ${o.index} is out of range: ${o.annotatedFile} has ${total} row(s)`, {
          hint: total ? `use an index from 0 to ${total - 1}` : 'the file is empty; annotate some outputs first',
        });
      }
      process.stdout.write((o.compact ? formatCompact(row) : formatShow(row, { showChunks: o.showChunks, color: useColor() })) + '\n');
    });
}
