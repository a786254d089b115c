import { Command } from 'commander';
import { loadIndex } from '../../pipeline/corpus-index/load.js';
import { CproxError } from '../../pipeline/errors.js';
import { assertWritableFile, writeFileAtomic } from '../../pipeline/atomic-file.js';
import { consoleReporter } from '../../pipeline/reporter.js';
import { annotateRows } from '../../pipeline/attribution/annotate.js';
import { countLines, inputRows, openInput, type InputRow, type ReadTally } from '../annotate/input.js';
import { onnxDirOf } from '../embedder-option.js';
import { parseBounds } from '../../pipeline/annotated/bounds.js';
import { aggregate, type RowFacts } from '../../pipeline/annotated/metrics.js';
import { checkRow, factsOf } from '../../pipeline/annotated/read.js';
import { addOptions, parseOptions } from '../options/register.js';
import { writeStdout } from '../stdout.js';
import { formatGate, gate, gateTitle } from '../render/gate.js';
import { ANNOTATE_OPTIONS } from '../options/table.js';

export function annotateCommand(): Command {
  const cmd = new Command('annotate')
    .summary('annotate model outputs with their nearest corpus clusters')
    .description(
      'Annotate every row of a JSONL file of model outputs. Rows keep all their fields, in the same order and ' +
        'number, plus: annotations, per sentence (or the whole text with --no-phrase-level), its --k best corpus chunks: cluster ' +
        "id, name and path, cosine distance, training stage, chunk text, verbatim (the original plan's format); sentences, per sentence: the stage and cluster its --neighbours best chunks vote for (with the stage " +
        'model of a lexical index), stage probabilities, the supporting passage, distance, percentile and verdict ' +
        "(book: copied; known; near; novel: nothing close), against the index's calibration; the mean token " +
        'logprob when the row carries logprobs; book_spans, the runs of 8+ words found verbatim in the corpus, with ' +
        'their chunk and stage; summary; annotation_metadata. The README\'s "Output format" section explains every field.\n\n' +
        'With --max/--min (as `check` takes them) the annotated rows are also checked: the metric table goes to stderr ' +
        'and the exit code is 1 when a bound fails (the output is written either way).\n\n' +
        'Text is read from --text-field (a dotted path), else from "output", "text" or "response" (strings), an OpenAI ' +
        'chat completion (choices[].message.content) or completion (choices[].text), a Responses API object ' +
        '(output[] message text), a Batch API output line (response.body), vLLM outputs[].text, or the last assistant ' +
        'message of "messages". Rows with several choices give their first (or, with --choices all, one output row ' +
        'per choice with choice_index). A bad row stops the run, naming its line, unless --skip-bad-rows FILE is given.',
    );
  return addOptions(cmd, ANNOTATE_OPTIONS)
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  $ corpus-proximity annotate --corpus-index nanochat_index/ --input outputs.jsonl --output annotated.jsonl --k 5\n' +
        '  $ cat outputs.jsonl | cprox annotate --corpus-index idx/ > annotated.jsonl\n' +
        '  $ cprox annotate --corpus-index synced_idx/ --embedder onnx:~/models/arctic-embed-l --input outputs.jsonl --output annotated.jsonl\n' +
        '  $ cprox annotate --corpus-index idx/ --input outputs.jsonl --output annotated.jsonl --max book_fraction=0.05   # exit 1 above 5%\n',
    )
    .action(async (raw) => {
      const o = parseOptions('annotate', ANNOTATE_OPTIONS, raw);
      if (o.neighbours < o.k) {
        throw new CproxError('BAD_INPUT', `--neighbours ${o.neighbours} is smaller than --k ${o.k}`, {
          hint: 'the vote is taken over at least the k chunks the annotations list; raise --neighbours or lower --k',
        });
      }
      const bounds = parseBounds(o.max, o.min, 'annotate'); // a bad bound fails before any work
      const reporter = consoleReporter({ quiet: o.quiet });
      const input = await openInput(o.input); // a missing input fails before the index is loaded
      if (o.output !== '-') await assertWritableFile(o.output);
      if (o.skipBadRows) await assertWritableFile(o.skipBadRows);
      const onHash = (name: string, bytes: number) => {
        if (bytes > 64 << 20) reporter.info(`verifying ${name} (${(bytes / 1e6).toFixed(0)} MB): changed or not checked on this machine yet`);
      };
      const index = await loadIndex(o.corpusIndex, { onnxDir: await onnxDirOf(o.embedder, reporter), device: o.device, onHash });
      const tally: ReadTally = { bad: [], multiChoice: 0, replacedLines: 0 };
      const rows = inputRows(input.name, input.stream, { field: o.textField, choices: o.choices, skipBad: !!o.skipBadRows }, tally);
      // Rows are read, annotated and written o.batchRows at a time, in input order: memory is bounded by the batch,
      // not by the file. Only each row's metric facts are kept (for --max/--min and --summary-md).
      const total = input.name === '<stdin>' ? undefined : await countLines(o.input);
      const progress = reporter.progress('annotate', total, 'rows');
      const facts: RowFacts[] = [];
      const keepFacts = bounds.length > 0 || !!o.summaryMd;
      let count = 0;
      let spans = 0;
      async function* annotatedLines(): AsyncGenerator<string> {
        let batch: InputRow[] = [];
        const flush = async () => {
          const annotated = await annotateRows(index, batch, { k: o.k, neighbours: o.neighbours, phraseLevel: o.phraseLevel, indexPath: o.corpusIndex });
          const text = annotated.map((r) => `${JSON.stringify(r)}\n`).join('');
          annotated.forEach((r, i) => {
            spans += new Set((r.annotations as Array<{ text_span: string }>).map((a) => a.text_span)).size;
            if (keepFacts) facts.push(factsOf(checkRow(input.name, batch[i].line, r)));
          });
          count += batch.length;
          progress.tick(new Set(batch.map((b) => b.line)).size);
          batch = [];
          return text;
        };
        for await (const row of rows) {
          batch.push(row);
          if (batch.length >= o.batchRows) yield await flush();
        }
        if (batch.length) yield await flush();
      }
      try {
        if (o.output === '-') {
          await writeStdout(annotatedLines());
        } else {
          await writeFileAtomic(o.output, annotatedLines());
        }
      } finally {
        await index.close();
      }
      progress.done();
      if (tally.replacedLines)
        reporter.warn(`${tally.replacedLines} input line(s) of ${input.name} had bytes that are not UTF-8; they were replaced by U+FFFD`);
      if (tally.multiChoice)
        reporter.warn(
          `${tally.multiChoice} row(s) have several choices; only the first of each was annotated (--choices all annotates every choice, one output row each)`,
        );
      const { bad } = tally;
      if (o.skipBadRows) {
        await writeFileAtomic(
          o.skipBadRows,
          bad.map((b) => `${JSON.stringify({ line: b.line, reason: b.reason, raw: b.raw })}\n`),
        );
        if (bad.length) reporter.warn(`${bad.length} bad row(s) of ${input.name} skipped, listed with the reason in ${o.skipBadRows}`);
      }
      if (o.output !== '-')
        reporter.info(`annotated ${count} row(s), ${spans} span(s) → ${o.output}${bad.length ? ` (${bad.length} bad row(s) skipped)` : ''}`);
      if (bounds.length || o.summaryMd) {
        // The same metrics and bounds as `check`, on the rows just written; the table goes to stderr (stdout may hold the rows).
        const m = aggregate(facts);
        const summaryTitle = `corpus-proximity annotate: ${o.output === '-' ? 'stdout' : o.output}`;
        const g = await gate(m, bounds, { reporter, summaryMd: o.summaryMd, summaryTitle });
        if (!o.quiet || !g.ok) process.stderr.write(formatGate(gateTitle('check', m), g) + '\n');
      }
    });
}
