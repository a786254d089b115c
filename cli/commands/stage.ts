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
import { parseOptions } from '../options.js';

const StageOptions = z.object({
  store: z.string().min(1),
  run: z.string().regex(/^[0-9a-f]{16}$/, 'a 16-hex-digit run id'),
  corpus: z.string().min(1).optional(),
  quiet: z.boolean().default(false),
});
const RunInputsSchema = z.object({ corpus: z.unknown(), corpusFingerprint: z.string(), config: z.unknown() });

export function stageCommand(): Command {
  return new Command('stage')
    .summary('run one stage of a recorded run (the container entrypoint)')
    .description(
      'Run a single stage (prepare, embed, ann, cluster, name, assemble) of a run whose inputs `index` recorded in the store ' +
        '(runs/<run>/run.json). Earlier stages must be complete; the stage writes its outputs and marker to the store, ' +
        'or _FAILED.json and a non-zero exit. This is what a container or a batch job runs; --corpus points prepare at ' +
        'where the corpus is mounted.',
    )
    .argument('<name>', `stage: ${STAGES.map((s) => s.name).join(', ')}`)
    .requiredOption('--store <dir|s3://bucket/prefix>', 'the artifact store of the run')
    .requiredOption('--run <id>', 'the run (see `corpus-proximity status`)')
    .option('--corpus <path>', 'where the corpus is, if not at the path recorded for the run (prepare only)')
    .option('-q, --quiet', 'print only warnings and errors')
    .action(async (name: string, raw) => {
      const o = parseOptions(StageOptions, raw, 'stage');
      const store = await openStore(o.store);
      const keys = runKeys(o.run);
      const parsed = RunInputsSchema.safeParse(await readJson(store, keys.inputs()).catch(() => null));
      if (!parsed.success) {
        throw new CproxError('NOT_FOUND', `run ${o.run} has no recorded inputs in ${store.url}`, { hint: 'start runs with `corpus-proximity index --store …`; see `corpus-proximity status`' });
      }
      const inputs = { corpus: resolveCorpusSpec(parsed.data.corpus), corpusFingerprint: parsed.data.corpusFingerprint, config: resolveConfig(parsed.data.config) };
      if (runIdOf(inputs) !== o.run) throw new CproxError('BAD_INDEX', `run ${o.run}'s recorded inputs do not hash to its id`, { hint: 'the store was modified; rebuild the run' });
      // In a worker thread, so `docker stop` (SIGTERM to this process) is answered at once, even mid-clustering.
      await runPipelineInWorker({ storeLocation: o.store, inputs, only: name, corpusRoot: o.corpus }, consoleReporter({ quiet: o.quiet }));
    });
}
