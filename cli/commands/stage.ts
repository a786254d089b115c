import { Command } from 'commander';
import { z } from 'zod';
import { resolveConfig, resolveCorpusSpec } from '../../pipeline/config.js';
import { CproxError } from '../../pipeline/errors.js';
import { consoleReporter } from '../../pipeline/reporter.js';
import { runIdOf } from '../../pipeline/runners/in-process.js';
import { runKeys } from '../../pipeline/store/keys.js';
import { openStore } from '../../pipeline/store/open.js';
import { readJson } from '../../pipeline/store/store.js';
import { runPipelineInWorker } from '../../stages/pipeline-worker.js';
import { STAGES } from '../../stages/table.js';
import { addOptions, parseOptions } from '../options/register.js';
import { STAGE_OPTIONS } from '../options/table.js';

const RunInputsSchema = z.object({ corpus: z.unknown(), corpusFingerprint: z.string(), config: z.unknown() });

export function stageCommand(): Command {
  return addOptions(
    new Command('stage')
      .summary('run one stage of a recorded run (the container entrypoint)')
      .description(
        'Run a single stage (prepare, embed, ann, cluster, name, assemble) of a run whose inputs `index` recorded in the store ' +
          '(runs/<run>/run.json). Earlier stages must be complete; the stage writes its outputs and marker to the store, ' +
          'or _FAILED.json and a non-zero exit. This is what a container or a batch job runs; --corpus points prepare at ' +
          'where the corpus is mounted.',
      ),
    STAGE_OPTIONS,
  )
    .argument('<name>', `stage: ${STAGES.map((s) => s.name).join(', ')}`)
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  $ corpus-proximity status --store s3://my-bucket/cp            # find the run id\n' +
        '  $ corpus-proximity stage embed --store s3://my-bucket/cp --run 7f3eb799c3bfe8ed\n' +
        '  $ corpus-proximity stage prepare --store /data/store --run 7f3eb799c3bfe8ed --corpus /mnt/corpus   # corpus mounted elsewhere\n',
    )
    .action(async (name: string, raw) => {
      const o = parseOptions('stage', STAGE_OPTIONS, raw);
      const store = await openStore(o.store);
      const keys = runKeys(o.run);
      const parsed = RunInputsSchema.safeParse(await readJson(store, keys.inputs()).catch(() => null));
      if (!parsed.success) {
        throw new CproxError('NOT_FOUND', `run ${o.run} has no recorded inputs in ${store.url}`, {
          hint: 'start runs with `corpus-proximity index --store …`; see `corpus-proximity status`',
        });
      }
      const inputs = {
        corpus: resolveCorpusSpec(parsed.data.corpus),
        corpusFingerprint: parsed.data.corpusFingerprint,
        config: resolveConfig(parsed.data.config),
      };
      if (runIdOf(inputs) !== o.run)
        throw new CproxError('BAD_INDEX', `run ${o.run}'s recorded inputs do not hash to its id`, { hint: 'the store was modified; rebuild the run' });
      // In a worker thread, so `docker stop` (SIGTERM to this process) is answered at once, even mid-clustering.
      await runPipelineInWorker({ storeLocation: o.store, inputs, only: name, corpusRoot: o.corpus }, consoleReporter({ quiet: o.quiet }));
    });
}
