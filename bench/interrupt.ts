/**
 * How fast an interrupted build stops: SIGINT during the cluster stage, time to the "stopping" line and to exit.
 * `index` runs its stages in a worker thread; the baseline in the same script runs the same stage on the main thread
 * (bench/fixtures/main-thread-stage.ts, as every build did before), so the signal waits for the computation.
 *
 *   npm run bench:interrupt [-- --chunk-tokens 24 --delay 1.5]
 * Prints one JSON line per runner. The corpus is every State of the Union address, in small chunks so clustering
 * takes long enough to interrupt.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSotuJsonl } from './sotu.js';

const args = process.argv.slice(2);
const opt = (name: string, fallback: number) => Number(args[args.indexOf(`--${name}`) + 1] || fallback) || fallback;
const chunkTokens = opt('chunk-tokens', 24);
const delayMs = opt('delay', 1.5) * 1000;
const here = path.dirname(fileURLToPath(import.meta.url));
const BIN = path.resolve(here, '../../bin/corpus-proximity.js');
const MAIN_THREAD_STAGE = path.join(here, 'fixtures', 'main-thread-stage.js');

const dir = await mkdtemp(path.join(os.tmpdir(), 'cprox-bench-interrupt-'));
const corpus = path.join(dir, 'corpus', 'pretrain', 'sotu.jsonl');
await writeSotuJsonl(corpus);
const store = path.join(dir, 'store');
const common = ['--store', store, '--chunk-tokens', String(chunkTokens)];

/** Runs the CLI (or, with `script`, another node script) and sends SIGINT `delay` after `interruptOn` shows on stderr. */
function run(argv: string[], interruptOn?: RegExp, script = BIN): Promise<{ code: number | null; stderr: string; toStopping?: number; toExit?: number }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...argv], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let sentAt = 0;
    let toStopping: number | undefined;
    child.stderr.on('data', (d) => {
      stderr += d;
      if (interruptOn && !sentAt && interruptOn.test(stderr)) {
        sentAt = -1;
        setTimeout(() => {
          sentAt = performance.now();
          child.kill('SIGINT');
        }, delayMs);
      }
      if (sentAt > 0 && toStopping === undefined && /stopping|interrupted/.test(stderr.slice(-400))) toStopping = performance.now() - sentAt;
    });
    child.on('close', (code) => resolve({ code, stderr, toStopping, toExit: sentAt > 0 ? performance.now() - sentAt : undefined }));
  });
}

const prepared = await run(['index', '--corpus', path.dirname(path.dirname(corpus)), '--output', path.join(dir, 'out'), '--yes', '--until', 'ann', ...common]);
if (prepared.code !== 0) throw new Error(`could not prepare the run: ${prepared.stderr}`);
const runId = (await readdir(path.join(store, 'runs')))[0];

const started = performance.now();
const full = await run(['stage', 'cluster', '--run', runId, '--store', store]);
const clusterSeconds = (performance.now() - started) / 1000;
await rm(path.join(store, 'runs', runId, 'cluster'), { recursive: true, force: true });
await rm(path.join(store, 'stages', 'cluster'), { recursive: true, force: true });
if (full.code !== 0) throw new Error(`cluster failed: ${full.stderr}`);

const worker = await run(['index', '--corpus', path.dirname(path.dirname(corpus)), '--output', path.join(dir, 'out'), '--yes', ...common], /▸ cluster/);
const main = await run([store, runId, 'cluster'], /▸ cluster/, MAIN_THREAD_STAGE);
const ms = (x?: number) => (x === undefined ? null : Math.round(x));
for (const [runner, r] of [
  ['worker thread (index)', worker],
  ['main thread (baseline)', main],
] as const) {
  console.log(
    JSON.stringify({
      bench: 'interrupt',
      runner,
      chunk_tokens: chunkTokens,
      cluster_stage_s: Number(clusterSeconds.toFixed(1)),
      signal_after_ms: delayMs,
      exit_code: r.code,
      ms_to_stopping_line: ms(r.toStopping),
      ms_to_exit: ms(r.toExit),
    }),
  );
}
await rm(dir, { recursive: true, force: true });
