/** Every run in a store and each stage's state, read from the markers alone (no stage code runs). */
import { CompleteMarkerSchema, FailedMarkerSchema } from '../markers.js';
import { MARKER, PIPELINE_MARKER, RUNS_PREFIX, runKeys } from '../store/keys.js';
import { CalibrationSchema, INDEX_FILES, type Calibration } from '../corpus-index/format.js';
import { readJson, type ArtifactStore } from '../store/store.js';

export type StageState = 'complete' | 'failed' | 'running or interrupted' | 'not started';

export interface StageStatus {
  stage: string;
  state: StageState;
  finishedAt?: string;
  seconds?: number;
  reusedFrom?: string;
  error?: string;
}

export interface RunStatus {
  runId: string;
  state: 'complete' | 'failed' | 'incomplete';
  finishedAt?: string;
  stages: StageStatus[];
  /** The assembled index's distance calibration (what its verdicts are read against), when it has one. */
  calibration?: Calibration | null;
}

export async function runStatuses(store: ArtifactStore, stageNames: readonly string[]): Promise<RunStatus[]> {
  const keys = await store.list(RUNS_PREFIX);
  const byRun = new Map<string, Set<string>>();
  for (const k of keys) {
    const [, runId, ...rest] = k.split('/');
    if (!runId || !rest.length) continue;
    if (!byRun.has(runId)) byRun.set(runId, new Set());
    byRun.get(runId)!.add(rest.join('/'));
  }
  const runs: RunStatus[] = [];
  for (const [runId, files] of byRun) {
    const rk = runKeys(runId);
    const stages: StageStatus[] = [];
    for (const stage of stageNames) {
      if (files.has(`${stage}/${MARKER.complete}`)) {
        const m = CompleteMarkerSchema.safeParse(await readJson(store, rk.marker(stage, 'complete')).catch(() => null));
        if (m.success) {
          const seconds = (Date.parse(m.data.finishedAt) - Date.parse(m.data.startedAt)) / 1000;
          stages.push({
            stage,
            state: 'complete',
            finishedAt: m.data.finishedAt,
            seconds: m.data.reusedFrom ? undefined : seconds,
            reusedFrom: m.data.reusedFrom,
          });
          continue;
        }
      }
      if (files.has(`${stage}/${MARKER.failed}`)) {
        const f = FailedMarkerSchema.safeParse(await readJson(store, rk.marker(stage, 'failed')).catch(() => null));
        stages.push({
          stage,
          state: 'failed',
          finishedAt: f.success ? f.data.failedAt : undefined,
          error: f.success ? f.data.error.message : 'unreadable _FAILED.json',
        });
        continue;
      }
      const started = [...files].some((f) => f.startsWith(`${stage}/`));
      stages.push({ stage, state: started ? 'running or interrupted' : 'not started' });
    }
    let state: RunStatus['state'] = 'incomplete';
    let finishedAt: string | undefined;
    if (files.has(PIPELINE_MARKER.complete)) {
      state = 'complete';
      finishedAt = (await readJson<{ finishedAt?: string }>(store, rk.pipelineMarker('complete')).catch(() => null))?.finishedAt;
    } else if (files.has(PIPELINE_MARKER.failed) || stages.some((s) => s.state === 'failed')) {
      state = 'failed';
    }
    let calibration: Calibration | null | undefined;
    if (files.has(`assemble/index/${INDEX_FILES.manifest}`)) {
      const m = (await readJson<{ calibration?: unknown }>(store, rk.indexFile(INDEX_FILES.manifest)).catch(() => null))?.calibration;
      const parsed = CalibrationSchema.nullable().safeParse(m ?? null);
      calibration = parsed.success ? parsed.data : undefined;
    }
    runs.push({ runId, state, finishedAt, stages, ...(calibration !== undefined ? { calibration } : {}) });
  }
  // Newest complete run first, then the rest by id.
  return runs.sort((a, b) => (b.finishedAt ?? '').localeCompare(a.finishedAt ?? '') || a.runId.localeCompare(b.runId));
}
