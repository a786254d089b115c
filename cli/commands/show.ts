import { Command } from 'commander';
import { CproxError } from '../../pipeline/errors.js';
import { countAndReadRow } from '../annotate/annotated-file.js';
import { formatCompact, formatRow } from '../annotate/format-show.js';
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
        'Print one row of an annotated file, chess-engine style: the text with its book spans (runs found verbatim ' +
          'in the corpus) marked, then each sentence with its verdict glyph (■ book, ● known, ◐ near, ○ novel), ' +
          "its percentile among unseen in-domain text (the index's leave-document-out calibration), its distance, " +
          'the stage probabilities of the neighbourhood vote, the voted cluster and the supporting corpus passage ' +
          'with the match marked; then the row summary. Colour only on a terminal; under NO_COLOR book spans and ' +
          'matches are shown in [brackets]. Files annotated before per-sentence verdicts existed are shown in the ' +
          'older rank list with HIGH / MEDIUM / LOW grading.',
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
      const view = { showChunks: o.showChunks, color: useColor() };
      const text = o.compact ? formatCompact(row) : formatRow(row, view);
      process.stdout.write(text + '\n');
    });
}
