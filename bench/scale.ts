/**
 * A million chunks on this machine: builds a reproducible ~10⁶-chunk multi-stage corpus (bench/scale-corpus.ts,
 * resampled from the demo text) with the default settings and `--chunk-tokens 32`, through the CLI, then measures
 * annotate on it. One JSON line per step:
 * - `corpus`: documents, words, bytes, files;
 * - `build` (one per stage): each stage runs in its own `index --until STAGE` process (the last one exports the
 *   index), so every stage has its own peak RSS; `stage_s` is the stage's own time from its marker, `process_s`
 *   the whole process (it also checks the finished stages it reuses). Then `build_total`;
 * - `index`: chunks, files and sizes, the top-level cluster names and the name quality (bench/name-quality.ts);
 * - `cold_start`: `annotate` of one row, a fresh process each time: the first run after the build (it hashes the
 *   index files once, as any first use on a machine does) and the median of the next runs;
 * - `annotate` (one per --rows size): wall time, sentences/s with and without the cold start, peak RSS, and its
 *   ratio to the largest file annotate reads (`terms.postings` for a lexical index) and to embeddings.npy;
 * - `recall`: the term search's top 10 against a brute-force ranking of the same scores (every posting list read in
 *   full, every chunk scored), and both speeds;
 * - `seed_method`: the original Python plan's search (one sentence vector against every row of embeddings.npy, a
 *   full argsort) on the same index, and annotate's speedup over it.
 *
 *   npm run bench:scale [-- --chunks 1100000 --rows 1000,100000 --queries 200 --keep | --skip-build]
 * Files go under .bench-cache/scale/ (the corpus is kept between runs; the store and index are rebuilt unless --keep).
 */
import { spawnSync } from 'node:child_process';
import { closeSync, createReadStream, existsSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readClusterTable, readManifest } from '../pipeline/corpus-index/load.js';
import { isLexical } from '../pipeline/embedders/lexical.js';
import { loadEmbedder } from '../pipeline/embedders/load.js';
import { npyLayout } from '../pipeline/npy.js';
import { runStatuses } from '../pipeline/runners/status.js';
import { openTermIndex } from '../pipeline/search/term-index.js';
import { align8, HEADER } from '../pipeline/search/term-postings.js';
import { openStore } from '../pipeline/store/open.js';
import { STAGES } from '../stages/table.js';
import { nameQuality } from './name-quality.js';
import { writeScaleCorpus } from './scale-corpus.js';
import { querySentences } from './sotu.js';

const args = process.argv.slice(2);
const arg = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const CHUNKS = Number(arg('--chunks') ?? 1_100_000);
const CHUNK_TOKENS = Number(arg('--chunk-tokens') ?? 32);
const ROWS = (arg('--rows') ?? '1000,100000').split(',').map(Number);
const QUERIES = Number(arg('--queries') ?? 200);
const SEED_QUERIES = Number(arg('--seed-queries') ?? 5);
const root = path.resolve(arg('--dir') ?? '.bench-cache/scale');
const corpusDir = path.join(root, `corpus-${CHUNKS}-${CHUNK_TOKENS}`);
const storeDir = path.join(root, 'store');
const indexDir = path.join(root, 'index');
const workDir = path.join(root, 'work');
const cli = path.resolve('bin/corpus-proximity.js');
const peakHook = pathToFileURL(fileURLToPath(new URL('./fixtures/peak-rss.js', import.meta.url))).href;
const mb = (bytes: number) => Math.round(bytes / 1048576);
const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;
const emit = (step: string, facts: Record<string, unknown>) => console.log(JSON.stringify({ bench: 'scale', step, ...facts }));

interface CliRun {
  seconds: number;
  peakRss: number;
  status: number | null;
  stderr: string;
}

/** The CLI in a fresh process, stdout to `stdoutFile` (or discarded); its wall time and peak RSS. */
function runCli(argv: string[], stdoutFile?: string): CliRun {
  const rssFile = path.join(workDir, `rss-${process.pid}`);
  rmSync(rssFile, { force: true });
  const out = stdoutFile ? openSync(stdoutFile, 'w') : 'ignore';
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', peakHook, cli, ...argv], {
    env: { ...process.env, CPROX_PEAK_RSS_FILE: rssFile, NO_COLOR: '1' },
    stdio: ['ignore', out, 'pipe'],
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  const seconds = (performance.now() - t0) / 1000;
  if (typeof out === 'number') closeSync(out);
  const peakRss = existsSync(rssFile) ? Number(readFileSync(rssFile, 'utf8')) : 0;
  return { seconds, peakRss, status: r.status, stderr: r.stderr ?? '' };
}

function mustSucceed(what: string, r: CliRun): void {
  if (r.status === 0) return;
  emit('error', { what, status: r.status, stderr: r.stderr.slice(-4000) });
  process.exit(1);
}

rmSync(workDir, { recursive: true, force: true });
await import('node:fs/promises').then((fs) => fs.mkdir(workDir, { recursive: true }));

// 1. The corpus.
const tc = performance.now();
const facts = await writeScaleCorpus(corpusDir, { chunks: CHUNKS, chunkTokens: CHUNK_TOKENS, seed: 7 });
emit('corpus', { ...facts, seconds: round((performance.now() - tc) / 1000, 1) });

// 2. The build, one process per stage (--skip-build: measure the index already built there).
const skipBuild = args.includes('--skip-build');
if (!args.includes('--keep') && !skipBuild) {
  rmSync(storeDir, { recursive: true, force: true });
  rmSync(indexDir, { recursive: true, force: true });
}
const common = ['index', '--corpus', corpusDir, '--output', indexDir, '--store', storeDir, '--yes', '--quiet', '--chunk-tokens', String(CHUNK_TOKENS)];
const stageRuns: Array<{ stage: string; run: CliRun }> = [];
for (const [i, stage] of skipBuild ? [] : STAGES.entries()) {
  const last = i === STAGES.length - 1;
  const run = runCli([...common, ...(last ? [] : ['--until', stage.name])]);
  mustSucceed(`index --until ${stage.name}`, run);
  stageRuns.push({ stage: stage.name, run });
}
const store = await openStore(storeDir);
const manifest = await readManifest(indexDir);
const status = (
  await runStatuses(
    store,
    STAGES.map((s) => s.name),
  )
).find((r) => r.runId === manifest.run_id);
let peak = 0;
for (const { stage, run } of stageRuns) {
  const s = status?.stages.find((x) => x.stage === stage);
  peak = Math.max(peak, run.peakRss);
  emit('build', {
    stage,
    stage_s: s?.seconds !== undefined ? round(s.seconds, 1) : null,
    reused_from: s?.reusedFrom ?? null,
    process_s: round(run.seconds, 1),
    peak_rss_mb: mb(run.peakRss),
  });
}
const buildSeconds = stageRuns.reduce((t, r) => t + r.run.seconds, 0);
if (!skipBuild)
  emit('build_total', { chunks: manifest.counts.chunks, seconds: round(buildSeconds, 1), minutes: round(buildSeconds / 60, 2), peak_rss_mb: mb(peak) });

// 3. The index.
const files = await readdir(indexDir, { recursive: true, withFileTypes: true });
const sizes: Record<string, number> = {};
for (const f of files) if (f.isFile()) sizes[path.relative(indexDir, path.join(f.parentPath, f.name))] = statSync(path.join(f.parentPath, f.name)).size;
const indexBytes = Object.values(sizes).reduce((a, b) => a + b, 0);
const table = await readClusterTable(indexDir, manifest);
async function* chunkTexts() {
  const lines = createInterface({ input: createReadStream(path.join(indexDir, 'chunks.jsonl')), crlfDelay: Infinity });
  for await (const line of lines) yield JSON.parse(line) as { idx: number; text: string };
}
const names = await nameQuality(table, chunkTexts());
emit('index', {
  chunks: manifest.counts.chunks,
  per_stage: manifest.counts,
  index_mb: mb(indexBytes),
  file_mb: Object.fromEntries(Object.entries(sizes).map(([k, v]) => [k, round(v / 1048576, 1)])),
  clusters: table.rows.length - 1,
  top_level: table.rows.filter((r) => r.depth === 1).length,
  top_names: table.rows.filter((r) => r.depth === 1).map((r) => `${r.cluster_id} ${r.name} (${r.size})`),
  names,
});

// 4. Annotate. Queries as in bench:annotate: corpus sentences, verbatim and with every other word dropped, 5 a row.
const sentence = querySentences();
function writeRows(file: string, rows: number): void {
  const fd = openSync(file, 'w');
  let buf = '';
  for (let r = 0; r < rows; r++) {
    buf += JSON.stringify({ id: r, output: Array.from({ length: 5 }, (_, j) => sentence(r * 5 + j)).join(' ') }) + '\n';
    if (buf.length > 1 << 20) {
      writeFileSync(fd, buf);
      buf = '';
    }
  }
  writeFileSync(fd, buf);
  closeSync(fd);
}
const annotateArgs = (input: string, output: string) => ['annotate', '--corpus-index', indexDir, '--input', input, '--output', output, '--quiet'];
const oneRow = path.join(workDir, 'rows-1.jsonl');
writeRows(oneRow, 1);
const cold: number[] = [];
for (let i = 0; i < 4; i++) {
  const r = runCli(annotateArgs(oneRow, path.join(workDir, 'out-1.jsonl')));
  mustSucceed('annotate (1 row)', r);
  cold.push(r.seconds);
}
const coldMedian = [...cold.slice(1)].sort((a, b) => a - b)[1];
emit('cold_start', { first_s: round(cold[0]), median_s: round(coldMedian), runs_s: cold.map((x) => round(x)) });

const largest = manifest.terms ? sizes['terms.postings'] : sizes['embeddings.npy'];
const rssByRows: Record<number, number> = {};
/** Sentences/s of the largest annotate run (after its start): the steady rate. */
let annotateRate = 0;
for (const rows of ROWS) {
  const input = path.join(workDir, `rows-${rows}.jsonl`);
  const output = path.join(workDir, `out-${rows}.jsonl`);
  writeRows(input, rows);
  const r = runCli(annotateArgs(input, output));
  mustSucceed(`annotate (${rows} rows)`, r);
  let sentences = 0;
  for await (const line of createInterface({ input: createReadStream(output), crlfDelay: Infinity }))
    sentences += (JSON.parse(line) as { summary: { sentences: number } }).summary.sentences;
  rmSync(output, { force: true });
  rssByRows[rows] = r.peakRss;
  annotateRate = sentences / Math.max(1e-3, r.seconds - coldMedian);
  emit('annotate', {
    rows,
    sentences,
    seconds: round(r.seconds, 2),
    sentences_per_s: Math.round(sentences / r.seconds),
    sentences_per_s_after_start: Math.round(sentences / Math.max(1e-3, r.seconds - coldMedian)),
    peak_rss_mb: mb(r.peakRss),
    rss_bound_mb: mb(1.5 * largest + 200 * 1048576),
    postings_mb: sizes['terms.postings'] ? mb(sizes['terms.postings']) : null,
    embeddings_mb: mb(sizes['embeddings.npy']),
    rss_vs_first_size: round(r.peakRss / rssByRows[ROWS[0]]),
  });
}

// 5. Recall@10 of the term search against brute force over the same scores, and the seed's method.
const lexical = manifest.terms !== null;
const embedder = await loadEmbedder(manifest.embedder.id, (name) =>
  Promise.resolve(existsSync(path.join(indexDir, 'embedder', name)) ? readFileSync(path.join(indexDir, 'embedder', name)) : null),
);
const queries = Array.from({ length: QUERIES }, (_, i) => sentence(i));
if (lexical && isLexical(embedder)) {
  const terms = openTermIndex(path.join(indexDir, manifest.terms!.file));
  const fd = openSync(path.join(indexDir, manifest.terms!.file), 'r');
  const head = Buffer.alloc(HEADER);
  readSync(fd, head, 0, HEADER, 0);
  const T = head.readUInt32LE(8);
  const N = head.readUInt32LE(12);
  const P = head.readDoubleLE(16);
  const offsets = new Float64Array(T + 1);
  readSync(fd, new Uint8Array(offsets.buffer), 0, (T + 1) * 8, HEADER);
  // Layout of term-postings.ts: offsets, splits, the two maxima, then ids and weights (a term's two parts are contiguous).
  const idsAt = HEADER + (T + 1) * 8 + T * 8 + 2 * align8(T * 4);
  const weightsAt = idsAt + align8(P * 4);
  const acc = new Float64Array(N);
  let hits = 0;
  let searchMs = 0;
  let bruteMs = 0;
  for (const q of queries) {
    const query = embedder.terms(q, 'query');
    let t0 = performance.now();
    const found = terms.search(query, 10);
    searchMs += performance.now() - t0;
    t0 = performance.now();
    acc.fill(0);
    query.ids.forEach((t, i) => {
      const n = offsets[t + 1] - offsets[t];
      const ids = new Uint32Array(n);
      const w = new Float32Array(n);
      readSync(fd, new Uint8Array(ids.buffer), 0, n * 4, idsAt + offsets[t] * 4);
      readSync(fd, new Uint8Array(w.buffer), 0, n * 4, weightsAt + offsets[t] * 4);
      for (let j = 0; j < n; j++) acc[ids[j]] += query.weights[i] * w[j];
    });
    const ranked = Array.from(acc.keys())
      .filter((c) => acc[c] > 0)
      .sort((a, b) => acc[b] - acc[a] || a - b);
    bruteMs += performance.now() - t0;
    const tenth = acc[ranked[Math.min(9, ranked.length - 1)]] ?? 0;
    const want = Math.min(10, ranked.length);
    // A hit tied with the 10th best score is as right as the chunk brute force happened to list.
    hits += Math.min(want, found.filter((f) => acc[f.idx] >= tenth - 1e-9).length) / Math.max(1, want);
  }
  closeSync(fd);
  terms.close();
  emit('recall', {
    queries: QUERIES,
    recall_at_10: round(hits / QUERIES, 4),
    term_search_q_per_s: Math.round(QUERIES / (searchMs / 1000)),
    brute_force_q_per_s: round(QUERIES / (bruteMs / 1000), 1),
  });
}

// The seed's method: the sentence's vector against every stored vector (read in blocks), then a full argsort.
const vectorsFile = path.join(indexDir, manifest.vectors.file);
const vfd = openSync(vectorsFile, 'r');
const headBuf = Buffer.alloc(4096);
readSync(vfd, headBuf, 0, 4096, 0);
const layout = npyLayout(headBuf, vectorsFile);
const BLOCK = 16384;
const block = Buffer.alloc(BLOCK * layout.dims * layout.bytesPerValue);
let seedMs = 0;
for (const q of queries.slice(0, SEED_QUERIES)) {
  const t0 = performance.now();
  const v = await embedder.embed([q], { kind: 'query' });
  const dist = new Float64Array(layout.rows);
  for (let r0 = 0; r0 < layout.rows; r0 += BLOCK) {
    const n = Math.min(BLOCK, layout.rows - r0);
    const bytes = n * layout.dims * layout.bytesPerValue;
    readSync(vfd, block, 0, bytes, layout.offset + r0 * layout.dims * layout.bytesPerValue);
    const m = layout.decode(block.subarray(0, bytes));
    for (let r = 0; r < n; r++) {
      let s = 0;
      for (let j = 0; j < layout.dims; j++) s += m[r * layout.dims + j] * v[j];
      dist[r0 + r] = 1 - s;
    }
  }
  Array.from(dist.keys()).sort((a, b) => dist[a] - dist[b]);
  seedMs += performance.now() - t0;
}
closeSync(vfd);
const seedPerS = SEED_QUERIES / (seedMs / 1000);
emit('seed_method', { queries: SEED_QUERIES, sentences_per_s: round(seedPerS, 2), annotate_speedup: Math.round(annotateRate / seedPerS) });
