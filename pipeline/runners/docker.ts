/**
 * Runs each stage of the table in the stage image through dockerode: one container per stage running
 * `corpus-proximity stage NAME --run ID --store …`, logs streamed with a `[stage]` prefix, the exit code and the
 * stage's _FAILED.json turned into a typed error, containers removed. A local store is bind-mounted at /store; an
 * S3 store is reached with the AWS environment passed through (host network, so a local endpoint works too).
 * GPUs are requested only when asked for.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { CproxError } from '../errors.js';
import { FailedMarkerSchema } from '../markers.js';
import type { Reporter } from '../reporter.js';
import { runKeys, type RunKeys } from '../store/keys.js';
import { readJson, writeJson, type ArtifactStore } from '../store/store.js';
import { runIdOf } from './in-process.js';
import type { RunInputs, StageDefinition } from './stage.js';

/** A client of the local Docker engine (DOCKER_HOST honoured). dockerode and its gRPC stack are loaded on first use: they cost every other command ~0.2 s of start-up. */
export async function newDocker(): Promise<Docker> {
  const { default: DockerClient } = await import('dockerode');
  return new DockerClient();
}

export interface DockerRunOptions {
  docker: Docker;
  image: string;
  store: ArtifactStore;
  /** The --store value as given: a local folder (mounted) or s3://… (passed through). */
  storeLocation: string;
  inputs: RunInputs;
  stages: readonly StageDefinition[];
  reporter: Reporter;
  gpus?: boolean;
}

const AWS_ENV = [
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_S3',
  'AWS_PROFILE',
];
const CONTAINER_STORE = '/store';
const CONTAINER_CORPUS = '/corpus';

/** Lines of a stream, each written through `write` with a prefix. */
function prefixed(prefix: string, write: (line: string) => void): PassThrough {
  const s = new PassThrough();
  let rest = '';
  s.on('data', (d: Buffer) => {
    const lines = (rest + d.toString('utf8')).split('\n');
    rest = lines.pop() ?? '';
    for (const l of lines) write(`${prefix} ${l}`);
  });
  s.on('end', () => rest && write(`${prefix} ${rest}`));
  return s;
}

async function runStageContainer(o: DockerRunOptions, keys: RunKeys, stage: StageDefinition): Promise<void> {
  const s3 = o.storeLocation.startsWith('s3://');
  const corpusIsDir = (await stat(o.inputs.corpus.path)).isDirectory();
  const corpusMount = corpusIsDir ? o.inputs.corpus.path : path.dirname(o.inputs.corpus.path);
  const corpusInContainer = corpusIsDir ? CONTAINER_CORPUS : path.posix.join(CONTAINER_CORPUS, path.basename(o.inputs.corpus.path));
  const onnxDir = o.inputs.config.embed.onnx?.dir;
  const container = await o.docker.createContainer({
    Image: o.image,
    Cmd: ['stage', stage.name, '--run', keys.runId, '--store', s3 ? o.storeLocation : CONTAINER_STORE, '--corpus', corpusInContainer],
    Env: AWS_ENV.filter((k) => process.env[k]).map((k) => `${k}=${process.env[k]}`),
    HostConfig: {
      Binds: [
        `${corpusMount}:${CONTAINER_CORPUS}:ro`,
        ...(s3 ? [] : [`${path.resolve(o.storeLocation)}:${CONTAINER_STORE}`]),
        // An ONNX model folder appears at the same path inside, so the recorded config needs no rewriting.
        ...(onnxDir ? [`${onnxDir}:${onnxDir}:ro`] : []),
      ],
      NetworkMode: s3 ? 'host' : 'none',
      ...(o.gpus ? { DeviceRequests: [{ Driver: 'nvidia', Count: -1, Capabilities: [['gpu']] }] } : {}),
    },
    Labels: { 'corpus-proximity.run': keys.runId, 'corpus-proximity.stage': stage.name },
  });
  try {
    const logs = await container.attach({ stream: true, stdout: true, stderr: true });
    const write = (line: string) => o.reporter.info(line);
    o.docker.modem.demuxStream(logs, prefixed(`[${stage.name}]`, write), prefixed(`[${stage.name}]`, write));
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    if (StatusCode !== 0) {
      const failed = FailedMarkerSchema.safeParse(await readJson(o.store, keys.marker(stage.name, 'failed')).catch(() => null));
      throw new CproxError(
        'STAGE_FAILED',
        `stage ${stage.name} failed in its container (exit ${StatusCode})${failed.success ? `: ${failed.data.error.message}` : ''}`,
        {
          hint: failed.success ? (failed.data.error.hint ?? `see the [${stage.name}] log lines above`) : `see the [${stage.name}] log lines above`,
          context: { exitCode: StatusCode, stage: stage.name },
        },
      );
    }
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}

export async function runPipelineInDocker(o: DockerRunOptions): Promise<{ runId: string; keys: RunKeys; ran: string[] }> {
  const keys = runKeys(runIdOf(o.inputs));
  await o.docker
    .getImage(o.image)
    .inspect()
    .catch(() => {
      throw new CproxError('NOT_FOUND', `docker image ${o.image} not found`, { hint: 'build it with `corpus-proximity build-image` (or pass --image)' });
    });
  // The containers read the run's inputs from the store.
  if (!(await o.store.stat(keys.inputs()))) await writeJson(o.store, keys.inputs(), o.inputs, true);
  for (const stage of o.stages) await runStageContainer(o, keys, stage);
  return { runId: keys.runId, keys, ran: o.stages.map((s) => s.name) };
}
