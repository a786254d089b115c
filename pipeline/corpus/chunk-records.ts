/** The chunk record prepare writes and later stages stream back, in idx order. */
import type { TrainingStage } from '../config.js';
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

/** The records of the given part files (prepare's `chunks` artifact), in order. */
export async function* readChunkRecords(store: ArtifactStore, partKeys: readonly string[]): AsyncGenerator<ChunkRecord> {
  for (const key of partKeys) {
    const stream = await store.readStream(key);
    if (!stream) throw new Error(`missing chunk part ${key}`);
    for await (const line of readLines(stream)) {
      if (line.text) yield JSON.parse(line.text) as ChunkRecord;
    }
  }
}
