/**
 * The corpus as one JSONL row per chunk, joined with its cluster: the seed's JSONL view of an index, for jq, pandas
 * and other tools (`corpus-proximity export`). Streams both row files side by side; memory does not grow with the
 * corpus. (Not to be confused with export.ts, which copies an index out of the artifact store.)
 */
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { readLines } from '../corpus/lines.js';
import type { ClusterTable } from './cluster-table.js';
import { INDEX_FILES, type ChunkMetadata } from './format.js';

export interface ChunkRow {
  idx: number;
  text: string;
  corpus_stage: string | null;
  doc_id: string;
  source: string;
  cluster_id: string;
  /** Cluster names from the top level down (empty for a chunk the root holds as noise). */
  cluster_path: string[];
}

const ROWS_PER_BATCH = 1000;

/** JSONL text of every chunk's row, in idx order, a batch of rows at a time. */
export async function* chunkRowsJsonl(dir: string, clusters: ClusterTable, onRows?: (n: number) => void): AsyncGenerator<string> {
  const texts = readLines(createReadStream(path.join(dir, INDEX_FILES.chunks)))[Symbol.asyncIterator]();
  let batch: string[] = [];
  for await (const line of readLines(createReadStream(path.join(dir, INDEX_FILES.metadata)))) {
    const t = await texts.next();
    if (t.done) throw new Error(`${INDEX_FILES.chunks} has fewer rows than ${INDEX_FILES.metadata}`);
    const meta = JSON.parse(line.text) as ChunkMetadata;
    const { idx, text } = JSON.parse(t.value.text) as { idx: number; text: string };
    if (idx !== meta.idx) throw new Error(`${INDEX_FILES.chunks} and ${INDEX_FILES.metadata} disagree at line ${line.number}`);
    const cluster = clusters.clusterOf(idx);
    const row: ChunkRow = {
      idx,
      text,
      corpus_stage: meta.corpus_stage,
      doc_id: meta.doc_id,
      source: meta.source,
      cluster_id: cluster,
      cluster_path: clusters.path(cluster),
    };
    batch.push(JSON.stringify(row));
    if (batch.length === ROWS_PER_BATCH) {
      yield batch.join('\n') + '\n';
      onRows?.(batch.length);
      batch = [];
    }
  }
  if (!(await texts.next()).done) throw new Error(`${INDEX_FILES.chunks} has more rows than ${INDEX_FILES.metadata}`);
  if (batch.length) {
    yield batch.join('\n') + '\n';
    onRows?.(batch.length);
  }
}
