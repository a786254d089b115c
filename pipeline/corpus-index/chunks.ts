/**
 * Chunks by idx in O(1) (index format 4): chunks.jsonl and metadata.jsonl stay one JSON row per chunk, in idx order,
 * for numpy/jq users; beside each, `chunks.offsets.u64` / `metadata.offsets.u64` holds the byte offset of every row plus the file's length
 * (n + 1 little-endian uint64), so a chunk is two small positional reads, whatever the size of the corpus.
 */
import { open, type FileHandle } from 'node:fs/promises';
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

/** One JSONL index file opened for reads by row. */
class RowFile {
  private constructor(
    private readonly name: string,
    private readonly rows: FileHandle,
    private readonly offsets: FileHandle,
    readonly count: number,
  ) {}

  static async open(dir: string, name: string, offsetsName: string, count: number): Promise<RowFile> {
    const rows = await open(path.join(dir, name), 'r');
    const offsets = await open(path.join(dir, offsetsName), 'r').catch(async (e: unknown) => {
      await rows.close();
      throw e;
    });
    return new RowFile(name, rows, offsets, count);
  }

  async row(idx: number): Promise<string> {
    if (!(idx >= 0 && idx < this.count)) throw new Error(`${this.name}: no row ${idx} (the index has ${this.count})`);
    const bounds = Buffer.alloc(16);
    await this.offsets.read(bounds, 0, 16, idx * 8);
    const start = Number(bounds.readBigUInt64LE(0));
    const end = Number(bounds.readBigUInt64LE(8));
    const buf = Buffer.alloc(end - start);
    const { bytesRead } = await this.rows.read(buf, 0, buf.length, start);
    if (bytesRead !== buf.length) throw new Error(`${this.name}: row ${idx} ends past the end of the file`);
    return buf.toString('utf8');
  }

  close(): Promise<void> {
    return Promise.all([this.rows.close(), this.offsets.close()]).then(() => undefined);
  }
}

/** Texts and metadata of chunks by idx, reading only the rows asked for. */
export class ChunkFiles {
  private constructor(
    private readonly chunks: RowFile,
    private readonly metadata: RowFile,
  ) {}

  static async open(dir: string, count: number): Promise<ChunkFiles> {
    const chunks = await RowFile.open(dir, INDEX_FILES.chunks, INDEX_FILES.chunkOffsets, count);
    const metadata = await RowFile.open(dir, INDEX_FILES.metadata, INDEX_FILES.metadataOffsets, count).catch(async (e: unknown) => {
      await chunks.close();
      throw e;
    });
    return new ChunkFiles(chunks, metadata);
  }

  async get(idx: number): Promise<ChunkDetails> {
    const [text, meta] = await Promise.all([this.chunks.row(idx), this.metadata.row(idx)]);
    const row = JSON.parse(text) as { idx: number; text: string };
    const m = JSON.parse(meta) as ChunkMetadata;
    if (row.idx !== idx || m.idx !== idx) throw new Error(`chunk files and their offsets disagree at chunk ${idx}`);
    return { text: row.text, meta: m };
  }

  async fetch(ids: Iterable<number>): Promise<Map<number, ChunkDetails>> {
    const wanted = [...new Set(ids)].sort((a, b) => a - b);
    const found = await Promise.all(wanted.map((i) => this.get(i)));
    return new Map(wanted.map((i, n) => [i, found[n]]));
  }

  close(): Promise<void> {
    return Promise.all([this.chunks.close(), this.metadata.close()]).then(() => undefined);
  }
}
