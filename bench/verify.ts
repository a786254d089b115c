/**
 * Cost of the integrity checks on one index: the full `verify` (sha256 of every file), annotate's open check when
 * the files are unchanged since their last check (stat only) and when they are not (everything hashed), and the
 * reuse check of a rerun whose stages are all complete (every marker's outputs hashed) against the same rerun's
 * total time. The same reuse check on an S3 store (a local s3rver): by entity tag (a HEAD per output, as runs do) and,
 * for comparison, by downloading and hashing every output.
 *
 *   npm run bench:verify [-- --chunk-tokens 24]
 * Prints one JSON line. The corpus is every State of the Union address (about 1.9M words).
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, utimes } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readManifest } from '../pipeline/corpus-index/load.js';
import { checkIndexOnOpen, verifyIndex } from '../pipeline/corpus-index/verify.js';
import { readCompleteMarker, verifyOutputs, type CompleteMarker } from '../pipeline/markers.js';
import { runKeys } from '../pipeline/store/keys.js';
import { s3Store } from '../pipeline/store/s3.js';
import { STAGES } from '../stages/table.js';
import { startS3rver } from './fixtures/s3rver.js';
import { writeSotuJsonl } from './sotu.js';

const args = process.argv.slice(2);
const chunkTokens = Number(args[args.indexOf('--chunk-tokens') + 1] || 24) || 24;
const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/corpus-proximity.js');

const dir = await mkdtemp(path.join(os.tmpdir(), 'cprox-bench-verify-'));
process.env.XDG_CACHE_HOME = path.join(dir, 'cache'); // the stamps of this bench only
const corpus = path.join(dir, 'corpus', 'sotu.jsonl');
await writeSotuJsonl(corpus);
const indexDir = path.join(dir, 'index');
const build = (store = path.join(dir, 'store'), env: Record<string, string> = {}) => {
  const t = performance.now();
  const r = spawnSync(
    process.execPath,
    [BIN, 'index', '--corpus', corpus, '--output', indexDir, '--store', store, '--yes', '--quiet', '--chunk-tokens', String(chunkTokens)],
    {
      encoding: 'utf8',
      env: { ...process.env, ...env },
    },
  );
  if (r.status !== 0) throw new Error(r.stderr);
  return (performance.now() - t) / 1000;
};
build();
// A rerun reuses every stage: its time is mostly the reuse check (hashing every stage output) and the export.
const rerunSeconds = build();

const manifest = await readManifest(indexDir);
let t = performance.now();
const report = await verifyIndex(indexDir, manifest);
const verifySeconds = (performance.now() - t) / 1000;
if (report.problems.length) throw new Error(report.problems.join('; '));

t = performance.now();
const warm = await checkIndexOnOpen(indexDir, manifest);
const warmMs = performance.now() - t;
// Touch every file (new ctime): the open check must hash them all again.
for (const name of Object.keys(manifest.files)) await utimes(path.join(indexDir, name), new Date(), new Date());
t = performance.now();
const cold = await checkIndexOnOpen(indexDir, manifest);
const coldMs = performance.now() - t;

// S3: build once, rerun (every stage reused), then time the reuse check of every marker both ways.
const server = await startS3rver(path.join(dir, 's3'), ['bench']);
Object.assign(process.env, server.env);
const s3Location = 's3://bench/sotu';
build(s3Location, server.env);
const s3RerunSeconds = build(s3Location, server.env);
const s3 = await s3Store(s3Location);
const run = (await s3.list('runs')).find((k) => k.endsWith('/_PIPELINE_COMPLETE.json'))!.split('/')[1];
const markers = (await Promise.all(STAGES.map((st) => readCompleteMarker(s3, runKeys(run), st.name)))).filter((m): m is CompleteMarker => !!m);
const outputs = markers.flatMap((m) => m.outputs);
const timeCheck = async (outs: CompleteMarker['outputs']) => {
  const t0 = performance.now();
  const problem = await verifyOutputs(s3, outs);
  if (problem) throw new Error(problem);
  return (performance.now() - t0) / 1000;
};
const s3EtagSeconds = await timeCheck(outputs);
const s3ShaSeconds = await timeCheck(outputs.map(({ etag: _etag, ...o }) => o));
await server.stop();

console.log(
  JSON.stringify({
    bench: 'verify',
    chunks: manifest.counts.chunks,
    index_mb: Number((report.bytes / 1e6).toFixed(1)),
    files: report.files,
    verify_s: Number(verifySeconds.toFixed(2)),
    verify_mb_per_s: Math.round(report.bytes / 1e6 / verifySeconds),
    open_check_unchanged_ms: Number(warmMs.toFixed(1)),
    open_check_unchanged_files_hashed: warm.hashed,
    open_check_changed_ms: Math.round(coldMs),
    open_check_changed_files_hashed: cold.hashed,
    rerun_all_reused_s: Number(rerunSeconds.toFixed(1)),
    s3_outputs: outputs.length,
    s3_outputs_mb: Number((outputs.reduce((n, o) => n + o.size, 0) / 1e6).toFixed(1)),
    s3_reuse_check_etag_s: Number(s3EtagSeconds.toFixed(2)),
    s3_reuse_check_sha256_s: Number(s3ShaSeconds.toFixed(2)),
    s3_rerun_all_reused_s: Number(s3RerunSeconds.toFixed(1)),
  }),
);
await rm(dir, { recursive: true, force: true });
