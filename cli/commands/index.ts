import path from 'node:path';
import { Command, Option } from 'commander';
import Docker from 'dockerode';
import { z } from 'zod';
import { resolveConfig, resolveCorpusSpec, STAGE_NAMES } from '../../pipeline/config.js';
import { materializeCorpus } from '../../pipeline/corpus/remote.js';
import { CproxError } from '../../pipeline/errors.js';
import { buildIndex, inspectCorpus, preflight } from '../../pipeline/build-index.js';
import { consoleReporter } from '../../pipeline/reporter.js';
import { defaultStoreDir, openStore } from '../../pipeline/store/open.js';
import { loadTemplates } from '../../stages/name/llm/prompts.js';
import { runPipelineInWorker } from '../../stages/pipeline-worker.js';
import { STAGES } from '../../stages/table.js';
import type { RunInputs } from '../../pipeline/runners/stage.js';
import { addClusterOptions, ClusterOptionFields, clusterConfigFrom } from '../cluster-options.js';
import { confirmExactCorpus } from '../confirm.js';
import { addDeployOptions, checkDeployRequest, DeployOptionFields, runDeploy } from '../deploy.js';
import { DEFAULT_STAGE_IMAGE } from './build-image.js';
import { int, num, parseOptions } from '../options.js';
import { addDeviceOption, EMBEDDER_HELP, EmbedderOptionFields, embedderConfig, isOnnx, onnxLocation, refuseLexicalFlags } from '../embedder-option.js';
import { readOnnxModelDir } from '../../pipeline/embedders/onnx-config.js';

const IndexOptions = z.object({
  corpus: z.string().min(1),
  output: z.string().min(1),
  format: z.enum(['jsonl', 'parquet']),
  textField: z.string().min(1),
  stage: z.enum(STAGE_NAMES).optional(),
  store: z.string().min(1).optional(),
  yes: z.boolean().default(false),
  quiet: z.boolean().default(false),
  chunkTokens: int(z.number().min(8)).optional(),
  chunkOverlap: num(z.number().min(0).max(0.9)).optional(),
  dims: int(z.number().min(8).max(2048)).optional(),
  projection: z.enum(['svd', 'random']).optional(),
  ...EmbedderOptionFields,
  batchSize: int(z.number().min(1).max(4096)).optional(),
  dtype: z.enum(['float32', 'float16']),
  ann: z.enum(['auto', 'always', 'never']),
  annMinRows: int(z.number().min(1)).optional(),
  efSearch: int(z.number().min(8).max(4096)).optional(),
  ...ClusterOptionFields,
  namer: z.enum(['keywords', 'llm']),
  llmBaseUrl: z.string().min(1).optional(),
  llmModel: z.string().min(1).optional(),
  llmApiKeyEnv: z.string().min(1).optional(),
  llmConcurrency: int(z.number().min(1).max(64)).optional(),
  llmMaxRetries: int(z.number().min(0).max(20)).optional(),
  llmTimeout: int(z.number().min(1)).optional(),
  promptTemplate: z.string().min(1).optional(),
  fallback: z.enum(['none', 'keywords']).optional(),
  ...DeployOptionFields,
  runner: z.enum(['in-process', 'docker']),
  until: z.enum(STAGES.map((x) => x.name) as [string, ...string[]]).optional(),
  shard: z.string().regex(/^(\d+|batch)\/\d+$/, 'expected I/N (I counted from 0) or batch/N').optional(),
  image: z.string().min(1),
  gpus: z.boolean().default(false),
});

/** `--shard I/N` (I from 0) or `batch/N` (I from AWS Batch's array index). */
function parseShard(spec: string | undefined): { index: number; count: number } | undefined {
  if (!spec) return undefined;
  const [i, n] = spec.split('/');
  const raw = i === 'batch' ? process.env.AWS_BATCH_JOB_ARRAY_INDEX : i;
  const index = Number(raw);
  const count = Number(n);
  if (raw === undefined || raw === '' || !Number.isInteger(index) || index < 0 || count < 1 || index >= count) {
    throw new CproxError('BAD_INPUT', `--shard ${spec}: ${i === 'batch' && !raw ? 'AWS_BATCH_JOB_ARRAY_INDEX is not set' : `shard index must be 0…${count - 1}`}`, {
      hint: 'use --shard I/N with 0 ≤ I < N, or batch/N inside an AWS Batch array job',
    });
  }
  return { index, count };
}

/** The name section of the config from the CLI options, refusing LLM options that would be silently ignored. */
function nameConfig(o: z.infer<typeof IndexOptions>) {
  const llmFlags = { '--llm-base-url': o.llmBaseUrl, '--llm-model': o.llmModel, '--prompt-template': o.promptTemplate, '--fallback': o.fallback };
  if (o.namer !== 'llm') {
    const stray = Object.entries(llmFlags).find(([, v]) => v !== undefined);
    if (stray) throw new CproxError('BAD_INPUT', `${stray[0]} only applies with --namer llm`, { hint: 'add --namer llm, or drop the option' });
    return { namer: o.namer };
  }
  if (!o.llmBaseUrl || !o.llmModel) {
    throw new CproxError('BAD_INPUT', '--namer llm needs --llm-base-url and --llm-model', {
      hint: 'e.g. --llm-base-url https://api.openai.com/v1 --llm-model gpt-4o-mini (key in $OPENAI_API_KEY), or a local vLLM/ollama server',
    });
  }
  return {
    namer: o.namer,
    llm: {
      baseUrl: o.llmBaseUrl,
      model: o.llmModel,
      apiKeyEnv: o.llmApiKeyEnv,
      concurrency: o.llmConcurrency,
      maxRetries: o.llmMaxRetries,
      timeoutMs: o.llmTimeout === undefined ? undefined : o.llmTimeout * 1000,
      fallback: o.fallback,
      templateDir: o.promptTemplate ? path.resolve(o.promptTemplate) : undefined,
    },
  };
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
    )
    .requiredOption('--corpus <path>', 'JSONL (also .jsonl.gz/.jsonl.zst) or Parquet file, a folder searched recursively (symlinks followed; files not read are listed in a warning), or s3://bucket/path (copied to ~/.cache/corpus-proximity/corpora first)')
    .requiredOption('--output <dir>', 'where to write the index (created or replaced)')
    .addOption(new Option('--format <format>', 'corpus file format').choices(['jsonl', 'parquet']).default('jsonl'))
    .option('--text-field <name>', 'field/column holding the document text', 'text')
    .addOption(new Option('--stage <stage>', 'stage for files not under a pretrain/midtrain/sft folder').choices([...STAGE_NAMES]))
    .option('--store <dir|s3://bucket/prefix>', 'artifact store for stage outputs and markers: a folder or s3://BUCKET/PREFIX (default: $CPROX_STORE or ~/.cache/corpus-proximity/store)')
    .option('-y, --yes', 'confirm non-interactively that this is the exact training corpus')
    .option('-q, --quiet', 'print only warnings and errors')
    .option('--chunk-tokens <n>', 'tokens per chunk window (default 256)')
    .option('--chunk-overlap <fraction>', 'overlap between windows, 0–0.9 (default 0)')
    .option('--embedder <spec>', EMBEDDER_HELP, 'lexical')
    .option('--batch-size <n>', 'texts per onnxruntime call for an ONNX embedder (default 32)')
    .addOption(new Option('--dtype <dtype>', 'how embeddings.npy stores vectors; float16 halves the file').choices(['float32', 'float16']).default('float32'))
    .option('--dims <n>', 'embedding dimensions of the lexical embedder (default 512)')
    .addOption(new Option('--projection <kind>', 'how TF-IDF is reduced to --dims (default random)').choices(['svd', 'random']))
    .addOption(new Option('--ann <when>', 'build the HNSW search graph: auto (from --ann-min-rows chunks), always, never').choices(['auto', 'always', 'never']).default('auto'))
    .option('--ann-min-rows <n>', 'chunks from which --ann auto builds the graph; smaller indexes are searched exactly (default 100000)')
    .option('--ef-search <n>', 'HNSW ef at query time; higher = better recall, slower (default 256)');
  return addDeployOptions(addClusterOptions(addDeviceOption(cmd)))
    .addOption(new Option('--namer <namer>', 'how clusters are named: offline keywords, or an LLM').choices(['keywords', 'llm']).default('keywords'))
    .option('--llm-base-url <url>', 'OpenAI-compatible endpoint, e.g. https://api.openai.com/v1, http://localhost:8000/v1 (vLLM), http://localhost:11434/v1 (ollama)')
    .option('--llm-model <name>', 'model name the endpoint serves, e.g. gpt-4o-mini')
    .option('--llm-api-key-env <var>', 'environment variable holding the API key (default OPENAI_API_KEY; unset = no key sent)')
    .option('--llm-concurrency <n>', 'sibling groups named at once (default 4)')
    .option('--llm-max-retries <n>', 'retries on 429/5xx/timeouts, with exponential backoff (default 5)')
    .option('--llm-timeout <seconds>', 'per-request timeout (default 60)')
    .option('--prompt-template <dir>', 'folder with system.njk and user.njk to replace the bundled naming prompts')
    .addOption(new Option('--runner <runner>', 'run the stages in this process, or each in a container of the stage image').choices(['in-process', 'docker']).default('in-process'))
    .option('--image <name>', 'stage image for --runner docker (build it with `corpus-proximity build-image`)', DEFAULT_STAGE_IMAGE)
    .option('--gpus', 'request all GPUs for the stage containers (--runner docker)')
    .addOption(new Option('--until <stage>', 'stop after this stage and export nothing (a step of a Batch pipeline)').choices(STAGES.map((x) => x.name)))
    .option('--shard <I/N>', 'embed only shard I of N (I from 0; `batch/N` reads $AWS_BATCH_JOB_ARRAY_INDEX) and stop: a Batch array child. A later full build uses the finished shards')
    .addOption(new Option('--fallback <kind>', 'when the LLM keeps failing: stop with an error (none) or use keyword names').choices(['none', 'keywords']))
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
      const o = parseOptions(IndexOptions, raw, 'index');
      const corpusPath = o.deployGpu ? o.corpus : await materializeCorpus(o.corpus, consoleReporter({ quiet: o.quiet }));
      const corpus = resolveCorpusSpec({ path: path.resolve(corpusPath), format: o.format, textField: o.textField, stage: o.stage });
      refuseLexicalFlags(o.embedder, { '--dims': o.dims, '--projection': o.projection });
      // A local model folder for --deploy-gpu is checked here, before anything is uploaded.
      if (o.deployGpu && isOnnx(o.embedder) && !onnxLocation(o.embedder).startsWith('s3://')) await readOnnxModelDir(onnxLocation(o.embedder));
      const config = resolveConfig({
        chunk: { maxTokens: o.chunkTokens, overlap: o.chunkOverlap },
        // --deploy-gpu: the model folder is uploaded and read on the instance; here only its settings are checked.
        embed: { ...(o.deployGpu ? { embedder: 'lexical' as const } : await embedderConfig(o.embedder, consoleReporter({ quiet: o.quiet }))), device: o.device, batchSize: o.batchSize, dtype: o.dtype, dims: o.dims, projection: o.projection, seed: o.seed },
        search: { ann: o.ann, annMinRows: o.annMinRows, expansionSearch: o.efSearch },
        cluster: clusterConfigFrom(o),
        name: nameConfig(o),
      });
      if (o.deployGpu) {
        checkDeployRequest(o); // e.g. no Pulumi CLI: stop at once
        await confirmExactCorpus({ yes: o.yes, interactive: Boolean(process.stdin.isTTY), quiet: o.quiet });
        return runDeploy(o, raw, consoleReporter({ quiet: o.quiet }));
      }
      await inspectCorpus(corpus); // a missing or empty corpus fails before the warning
      if (config.name.llm) loadTemplates(config.name.llm.templateDir); // bad templates fail before hours of indexing
      const shard = parseShard(o.shard);
      const until = o.until ?? (shard ? 'embed' : undefined);
      const docker = o.runner === 'docker' ? { docker: new Docker(), image: o.image, storeLocation: o.store ?? defaultStoreDir(), gpus: o.gpus } : undefined;
      if (docker && until) throw new CproxError('BAD_INPUT', '--until and --shard run in this process', { hint: 'drop --runner docker (or run the image with `index … --until …` as its command)' });
      const store = await openStore(o.store ?? defaultStoreDir());
      await preflight(store, until && until !== STAGES.at(-1)!.name ? null : o.output); // output and store, before the prompt
      await confirmExactCorpus({ yes: o.yes, interactive: Boolean(process.stdin.isTTY), quiet: o.quiet });
      const reporter = consoleReporter({ quiet: o.quiet });
      // In a worker thread: Ctrl-C and SIGTERM are answered at once, even in the middle of a long computation.
      const runStages = (inputs: RunInputs) => runPipelineInWorker({ storeLocation: o.store ?? defaultStoreDir(), inputs, until, shard }, reporter);
      const result = await buildIndex({ corpus, config, store, outputDir: o.output, stages: STAGES, reporter, docker, until, shard, runStages });
      const m = result.manifest;
      if (!m) {
        reporter.info(`\nStopped after ${until}${shard ? ` (shard ${shard.index} of ${shard.count})` : ''}: run ${result.runId}; ran ${result.ran.join(', ') || 'nothing (already complete)'}`);
        return;
      }
      reporter.info(
        `\nIndex written to ${result.outputDir}\n  ${m.counts.chunks.toLocaleString('en-US')} chunks, ${m.counts.clusters} clusters, embedder ${m.embedder.id} (${m.embedder.dims} dims), run ${m.run_id}\n` +
          `  next: corpus-proximity annotate --corpus-index ${o.output} --input outputs.jsonl --output annotated.jsonl`,
      );
    });
}
