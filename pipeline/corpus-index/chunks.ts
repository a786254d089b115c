/**
 * Chunks by idx in O(1) (index format 4): chunks.jsonl and metadata.jsonl stay one JSON row per chunk, in idx order,
 * for numpy/jq users; beside each, `chunks.offsets.u64` / `metadata.offsets.u64` holds the byte offset of every row plus the file's length
 * (n + 1 little-endian uint64), so a chunk is two small positional reads, whatever the size of the corpus.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import { INDEX_FILES, type ChunkMetadata } from './format.js';

export interface ChunkDetails {
  text: string;
  meta: ChunkMetadata;
}

/** Row offsets of JSONL text as it is written, batch by batch: `add` each batch, then `finish` for the file. */
export class RowOffsets {
  private readonly offsets: number[] = [0];
  private at = 0;
  /** `batch`: whole rows, each ending in "\n". */
  add(batch: string): void {
    let start = 0;
    for (let nl = batch.indexOf('\n'); nl >= 0; nl = batch.indexOf('\n', start)) {
      this.at += Buffer.byteLength(batch.slice(start, nl + 1));
      this.offsets.push(this.at);
      start = nl + 1;
    }
  }
  finish(): Buffer {
    const out = Buffer.alloc(this.offsets.length * 8);
    this.offsets.forEach((o, i) => out.writeBigUInt64LE(BigInt(o), i * 8));
    return out;
  }
}

/**
 * One JSONL index file opened for reads by row. Reads are synchronous positional reads: a row is a few hundred bytes
 * in the page cache, where a promise-based read costs a thread-pool round trip many times the copy itself.
 */
class RowFile {
  private readonly bounds = Buffer.alloc(16);
  private constructor(
    private readonly name: string,
    private readonly rows: number,
    private readonly offsets: number,
    readonly count: number,
  ) {}

  static open(dir: string, name: string, offsetsName: string, count: number): RowFile {
    const rows = openSync(path.join(dir, name), 'r');
    try {
      return new RowFile(name, rows, openSync(path.join(dir, offsetsName), 'r'), count);
    } catch (e) {
      closeSync(rows);
      throw e;
    }
  }

  row(idx: number): string {
    if (!(idx >= 0 && idx < this.count)) throw new Error(`${this.name}: no row ${idx} (the index has ${this.count})`);
    if (readSync(this.offsets, this.bounds, 0, 16, idx * 8) !== 16) throw new Error(`${this.name}: the offsets file ends before row ${idx}`);
    const start = Number(this.bounds.readBigUInt64LE(0));
    const end = Number(this.bounds.readBigUInt64LE(8));
    const buf = Buffer.allocUnsafe(end - start);
    if (readSync(this.rows, buf, 0, buf.length, start) !== buf.length) throw new Error(`${this.name}: row ${idx} ends past the end of the file`);
    return buf.toString('utf8');
  }

  close(): void {
    closeSync(this.rows);
    closeSync(this.offsets);
  }
}

/** Chunks kept parsed between lookups (neighbouring sentences and book spans come back to the same chunks). */
const CACHED_CHUNKS = 4096;

/** Texts and metadata of chunks by idx, reading only the rows asked for. */
export class ChunkFiles {
  private constructor(
    private readonly chunks: RowFile,
    private readonly metadata: RowFile,
  ) {}

  // eslint-disable-next-line @typescript-eslint/require-await -- async for callers; the reads themselves are synchronous
  static async open(dir: string, count: number): Promise<ChunkFiles> {
    const chunks = RowFile.open(dir, INDEX_FILES.chunks, INDEX_FILES.chunkOffsets, count);
    try {
      return new ChunkFiles(chunks, RowFile.open(dir, INDEX_FILES.metadata, INDEX_FILES.metadataOffsets, count));
    } catch (e) {
      chunks.close();
      throw e;
    }
  }

  private readonly cache = new Map<number, ChunkDetails>();

  get(idx: number): ChunkDetails {
    const hit = this.cache.get(idx);
    if (hit) return hit;
    const row = JSON.parse(this.chunks.row(idx)) as { idx: number; text: string };
    const m = JSON.parse(this.metadata.row(idx)) as ChunkMetadata;
    if (row.idx !== idx || m.idx !== idx) throw new Error(`chunk files and their offsets disagree at chunk ${idx}`);
    const details = { text: row.text, meta: m };
    if (this.cache.size >= CACHED_CHUNKS) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(idx, details);
    return details;
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- the interface is async (a remote index may fetch)
  async fetch(ids: Iterable<number>): Promise<Map<number, ChunkDetails>> {
    const wanted = [...new Set(ids)].sort((a, b) => a - b);
    return new Map(wanted.map((i) => [i, this.get(i)]));
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- kept async for callers
  async close(): Promise<void> {
    this.chunks.close();
    this.metadata.close();
  }
}
