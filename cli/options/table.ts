/**
 * The option table: every flag of every command, declared once. Flags, validation and help are generated from it
 * (register.ts); an option that sets an index config field takes its type, bounds and default from the config
 * schema; `remote: true` marks the `index` options a run request carries to a remote build.
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
import { DEFAULT_NEIGHBOURS } from '../../pipeline/attribution/annotate.js';
import { DEFAULT_STAGE_IMAGE } from '../../pipeline/runners/image.js';
import { STAGES } from '../../stages/table.js';
import type { z } from 'zod';
import { choice, fromConfig, int, list, text, toggle, type Group } from './spec.js';

const RUN_ID = { pattern: /^[0-9a-f]{16}$/, expected: 'a 16-hex-digit run id (see `corpus-proximity status`)' };

/** An option that sets an index config (or stack config) field; `remote` when a run request carries it. */
const set = <S extends z.ZodType>(group: Group, field: S, flags: string, help: string, remote = true) => fromConfig(field, { flags, help, group, remote });

/** Help texts too long for one line of the table. */
const HELP = {
  corpus:
    'JSONL (also .jsonl.gz/.jsonl.zst), Parquet or, with --format text, .txt/.md file (one document each), a folder searched recursively ' +
    '(symlinks followed; files not read, a README among them, are listed in a warning), ' +
    'or s3://bucket/path (copied to ~/.cache/corpus-proximity/corpora first)',
  embedder:
    'lexical (weightless TF-IDF) or onnx:DIR, a sentence-embedding model folder (local or s3://…) with model.onnx (or onnx/model.onnx), ' +
    'tokenizer.json and embedder.json ({"pooling": "cls"|"mean", "max_tokens": N, "dims": D, "query_prefix": "…"}; ' +
    "a sentence-transformers folder's own config files also work)",
  device: 'where onnxruntime runs an ONNX model; cuda needs onnxruntime-node\'s CUDA 12 binaries and an NVIDIA GPU (README "GPU")',
  llmBaseUrl: 'OpenAI-compatible endpoint, e.g. https://api.openai.com/v1, http://localhost:8000/v1 (vLLM), http://localhost:11434/v1 (ollama)',
  store: 'artifact store for stage outputs and markers: a folder or s3://BUCKET/PREFIX (default: $CPROX_STORE or ~/.cache/corpus-proximity/store)',
  shard:
    'embed only shard I of N (I from 0; batch/N reads $AWS_BATCH_JOB_ARRAY_INDEX) and stop: a Batch array child. ' +
    'A later full build uses the finished shards',
  deployGpu: "build on a cloud GPU (AWS, through Pulumi): corpus uploaded, index built in the stack's bucket, synced to --output",
  maxRunHours: 'hard limit of the cloud run: the container is stopped and the instance powered off after it (default 2 h + 2 h per GB of corpus, at most 48 h)',
  request:
    'build what this run request (requests/<hash>.json in the store, written by --deploy-gpu) says: corpus format, embedder and every ' +
    'index setting come from it; --corpus says where the corpus is (what the cloud instance and Batch jobs run)',
  writeRequest:
    'write the run request of these options into this store (requests/<hash>.json), print its URI and stop: ' +
    'the requestUri of a Batch stack (an ONNX model must then be an s3:// folder)',
  annotateEmbedder:
    'for an index built with an ONNX model: where the model folder is (local or s3://…; default: the folder recorded at index time); ' +
    'it must match the fingerprint the index records',
  neighbours: "chunks each sentence's stage and cluster vote is taken over (at least --k; measured in bench/attribution.ts)",
  annotateTextField:
    'field holding the text to annotate, a dotted path such as response.body.choices.0.message.content or messages.-1.content ' +
    '(default: output, text or response; OpenAI chat/completions, Responses and Batch objects; vLLM outputs; the last assistant message of messages)',
  choices:
    'rows with several choices (n > 1) or vLLM completions: annotate the first (a warning counts the rows) or all, one output row per choice with choice_index',
  skipBadRows: 'write rows that cannot be annotated (bad JSON, no text) to this JSONL file with the line and reason, and go on (default: stop at the first)',
  verifyStore: 'the artifact store the index was built in (a folder or s3://BUCKET/PREFIX): also check the manifest against its assemble marker',
};

const METRICS = 'book_fraction, rows_with_book_spans, novel_fraction, mean_distance, stage:<name>, rows';
/** `--max/--min METRIC=VALUE` of check and annotate (prefix ''), and of compare (prefix 'delta:'). */
const bounds = (prefix: string, what: string) => ({
  max: list({
    flags: `--max <${prefix}metric=value>`,
    help: `fail (exit 1) when ${what} is above VALUE; metrics: ${METRICS.split(', ')
      .map((m) => prefix + m)
      .join(', ')}`,
    group: 'check',
    pattern: /^[^=]+=.+$/,
    expected: `METRIC=VALUE, e.g. ${prefix}book_fraction=0.05`,
  }),
  min: list({
    flags: `--min <${prefix}metric=value>`,
    help: `fail (exit 1) when ${what} is below VALUE`,
    group: 'check',
    pattern: /^[^=]+=.+$/,
    expected: `METRIC=VALUE, e.g. ${prefix}stage:pretrain=0.2`,
  }),
  summaryMd: text({
    flags: '--summary-md <file>',
    help: 'append the metrics and bounds as a Markdown table to this file (e.g. "$GITHUB_STEP_SUMMARY")',
    group: 'check',
  }),
});
const annotatedFile = (help: string) => text({ flags: '--annotated-file <file>', help, group: 'input', required: true });

const quiet = toggle({ flags: '-q, --quiet', help: 'print only warnings and errors', group: 'general' });
const json = toggle({ flags: '--json', help: 'print JSON on stdout instead of text', group: 'display' });
const device = set('embed', EmbedConfigSchema.shape.device, '--device <device>', HELP.device);
const corpusIndex = text({ flags: '--corpus-index <dir>', help: 'index folder written by `index`, `sync` or `demo`', group: 'input', required: true });

/** Corpus input of `index`. */
const CORPUS = {
  corpus: text({ flags: '--corpus <path>', help: HELP.corpus, group: 'corpus', required: true }),
  format: set(
    'corpus',
    CorpusSpecSchema.shape.format,
    '--format <format>',
    'corpus file format: JSONL lines, Parquet rows, or text (one document per .txt/.md file)',
  ),
  textField: set('corpus', CorpusSpecSchema.shape.textField, '--text-field <name>', 'field or column holding the document text'),
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
  chunkTokens: set('embed', ChunkConfigSchema.shape.maxTokens, '--chunk-tokens <n>', 'tokens per chunk window'),
  chunkOverlap: set('embed', ChunkConfigSchema.shape.overlap, '--chunk-overlap <fraction>', 'overlap between consecutive windows'),
  embedder: text({
    flags: '--embedder <spec>',
    help: HELP.embedder,
    group: 'embed',
    pattern: /^(lexical|onnx:.+)$/,
    expected: 'lexical or onnx:DIR',
    remote: true,
    laterDefault: 'lexical',
  }),
  device,
  batchSize: set('embed', EmbedConfigSchema.shape.batchSize, '--batch-size <n>', 'texts per onnxruntime call (ONNX embedder)'),
  dtype: set('embed', EmbedConfigSchema.shape.dtype, '--dtype <dtype>', 'how embeddings.npy stores vectors; float16 halves the file'),
  dims: set('embed', EmbedConfigSchema.shape.dims, '--dims <n>', 'dimensions of the lexical embedder'),
  projection: set('embed', EmbedConfigSchema.shape.projection, '--projection <kind>', 'how TF-IDF is reduced to --dims (lexical embedder)'),
};

/** The nearest-neighbour search graph (`index`). */
const SEARCH = {
  ann: set('search', SearchConfigSchema.shape.ann, '--ann <when>', 'build the HNSW search graph: auto (from --ann-min-rows chunks), always, never'),
  annMinRows: set(
    'search',
    SearchConfigSchema.shape.annMinRows,
    '--ann-min-rows <n>',
    'chunks from which --ann auto builds the graph; fewer are searched exactly',
  ),
  efSearch: set('search', SearchConfigSchema.shape.expansionSearch, '--ef-search <n>', 'HNSW ef at query time: higher is better recall, slower'),
};

/** Recursive clustering: `index` and `cluster`. */
const C = ClusterConfigSchema.shape;
const CLUSTER = {
  engine: set(
    'cluster',
    C.engine,
    '--engine <engine>',
    "flat clusterer per node: auto (HDBSCAN where it finds clusters with little noise, else k-means), kmeans, or hdbscan (the original Python plan's)",
  ),
  maxDepth: set('cluster', C.maxDepth, '--max-depth <n>', 'cluster tree depth'),
  basePct: set('cluster', C.basePct, '--base-pct <fraction>', 'minimum cluster size as a fraction of a node'),
  decay: set('cluster', C.decay, '--decay <factor>', 'per-depth decay of the minimum cluster size'),
  silhouetteThreshold: set('cluster', C.silhouetteThreshold, '--silhouette-threshold <s>', 'split children further while their silhouette is below this'),
  minSamples: set('cluster', C.minSamples, '--min-samples <n>', 'HDBSCAN min_samples'),
  selection: set('cluster', C.selection, '--selection <method>', 'HDBSCAN cluster selection'),
  selectionEpsilon: set('cluster', C.selectionEpsilon, '--selection-epsilon <d>', 'HDBSCAN cluster_selection_epsilon in the reduced space'),
  maxK: set('cluster', C.maxK, '--max-k <n>', 'largest number of children the kmeans engine tries per node'),
  kSelection: set('cluster', C.kSelection, '--k-selection <rule>', "how k-means picks a node's number of children: best silhouette, or fixed (the largest k)"),
  documentWeight: set(
    'cluster',
    C.documentWeight,
    '--document-weight <w>',
    "weight of a chunk's document (its mean vector) in the space the tree is built in; 0 clusters chunks alone",
  ),
  clusterSpace: set(
    'cluster',
    C.space,
    '--cluster-space <space>',
    'space the tree is built in: lsa (SVD of the TF-IDF, lexical embedder), vectors (the index vectors), auto (lsa when lexical)',
  ),
  lsaDims: set('cluster', C.lsaDims, '--lsa-dims <n>', 'dimensions of the LSA cluster space'),
  restarts: set('cluster', C.restarts, '--restarts <n>', 'k-means seedings of the top-level split (3 at most below it); the best fit is kept'),
  sampleMax: set('cluster', C.sampleMax, '--sample-max <n>', 'nodes larger than this are fitted on a sample, the rest assigned by nearest neighbour'),
  seed: set('cluster', C.seed, '--seed <n>', 'random seed of projection, sampling and clustering'),
};

/** Cluster naming (`index`). */
const L = LlmNamerSchema.shape;
const NAME = {
  namer: set('name', NameConfigSchema.shape.namer, '--namer <namer>', 'how clusters are named: offline keywords, or an LLM'),
  llmBaseUrl: text({ flags: '--llm-base-url <url>', help: HELP.llmBaseUrl, group: 'name', remote: true }),
  llmModel: text({ flags: '--llm-model <name>', help: 'model name the endpoint serves, e.g. gpt-4o-mini', group: 'name', remote: true }),
  llmApiKeyEnv: set('name', L.apiKeyEnv, '--llm-api-key-env <var>', 'environment variable holding the API key (unset: no key sent)'),
  llmConcurrency: set('name', L.concurrency, '--llm-concurrency <n>', 'sibling groups named at once'),
  llmMaxRetries: set('name', L.maxRetries, '--llm-max-retries <n>', 'retries on 429/5xx/timeouts, with exponential backoff'),
  llmTimeout: int({
    flags: '--llm-timeout <seconds>',
    help: 'per-request timeout in seconds',
    group: 'name',
    remote: true,
    min: 1,
    laterDefault: L.timeoutMs.def.defaultValue / 1000,
  }),
  promptTemplate: text({
    flags: '--prompt-template <dir>',
    help: 'folder with system.njk and user.njk to replace the bundled naming prompts',
    group: 'name',
    remote: true,
  }),
  fallback: set('name', L.fallback, '--fallback <kind>', 'when the LLM keeps failing: stop with an error (none) or use keyword names'),
};

/** Where stages run and keep their outputs (`index`). */
const RUNNER = {
  store: text({ flags: '--store <dir|s3://bucket/prefix>', help: HELP.store, group: 'runner' }),
  runner: choice(['in-process', 'docker'] as const, {
    flags: '--runner <runner>',
    help: 'run stages in this process, or each in a container of the stage image',
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
  shard: text({ flags: '--shard <I/N>', help: HELP.shard, group: 'batch', pattern: /^(\d+|batch)\/\d+$/, expected: 'I/N (I counted from 0) or batch/N' }),
  writeRequest: text({ flags: '--write-request <store>', help: HELP.writeRequest, group: 'batch' }),
  request: text({
    flags: '--request <file|s3://…>',
    help: HELP.request,
    group: 'batch',
    pattern: /\.json$/,
    expected: 'a run request .json file (local or s3://…)',
  }),
};

/** `index --deploy-gpu`: the stack settings take their bounds and defaults from the stack config schema. */
const K = StackConfigSchema.shape;
const CLOUD = {
  deployGpu: toggle({ flags: '--deploy-gpu', help: HELP.deployGpu, group: 'cloud' }),
  keepRunning: toggle({ flags: '--keep-running', help: 'leave the GPU instance up afterwards (default: remove the compute, keep the bucket)', group: 'cloud' }),
  stack: text({ flags: '--stack <name>', help: 'Pulumi stack', group: 'cloud', default: 'dev' }),
  region: text({ flags: '--region <region>', help: 'AWS region (default $AWS_REGION or us-east-1)', group: 'cloud' }),
  timeout: int({ flags: '--timeout <minutes>', help: 'give up waiting for the cloud run after this long', group: 'cloud', min: 1, default: 240 }),
  minVram: set('cloud', K.minVram, '--min-vram <GB>', 'GPU memory the instance needs', false),
  minCpuRam: set('cloud', K.minCpuRam, '--min-cpu-ram <GB>', 'host memory the instance needs', false),
  maxPrice: set('cloud', K.maxPrice, '--max-price <USD/h>', 'spot price cap', false),
  gpuFilter: text({ flags: '--gpu-filter <text>', help: 'only GPUs whose name contains this, e.g. L4', group: 'cloud' }),
  containerDisk: set('cloud', K.containerDisk, '--container-disk <GB>', 'root volume size', false),
  base: text({ flags: '--base <image>', help: 'base image for the stage image (default node:20-bookworm-slim)', group: 'cloud' }),
  maxRunHours: set('cloud', K.maxRunHours, '--max-run-hours <h>', HELP.maxRunHours, false),
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
  corpusIndex,
  input: text({ flags: '--input <file>', help: 'JSONL of model outputs, - for stdin', group: 'input', default: '-' }),
  output: text({ flags: '--output <file>', help: 'annotated JSONL, - for stdout (a file is written atomically)', group: 'input', default: '-' }),
  textField: text({ flags: '--text-field <path>', help: HELP.annotateTextField, group: 'input' }),
  choices: choice(['first', 'all'] as const, { flags: '--choices <which>', help: HELP.choices, group: 'input', default: 'first' }),
  skipBadRows: text({ flags: '--skip-bad-rows <file>', help: HELP.skipBadRows, group: 'input' }),
  k: int({ flags: '--k <n>', help: 'nearest chunks per sentence in "annotations"', group: 'search', min: 1, max: 100, default: 3 }),
  neighbours: int({ flags: '--neighbours <n>', help: HELP.neighbours, group: 'search', min: 1, max: 200, default: DEFAULT_NEIGHBOURS }),
  phraseLevel: toggle({ flags: '--phrase-level', help: 'annotate each output as one span instead of sentence by sentence', group: 'search', negatable: true }),
  embedder: text({ flags: '--embedder <onnx:DIR>', help: HELP.annotateEmbedder, group: 'embed', pattern: /^onnx:.+$/, expected: 'onnx:DIR' }),
  device,
  batchRows: int({
    flags: '--batch-rows <n>',
    help: 'rows read, annotated and written at a time (memory is bounded by this, not by the file)',
    group: 'search',
    min: 1,
    max: 100000,
    default: 256,
  }),
  ...bounds('', 'a metric of the annotated rows (as `check` computes it)'),
  quiet,
};

export const CHECK_OPTIONS = {
  annotatedFile: annotatedFile('JSONL written by `annotate`, - for stdin'),
  ...bounds('', 'a metric of the file'),
  json,
  quiet: toggle({ flags: '-q, --quiet', help: 'print only failed bounds', group: 'general' }),
};

export const REPORT_OPTIONS = {
  annotatedFile: annotatedFile('JSONL written by `annotate`, - for stdin'),
  output: text({ flags: '--output <file.html>', help: 'the HTML file to write (atomically)', group: 'input', required: true }),
  title: text({ flags: '--title <text>', help: 'page title (default: "corpus-proximity report: FILE")', group: 'display' }),
  quiet,
};

export const COMPARE_OPTIONS = {
  base: text({ flags: '--base <file>', help: 'annotated JSONL of the baseline run (e.g. the earlier checkpoint)', group: 'input', required: true }),
  head: text({ flags: '--head <file>', help: 'annotated JSONL of the run compared with it, on the same prompts', group: 'input', required: true }),
  key: text({
    flags: '--key <field>',
    help: 'pair rows by this field (a path such as id or metadata.prompt_id; rows with choice_index are paired by key and choice) instead of by row order',
    group: 'input',
  }),
  output: text({ flags: '--output <file.html>', help: 'also write the comparison as a self-contained HTML page (written atomically)', group: 'input' }),
  resamples: int({
    flags: '--resamples <n>',
    help: 'bootstrap resamples of the row pairs for the 95% intervals',
    group: 'display',
    min: 100,
    max: 100000,
    default: 1000,
  }),
  ...bounds('delta:', 'the change head − base of a metric'),
  json,
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
  corpusIndex,
  store: text({ flags: '--store <dir|s3://bucket/prefix>', help: HELP.verifyStore, group: 'input' }),
  json,
  quiet,
};

export const STATUS_OPTIONS = {
  store: text({ flags: '--store <dir|s3://bucket/prefix>', help: 'the artifact store: a folder or s3://BUCKET/PREFIX', group: 'input', required: true }),
  json,
};

export const EXPORT_OPTIONS = {
  corpusIndex,
  output: text({ flags: '--output <file|->', help: 'the JSONL file to write (atomically), - for stdout', group: 'input', default: '-' }),
  quiet,
};

export const SHOW_OPTIONS = {
  annotatedFile: annotatedFile('JSONL written by `annotate`, - for stdin'),
  row: int({ flags: '--row <n>', help: 'which row to show, counted from 0', group: 'input', min: 0, laterDefault: 0 }),
  index: int({ flags: '--index <n>', help: 'old name of --row', group: 'input', min: 0, hidden: true }),
  all: toggle({ flags: '--all', help: 'show every row, one after another', group: 'input' }),
  json: toggle({ flags: '--json', help: 'print the row(s) as JSON (one per line) instead of rendering them', group: 'display' }),
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

/** The `index` options a run request carries (pipeline/runners/request.ts): refused beside --request. */
export const REQUEST_OPTIONS = Object.entries(INDEX_OPTIONS).filter(([, d]) => d.remote);
