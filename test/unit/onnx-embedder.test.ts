/** The ONNX embedder against a plain-TypeScript computation of the same graph, and its edge cases. */
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onnxEmbedder } from '../../pipeline/embedders/onnx.js';
import { loadModelTokenizer } from '../../pipeline/embedders/onnx-tokenizer.js';
import { referenceForward, type EncoderWeights } from '../../bench/fixtures/tiny-encoder.js';
import { tempDir } from '../helpers/corpus.js';
import { writeTestEncoder } from '../helpers/onnx.js';

const CUDA_PROVIDER = path.join(
  path.dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json')),
  'bin/napi-v6/linux/x64/libonnxruntime_providers_cuda.so',
);

const SENTENCES = [
  'The state of the Union is strong.',
  'Congress shall make no law respecting an establishment of religion.',
  'We must balance the budget and reduce the deficit this year, without raising taxes on working families.',
  'Peace.',
  'Zyxwvut qrstuv — unknown words!',
];

function reference(w: EncoderWeights, ids: number[], pooling: 'cls' | 'mean'): Float64Array {
  const h = w.shape.hidden;
  const states = referenceForward(w, ids);
  const v = new Float64Array(h);
  if (pooling === 'cls') v.set(states.subarray(0, h));
  else for (let t = 0; t < ids.length; t++) for (let j = 0; j < h; j++) v[j] += states[t * h + j] / ids.length;
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

describe('onnx embedder (tiny generated encoder)', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let meanDir: string;
  let clsDir: string;
  let mean: EncoderWeights;
  let cls: EncoderWeights;
  beforeAll(async () => {
    tmp = await tempDir();
    meanDir = path.join(tmp.dir, 'mean');
    clsDir = path.join(tmp.dir, 'cls');
    mean = await writeTestEncoder(meanDir, { pooling: 'mean', maxTokens: 24 });
    cls = await writeTestEncoder(clsDir, { pooling: 'cls', maxTokens: 64, queryPrefix: 'query: ', seed: 11 });
  });
  afterAll(() => tmp.cleanup());

  it('matches the reference computation with mean pooling, padded batches and truncation', async () => {
    const e = await onnxEmbedder(meanDir, { batchSize: 3 });
    const tok = await loadModelTokenizer(path.join(meanDir, 'tokenizer.json'));
    const got = await e.embed(SENTENCES, { kind: 'passage' });
    SENTENCES.forEach((s, i) => {
      const ids = tok.encode(s, 24).ids;
      expect(ids.length).toBeLessThanOrEqual(24);
      const want = reference(mean, ids, 'mean');
      for (let j = 0; j < e.dims; j++) expect(got[i * e.dims + j]).toBeCloseTo(want[j], 4);
    });
    expect(e.truncated()).toBe(1); // only the long sentence exceeds 24 tokens
    await e.close();
  });

  it('matches the reference with CLS pooling and applies the query prefix to queries only', async () => {
    const e = await onnxEmbedder(clsDir);
    const tok = await loadModelTokenizer(path.join(clsDir, 'tokenizer.json'));
    const q = await e.embed(SENTENCES, { kind: 'query' });
    const p = await e.embed(SENTENCES, { kind: 'passage' });
    SENTENCES.forEach((s, i) => {
      const wantQ = reference(cls, tok.encode(`query: ${s}`, 64).ids, 'cls');
      const wantP = reference(cls, tok.encode(s, 64).ids, 'cls');
      for (let j = 0; j < e.dims; j++) {
        expect(q[i * e.dims + j]).toBeCloseTo(wantQ[j], 4);
        expect(p[i * e.dims + j]).toBeCloseTo(wantP[j], 4);
      }
    });
  });

  it('gives each text the same vector alone as in any batch (padding is masked)', async () => {
    const e = await onnxEmbedder(meanDir, { batchSize: 8 });
    const all = await e.embed(SENTENCES, { kind: 'passage' });
    for (let i = 0; i < SENTENCES.length; i++) {
      const alone = await e.embed([SENTENCES[i]], { kind: 'passage' });
      for (let j = 0; j < e.dims; j++) expect(alone[j]).toBeCloseTo(all[i * e.dims + j], 5);
    }
  });

  it('fingerprints model bytes, tokenizer and settings', async () => {
    const a = await onnxEmbedder(meanDir);
    const settingsFile = path.join(meanDir, 'embedder.json');
    const settings = await readFile(settingsFile, 'utf8');
    await writeFile(settingsFile, settings.replace('"mean"', '"cls"'));
    const b = await onnxEmbedder(meanDir);
    await writeFile(settingsFile, settings);
    expect(b.fingerprint).not.toBe(a.fingerprint);
    expect((await onnxEmbedder(meanDir)).fingerprint).toBe(a.fingerprint);
  });

  it('tokenizer spans cover model tokens and stay inside their words', async () => {
    const tok = await loadModelTokenizer(path.join(meanDir, 'tokenizer.json'));
    const text = 'The   Zyxwvut state,\nof  the union.';
    const { starts, ends } = tok.spans(text);
    expect(starts.length).toBe(text.split(/\s+/).reduce((n, w) => n + tok.count(w), 0));
    for (let i = 0; i < starts.length; i++) expect(text.slice(starts[i], ends[i])).not.toMatch(/\s/);
  });

  it.skipIf(existsSync(CUDA_PROVIDER))('--device cuda without the CUDA provider is a clear error, not a silent CPU run', async () => {
    const err = await onnxEmbedder(meanDir, { device: 'cuda' }).catch((e) => e);
    expect(err.message).toMatch(/the CUDA execution provider could not start/);
    expect(err.hint).toMatch(/ONNXRUNTIME_NODE_INSTALL=cuda12/);
  });

  it('refuses a folder without a model, tokenizer or settings with a message naming the file', async () => {
    const broken = path.join(tmp.dir, 'broken');
    await writeTestEncoder(broken);
    await rm(path.join(broken, 'embedder.json'));
    await expect(onnxEmbedder(broken)).rejects.toThrow(/embedder\.json/);
    await writeFile(path.join(broken, 'embedder.json'), '{"pooling": "max", "max_tokens": 16, "dims": 32}');
    await expect(onnxEmbedder(broken)).rejects.toThrow(/embedder\.json: pooling/);
    await writeFile(path.join(broken, 'embedder.json'), '{"pooling": "mean", "max_tokens": 16, "dims": 31}');
    await expect((await onnxEmbedder(broken)).embed(['x'], { kind: 'query' })).rejects.toThrow(/outputs 32-dim vectors/);
    await rm(path.join(broken, 'model.onnx'));
    await expect(onnxEmbedder(broken)).rejects.toThrow(/has no model\.onnx/);
    await expect(onnxEmbedder(path.join(tmp.dir, 'nope'))).rejects.toThrow(/not found/);
  });
});
