/**
 * The option table: every flag of every command, declared once. Flags, validation and help are generated from it
 * (register.ts); an option that sets an index config field takes its type, bounds and default from the config
 * schema; `remote: true` marks the `index` options a cloud run must repeat.
 *
 * Adding an `index` option: one entry in the right section below, then the code that uses the value.
 */
import { StackConfigSchema } from '../../infra/config.js';
import {
  ChunkConfigSchema,
  ClusterConfigSchema,
  CorpusSpecSchema,
  EmbedConfigSchema,
  LlmNamerSchema,
  NameConfigSchema,
  SearchConfigSchema,
  TRAINING_STAGES,
} from '../../pipeline/config.js';
import { DEFAULT_STAGE_IMAGE } from '../../pipeline/runners/image.js';
import { STAGES } from '../../stages/table.js';
import { choice, fromConfig, int, text, toggle } from './spec.js';

const RUN_ID = { pattern: /^[0-9a-f]{16}$/, expected: 'a 16-hex-digit run id (see `corpus-proximity status`)' };

const quiet = toggle({ flags: '-q, --quiet', help: 'print only warnings and errors', group: 'general' });
const json = toggle({ flags: '--json', help: 'print JSON on stdout instead of text', group: 'display' });
const device = fromConfig(EmbedConfigSchema.shape.device, {
  flags: '--device <device>',
  help: 'where onnxruntime runs an ONNX model; cuda needs onnxruntime-node\'s CUDA 12 binaries and an NVIDIA GPU (README "GPU")',
  group: 'embed',
  remote: true,
});
const seed = fromConfig(ClusterConfigSchema.shape.seed, {
  flags: '--seed <n>',
  help: 'random seed of projection, sampling and clustering',
  group: 'cluster',
  remote: true,
});

/** Corpus input of `index`. */
const CORPUS = {
  corpus: text({
    flags: '--corpus <path>',
    help:
      'JSONL (also .jsonl.gz/.jsonl.zst) or Parquet file, a folder searched recursively (symlinks followed; files not read are listed in a warning), ' +
      'or s3://bucket/path (copied to ~/.cache/corpus-proximity/corpora first)',
    group: 'corpus',
    required: true,
  }),
  format: fromConfig(CorpusSpecSchema.shape.format, { flags: '--format <format>', help: 'corpus file format', group: 'corpus', remote: true }),
  textField: fromConfig(CorpusSpecSchema.shape.textField, {
    flags: '--text-field <name>',
    help: 'field or column holding the document text',
    group: 'corpus',
    remote: true,
  }),
  stage: choice(TRAINING_STAGES, {
    flags: '--stage <stage>',
    help: 'training stage of files not under a pretrain/midtrain/sft folder',
    group: 'corpus',
    remote: true,
    laterDefault: 'none',
  }),
};

/** Chunking and embedding (`index`). */
const EMBED = {
  chunkTokens: fromConfig(ChunkConfigSchema.shape.maxTokens, { flags: '--chunk-tokens <n>', help: 'tokens per chunk window', group: 'embed', remote: true }),
  chunkOverlap: fromConfig(ChunkConfigSchema.shape.overlap, {
    flags: '--chunk-overlap <fraction>',
    help: 'overlap between consecutive windows',
    group: 'embed',
    remote: true,
  }),
  embedder: text({
    flags: '--embedder <spec>',
    help:
      'lexical (weightless TF-IDF) or onnx:DIR, a sentence-embedding model folder (local or s3://…) with model.onnx (or onnx/model.onnx), ' +
      'tokenizer.json and embedder.json ({"pooling": "cls"|"mean", "max_tokens": N, "dims": D, "query_prefix": "…"}; ' +
      "a sentence-transformers folder's own config files also work)",
    group: 'embed',
    pattern: /^(lexical|onnx:.+)$/,
    expected: 'lexical or onnx:DIR',
    default: 'lexical',
  }),
  device,
  batchSize: fromConfig(EmbedConfigSchema.shape.batchSize, {
    flags: '--batch-size <n>',
    help: 'texts per onnxruntime call (ONNX embedder)',
    group: 'embed',
    remote: true,
  }),
  dtype: fromConfig(EmbedConfigSchema.shape.dtype, {
    flags: '--dtype <dtype>',
    help: 'how embeddings.npy stores vectors; float16 halves the file',
    group: 'embed',
    remote: true,
  }),
  dims: fromConfig(EmbedConfigSchema.shape.dims, { flags: '--dims <n>', help: 'dimensions of the lexical embedder', group: 'embed', remote: true }),
  projection: fromConfig(EmbedConfigSchema.shape.projection, {
    flags: '--projection <kind>',
    help: 'how TF-IDF is reduced to --dims (lexical embedder)',
    group: 'embed',
    remote: true,
  }),
};

/** The nearest-neighbour search graph (`index`). */
const SEARCH = {
  ann: fromConfig(SearchConfigSchema.shape.ann, {
    flags: '--ann <when>',
    help: 'build the HNSW search graph: auto (from --ann-min-rows chunks), always, never',
    group: 'search',
    remote: true,
  }),
  annMinRows: fromConfig(SearchConfigSchema.shape.annMinRows, {
    flags: '--ann-min-rows <n>',
    help: 'chunks from which --ann auto builds the graph; smaller indexes are searched exactly',
    group: 'search',
    remote: true,
  }),
  efSearch: fromConfig(SearchConfigSchema.shape.expansionSearch, {
    flags: '--ef-search <n>',
    help: 'HNSW ef at query time: higher is better recall, slower',
    group: 'search',
    remote: true,
  }),
};

/** Recursive clustering: `index` and `cluster`. */
const CLUSTER = {
  engine: fromConfig(ClusterConfigSchema.shape.engine, {
    flags: '--engine <engine>',
    help: "flat clusterer per node: kmeans (best on lexical vectors) or hdbscan (the original Python plan's)",
    group: 'cluster',
    remote: true,
  }),
  maxDepth: fromConfig(ClusterConfigSchema.shape.maxDepth, { flags: '--max-depth <n>', help: 'cluster tree depth', group: 'cluster', remote: true }),
  basePct: fromConfig(ClusterConfigSchema.shape.basePct, {
    flags: '--base-pct <fraction>',
    help: 'minimum cluster size as a fraction of a node',
    group: 'cluster',
    remote: true,
  }),
  decay: fromConfig(ClusterConfigSchema.shape.decay, {
    flags: '--decay <factor>',
    help: 'per-depth decay of the minimum cluster size',
    group: 'cluster',
    remote: true,
  }),
  silhouetteThreshold: fromConfig(ClusterConfigSchema.shape.silhouetteThreshold, {
    flags: '--silhouette-threshold <s>',
    help: 'split children further while their silhouette is below this',
    group: 'cluster',
    remote: true,
  }),
  minSamples: fromConfig(ClusterConfigSchema.shape.minSamples, { flags: '--min-samples <n>', help: 'HDBSCAN min_samples', group: 'cluster', remote: true }),
  selection: fromConfig(ClusterConfigSchema.shape.selection, {
    flags: '--selection <method>',
    help: 'HDBSCAN cluster selection',
    group: 'cluster',
    remote: true,
  }),
  selectionEpsilon: fromConfig(ClusterConfigSchema.shape.selectionEpsilon, {
    flags: '--selection-epsilon <d>',
    help: 'HDBSCAN cluster_selection_epsilon in the reduced space',
    group: 'cluster',
    remote: true,
  }),
  maxK: fromConfig(ClusterConfigSchema.shape.maxK, {
    flags: '--max-k <n>',
    help: 'largest number of children the kmeans engine tries per node',
    group: 'cluster',
    remote: true,
  }),
  sampleMax: fromConfig(ClusterConfigSchema.shape.sampleMax, {
    flags: '--sample-max <n>',
    help: 'nodes larger than this are fitted on a sample, the rest assigned by nearest neighbour',
    group: 'cluster',
    remote: true,
  }),
  seed,
};

/** Cluster naming (`index`). */
const NAME = {
  namer: fromConfig(NameConfigSchema.shape.namer, { flags: '--namer <namer>', help: 'how clusters are named: offline keywords, or an LLM', group: 'name' }),
  llmBaseUrl: text({
    flags: '--llm-base-url <url>',
    help: 'OpenAI-compatible endpoint, e.g. https://api.openai.com/v1, http://localhost:8000/v1 (vLLM), http://localhost:11434/v1 (ollama)',
    group: 'name',
  }),
  llmModel: text({ flags: '--llm-model <name>', help: 'model name the endpoint serves, e.g. gpt-4o-mini', group: 'name' }),
  llmApiKeyEnv: fromConfig(LlmNamerSchema.shape.apiKeyEnv, {
    flags: '--llm-api-key-env <var>',
    help: 'environment variable holding the API key (unset: no key sent)',
    group: 'name',
  }),
  llmConcurrency: fromConfig(LlmNamerSchema.shape.concurrency, { flags: '--llm-concurrency <n>', help: 'sibling groups named at once', group: 'name' }),
  llmMaxRetries: fromConfig(LlmNamerSchema.shape.maxRetries, {
    flags: '--llm-max-retries <n>',
    help: 'retries on 429/5xx/timeouts, with exponential backoff',
    group: 'name',
  }),
  llmTimeout: int({
    flags: '--llm-timeout <seconds>',
    help: 'per-request timeout in seconds',
    group: 'name',
    min: 1,
    laterDefault: LlmNamerSchema.shape.timeoutMs.def.defaultValue / 1000,
  }),
  promptTemplate: text({ flags: '--prompt-template <dir>', help: 'folder with system.njk and user.njk to replace the bundled naming prompts', group: 'name' }),
  fallback: fromConfig(LlmNamerSchema.shape.fallback, {
    flags: '--fallback <kind>',
    help: 'when the LLM keeps failing: stop with an error (none) or use keyword names',
    group: 'name',
  }),
};

/** Where stages run and keep their outputs (`index`). */
const RUNNER = {
  store: text({
    flags: '--store <dir|s3://bucket/prefix>',
    help: 'artifact store for stage outputs and markers: a folder or s3://BUCKET/PREFIX (default: $CPROX_STORE or ~/.cache/corpus-proximity/store)',
    group: 'runner',
  }),
  runner: choice(['in-process', 'docker'] as const, {
    flags: '--runner <runner>',
    help: 'run the stages in this process, or each in a container of the stage image',
    group: 'runner',
    default: 'in-process',
  }),
  image: text({
    flags: '--image <name>',
    help: 'stage image for --runner docker (build it with `corpus-proximity build-image`)',
    group: 'runner',
    default: DEFAULT_STAGE_IMAGE,
  }),
  gpus: toggle({ flags: '--gpus', help: 'request all GPUs for the stage containers (--runner docker)', group: 'runner' }),
};

/** Steps of an AWS Batch pipeline (`index`). */
const BATCH = {
  until: choice(
    STAGES.map((s) => s.name),
    { flags: '--until <stage>', help: 'stop after this stage and export nothing (a step of a Batch pipeline)', group: 'batch' },
  ),
  shard: text({
    flags: '--shard <I/N>',
    help: 'embed only shard I of N (I from 0; batch/N reads $AWS_BATCH_JOB_ARRAY_INDEX) and stop: a Batch array child. A later full build uses the finished shards',
    group: 'batch',
    pattern: /^(\d+|batch)\/\d+$/,
    expected: 'I/N (I counted from 0) or batch/N',
  }),
};

/** `index --deploy-gpu`: the stack settings come from the stack config schema. */
const CLOUD = {
  deployGpu: toggle({
    flags: '--deploy-gpu',
    help: "build on a cloud GPU (AWS, through Pulumi): corpus uploaded, index built in the stack's bucket, synced to --output",
    group: 'cloud',
  }),
  keepRunning: toggle({ flags: '--keep-running', help: 'leave the GPU instance up afterwards (default: remove the compute, keep the bucket)', group: 'cloud' }),
  stack: text({ flags: '--stack <name>', help: 'Pulumi stack', group: 'cloud', default: 'dev' }),
  region: text({ flags: '--region <region>', help: 'AWS region (default $AWS_REGION or us-east-1)', group: 'cloud' }),
  timeout: int({ flags: '--timeout <minutes>', help: 'give up waiting for the cloud run after this long', group: 'cloud', min: 1, default: 240 }),
  minVram: fromConfig(StackConfigSchema.shape.minVram, { flags: '--min-vram <GB>', help: 'GPU memory the instance needs', group: 'cloud' }),
  minCpuRam: fromConfig(StackConfigSchema.shape.minCpuRam, { flags: '--min-cpu-ram <GB>', help: 'host memory the instance needs', group: 'cloud' }),
  maxPrice: fromConfig(StackConfigSchema.shape.maxPrice, { flags: '--max-price <USD/h>', help: 'spot price cap', group: 'cloud' }),
  gpuFilter: text({ flags: '--gpu-filter <text>', help: 'only GPUs whose name contains this, e.g. L4', group: 'cloud' }),
  containerDisk: fromConfig(StackConfigSchema.shape.containerDisk, { flags: '--container-disk <GB>', help: 'root volume size', group: 'cloud' }),
  base: text({ flags: '--base <image>', help: 'base image for the stage image (default node:20-bookworm-slim)', group: 'cloud' }),
  maxRunHours: fromConfig(StackConfigSchema.shape.maxRunHours, {
    flags: '--max-run-hours <h>',
    help: 'hard limit of the cloud run: the container is stopped and the instance powered off after it (default 2 h + 2 h per GB of corpus, at most 48 h)',
    group: 'cloud',
  }),
};

export const INDEX_OPTIONS = {
  ...CORPUS,
  output: text({ flags: '--output <dir>', help: 'where to write the index (created or replaced, atomically)', group: 'corpus', required: true }),
  ...EMBED,
  ...SEARCH,
  ...CLUSTER,
  ...NAME,
  ...RUNNER,
  ...BATCH,
  ...CLOUD,
  yes: toggle({ flags: '-y, --yes', help: 'confirm non-interactively that this is the exact training corpus', group: 'general' }),
  quiet,
};

export const ANNOTATE_OPTIONS = {
  corpusIndex: text({ flags: '--corpus-index <dir>', help: 'index folder written by `index`, `sync` or `demo`', group: 'input', required: true }),
  input: text({ flags: '--input <file>', help: 'JSONL of model outputs, - for stdin', group: 'input', default: '-' }),
  output: text({ flags: '--output <file>', help: 'annotated JSONL, - for stdout (a file is written atomically)', group: 'input', default: '-' }),
  textField: text({
    flags: '--text-field <name>',
    help: 'field holding the text to annotate (default: output, text or response, else an OpenAI completion)',
    group: 'input',
  }),
  k: int({ flags: '--k <n>', help: 'nearest chunks per sentence', group: 'search', min: 1, max: 100, default: 3 }),
  phraseLevel: toggle({ flags: '--phrase-level', help: 'annotate each output as one span instead of sentence by sentence', group: 'search', negatable: true }),
  embedder: text({
    flags: '--embedder <onnx:DIR>',
    help: 'for an index built with an ONNX model: where the model folder is (local or s3://…; default: the folder recorded at index time); it must match the fingerprint the index records',
    group: 'embed',
    pattern: /^onnx:.+$/,
    expected: 'onnx:DIR',
  }),
  device,
  quiet,
};

export const CLUSTER_OPTIONS = {
  vectors: text({ flags: '--vectors <file.npy>', help: 'N × D embeddings (float32 or float16 .npy), row i = chunk i', group: 'input', required: true }),
  output: text({ flags: '--output <dir>', help: 'folder for tree.json, chunk_to_cluster.json and stats.json', group: 'input', required: true }),
  ...CLUSTER,
  quiet,
};

export const SYNC_OPTIONS = {
  store: text({
    flags: '--store <dir|s3://bucket/prefix>',
    help: 'the artifact store the index was built in: a folder or s3://BUCKET/PREFIX',
    group: 'input',
    required: true,
  }),
  output: text({ flags: '--output <dir>', help: 'where the index goes (created, or an earlier index replaced)', group: 'input', required: true }),
  run: text({ flags: '--run <id>', help: 'a specific run (default: the newest complete one)', group: 'input', ...RUN_ID }),
  quiet,
};

export const VERIFY_OPTIONS = {
  corpusIndex: text({ flags: '--corpus-index <dir>', help: 'index folder written by `index`, `sync` or `demo`', group: 'input', required: true }),
  store: text({
    flags: '--store <dir|s3://bucket/prefix>',
    help: 'the artifact store the index was built in (a folder or s3://BUCKET/PREFIX): also check the manifest against its assemble marker',
    group: 'input',
  }),
  json,
  quiet,
};

export const STATUS_OPTIONS = {
  store: text({ flags: '--store <dir|s3://bucket/prefix>', help: 'the artifact store: a folder or s3://BUCKET/PREFIX', group: 'input', required: true }),
  json,
};

export const SHOW_OPTIONS = {
  annotatedFile: text({ flags: '--annotated-file <file>', help: 'JSONL written by `annotate`', group: 'input', required: true }),
  index: int({ flags: '--index <n>', help: 'which row to show, counted from 0', group: 'input', min: 0, default: 0 }),
  showChunks: toggle({ flags: '--show-chunks', help: 'also print the nearest corpus chunk of each sentence', group: 'display' }),
  compact: toggle({ flags: '--compact', help: 'one line: the output and its top clusters', group: 'display' }),
};

export const STAGE_OPTIONS = {
  store: text({
    flags: '--store <dir|s3://bucket/prefix>',
    help: 'the artifact store of the run: a folder or s3://BUCKET/PREFIX',
    group: 'input',
    required: true,
  }),
  run: text({ flags: '--run <id>', help: 'the run', group: 'input', required: true, ...RUN_ID }),
  corpus: text({ flags: '--corpus <path>', help: 'where the corpus is, if not at the path recorded for the run (prepare only)', group: 'input' }),
  quiet,
};

export const DEMO_OPTIONS = {
  output: text({ flags: '--output <dir>', help: 'working folder for the demo', group: 'input', default: 'corpus-proximity-demo' }),
  showChunks: toggle({ flags: '--show-chunks', help: 'print the nearest corpus chunk under each sentence', group: 'display' }),
  quiet: toggle({ flags: '-q, --quiet', help: 'print only the annotations', group: 'general' }),
};

export const BUILD_IMAGE_OPTIONS = {
  tag: text({ flags: '--tag <name>', help: 'image name', group: 'runner', default: DEFAULT_STAGE_IMAGE }),
  base: text({ flags: '--base <image>', help: 'base image with Node 20 (default node:20-bookworm-slim; a CUDA base for --cuda)', group: 'runner' }),
  cuda: toggle({ flags: '--cuda', help: "install onnxruntime's CUDA 12 execution provider (target cuda; needs network and a CUDA base)", group: 'runner' }),
  quiet: toggle({ flags: '-q, --quiet', help: 'no output', group: 'general' }),
};

/** The `index` options a remote run repeats, as flags (the cloud instance runs `index` with them). */
export const REMOTE_INDEX_OPTIONS = Object.entries(INDEX_OPTIONS).filter(([, d]) => d.remote);
