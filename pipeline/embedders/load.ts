/**
 * Re-creates the query embedder from the files of an index's embedder/ folder. The lexical embedder lives there
 * whole; an ONNX embedder is a reference (onnx.json: model id, fingerprint, the folder it was built from), and the
 * model is opened from that folder or from the one the user points at, then checked against the fingerprint.
 */
import { stat } from 'node:fs/promises';
import { z } from 'zod';
import { CproxError } from '../errors.js';
import type { Device } from '../onnx-runtime.js';
import type { Embedder } from './embedder.js';
import { LEXICAL_FILES, lexicalEmbedder, parseLexicalModel } from './lexical.js';
import { OnnxSettingsSchema } from './onnx-config.js';
import { onnxEmbedder, type OnnxEmbedder } from './onnx.js';

export type ReadEmbedderFile = (name: string) => Promise<Buffer | null>;

export const ONNX_REF_FILE = 'onnx.json';
export const OnnxRefFileSchema = z.object({
  type: z.literal('onnx'),
  version: z.literal(1),
  id: z.string(),
  fingerprint: z.string(),
  /** The folder the index was built from (absolute, on the machine that built it). */
  dir: z.string(),
  settings: OnnxSettingsSchema,
});
export type OnnxRefFile = z.infer<typeof OnnxRefFileSchema>;

export function onnxRefFile(e: OnnxEmbedder): string {
  const ref: OnnxRefFile = { type: 'onnx', version: 1, id: e.id, fingerprint: e.fingerprint, dir: e.model.dir, settings: e.model.settings };
  return JSON.stringify(ref, null, 2);
}

export interface LoadEmbedderOptions {
  /** A local copy of the ONNX model folder, instead of the folder recorded at index time. */
  onnxDir?: string;
  device?: Device;
}

export async function loadEmbedder(id: string, read: ReadEmbedderFile, opts: LoadEmbedderOptions = {}): Promise<Embedder> {
  if (id === 'lexical') {
    const model = await read(LEXICAL_FILES.model);
    const projection = await read(LEXICAL_FILES.projection);
    if (!model) {
      throw new CproxError('BAD_INDEX', 'the index lacks its lexical embedder (embedder/lexical.json)', {
        hint: 'rebuild the index with `corpus-proximity index`',
      });
    }
    return lexicalEmbedder(parseLexicalModel(model, projection));
  }
  if (id.startsWith('onnx:')) return loadOnnx(id, read, opts);
  throw new CproxError('EMBEDDER_MISMATCH', `this build cannot run embedder "${id}"`, {
    hint: 'upgrade corpus-proximity or rebuild the index with --embedder lexical',
  });
}

async function loadOnnx(id: string, read: ReadEmbedderFile, opts: LoadEmbedderOptions): Promise<Embedder> {
  const raw = await read(ONNX_REF_FILE);
  const parsed = raw ? OnnxRefFileSchema.safeParse(JSON.parse(raw.toString('utf8'))) : null;
  if (!parsed?.success) {
    throw new CproxError('BAD_INDEX', `the index lacks a readable embedder/${ONNX_REF_FILE} for ${id}`, { hint: 'rebuild or re-sync the index' });
  }
  const ref = parsed.data;
  const needs = `this index needs embedder ${ref.id} (fingerprint ${ref.fingerprint.slice(0, 12)}…, built from ${ref.dir})`;
  const dir = opts.onnxDir ?? ref.dir;
  if (
    !(await stat(dir).then(
      (s) => s.isDirectory(),
      () => false,
    ))
  ) {
    throw new CproxError('EMBEDDER_MISMATCH', `${needs}, and ${dir} is not here`, {
      hint: 'pass --embedder onnx:DIR with a local copy of that model folder (model.onnx, tokenizer.json, embedder.json)',
    });
  }
  const embedder = await onnxEmbedder(dir, { device: opts.device });
  if (embedder.fingerprint !== ref.fingerprint) {
    await embedder.close();
    throw new CproxError('EMBEDDER_MISMATCH', `${needs}; ${dir} holds a different model (fingerprint ${embedder.fingerprint.slice(0, 12)}…)`, {
      hint: 'point --embedder onnx:DIR at the exact model folder the index was built with (same model.onnx, tokenizer.json and settings), or rebuild the index',
    });
  }
  return embedder;
}
