/** What `--embedder lexical|onnx:DIR` names: shared by index and annotate (the flags are in options/table.ts). */
import path from 'node:path';
import type { IndexConfig, OnnxRef } from '../pipeline/config.js';
import { onnxFingerprint, readOnnxModelDir } from '../pipeline/embedders/onnx-config.js';
import { CproxError } from '../pipeline/errors.js';
import { materializeS3 } from '../pipeline/corpus/remote.js';
import type { Reporter } from '../pipeline/reporter.js';

export const isOnnx = (spec: string | undefined): spec is string => Boolean(spec?.startsWith('onnx:'));

/** Where --embedder onnx:… points: an s3:// URI as it is (no trailing slash), a local folder made absolute. */
export function onnxLocation(spec: string): string {
  const where = spec.slice('onnx:'.length);
  return where.startsWith('s3://') ? where.replace(/\/+$/, '') : path.resolve(where);
}

/**
 * The local ONNX model folder named by --embedder onnx:DIR (an s3://… folder is copied to
 * ~/.cache/corpus-proximity/models first), or undefined for lexical / unset.
 */
export async function onnxDirOf(spec: string | undefined, reporter: Reporter): Promise<string | undefined> {
  return isOnnx(spec) ? materializeS3(onnxLocation(spec), reporter, 'models') : undefined;
}

/** Resolves --embedder into the embed section's identity: an ONNX folder is read and fingerprinted up front. */
export async function embedderConfig(spec: string | undefined, reporter: Reporter): Promise<Pick<IndexConfig['embed'], 'embedder'> & { onnx?: OnnxRef }> {
  const dir = await onnxDirOf(spec, reporter);
  if (!dir) return { embedder: 'lexical' };
  const model = await readOnnxModelDir(dir);
  const { fingerprint, tokenizer } = await onnxFingerprint(model);
  return { embedder: 'onnx', onnx: { dir: model.dir, fingerprint, tokenizer } };
}

/** Lexical-only knobs given with an ONNX embedder would be silently ignored: refuse them. */
export function refuseLexicalFlags(spec: string | undefined, flags: Record<string, unknown>): void {
  if (!isOnnx(spec)) return;
  const stray = Object.entries(flags).find(([, v]) => v !== undefined);
  if (stray) throw new CproxError('BAD_INPUT', `${stray[0]} applies to the lexical embedder only`, { hint: 'drop it: an ONNX model has its own dimensions' });
}
