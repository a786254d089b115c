/**
 * The environment, read in one place into one typed object: every variable the tool reads, its default, and what
 * it means. Read on each call (cheap), since tests and embedding programs may set variables after import.
 */
import os from 'node:os';
import path from 'node:path';

export interface Env {
  /** `$XDG_CACHE_HOME/corpus-proximity` (default `~/.cache/corpus-proximity`): store, copies of corpora and models, stamps. */
  cacheRoot: string;
  /** `$CPROX_STORE`: the artifact store when `--store` is not given. */
  store: string | undefined;
  /** `$AWS_REGION`, else `$AWS_DEFAULT_REGION`, else us-east-1. */
  awsRegion: string;
  /** `$AWS_ENDPOINT_URL_S3`, else `$AWS_ENDPOINT_URL`: an S3-compatible server (MinIO, s3rver). */
  s3Endpoint: string | undefined;
  /** `$AWS_BATCH_JOB_ARRAY_INDEX`: this job's index in an AWS Batch array (`--shard batch/N`). */
  batchArrayIndex: string | undefined;
  /** `$CPROX_DEBUG=1`: stack traces on internal errors. */
  debug: boolean;
  /** `$NO_COLOR` (any value): no colour even on a terminal. */
  noColor: boolean;
}

const nonEmpty = (v: string | undefined) => (v ? v : undefined);

export function env(source: NodeJS.ProcessEnv = process.env): Env {
  return {
    cacheRoot: path.join(nonEmpty(source.XDG_CACHE_HOME) ?? path.join(os.homedir(), '.cache'), 'corpus-proximity'),
    store: nonEmpty(source.CPROX_STORE),
    awsRegion: nonEmpty(source.AWS_REGION) ?? nonEmpty(source.AWS_DEFAULT_REGION) ?? 'us-east-1',
    s3Endpoint: nonEmpty(source.AWS_ENDPOINT_URL_S3) ?? nonEmpty(source.AWS_ENDPOINT_URL),
    batchArrayIndex: nonEmpty(source.AWS_BATCH_JOB_ARRAY_INDEX),
    debug: source.CPROX_DEBUG === '1',
    noColor: source.NO_COLOR !== undefined,
  };
}

/** `$XDG_CACHE_HOME/corpus-proximity`. */
export function cacheRoot(): string {
  return env().cacheRoot;
}
