import { Command } from 'commander';
import { z } from 'zod';
import { CproxError } from '../../pipeline/errors.js';
import { countAndReadRow } from '../annotate/annotated-file.js';
import { formatCompact, formatShow } from '../annotate/format-show.js';
import { int, parseOptions } from '../options.js';

const ShowOptions = z.object({
  annotatedFile: z.string().min(1),
  index: int(z.number().min(0)),
  showChunks: z.boolean().default(false),
  compact: z.boolean().default(false),
});

export function useColor(): boolean {
  return Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
}

export function showCommand(): Command {
  return new Command('show')
    .summary('pretty-print one annotated output, chess-engine style')
    .description(
      'Print one row of an annotated file: each sentence with its best-matching clusters, as ' +
        '"[rank] top-level › cluster (d=distance, stage)", then an interpretation: the mean rank-1 distance graded ' +
        "HIGH / MEDIUM / LOW against the index's own calibration (the median and 90th percentile distance of " +
        'sentences taken from the corpus itself). Colour only on a terminal; NO_COLOR disables it.',
    )
    .requiredOption('--annotated-file <file>', 'JSONL written by `annotate`')
    .option('--index <n>', 'which row to show (0-based)', '0')
    .option('--show-chunks', 'also print the nearest corpus chunk of each sentence')
    .option('--compact', 'one line: the output and its top clusters')
    .addHelpText('after', '\nExample:\n  $ corpus-proximity show --annotated-file annotated.jsonl --index 0 --show-chunks\n')
    .action(async (raw) => {
      const o = parseOptions(ShowOptions, raw, 'show');
      const { total, row } = await countAndReadRow(o.annotatedFile, o.index);
      if (!row) {
        throw new CproxError('BAD_INPUT', `--index ${o.index} is out of range: ${o.annotatedFile} has ${total} row(s)`, {
          hint: total ? `use an index from 0 to ${total - 1}` : 'the file is empty; annotate some outputs first',
        });
      }
      process.stdout.write((o.compact ? formatCompact(row) : formatShow(row, { showChunks: o.showChunks, color: useColor() })) + '\n');
    });
}
