import { Command } from 'commander';
import { exportIndex } from '../../pipeline/corpus-index/export.js';
import { readIndexMarker } from '../../pipeline/corpus-index/location.js';
import { verifyIndex } from '../../pipeline/corpus-index/verify.js';
import { CproxError } from '../../pipeline/errors.js';
import { consoleReporter } from '../../pipeline/reporter.js';
import { runStatuses } from '../../pipeline/runners/status.js';
import { openStore } from '../../pipeline/store/open.js';
import { STAGES } from '../../stages/table.js';
import { addOptions, parseOptions } from '../options/register.js';
import { SYNC_OPTIONS } from '../options/table.js';

export function syncCommand(): Command {
  return addOptions(
    new Command('sync')
      .summary('download a finished index from an artifact store, verified')
      .description(
        'Download the newest complete index in a store (or --run ID) to --output. Every file is checked against the ' +
          "manifest's sha256; keys that would land outside --output are refused before anything is written; files go to " +
          '--output.partial-<run> first and the folder is renamed into place when complete, so --output is never half ' +
          'written, and an interrupted sync resumes with the files it already verified.',
      ),
    SYNC_OPTIONS,
  )
    .addHelpText('after', '\nExample:\n  $ corpus-proximity sync --store s3://my-bucket/corpus-proximity --output nanochat_index/\n')
    .action(async (raw) => {
      const o = parseOptions('sync', SYNC_OPTIONS, raw);
      const reporter = consoleReporter({ quiet: o.quiet });
      const store = await openStore(o.store);
      const runs = await runStatuses(
        store,
        STAGES.map((s) => s.name),
      );
      const run = o.run ? runs.find((r) => r.runId === o.run) : runs.find((r) => r.state === 'complete');
      if (!run) {
        throw new CproxError('NOT_FOUND', o.run ? `run ${o.run} is not in ${store.url}` : `no complete run in ${store.url}`, {
          hint: 'see `corpus-proximity status --store …`',
        });
      }
      if (run.state !== 'complete')
        throw new CproxError('BAD_INPUT', `run ${run.runId} is ${run.state}`, { hint: 'sync a complete run (see `corpus-proximity status`)' });
      const progress = reporter.progress(`sync ${run.runId}`, undefined, 'files');
      const r = await exportIndex(store, await readIndexMarker(store, run.runId), o.output, () => progress.tick());
      progress.done();
      // The same full check as `verify`, on the files where they now are, and the manifest against the store.
      const check = await verifyIndex(o.output, r.manifest, { store });
      const problems = [...check.problems, ...(check.store?.problem ? [check.store.problem] : [])];
      if (problems.length) throw new CproxError('BAD_INDEX', `${o.output} failed verification after sync: ${problems.join('; ')}`, { hint: 'run sync again' });
      reporter.info(
        `synced run ${run.runId}: ${r.downloaded} file(s) downloaded, ${r.resumed} kept from an earlier attempt → ${o.output}; verified ${check.files} file(s) (sha256)`,
      );
    });
}
