/**
 * Streams corpus documents (JSONL lines, Parquet rows, or whole plain-text files) one at a time; the corpus is never held in memory.
 * Every problem names the file and line (or row) and says how to fix it.
 */
import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { Transform, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Decompress } from 'fzstd';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import type { CorpusSpec, TrainingStage } from '../config.js';
import { inputError } from '../errors.js';
import type { CorpusFile } from './files.js';
import { readLines } from './lines.js';

export interface CorpusDocument {
  docId: string;
  text: string;
  stage: TrainingStage | null;
  source: string;
}

export interface ReadStats {
  documents: number;
  emptyDocuments: number;
  /** Lines or rows whose bytes were not valid UTF-8 (bad bytes replaced by U+FFFD). */
  replacedLines: number;
  /** Files and non-empty documents read per training stage (`unstaged` for none). */
  perStage: Record<string, { files: number; documents: number }>;
}

function textOf(value: unknown, field: string, file: string, line: number, kind: 'line' | 'row'): string {
  if (typeof value === 'string') return value;
  if (value === undefined) {
    throw inputError(file, line, `${kind} has no "${field}" field`, `pass --text-field with the name of the field that holds the text`);
  }
  throw inputError(file, line, `field "${field}" is ${value === null ? 'null' : typeof value}, expected a string`, 'fix or drop that record');
}

/** zstd frames through fzstd's streaming decoder (Node 20's zlib has no zstd). */
function zstdStream(): Transform {
  const t: Transform = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      try {
        decoder.push(chunk);
        cb();
      } catch (e) {
        cb(e as Error);
      }
    },
    flush(cb) {
      try {
        decoder.push(new Uint8Array(0), true);
        cb();
      } catch (e) {
        cb(e as Error);
      }
    },
  });
  const decoder = new Decompress((data) => t.push(Buffer.from(data)));
  return t;
}

/** The file's bytes, decompressed; a read or decode failure names the file. */
async function* fileBytes(file: CorpusFile): AsyncGenerator<Buffer> {
  const raw = createReadStream(file.absPath);
  const stream: Readable = file.compression === 'gzip' ? raw.pipe(createGunzip()) : file.compression === 'zstd' ? raw.pipe(zstdStream()) : raw;
  if (stream !== raw) raw.on('error', (e) => stream.destroy(e));
  try {
    for await (const chunk of stream) yield chunk as Buffer;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const what =
      err.code === 'EACCES' || err.code === 'EPERM'
        ? 'permission denied'
        : file.compression
          ? `not a valid ${file.compression} stream (${err.message})`
          : err.message;
    throw inputError(
      file.absPath,
      undefined,
      `cannot read corpus file: ${what}`,
      file.compression ? 'check the file (e.g. `gzip -t` / `zstd -t`)' : 'fix its permissions',
    );
  }
}

async function* jsonlDocuments(file: CorpusFile, field: string, stats: ReadStats): AsyncGenerator<CorpusDocument> {
  for await (const line of readLines(fileBytes(file))) {
    if (line.text.trim() === '') continue;
    if (line.replaced) stats.replacedLines += 1;
    let row: unknown;
    try {
      row = JSON.parse(line.text);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      throw inputError(file.absPath, line.number, `not valid JSON (${why})`, 'each line of a JSONL file must be one JSON object');
    }
    if (row === null || typeof row !== 'object' || Array.isArray(row)) {
      throw inputError(file.absPath, line.number, 'line is not a JSON object', `each line must look like {"${field}": "..."}`);
    }
    const text = textOf((row as Record<string, unknown>)[field], field, file.absPath, line.number, 'line');
    const id = (row as Record<string, unknown>).id;
    const docId = typeof id === 'string' || typeof id === 'number' ? String(id) : `${file.source}#${line.number}`;
    yield { docId, text, stage: file.stage, source: file.source };
  }
}

const PARQUET_BATCH_ROWS = 2048;

async function* parquetDocuments(file: CorpusFile, field: string): AsyncGenerator<CorpusDocument> {
  let buffer;
  let metadata;
  try {
    buffer = await asyncBufferFromFile(file.absPath);
    metadata = await parquetMetadataAsync(buffer);
  } catch (e) {
    throw inputError(
      file.absPath,
      undefined,
      `not a readable Parquet file (${e instanceof Error ? e.message : String(e)})`,
      'check the file or pass --format jsonl',
    );
  }
  const columns = parquetSchema(metadata).children.map((c) => c.element.name);
  if (!columns.includes(field)) {
    throw inputError(file.absPath, undefined, `no column "${field}" (columns: ${columns.join(', ')})`, 'pass --text-field with the text column');
  }
  const total = Number(metadata.num_rows);
  for (let start = 0; start < total; start += PARQUET_BATCH_ROWS) {
    const end = Math.min(total, start + PARQUET_BATCH_ROWS);
    const rows = await parquetReadObjects({ file: buffer, metadata, columns: [field], rowStart: start, rowEnd: end, compressors });
    for (let i = 0; i < rows.length; i++) {
      const rowNo = start + i + 1;
      const value: unknown = rows[i][field];
      if (value === null || value === undefined) continue; // a null cell is an empty document in a columnar file
      const text = textOf(value, field, file.absPath, rowNo, 'row');
      yield { docId: `${file.source}#${rowNo}`, text, stage: file.stage, source: file.source };
    }
  }
}

/** A plain-text file is one document (its path is its id); bytes that are not UTF-8 are replaced and counted. */
async function* textDocuments(file: CorpusFile, stats: ReadStats): AsyncGenerator<CorpusDocument> {
  const parts: Buffer[] = [];
  for await (const chunk of fileBytes(file)) parts.push(chunk);
  const bytes = Buffer.concat(parts);
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0; // a byte-order mark is not text
  const body = bytes.subarray(start);
  if (!isUtf8(body)) stats.replacedLines += 1;
  yield { docId: file.source, text: body.toString('utf8'), stage: file.stage, source: file.source };
}

export async function* readDocuments(files: CorpusFile[], spec: CorpusSpec, stats: ReadStats): AsyncGenerator<CorpusDocument> {
  for (const file of files) {
    const docs =
      spec.format === 'parquet'
        ? parquetDocuments(file, spec.textField)
        : spec.format === 'text'
          ? textDocuments(file, stats)
          : jsonlDocuments(file, spec.textField, stats);
    const counts = (stats.perStage[file.stage ?? 'unstaged'] ??= { files: 0, documents: 0 });
    counts.files += 1;
    for await (const doc of docs) {
      if (doc.text.trim() === '') {
        stats.emptyDocuments += 1;
        continue;
      }
      stats.documents += 1;
      counts.documents += 1;
      yield doc;
    }
  }
}
