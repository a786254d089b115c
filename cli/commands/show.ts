import { Command } from 'commander';
import { jsonRows } from '../../pipeline/annotated/read.js';
import { CproxError } from '../../pipeline/errors.js';
import { showInputOf } from '../annotate/annotated-file.js';
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
      .summary('pretty-print annotated outputs, chess-engine style')
      .description(
        'Print a row of an annotated file (or every row with --all), chess-engine style: the text with its book spans ' +
          '(runs found verbatim in the corpus) marked, then each sentence with its verdict glyph (■ book, ● known, ◐ near, ○ novel), ' +
          "its percentile among unseen in-domain text (the index's leave-document-out calibration), its distance, " +
          'the stage probabilities of the neighbourhood vote, the voted cluster and the supporting corpus passage ' +
          'with the match marked; then the row summary. Colour only on a terminal; under NO_COLOR book spans and ' +
          'matches are shown in [brackets]. --json prints the row(s) as they are in the file, one per line. Files ' +
          'annotated before per-sentence verdicts existed are shown in the older rank list with HIGH / MEDIUM / LOW grading.',
      ),
    SHOW_OPTIONS,
  )
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  $ corpus-proximity show --annotated-file annotated.jsonl --row 0 --show-chunks\n' +
        '  $ corpus-proximity show --annotated-file annotated.jsonl --all | less -R\n' +
        '  $ corpus-proximity annotate --corpus-index idx --input outputs.jsonl | corpus-proximity show --annotated-file - --row 2\n',
    )
    .action(async (raw) => {
      const o = parseOptions('show', SHOW_OPTIONS, raw);
      if (o.all && (o.row !== undefined || o.index !== undefined))
        throw new CproxError('BAD_INPUT', 'show: --all and --row select rows differently; give one of them', { hint: 'drop --row to see every row' });
      const wanted = o.row ?? o.index ?? 0;
      const view = { showChunks: o.showChunks, color: useColor() };
      const render = (file: string, line: number, json: Record<string, unknown>) => {
        if (o.json) return JSON.stringify(json);
        const row = showInputOf(file, line, json);
        return o.compact ? formatCompact(row) : formatRow(row, view);
      };
      let total = 0;
      let shown = false;
      for await (const { name, line, json } of jsonRows(o.annotatedFile)) {
        if (o.all) process.stdout.write((o.json || o.compact ? '' : `${total ? '\n' : ''}━━━ row ${total} ━━━\n`) + render(name, line, json) + '\n');
        else if (total === wanted) {
          process.stdout.write(render(name, line, json) + '\n');
          shown = true;
        }
        total++;
      }
      if (!o.all && !shown) {
        const flag = o.row === undefined && o.index !== undefined ? '--index' : '--row';
        throw new CproxError('BAD_INPUT', `${flag} ${wanted} is out of range: ${o.annotatedFile === '-' ? '<stdin>' : o.annotatedFile} has ${total} row(s)`, {
          hint: total ? `use a row from 0 to ${total - 1}` : 'the file is empty; annotate some outputs first',
        });
      }
    });
}
