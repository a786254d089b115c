/**
 * A run request: what a remote build (the cloud instance, each AWS Batch job, a scheduled re-index) must compute,
 * as one JSON object in the store: the corpus reading settings, the embedder, and the resolved index config. The
 * remote side runs `index --request URI --corpus WHERE-IT-IS --store …`: settings travel as data, never as
 * re-assembled flags. Requests are content-addressed (`requests/<hash>.json`), so writing one twice is harmless.
 */
import { z } from 'zod';
import { CorpusSpecSchema, IndexConfigSchema, type CorpusSpec, type IndexConfig } from '../config.js';
import { CproxError } from '../errors.js';
import { hashValue } from '../hash.js';
import { requestKey } from '../store/keys.js';
import { readJson, writeJson, type ArtifactStore } from '../store/store.js';

export const RunRequestSchema = z.object({
  kind: z.literal('corpus-proximity-run-request'),
  version: z.literal(1),
  /** How the corpus files are read; where they are is the remote side's `--corpus`. */
  corpus: CorpusSpecSchema.omit({ path: true }),
  /** `lexical`, or `onnx:s3://…` (the model folder the remote side copies and fingerprints). */
  embedder: z.string().regex(/^(lexical|onnx:s3:\/\/.+)$/, 'lexical or onnx:s3://…'),
  /** The resolved index config, without the machine-specific model folder (`embed.onnx`). */
  config: IndexConfigSchema,
});
export type RunRequest = z.infer<typeof RunRequestSchema>;

export function runRequest(corpus: Readonly<CorpusSpec>, embedder: string, config: Readonly<IndexConfig>): RunRequest {
  const { path: _path, ...reading } = corpus;
  const { onnx: _onnx, ...embed } = config.embed;
  return { kind: 'corpus-proximity-run-request', version: 1, corpus: reading, embedder, config: { ...config, embed } };
}

/** Writes the request into the store; returns its key. */
export async function writeRunRequest(store: ArtifactStore, request: RunRequest): Promise<string> {
  const key = requestKey(hashValue(request).slice(0, 16));
  await writeJson(store, key, request, true);
  return key;
}

/** Reads and checks a request; `where` names it in errors. */
export async function readRunRequest(store: ArtifactStore, key: string, where: string): Promise<RunRequest> {
  const raw = await readJson(store, key).catch((e: unknown) => {
    throw new CproxError('BAD_INPUT', `run request ${where} is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  });
  if (raw === null)
    throw new CproxError('NOT_FOUND', `run request ${where} does not exist`, { hint: '`index --deploy-gpu` writes one; see README "Cloud infrastructure"' });
  const parsed = RunRequestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CproxError('BAD_INPUT', `run request ${where} is not one this version reads (${issue.path.join('.')}: ${issue.message})`, {
      hint: 'write it again with this version (`index --deploy-gpu`, or `index … --write-request`)',
    });
  }
  return parsed.data;
}
