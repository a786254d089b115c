/**
 * The artifact store: every stage reads and writes only through this interface, so the same stage runs
 * in-process on a laptop and in a container against S3. A missing key is a value (`null`); any other
 * failure throws and names the operation and key.
 */
import type { Readable } from 'node:stream';
import type { Matrix } from '../linalg/matrix.js';
import { matrixFromStream, npyShapeFromStream, type NpyLayout } from '../npy.js';

/** What a write produced: recorded in completion markers and the index manifest. */
export interface WrittenObject {
  key: string;
  size: number;
  sha256: string;
  /**
   * The server's entity tag where the driver has one (S3). Any rewrite of the object changes it, so a reused output
   * whose tag still matches is unchanged without downloading it.
   */
  etag?: string;
}

export type Body = string | Uint8Array;

export interface ArtifactStore {
  /** Human-readable location, e.g. `file:///…` or `s3://bucket/prefix`. */
  readonly url: string;
  read(key: string): Promise<Buffer | null>;
  /** Streams a stored object; null when it does not exist. */
  readStream(key: string): Promise<Readable | null>;
  /** Writes atomically: readers see the old object or the whole new one, never a part. */
  write(key: string, body: Body): Promise<WrittenObject>;
  /** Writes a stream of parts atomically, hashing as it goes. */
  writeStream(key: string, parts: AsyncIterable<Body>): Promise<WrittenObject>;
  /** Size, and last-modified time and entity tag where the driver knows them. */
  stat(key: string): Promise<{ size: number; modified?: Date; etag?: string } | null>;
  /** Keys under a prefix, sorted. */
  list(prefix: string): Promise<string[]>;
  remove(key: string): Promise<void>;
  copy(from: string, to: string): Promise<WrittenObject>;
  /**
   * Optional: removes what killed writers left behind (fs: temp files of dead processes; S3: multipart uploads
   * abandoned for an hour). Never touches a live writer's work.
   */
  sweep?(): Promise<{ files: number; bytes: number }>;
}

export async function readJson<T>(store: ArtifactStore, key: string): Promise<T | null> {
  const buf = await store.read(key);
  return buf === null ? null : (JSON.parse(buf.toString('utf8')) as T);
}

export function writeJson(store: ArtifactStore, key: string, value: unknown, pretty = false): Promise<WrittenObject> {
  return store.write(key, JSON.stringify(value, null, pretty ? 2 : undefined) + '\n');
}

/** A stored .npy matrix, streamed into one float32 array (no whole-object buffer: vectors files pass 2 GiB). */
export async function readMatrix(store: ArtifactStore, key: string): Promise<Matrix> {
  const stream = await store.readStream(key);
  if (!stream) throw new Error(`missing ${key}`);
  return matrixFromStream(stream, key);
}

/** The shape of a stored .npy matrix, from its header alone. */
export async function matrixShape(store: ArtifactStore, key: string): Promise<NpyLayout> {
  const stream = await store.readStream(key);
  if (!stream) throw new Error(`missing ${key}`);
  return npyShapeFromStream(stream, key);
}
