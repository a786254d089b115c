/**
 * Completion markers (`.clustering_complete` / `.naming_failed` of the original Python plan, as JSON). A stage is
 * done only when its `_COMPLETE.json` exists, parses, matches the current fingerprint, and every output it lists is
 * still there with the recorded size and content (sha256, or the S3 entity tag recorded at write time).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { CODE_VERSION } from './version.js';
import { runKeys, stagePointerKey, stageRelativeName, type RunKeys } from './store/keys.js';
import { readJson, writeJson, type ArtifactStore, type WrittenObject } from './store/store.js';

export const OutputSchema = z.object({ key: z.string(), size: z.number().int().nonnegative(), sha256: z.string(), etag: z.string().optional() });

export const CompleteMarkerSchema = z.object({
  stage: z.string(),
  runId: z.string(),
  fingerprint: z.string(),
  configHash: z.string(),
  codeVersion: z.string(),
  outputs: z.array(OutputSchema),
  /** Set when the outputs were computed by another run with the same stage fingerprint. */
  reusedFrom: z.string().optional(),
  /** Small facts a stage wants downstream stages to see (e.g. chunk count). */
  facts: z.record(z.string(), z.unknown()).default({}),
  startedAt: z.string(),
  finishedAt: z.string(),
});
export type CompleteMarker = z.infer<typeof CompleteMarkerSchema>;

export const FailedMarkerSchema = z.object({
  stage: z.string(),
  runId: z.string(),
  fingerprint: z.string(),
  error: z.object({ code: z.string(), message: z.string(), hint: z.string().optional() }),
  codeVersion: z.string(),
  failedAt: z.string(),
});
export type FailedMarker = z.infer<typeof FailedMarkerSchema>;

export async function readCompleteMarker(store: ArtifactStore, keys: RunKeys, stage: string): Promise<CompleteMarker | null> {
  return readMarkerAt(store, keys.marker(stage, 'complete'));
}

async function readMarkerAt(store: ArtifactStore, key: string): Promise<CompleteMarker | null> {
  let raw: unknown;
  try {
    raw = await readJson(store, key);
  } catch {
    return null; // unparsable marker = not done
  }
  const parsed = CompleteMarkerSchema.safeParse(raw);
  return parsed.success ? parsed.data : null;
}

/**
 * Whether a marker can be reused: `ok` with the marker, or not, with `problem` set when the marker matches but its
 * outputs were changed or lost since it was written (worth a warning; a different fingerprint is not).
 */
export type MarkerCheck = { ok: true; marker: CompleteMarker } | { ok: false; problem?: string };

/** The marker of this run if the stage is done for this fingerprint with intact outputs. */
export async function findValidMarker(store: ArtifactStore, keys: RunKeys, stage: string, fingerprint: string): Promise<MarkerCheck> {
  return checkMarker(store, await readCompleteMarker(store, keys, stage), fingerprint);
}

async function checkMarker(store: ArtifactStore, marker: CompleteMarker | null, fingerprint: string): Promise<MarkerCheck> {
  if (!marker || marker.fingerprint !== fingerprint || marker.codeVersion !== CODE_VERSION) return { ok: false };
  const problem = await verifyOutputs(store, marker.outputs);
  return problem ? { ok: false, problem } : { ok: true, marker };
}

/**
 * First difference between the recorded outputs and the store, or null. Sizes always; content by entity tag where
 * both sides have one (S3: no download), else by streaming the object's sha256.
 */
export async function verifyOutputs(store: ArtifactStore, outputs: CompleteMarker['outputs']): Promise<string | null> {
  for (const out of outputs) {
    const st = await store.stat(out.key);
    if (!st) return `${out.key} is missing`;
    if (st.size !== out.size) return `${out.key} has ${st.size} bytes, its marker recorded ${out.size}`;
    if (out.etag && st.etag) {
      if (out.etag !== st.etag) return `${out.key} was rewritten after its marker (entity tag ${st.etag}, recorded ${out.etag})`;
      continue;
    }
    const stream = await store.readStream(out.key);
    if (!stream) return `${out.key} is missing`;
    const hash = createHash('sha256');
    for await (const chunk of stream) hash.update(chunk as Buffer);
    if (hash.digest('hex') !== out.sha256) return `${out.key} does not match the sha256 its marker recorded (corrupted or modified)`;
  }
  return null;
}

/** A still-valid marker of the same stage and fingerprint from another run (see stagePointerKey). */
export async function findReusableMarker(store: ArtifactStore, stage: string, fingerprint: string): Promise<MarkerCheck> {
  const pointer = await readJson<{ runId?: string }>(store, stagePointerKey(stage, fingerprint)).catch(() => null);
  if (!pointer?.runId) return { ok: false };
  return checkMarker(store, await readMarkerAt(store, runKeys(pointer.runId).marker(stage, 'complete')), fingerprint);
}

export async function writeStagePointer(store: ArtifactStore, marker: CompleteMarker): Promise<void> {
  await writeJson(store, stagePointerKey(marker.stage, marker.fingerprint), { runId: marker.runId });
}

/** The key of an output of `marker` by its stage-relative name. */
export function outputKey(marker: CompleteMarker, ...name: string[]): string {
  const want = name.join('/');
  const hit = marker.outputs.find((o) => stageRelativeName(o.key) === want);
  if (!hit) throw new Error(`stage ${marker.stage} has no output ${want}`);
  return hit.key;
}

export function outputKeysUnder(marker: CompleteMarker, folder: string): string[] {
  return marker.outputs.map((o) => o.key).filter((k) => stageRelativeName(k).startsWith(`${folder}/`));
}

export async function writeCompleteMarker(store: ArtifactStore, keys: RunKeys, m: Omit<CompleteMarker, 'codeVersion' | 'runId'>): Promise<CompleteMarker> {
  const marker: CompleteMarker = { ...m, runId: keys.runId, codeVersion: CODE_VERSION };
  await store.remove(keys.marker(m.stage, 'failed'));
  await writeJson(store, keys.marker(m.stage, 'complete'), marker, true);
  return marker;
}

export async function writeFailedMarker(
  store: ArtifactStore,
  keys: RunKeys,
  stage: string,
  fingerprint: string,
  error: { code: string; message: string; hint?: string },
): Promise<void> {
  const marker: FailedMarker = {
    stage,
    runId: keys.runId,
    fingerprint,
    error,
    codeVersion: CODE_VERSION,
    failedAt: new Date().toISOString(),
  };
  await writeJson(store, keys.marker(stage, 'failed'), marker, true);
}

export function outputsOf(written: Iterable<WrittenObject>): CompleteMarker['outputs'] {
  return [...written].map(({ key, size, sha256, etag }) => ({ key, size, sha256, ...(etag ? { etag } : {}) })).sort((a, b) => a.key.localeCompare(b.key));
}
