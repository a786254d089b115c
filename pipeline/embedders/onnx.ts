/**
 * `onnx:DIR`: a sentence-embedding model run by onnxruntime-node. Texts are tokenized by the model's tokenizer,
 * sorted by length into batches (padding stays small), padded with an attention mask, truncated to max_tokens,
 * pooled (CLS or masked mean) and L2-normalised. Queries get the model's query prefix, passages its passage prefix.
 */
import type { Tensor } from 'onnxruntime-node';
import { CproxError } from '../errors.js';
import { createSession, ort, type Device } from '../onnx-runtime.js';
import { normalizeRows, type Embedder } from './embedder.js';
import { onnxFingerprint, readOnnxModelDir, type OnnxModelDir } from './onnx-config.js';
import { loadModelTokenizer, type Encoded, type ModelTokenizer } from './onnx-tokenizer.js';

export interface OnnxEmbedder extends Embedder {
  readonly tokenizer: ModelTokenizer;
  readonly model: OnnxModelDir;
  /** Texts cut at max_tokens so far (passages and queries). */
  truncated(): number;
  close(): Promise<void>;
}

export interface OnnxEmbedderOptions {
  device?: Device;
  /** Texts per onnxruntime call; batches are formed after sorting by length. */
  batchSize?: number;
  /** Skip hashing the model when the caller already has the fingerprint. */
  fingerprint?: string;
}

export const DEFAULT_ONNX_BATCH = 32;

export function onnxEmbedderId(dir: string): string {
  return `onnx:${dir.split(/[\\/]/).filter(Boolean).pop() ?? dir}`;
}

function int64(rows: number[][], width: number, fill: number): BigInt64Array {
  const out = new BigInt64Array(rows.length * width).fill(BigInt(fill));
  rows.forEach((r, i) => r.forEach((v, j) => (out[i * width + j] = BigInt(v))));
  return out;
}

/** Pools one batch's model output into rows of `dims`. */
function pool(output: Tensor, batch: Encoded[], pooling: 'cls' | 'mean', dims: number, what: string): Float32Array {
  const data = output.data as Float32Array;
  const shape = output.dims;
  if (output.type !== 'float32')
    throw new CproxError('BAD_INPUT', `${what}: the model output is ${output.type}, expected float32`, { hint: 'export the model with float32 outputs' });
  const out = new Float32Array(batch.length * dims);
  if (shape.length === 2) {
    if (shape[1] !== dims) throw dimsError(what, shape[1], dims);
    out.set(data.subarray(0, batch.length * dims));
    return out;
  }
  if (shape.length !== 3)
    throw new CproxError('BAD_INPUT', `${what}: the model output has shape [${shape.join(', ')}], expected [batch, tokens, dims] or [batch, dims]`, {
      hint: 'set "output" in embedder.json to the hidden-state output',
    });
  const [, seq, width] = shape;
  if (width !== dims) throw dimsError(what, width, dims);
  batch.forEach((e, b) => {
    const o = b * dims;
    const base = b * seq * width;
    if (pooling === 'cls') {
      out.set(data.subarray(base, base + dims), o);
      return;
    }
    const n = e.ids.length;
    for (let t = 0; t < n; t++) for (let j = 0; j < dims; j++) out[o + j] += data[base + t * width + j];
    for (let j = 0; j < dims; j++) out[o + j] /= n;
  });
  return out;
}

const dimsError = (what: string, got: number, want: number) =>
  new CproxError('BAD_INPUT', `${what}: the model outputs ${got}-dim vectors, embedder.json says dims ${want}`, {
    hint: `set "dims": ${got} in embedder.json`,
  });

export async function onnxEmbedder(dirArg: string, opts: OnnxEmbedderOptions = {}): Promise<OnnxEmbedder> {
  const model = await readOnnxModelDir(dirArg);
  const { settings } = model;
  const what = `onnx embedder ${model.dir}`;
  const [tokenizer, session, fingerprint] = await Promise.all([
    loadModelTokenizer(model.tokenizerPath),
    createSession(model.modelPath, opts.device ?? 'cpu', what),
    opts.fingerprint ? Promise.resolve(opts.fingerprint) : onnxFingerprint(model).then((f) => f.fingerprint),
  ]);
  const { Tensor } = await ort();
  const inputs = new Set(session.inputNames);
  if (!inputs.has('input_ids'))
    throw new CproxError('BAD_INPUT', `${what}: model.onnx has no input_ids input (inputs: ${session.inputNames.join(', ')})`, {
      hint: 'export a transformer encoder with input_ids and attention_mask inputs',
    });
  const outputName = settings.output ?? session.outputNames[0];
  if (!session.outputNames.includes(outputName))
    throw new CproxError('BAD_INPUT', `${what}: model.onnx has no output "${outputName}" (outputs: ${session.outputNames.join(', ')})`, {
      hint: 'fix "output" in embedder.json',
    });
  const batchSize = opts.batchSize ?? DEFAULT_ONNX_BATCH;
  let truncated = 0;

  async function run(batch: Encoded[]): Promise<Float32Array> {
    const width = Math.max(...batch.map((e) => e.ids.length));
    const dims = [batch.length, width];
    const feeds: Record<string, Tensor> = {
      input_ids: new Tensor(
        'int64',
        int64(
          batch.map((e) => e.ids),
          width,
          tokenizer.padId,
        ),
        dims,
      ),
    };
    if (inputs.has('attention_mask'))
      feeds.attention_mask = new Tensor(
        'int64',
        int64(
          batch.map((e) => e.ids.map(() => 1)),
          width,
          0,
        ),
        dims,
      );
    if (inputs.has('token_type_ids'))
      feeds.token_type_ids = new Tensor(
        'int64',
        int64(
          batch.map((e) => e.typeIds),
          width,
          0,
        ),
        dims,
      );
    const result = await session.run(feeds, [outputName]);
    return pool(result[outputName], batch, settings.pooling, settings.dims, what);
  }

  return {
    id: onnxEmbedderId(model.dir),
    fingerprint,
    dims: settings.dims,
    tokenizer,
    model,
    truncated: () => truncated,
    async embed(texts, { kind }) {
      const prefix = kind === 'query' ? settings.query_prefix : settings.passage_prefix;
      const encoded = texts.map((t) => {
        const e = tokenizer.encode(prefix + t, settings.max_tokens);
        if (e.truncated) truncated++;
        return e;
      });
      // Longest first, so batches hold texts of similar length and padding stays small.
      const order = encoded.map((e, i) => i).sort((a, b) => encoded[b].ids.length - encoded[a].ids.length || a - b);
      const out = new Float32Array(texts.length * settings.dims);
      for (let b = 0; b < order.length; b += batchSize) {
        const rows = order.slice(b, b + batchSize);
        const pooled = await run(rows.map((i) => encoded[i]));
        rows.forEach((i, r) => out.set(pooled.subarray(r * settings.dims, (r + 1) * settings.dims), i * settings.dims));
      }
      return normalizeRows(out, settings.dims);
    },
    close: () => session.release(),
  };
}
