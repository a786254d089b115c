/** The chunk record prepare writes and later stages stream back, in idx order. */
import type { TrainingStage } from '../config.js';
import type { CompleteMarker } from '../markers.js';
import type { ArtifactStore } from '../store/store.js';
import { readLines } from './lines.js';

export interface ChunkRecord {
  idx: number;
  text: string;
  doc_id: string;
  stage: TrainingStage | null;
  source: string;
  /** Character offsets of the chunk in its document. */
  start: number;
  end: number;
  tokens: number;
}

/** Part files of a prepare marker in order. */
export function chunkPartKeys(prepare: CompleteMarker): string[] {
  return prepare.outputs
    .map((o) => o.key)
    .filter((k) => /\/chunks\/part-\d+\.jsonl$/.test(k))
    .sort();
}

export async function* readChunkRecords(store: ArtifactStore, prepare: CompleteMarker): AsyncGenerator<ChunkRecord> {
  for (const key of chunkPartKeys(prepare)) {
    const stream = await store.readStream(key);
    if (!stream) throw new Error(`missing chunk part ${key}`);
    for await (const line of readLines(stream)) {
      if (line.text) yield JSON.parse(line.text) as ChunkRecord;
    }
  }
}

export function chunkCount(prepare: CompleteMarker): number {
  return Number(prepare.facts.chunks);
}
