/**
 * S3 driver (`s3://bucket/prefix`): AWS SDK v3 with lib-storage multipart uploads. Honours the standard AWS
 * environment and config (credentials chain, AWS_REGION, AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL); with a custom
 * endpoint (MinIO, s3rver, …) it uses path-style addressing and computes checksums only when required. The SDK's
 * standard retry mode retries throttling and 5xx with backoff (5 attempts); listings are paginated.
 * The SDK is loaded only here, on the S3 path: under Node 20 it prints a support warning when it loads.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { PassThrough, type Readable } from 'node:stream';
import { FOREIGN_TEMP_MAX_AGE_MS } from '../atomic-file.js';
import { CproxError } from '../errors.js';
import { joinKey } from './keys.js';
import type { ArtifactStore, Body, WrittenObject } from './store.js';
import { env } from '../env.js';

type S3Module = typeof import('@aws-sdk/client-s3');
type StorageModule = typeof import('@aws-sdk/lib-storage');

export interface S3Location {
  bucket: string;
  prefix: string;
}

export function parseS3Url(url: string): S3Location {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!m || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(m[1])) {
    throw new CproxError('BAD_INPUT', `not an S3 location: ${url}`, { hint: 'use s3://BUCKET/PREFIX' });
  }
  return { bucket: m[1], prefix: m[2] ? joinKey(m[2]) : '' };
}

async function loadSdk(): Promise<{ s3: S3Module; storage: StorageModule }> {
  // Keep the SDK's "Node 20 support ends" notice out of normal output; real warnings still pass.
  const original = process.emitWarning.bind(process);
  process.emitWarning = (warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning.message;
    if (/AWS SDK for JavaScript.*(Node\.js|version)/is.test(text)) return;
    return (original as (...a: unknown[]) => void).call(process, warning, ...rest);
  };
  try {
    const [s3, storage] = await Promise.all([import('@aws-sdk/client-s3'), import('@aws-sdk/lib-storage')]);
    return { s3, storage };
  } finally {
    setTimeout(() => (process.emitWarning = original), 0);
  }
}

function isMissing(e: unknown): boolean {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return err?.name === 'NoSuchKey' || err?.name === 'NotFound' || err?.$metadata?.httpStatusCode === 404;
}

/** S3's answers for credentials or permissions the user must fix. */
const AUTH_ERRORS = new Set([
  'AccessDenied',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'CredentialsProviderError',
  'AllAccessDisabled',
]);

function storeError(op: string, key: string, e: unknown): CproxError {
  const err = e as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = err?.$metadata?.httpStatusCode ? ` (HTTP ${err.$metadata.httpStatusCode})` : '';
  const auth = AUTH_ERRORS.has(err?.name ?? '') || err?.$metadata?.httpStatusCode === 403;
  return new CproxError(auth ? 'AUTH' : 'STORE', `store ${op} ${key} failed: ${err?.name ?? 'Error'}: ${err?.message ?? String(e)}${status}`, {
    cause: e,
    hint: 'check AWS credentials, region and the bucket name (and AWS_ENDPOINT_URL_S3 for non-AWS servers)',
  });
}

export async function s3Store(url: string): Promise<ArtifactStore> {
  const { bucket, prefix } = parseS3Url(url);
  const { s3, storage } = await loadSdk();
  const { s3Endpoint: endpoint, awsRegion } = env();
  const client = new s3.S3Client({
    region: awsRegion,
    maxAttempts: 5,
    ...(endpoint ? { endpoint, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' } : {}),
  });
  const full = (key: string) => (prefix ? `${prefix}/${joinKey(key)}` : joinKey(key));
  const relative = (key: string) => (prefix ? key.slice(prefix.length + 1) : key);

  /** Streams the parts into a multipart upload while hashing them; the object appears only when complete. */
  async function writeParts(key: string, parts: Iterable<Body> | AsyncIterable<Body>): Promise<WrittenObject> {
    const hash = createHash('sha256');
    let size = 0;
    const body = new PassThrough();
    const upload = new storage.Upload({ client, params: { Bucket: bucket, Key: full(key), Body: body } });
    const done = upload.done();
    let etag: string | undefined;
    try {
      for await (const part of parts) {
        const buf = typeof part === 'string' ? Buffer.from(part, 'utf8') : part;
        hash.update(buf);
        size += buf.byteLength;
        if (!body.write(buf)) await once(body, 'drain');
      }
      body.end();
      etag = (await done).ETag;
    } catch (e) {
      body.destroy();
      await upload.abort().catch(() => undefined);
      await done.catch(() => undefined);
      throw e instanceof CproxError ? e : storeError('write', key, e);
    }
    return { key: joinKey(key), size, sha256: hash.digest('hex'), ...(etag ? { etag } : {}) };
  }

  return {
    url: `s3://${bucket}${prefix ? `/${prefix}` : ''}`,
    async read(key) {
      try {
        const r = await client.send(new s3.GetObjectCommand({ Bucket: bucket, Key: full(key) }));
        return Buffer.from(await r.Body!.transformToByteArray());
      } catch (e) {
        if (isMissing(e)) return null;
        throw storeError('read', key, e);
      }
    },
    async readStream(key) {
      try {
        const r = await client.send(new s3.GetObjectCommand({ Bucket: bucket, Key: full(key) }));
        return r.Body as Readable;
      } catch (e) {
        if (isMissing(e)) return null;
        throw storeError('read', key, e);
      }
    },
    write: (key, body) => writeParts(key, [body]),
    writeStream: writeParts,
    async stat(key) {
      try {
        const r = await client.send(new s3.HeadObjectCommand({ Bucket: bucket, Key: full(key) }));
        return { size: Number(r.ContentLength ?? 0), modified: r.LastModified, ...(r.ETag ? { etag: r.ETag } : {}) };
      } catch (e) {
        if (isMissing(e)) return null;
        throw storeError('stat', key, e);
      }
    },
    async list(p) {
      const keys: string[] = [];
      const base = p.replace(/\/+$/, '');
      const listPrefix = base ? `${full(base)}/` : prefix ? `${prefix}/` : '';
      try {
        for await (const page of s3.paginateListObjectsV2({ client }, { Bucket: bucket, Prefix: listPrefix })) {
          for (const o of page.Contents ?? []) if (o.Key) keys.push(relative(o.Key));
        }
      } catch (e) {
        throw storeError('list', p, e);
      }
      return keys.sort();
    },
    async remove(key) {
      try {
        await client.send(new s3.DeleteObjectCommand({ Bucket: bucket, Key: full(key) }));
      } catch (e) {
        if (!isMissing(e)) throw storeError('remove', key, e);
      }
    },
    async sweep() {
      // Uploads of killed writers never become objects, but their parts are billed until aborted.
      const swept = { files: 0, bytes: 0 };
      try {
        let markers: { KeyMarker?: string; UploadIdMarker?: string } = {};
        for (;;) {
          const page = await client.send(new s3.ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix ? `${prefix}/` : undefined, ...markers }));
          for (const u of page.Uploads ?? []) {
            if (!u.Key || !u.UploadId || !u.Initiated || Date.now() - u.Initiated.getTime() < FOREIGN_TEMP_MAX_AGE_MS) continue;
            await client.send(new s3.AbortMultipartUploadCommand({ Bucket: bucket, Key: u.Key, UploadId: u.UploadId }));
            swept.files++;
          }
          if (!page.IsTruncated) break;
          markers = { KeyMarker: page.NextKeyMarker, UploadIdMarker: page.NextUploadIdMarker };
        }
      } catch (e) {
        throw storeError('sweep', prefix || '/', e);
      }
      return swept;
    },
    async copy(from, to) {
      try {
        const source = `${bucket}/${full(from).split('/').map(encodeURIComponent).join('/')}`;
        const copied = await client.send(new s3.CopyObjectCommand({ Bucket: bucket, Key: full(to), CopySource: source }));
        // The sha256 of the copy, streamed (S3 keeps no sha256 of a multipart object).
        const r = await client.send(new s3.GetObjectCommand({ Bucket: bucket, Key: full(to) }));
        const hash = createHash('sha256');
        let size = 0;
        for await (const chunk of r.Body as Readable) {
          hash.update(chunk as Buffer);
          size += (chunk as Buffer).length;
        }
        const etag = r.ETag ?? copied.CopyObjectResult?.ETag;
        return { key: joinKey(to), size, sha256: hash.digest('hex'), ...(etag ? { etag } : {}) };
      } catch (e) {
        throw storeError('copy', `${from} → ${to}`, e);
      }
    },
  };
}
