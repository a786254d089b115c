/**
 * Runs the stage table in a worker thread, so the main thread stays free to answer Ctrl-C and SIGTERM at once: a
 * stage deep in a synchronous loop (clustering, a matrix product) would otherwise delay the signal handler until the
 * loop ends. The worker speaks to the main thread in messages: reporter lines, progress, the temp files it is
 * writing (removed by the main thread on an interrupt), and the result or the error.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { reportTempPathsTo, trackTempPath } from '../pipeline/atomic-file.js';
import { CproxError, type ErrorCode } from '../pipeline/errors.js';
import type { CompleteMarker } from '../pipeline/markers.js';
import type { Progress, Reporter } from '../pipeline/reporter.js';
import { runPipeline } from '../pipeline/runners/in-process.js';
import type { RunInputs, Shard } from '../pipeline/runners/stage.js';
import { redact } from '../pipeline/secrets.js';
import { openStore } from '../pipeline/store/open.js';
import { STAGES } from './table.js';

export interface WorkerRunRequest {
  storeLocation: string;
  inputs: RunInputs;
  until?: string;
  /** Run just this stage (earlier ones must be complete): the `stage` command. */
  only?: string;
  /** Where prepare finds the corpus, if not at its recorded path. */
  corpusRoot?: string;
  shard?: Shard;
}

export interface WorkerRunResult {
  runId: string;
  markers: Record<string, CompleteMarker>;
  ran: string[];
  skipped: string[];
}

type Message =
  | { t: 'info' | 'warn'; m: string }
  | { t: 'p-start'; id: number; label: string; total?: number; unit?: string }
  | { t: 'p-tick'; id: number; n: number }
  | { t: 'p-done'; id: number }
  | { t: 'tmp'; path: string; writing: boolean }
  | { t: 'ok'; result: WorkerRunResult }
  | { t: 'err'; code: ErrorCode | null; message: string; hint?: string; stack?: string };

const KIND = 'corpus-proximity-pipeline';
/** Progress ticks are summed in the worker and sent at most this often (a tick per chunk would flood the channel). */
const TICK_FLUSH_MS = 100;

/** Main thread: runs the pipeline in a worker and resolves with its result, or rejects with its error. */
export function runPipelineInWorker(req: WorkerRunRequest, reporter: Reporter): Promise<WorkerRunResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: { kind: KIND, req } });
    const bars = new Map<number, Progress>();
    let settled = false;
    worker.on('message', (msg: Message) => {
      switch (msg.t) {
        case 'info':
          return reporter.info(msg.m);
        case 'warn':
          return reporter.warn(msg.m);
        case 'p-start':
          return void bars.set(msg.id, reporter.progress(msg.label, msg.total, msg.unit));
        case 'p-tick':
          return bars.get(msg.id)?.tick(msg.n);
        case 'p-done':
          return bars.get(msg.id)?.done();
        case 'tmp':
          return trackTempPath(msg.path, msg.writing);
        case 'ok':
          settled = true;
          return resolve(msg.result);
        case 'err': {
          settled = true;
          const e = msg.code ? new CproxError(msg.code, msg.message, { hint: msg.hint }) : new Error(msg.message);
          if (msg.stack) e.stack = msg.stack;
          return reject(e);
        }
      }
    });
    worker.on('error', (e) => {
      settled = true;
      reject(e);
    });
    worker.on('exit', (code) => {
      if (!settled) reject(new CproxError('INTERNAL', `the pipeline worker exited with code ${code} without a result`));
    });
  });
}

/** Worker thread: the reporter that forwards to the main thread. */
function forwardingReporter(post: (m: Message) => void): Reporter {
  let nextId = 0;
  return {
    info: (m) => post({ t: 'info', m }),
    warn: (m) => post({ t: 'warn', m }),
    progress(label, total, unit) {
      const id = nextId++;
      post({ t: 'p-start', id, label, total, unit });
      let pending = 0;
      let last = Date.now();
      return {
        tick(n = 1) {
          pending += n;
          if (Date.now() - last >= TICK_FLUSH_MS) {
            post({ t: 'p-tick', id, n: pending });
            pending = 0;
            last = Date.now();
          }
        },
        done() {
          if (pending) post({ t: 'p-tick', id, n: pending });
          post({ t: 'p-done', id });
        },
      };
    },
  };
}

/** Text leaving the worker is redacted here: secrets the worker registered (the LLM key) are unknown to the main thread. */
function redacted(m: Message): Message {
  if (m.t === 'info' || m.t === 'warn') return { ...m, m: redact(m.m) };
  if (m.t === 'err') return { ...m, message: redact(m.message), hint: m.hint && redact(m.hint), stack: m.stack && redact(m.stack) };
  return m;
}

async function workerMain(req: WorkerRunRequest, port: NonNullable<typeof parentPort>): Promise<void> {
  const post = (m: Message) => port.postMessage(redacted(m));
  reportTempPathsTo((path, writing) => post({ t: 'tmp', path, writing }));
  try {
    const store = await openStore(req.storeLocation);
    const r = await runPipeline({
      store,
      inputs: req.inputs,
      stages: STAGES,
      reporter: forwardingReporter(post),
      until: req.until,
      only: req.only,
      corpusRoot: req.corpusRoot,
      shard: req.shard,
    });
    post({ t: 'ok', result: { runId: r.runId, markers: r.markers, ran: r.ran, skipped: r.skipped } });
  } catch (e) {
    const err = e as CproxError;
    post({ t: 'err', code: e instanceof CproxError ? err.code : null, message: err?.message ?? String(e), hint: err?.hint, stack: err?.stack });
  }
}

if (!isMainThread && parentPort && (workerData as { kind?: string })?.kind === KIND) {
  await workerMain((workerData as { req: WorkerRunRequest }).req, parentPort);
}
