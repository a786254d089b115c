import { Command } from 'commander';
import { CproxError } from '../../pipeline/errors.js';
import { runStatuses } from '../../pipeline/runners/status.js';
import { openStore } from '../../pipeline/store/open.js';
import { STAGES } from '../../stages/table.js';
import { addOptions, parseOptions } from '../options/register.js';
import { STATUS_OPTIONS } from '../options/table.js';

export function statusCommand(): Command {
  return addOptions(
    new Command('status')
      .summary('show every run in an artifact store and the state of each stage')
      .description(
        'List the runs under a store (a folder or s3://BUCKET/PREFIX) with each stage complete (with its duration, or the ' +
          'run it was reused from), failed (with the error), running or interrupted, or not started, read from the ' +
          'completion markers alone; for an assembled index, the calibration its verdicts are read against.',
      ),
    STATUS_OPTIONS,
  )
    .addHelpText('after', '\nExample:\n  $ corpus-proximity status --store s3://my-bucket/corpus-proximity\n')
    .action(async (raw) => {
      const o = parseOptions('status', STATUS_OPTIONS, raw);
      const store = await openStore(o.store);
      const runs = await runStatuses(
        store,
        STAGES.map((s) => s.name),
      );
      if (o.json) {
        process.stdout.write(JSON.stringify(runs, null, 2) + '\n');
        return;
      }
      if (!runs.length) throw new CproxError('NOT_FOUND', `no runs in ${store.url}`, { hint: 'build one with `corpus-proximity index --store …`' });
      const lines: string[] = [];
      for (const run of runs) {
        lines.push(`run ${run.runId}  ${run.state}${run.finishedAt ? `  (${run.finishedAt})` : ''}`);
        for (const s of run.stages) {
          const detail = s.error
            ? `: ${s.error}`
            : s.reusedFrom
              ? ` (reused from ${s.reusedFrom})`
              : s.seconds !== undefined
                ? ` (${s.seconds.toFixed(1)} s)`
                : '';
          lines.push(`  ${s.stage.padEnd(9)} ${s.state}${detail}`);
        }
        const cal = run.calibration;
        if (cal) {
          const { cutoffs: c, cutoff_percentiles: p } = cal;
          const unknown = c.unknown === null ? '' : `; novel when more than ${c.unknown} of a sentence's TF-IDF norm is on unknown words (p${p.unknown})`;
          const fn = c.function === null ? '' : `, or fewer than ${c.function} of its words are the corpus's function words`;
          lines.push(
            `  verdicts  ${cal.method} calibration on ${cal.sentences} corpus sentences: known ≤ ${c.known} (p${p.known}), near ≤ ${c.near} (p${p.near}), novel beyond${unknown}${fn}`,
          );
        } else if (cal === null) lines.push('  verdicts  uncalibrated (too few corpus sentences): fixed cut-offs');
      }
      process.stdout.write(lines.join('\n') + '\n');
    });
}
