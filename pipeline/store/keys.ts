/**
 * Every storage key is built here and nowhere else. Layout under a store:
 *
 *   runs/<runId>/<stage>/<artifact>          stage outputs
 *   runs/<runId>/<stage>/_COMPLETE.json      written after the outputs
 *   runs/<runId>/<stage>/_FAILED.json        written when the stage threw
 *   runs/<runId>/_PIPELINE_COMPLETE.json / _PIPELINE_FAILED.json
 *   runs/<runId>/assemble/index/<file>       the CorpusIndex that `sync`/export copies out
 *   runs/<runId>/shards/<stage>/<fp>-of-<n>/part-<i>.*   one shard of a sharded stage (a Batch array child)
 *   stages/<stage>/<fingerprint>.json        which run already computed this exact stage (reuse across runs)
 *   cache/names/<hash>.json                  LLM cluster names by (template, model, prompt)
 *   tmp/probe-<id>.json                      written and removed before a build, to prove the store is writable
 *   requests/<hash>.json                     a run request: what a remote build computes (corpus reading, embedder, config)
 */
import { CproxError } from '../errors.js';

const SEGMENT = /^[A-Za-z0-9._-]+$/;

/** Joins key segments, refusing empty, `.`/`..` and odd characters so no key can escape its prefix. */
export function joinKey(...parts: string[]): string {
  const segments = parts.flatMap((p) => p.split('/')).filter((s) => s !== '');
  for (const s of segments) {
    if (s === '.' || s === '..' || !SEGMENT.test(s)) {
      throw new CproxError('INTERNAL', `refusing unsafe storage key segment ${JSON.stringify(s)}`);
    }
  }
  return segments.join('/');
}

/** Checks a key that came from outside (a listing, a manifest) before it is used as a path. */
export function assertSafeRelativeKey(key: string): string {
  if (key.startsWith('/') || key.includes('\\')) throw new CproxError('BAD_INDEX', `unsafe key ${JSON.stringify(key)}`);
  return joinKey(key);
}

export const MARKER = { complete: '_COMPLETE.json', failed: '_FAILED.json' } as const;
export const PIPELINE_MARKER = { complete: '_PIPELINE_COMPLETE.json', failed: '_PIPELINE_FAILED.json' } as const;

export interface RunKeys {
  readonly runId: string;
  readonly root: string;
  stageDir(stage: string): string;
  artifact(stage: string, ...name: string[]): string;
  marker(stage: string, kind: keyof typeof MARKER): string;
  pipelineMarker(kind: keyof typeof PIPELINE_MARKER): string;
  indexFile(...name: string[]): string;
  indexDir(): string;
  /** The run's inputs (corpus spec, corpus fingerprint, config), so a single stage can run elsewhere. */
  inputs(): string;
  /** Folder of one set of `count` shards of a stage (outside the stage's folder: shards are not its outputs). */
  shardSet(stage: string, fingerprint: string, count: number): string;
  /** Where the shard sets of a stage live, to list them. */
  shardSets(stage: string): string;
}

/** `<fp16>-of-<count>`, the folder name of a shard set, back to its parts; null for anything else. */
export function parseShardSet(name: string): { fingerprint: string; count: number } | null {
  const m = /^([0-9a-f]{16})-of-(\d+)$/.exec(name);
  return m ? { fingerprint: m[1], count: Number(m[2]) } : null;
}

export const RUNS_PREFIX = 'runs';
export const STAGE_POINTERS_PREFIX = 'stages';

/** Pointer to the run that completed `stage` with this fingerprint, so another run can reuse its outputs. */
export function stagePointerKey(stage: string, fingerprint: string): string {
  return joinKey(STAGE_POINTERS_PREFIX, stage, `${fingerprint}.json`);
}

/** A run request (pipeline/runners/request.ts): what a remote build computes, named by its content hash. */
export function requestKey(hash: string): string {
  return joinKey('requests', `${hash}.json`);
}

/** A short-lived object that proves the store takes writes (see preflight in pipeline/build-index.ts). */
export function probeKey(id: string): string {
  return joinKey('tmp', `probe-${id}.json`);
}

/** A cached LLM cluster name; `hash` covers the template, the model and the rendered prompt. */
export function nameCacheKey(hash: string): string {
  return joinKey('cache', 'names', `${hash}.json`);
}

/** The part of a run artifact key after `runs/<runId>/<stage>/`: how stages name their own files. */
export function stageRelativeName(key: string): string {
  const parts = key.split('/');
  if (parts[0] !== RUNS_PREFIX || parts.length < 4) throw new CproxError('INTERNAL', `not a run artifact key: ${key}`);
  return parts.slice(3).join('/');
}

export function runKeys(runId: string): RunKeys {
  const root = joinKey(RUNS_PREFIX, runId);
  return Object.freeze({
    runId,
    root,
    stageDir: (stage: string) => joinKey(root, stage),
    artifact: (stage: string, ...name: string[]) => joinKey(root, stage, ...name),
    marker: (stage: string, kind: keyof typeof MARKER) => joinKey(root, stage, MARKER[kind]),
    pipelineMarker: (kind: keyof typeof PIPELINE_MARKER) => joinKey(root, PIPELINE_MARKER[kind]),
    indexFile: (...name: string[]) => joinKey(root, 'assemble', 'index', ...name),
    indexDir: () => joinKey(root, 'assemble', 'index'),
    inputs: () => joinKey(root, 'run.json'),
    shardSet: (stage: string, fingerprint: string, count: number) => joinKey(root, 'shards', stage, `${fingerprint.slice(0, 16)}-of-${count}`),
    shardSets: (stage: string) => joinKey(root, 'shards', stage),
  });
}

/** Chunk part files: zero-padded so lexical order is numeric order. */
export function partName(stem: string, part: number, ext: string): string {
  return `${stem}-${String(part).padStart(5, '0')}.${ext}`;
}
