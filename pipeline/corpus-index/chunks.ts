/** Reading chunks back from an index folder: texts and metadata of a set of chunk ids, in one streaming pass. */
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { readLines } from '../corpus/lines.js';
import { INDEX_FILES, type ChunkMetadata } from './format.js';

export interface ChunkDetails {
  text: string;
  meta: ChunkMetadata;
}

/** Texts and metadata of the wanted chunks, in one streaming pass over chunks.jsonl and metadata.jsonl. */
export async function fetchChunks(dir: string, wanted: Set<number>): Promise<Map<number, ChunkDetails>> {
  const texts = new Map<number, string>();
  // Both files hold one row per chunk in idx order, so line n is chunk n−1 and only wanted lines are parsed.
  for await (const line of readLines(createReadStream(path.join(dir, INDEX_FILES.chunks)))) {
    if (!wanted.has(line.number - 1)) continue;
    const row = JSON.parse(line.text) as { idx: number; text: string };
    texts.set(row.idx, row.text);
  }
  const out = new Map<number, ChunkDetails>();
  for await (const line of readLines(createReadStream(path.join(dir, INDEX_FILES.metadata)))) {
    if (!wanted.has(line.number - 1)) continue;
    const meta = JSON.parse(line.text) as ChunkMetadata;
    out.set(meta.idx, { text: texts.get(meta.idx) ?? '', meta });
  }
  return out;
}
