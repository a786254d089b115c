import path from 'node:path';
import { Command } from 'commander';
import { resolveCorpusSpec, type CorpusSpec } from '../../pipeline/config.js';
import { materializeCorpus } from '../../pipeline/corpus/remote.js';
import { CproxError } from '../../pipeline/errors.js';
import { buildIndex, inspectCorpus, preflight } from '../../pipeline/build-index.js';
import { consoleReporter } from '../../pipeline/reporter.js';
import { defaultStoreDir, openStore } from '../../pipeline/store/open.js';
import { loadTemplates } from '../../stages/name/llm/prompts.js';
import { runPipelineInWorker } from '../../stages/pipeline-worker.js';
import { STAGES } from '../../stages/table.js';
import type { RunInputs } from '../../pipeline/runners/stage.js';
import { confirmExactCorpus } from '../confirm.js';
import { checkDeployRequest, runDeploy } from '../deploy.js';
import { isOnnx, onnxLocation } from '../embedder-option.js';
import { indexSettingsFrom, parseShard } from '../index-config.js';
import { runRequest, writeRunRequest } from '../../pipeline/runners/request.js';
import type { IndexSettings } from '../index-config.js';
import { addOptions, parseOptions } from '../options/register.js';
import { INDEX_OPTIONS } from '../options/table.js';
import { readOnnxModelDir } from '../../pipeline/embedders/onnx-config.js';
import { newDocker } from '../../pipeline/runners/docker.js';

/** `--write-request STORE`: the run request of these options, written into the store; its URI on stdout. */
async function writeRequestFor(location: string, corpus: Readonly<CorpusSpec>, settings: IndexSettings): Promise<void> {
  if (isOnnx(settings.embedder) && !onnxLocation(settings.embedder).startsWith('s3://')) {
    throw new CproxError('BAD_INPUT', 'a run request names its ONNX model by an s3:// folder, which the remote build copies', {
      hint: 'upload the model folder (aws s3 sync DIR s3://…/models/NAME) and pass --embedder onnx:s3://…/models/NAME',
    });
  }
  const embedder = isOnnx(settings.embedder) ? `onnx:${onnxLocation(settings.embedder)}` : 'lexical';
  const store = await openStore(location);
  const key = await writeRunRequest(store, runRequest(corpus, embedder, settings.config));
  process.stdout.write(`${store.url}/${key}\n`);
}

export function indexCommand(): Command {
  const cmd = new Command('index')
    .summary('build a corpus index from the exact training corpus')
    .description(
      'Build a CorpusIndex: prepare → embed → ann → cluster → name → assemble.\n\n' +
        'Stage outputs and completion markers are kept in an artifact store (--store). A rerun with the same corpus ' +
        'and options skips finished stages, so an interrupted build resumes where it stopped; a changed option re-runs ' +
        'only the stages it affects. The finished index is written to --output atomically.\n\n' +
        "Each file's training stage is the nearest parent folder named pretrain, midtrain or sft; files outside " +
        'such folders get --stage, or no stage.',
    );
  return addOptions(cmd, INDEX_OPTIONS)
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  $ corpus-proximity index --corpus ~/nanochat_data/ --output nanochat_index/\n' +
        '  $ corpus-proximity index --corpus shards/ --format parquet --text-field content --stage pretrain --output idx/ --yes\n' +
        '  $ corpus-proximity index --corpus data/ --output idx/ --embedder onnx:models/arctic-embed-l --device cuda --engine hdbscan\n' +
        '  $ OPENAI_API_KEY=sk-… corpus-proximity index --corpus data/ --output idx/ --namer llm \\\n' +
        '      --llm-base-url https://api.openai.com/v1 --llm-model gpt-4o-mini --fallback keywords\n' +
        '  $ corpus-proximity index --corpus s3://corpora/nanochat --output idx/ --store s3://my-bucket/cp --runner docker\n' +
        '  $ corpus-proximity index --corpus ~/nanochat_data/ --output idx/ --deploy-gpu --min-vram 24 --max-price 1.0\n' +
        '  $ corpus-proximity index --corpus s3://corpora/x --store s3://b/cp --output /tmp/i --yes --until prepare   # Batch: step 1\n' +
        '  $ corpus-proximity index --corpus s3://corpora/x --store s3://b/cp --output /tmp/i --yes --shard batch/8   # step 2, array of 8\n' +
        '  $ corpus-proximity index --corpus s3://corpora/x --store s3://b/cp --output /tmp/i --yes                   # step 3: the rest\n',
    )
    .action(async (raw) => {
      const o = parseOptions('index', INDEX_OPTIONS, raw);
      const corpusPath = o.deployGpu || o.writeRequest ? o.corpus : await materializeCorpus(o.corpus, consoleReporter({ quiet: o.quiet }));
      // A local model folder for --deploy-gpu is checked here, before anything is uploaded.
      if (o.deployGpu && isOnnx(o.embedder) && !onnxLocation(o.embedder).startsWith('s3://')) await readOnnxModelDir(onnxLocation(o.embedder));
      const settings = await indexSettingsFrom(o, raw, consoleReporter({ quiet: o.quiet }));
      const corpus = resolveCorpusSpec({ path: path.resolve(corpusPath), ...settings.reading });
      const { config } = settings;
      if (o.writeRequest) return writeRequestFor(o.writeRequest, corpus, settings);
      if (o.deployGpu) {
        checkDeployRequest(o); // e.g. no Pulumi CLI: stop at once
        await confirmExactCorpus({ yes: o.yes, interactive: Boolean(process.stdin.isTTY), quiet: o.quiet });
        return runDeploy(o, runRequest(corpus, 'lexical', config), consoleReporter({ quiet: o.quiet }));
      }
      await inspectCorpus(corpus); // a missing or empty corpus fails before the warning
      if (config.name.llm) loadTemplates(config.name.llm.templateDir); // bad templates fail before hours of indexing
      const shard = parseShard(o.shard);
      const until = o.until ?? (shard ? 'embed' : undefined);
      const docker =
        o.runner === 'docker' ? { docker: await newDocker(), image: o.image, storeLocation: o.store ?? defaultStoreDir(), gpus: o.gpus } : undefined;
      if (docker && until)
        throw new CproxError('BAD_INPUT', '--until and --shard run in this process', {
          hint: 'drop --runner docker (or run the image with `index … --until …` as its command)',
        });
      const store = await openStore(o.store ?? defaultStoreDir());
      await preflight(store, until && until !== STAGES.at(-1)!.name ? null : o.output); // output and store, before the prompt
      await confirmExactCorpus({ yes: o.yes, interactive: Boolean(process.stdin.isTTY), quiet: o.quiet });
      const reporter = consoleReporter({ quiet: o.quiet });
      // In a worker thread: Ctrl-C and SIGTERM are answered at once, even in the middle of a long computation.
      const runStages = (inputs: RunInputs) => runPipelineInWorker({ storeLocation: o.store ?? defaultStoreDir(), inputs, until, shard }, reporter);
      const result = await buildIndex({ corpus, config, store, outputDir: o.output, stages: STAGES, reporter, docker, until, shard, runStages });
      const m = result.manifest;
      if (!m) {
        reporter.info(
          `\nStopped after ${until}${shard ? ` (shard ${shard.index} of ${shard.count})` : ''}: run ${result.runId}; ran ${result.ran.join(', ') || 'nothing (already complete)'}`,
        );
        return;
      }
      reporter.info(
        `\nIndex written to ${result.outputDir}\n  ${m.counts.chunks.toLocaleString('en-US')} chunks, ${m.counts.clusters} clusters, embedder ${m.embedder.id} (${m.embedder.dims} dims), run ${m.run_id}\n` +
          `  next: corpus-proximity annotate --corpus-index ${o.output} --input outputs.jsonl --output annotated.jsonl`,
      );
    });
}
