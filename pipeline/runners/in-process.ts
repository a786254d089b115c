/**
 * Runs the stage table in this process. Stages whose marker matches the current fingerprint are skipped,
 * so a crashed or interrupted run resumes where it stopped; a changed config or input re-runs from the first
 * affected stage because each fingerprint folds in its upstream markers.
 */
import os from 'node:os';
import { removeStaleTemps } from '../atomic-file.js';
import { CproxError, isCproxError } from '../errors.js';
import { redact } from '../secrets.js';
import { hashValue } from '../hash.js';
import {
  findReusableMarker,
  findValidMarker,
  outputKey,
  outputKeysUnder,
  outputsOf,
  writeStagePointer,
  writeCompleteMarker,
  writeFailedMarker,
  type CompleteMarker,
} from '../markers.js';
import { silentReporter, type Reporter } from '../reporter.js';
import { runKeys, stagePointerKey, stageRelativeName, type RunKeys } from '../store/keys.js';
import { writeJson, type ArtifactStore, type WrittenObject } from '../store/store.js';
import type { RunInputs, Shard, StageContext, StageDefinition } from './stage.js';

/** Content address of a run, like the original Python plan's get_cache_key: corpus identity plus every stage's config. */
export function runIdOf(inputs: RunInputs): string {
  return hashValue({ corpus: inputs.corpus, corpusFingerprint: inputs.corpusFingerprint, config: inputs.config }).slice(0, 16);
}

export function stageFingerprint(stage: StageDefinition, inputs: RunInputs, upstream: Record<string, CompleteMarker>): string {
  return hashValue({
    stage: stage.name,
    config: stage.configOf(inputs),
    // Content, not location: a reused upstream stage's outputs live under another run's keys.
    upstream: stage.inputs.map((name) => ({
      name,
      fingerprint: upstream[name]?.fingerprint,
      outputs: upstream[name]?.outputs.map((o) => ({ name: stageRelativeName(o.key), size: o.size, sha256: o.sha256 })),
    })),
  });
}

/** A store view that remembers what the stage wrote under its own folder. */
function recordingStore(store: ArtifactStore, stageDir: string, written: Map<string, WrittenObject>): ArtifactStore {
  const record = (w: WrittenObject) => {
    if (w.key.startsWith(`${stageDir}/`)) written.set(w.key, w);
    return w;
  };
  return {
    ...store,
    write: async (key, body) => record(await store.write(key, body)),
    writeStream: async (key, parts) => record(await store.writeStream(key, parts)),
    copy: async (from, to) => record(await store.copy(from, to)),
  };
}

/** Temp files and uploads of killed runs (kill -9, a lost machine): removed, counted, reported. */
async function sweepLeftovers(store: ArtifactStore, reporter: Reporter): Promise<void> {
  let inStore = { files: 0, bytes: 0 };
  try {
    inStore = (await store.sweep?.()) ?? inStore;
  } catch (e) {
    // e.g. an S3-compatible server without ListMultipartUploads: the bucket's lifecycle rule aborts them instead.
    reporter.info(`  not sweeping ${store.url} for abandoned uploads: ${e instanceof Error ? e.message : String(e)}`);
  }
  const scratch = await removeStaleTemps(os.tmpdir(), { namePrefix: 'cprox-' });
  const files = inStore.files + scratch.files;
  if (files > 0) reporter.info(`  removed ${files} temp file(s)/upload(s) left by interrupted runs (${((inStore.bytes + scratch.bytes) / 1e6).toFixed(1)} MB)`);
}

export interface PipelineResult {
  runId: string;
  keys: RunKeys;
  markers: Record<string, CompleteMarker>;
  ran: string[];
  skipped: string[];
}

export interface PipelineOptions {
  store: ArtifactStore;
  inputs: RunInputs;
  stages: readonly StageDefinition[];
  reporter?: Reporter;
  /** Run just this stage: earlier ones must be complete already, later ones are left alone. */
  only?: string;
  /** Read the corpus from here instead of `inputs.corpus.path` (a container's mount point). */
  corpusRoot?: string;
  /** Stop after this stage (later ones are left alone). */
  until?: string;
  /** Compute only this shard of the `until` stage (which must support sharding), not the whole stage. */
  shard?: Shard;
}

/** Which stages this call visits, checked before anything is written. */
interface Plan {
  keys: RunKeys;
  /** The stages up to and including the last one to visit, in table order. */
  visit: readonly StageDefinition[];
  /** The stage whose shard is computed (then the call returns), if any. */
  sharded?: StageDefinition;
}

function plan(opts: PipelineOptions): Plan {
  const { stages } = opts;
  for (const name of [opts.only, opts.until]) {
    if (name && !stages.some((s) => s.name === name))
      throw new CproxError('BAD_INPUT', `unknown stage "${name}"`, { hint: `stages: ${stages.map((s) => s.name).join(', ')}` });
  }
  const last = opts.only ?? opts.until;
  const sharded = opts.shard ? stages.find((s) => s.name === last) : undefined;
  if (opts.shard && !sharded?.runShard) {
    const shardable = stages.filter((s) => s.runShard !== undefined).map((s) => s.name);
    throw new CproxError('BAD_INPUT', `stage ${last ?? '(none)'} cannot be sharded`, { hint: `shards apply to: ${shardable.join(', ')}` });
  }
  const lastIndex = last ? stages.findIndex((s) => s.name === last) : stages.length - 1;
  return { keys: runKeys(runIdOf(opts.inputs)), visit: stages.slice(0, lastIndex + 1), sharded };
}

/**
 * A stage's state before it runs: complete in this run, computed by another run with the same fingerprint (its
 * marker is adopted, when `adopt`), or to be run. Problems with a marker found are warned about: the stage then runs.
 */
async function resolve(
  stage: StageDefinition,
  fingerprint: string,
  keys: RunKeys,
  store: ArtifactStore,
  reporter: Reporter,
  adopt: boolean,
): Promise<{ state: 'complete' | 'reused'; marker: CompleteMarker } | { state: 'missing' }> {
  const own = await findValidMarker(store, keys, stage.name, fingerprint);
  if (own.ok) {
    // A run killed between its marker and its pointer left the pointer out: other runs could not reuse it.
    if (!own.marker.reusedFrom && !(await store.stat(stagePointerKey(stage.name, fingerprint)))) await writeStagePointer(store, own.marker);
    return { state: 'complete', marker: own.marker };
  }
  if (own.problem) reporter.warn(`${stage.name}: ${own.problem}; re-running the stage`);
  if (!adopt) return { state: 'missing' };
  const other = await findReusableMarker(store, stage.name, fingerprint);
  if (!other.ok) {
    if (other.problem && other.problem !== own.problem)
      reporter.warn(`${stage.name}: the earlier run that computed it cannot be reused: ${other.problem}; re-running the stage`);
    return { state: 'missing' };
  }
  // Same stage, same inputs and config in another run: point at its outputs instead of recomputing.
  const { runId: from, codeVersion: _code, ...rest } = other.marker;
  return { state: 'reused', marker: await writeCompleteMarker(store, keys, { ...rest, reusedFrom: other.marker.reusedFrom ?? from }) };
}

/** Runs one stage and writes its marker (or, on failure, its failure markers). */
async function execute(
  stage: StageDefinition,
  ctx: StageContext,
  written: Map<string, WrittenObject>,
  opts: PipelineOptions,
  store: ArtifactStore,
): Promise<CompleteMarker> {
  const { keys, fingerprint, reporter } = ctx;
  await store.remove(keys.marker(stage.name, 'complete'));
  reporter.info(`▸ ${stage.name}: ${stage.description}`);
  const started = new Date();
  try {
    const result = await stage.run(ctx);
    const facts = stage.facts.safeParse(result.facts ?? {});
    if (!facts.success) {
      const issue = facts.error.issues[0];
      throw new CproxError('INTERNAL', `stage ${stage.name} recorded facts outside its contract (${issue.path.join('.')}: ${issue.message})`);
    }
    const marker = await writeCompleteMarker(store, keys, {
      stage: stage.name,
      fingerprint,
      configHash: hashValue(stage.configOf(opts.inputs)),
      outputs: outputsOf(written.values()),
      facts: result.facts ?? {},
      startedAt: started.toISOString(),
      finishedAt: new Date().toISOString(),
    });
    await writeStagePointer(store, marker);
    reporter.info(`  ${stage.name} done in ${((Date.now() - started.getTime()) / 1000).toFixed(1)} s`);
    return marker;
  } catch (e) {
    // Markers sit in the bucket: no secret an endpoint echoed may reach them.
    const err = isCproxError(e)
      ? { code: e.code, message: redact(e.message), ...(e.hint ? { hint: redact(e.hint) } : {}) }
      : { code: 'INTERNAL', message: redact(e instanceof Error ? e.message : String(e)) };
    await writeFailedMarker(store, keys, stage.name, fingerprint, err);
    await writeJson(store, keys.pipelineMarker('failed'), { runId: keys.runId, stage: stage.name, error: err }, true);
    throw isCproxError(e) ? e : new CproxError('STAGE_FAILED', `stage ${stage.name} failed: ${err.message}`, { cause: e });
  }
}

export async function runPipeline(opts: PipelineOptions): Promise<PipelineResult> {
  const { store, inputs, stages } = opts;
  const reporter = opts.reporter ?? silentReporter;
  const { keys, visit, sharded } = plan(opts);
  const markers: Record<string, CompleteMarker> = {};
  const ran: string[] = [];
  const skipped: string[] = [];
  const result = () => ({ runId: keys.runId, keys, markers, ran, skipped });
  if (!(await store.stat(keys.inputs()))) await writeJson(store, keys.inputs(), inputs, true);
  await sweepLeftovers(store, reporter);

  for (const stage of visit) {
    const fingerprint = stageFingerprint(stage, inputs, markers);
    // `stage NAME` runs one stage of a recorded run: the stages before it must be complete in that run.
    const upstreamOfOnly = opts.only !== undefined && stage.name !== opts.only;
    const found = await resolve(stage, fingerprint, keys, store, reporter, !upstreamOfOnly);
    if (found.state !== 'missing') {
      markers[stage.name] = found.marker;
      skipped.push(stage.name);
      reporter.info(
        found.state === 'complete' ? `✓ ${stage.name}: already complete (run ${keys.runId})` : `✓ ${stage.name}: reused from run ${found.marker.reusedFrom}`,
      );
      continue;
    }
    if (upstreamOfOnly) {
      throw new CproxError('STAGE_FAILED', `stage ${opts.only} of run ${keys.runId} needs ${stage.name}, which is not complete`, {
        hint: `run \`corpus-proximity stage ${stage.name} --run ${keys.runId} --store …\` first`,
      });
    }
    const written = new Map<string, WrittenObject>();
    const ctx: StageContext = {
      ...inputs,
      store: recordingStore(store, keys.stageDir(stage.name), written),
      keys,
      fingerprint,
      upstream: Object.fromEntries(stage.inputs.map((n) => [n, markers[n]])),
      reporter,
      corpusRoot: opts.corpusRoot ?? inputs.corpus.path,
      out: (...name) => keys.artifact(stage.name, ...name),
      input: (from, ...name) => outputKey(markers[from], ...name),
      inputsUnder: (from, folder) => outputKeysUnder(markers[from], folder),
    };
    if (opts.shard && stage === sharded) {
      reporter.info(`▸ ${stage.name} shard ${opts.shard.index + 1} of ${opts.shard.count}: ${stage.description}`);
      await stage.runShard!(ctx, opts.shard);
      ran.push(`${stage.name}[${opts.shard.index}/${opts.shard.count}]`);
      return result();
    }
    markers[stage.name] = await execute(stage, ctx, written, opts, store);
    ran.push(stage.name);
  }
  if (visit.length < stages.length) return result();
  await store.remove(keys.pipelineMarker('failed'));
  await writeJson(
    store,
    keys.pipelineMarker('complete'),
    { runId: keys.runId, finishedAt: new Date().toISOString(), stages: stages.map((s) => ({ name: s.name, fingerprint: markers[s.name].fingerprint })) },
    true,
  );
  return result();
}
