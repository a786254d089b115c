/**
 * The ONNX embedder and the HNSW search graph end to end through the CLI: a generated tiny encoder indexes the
 * staged corpus (model-token chunks, float16 vectors, HNSW forced on), annotate finds verbatim sentences through the
 * memory-mapped graph, and an index refuses a missing or different model with a message naming the one it needs.
 */
import { cp, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModelTokenizer } from '../../pipeline/embedders/onnx-tokenizer.js';
import { splitSentences } from '../../pipeline/text/segment.js';
import { runCli } from '../helpers/cli.js';
import { tempDir, writeStagedCorpus } from '../helpers/corpus.js';
import { writeTestEncoder } from '../helpers/onnx.js';

let tmp: Awaited<ReturnType<typeof tempDir>>;
let model: string;
let annIndex: string;
let exactIndexDir: string;
let build: { stderr: string };

beforeAll(async () => {
  tmp = await tempDir();
  const corpus = await writeStagedCorpus(tmp.dir);
  model = path.join(tmp.dir, 'tiny-encoder');
  await writeTestEncoder(model, { maxTokens: 128 });
  annIndex = path.join(tmp.dir, 'ann-index');
  exactIndexDir = path.join(tmp.dir, 'exact-index');
  const common = ['index', '--corpus', corpus, '--store', path.join(tmp.dir, 'store'), '--embedder', `onnx:${model}`, '--chunk-tokens', '120', '--yes'];
  const r = await runCli([...common, '--output', annIndex, '--ann', 'always', '--dtype', 'float16']);
  expect(r.code, r.stderr).toBe(0);
  build = r;
  const e = await runCli([...common, '--output', exactIndexDir, '--ann', 'never']);
  expect(e.code, e.stderr).toBe(0);
  expect(e.stderr).toMatch(/prepare: reused/); // same chunks and vectors: only ann and what follows re-ran
});
afterAll(() => tmp.cleanup());

const manifestOf = async (dir: string) => JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8'));

async function annotate(dir: string, texts: string[], extra: string[] = []) {
  const r = await runCli(['annotate', '--corpus-index', dir, '--k', '3', ...extra], {
    input: texts.map((t) => JSON.stringify({ output: t })).join('\n') + '\n',
  });
  return {
    ...r,
    rows:
      r.code === 0
        ? r.stdout
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l))
        : [],
  };
}

/** Chunk texts and metadata rows of an index folder, in idx order. */
async function indexRows(dir: string) {
  const lines = async (name: string) => (await readFile(path.join(dir, name), 'utf8')).trim().split('\n');
  return { chunks: (await lines('chunks.jsonl')).map((l) => JSON.parse(l).text as string), meta: (await lines('metadata.jsonl')).map((l) => JSON.parse(l)) };
}

describe('index with --embedder onnx:DIR', () => {
  it('records the embedder, float16 vectors and the HNSW graph with its measured recall', async () => {
    const m = await manifestOf(annIndex);
    expect(m.format_version).toBe(5);
    expect(m.embedder).toMatchObject({ id: 'onnx:tiny-encoder', dims: 32 });
    expect(m.embedder.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(m.vectors.dtype).toBe('float16');
    expect(m.ann).toMatchObject({ file: 'vectors.usearch', kind: 'usearch-hnsw', metric: 'ip', dims: 32, quantization: 'f16', connectivity: 16 });
    expect(m.ann.recall_at_10).toBeGreaterThanOrEqual(0.9);
    expect(m.files['vectors.usearch']).toBeDefined();
    const stats = JSON.parse(await readFile(path.join(annIndex, 'stats.json'), 'utf8'));
    expect(stats.search.ann.recall_at_10).toBe(m.ann.recall_at_10);
    expect(build.stderr).toMatch(/recall@10/);
    expect((await manifestOf(exactIndexDir)).ann).toBeNull();
  });

  it("cuts chunks in the model's own tokens", async () => {
    const tok = await loadModelTokenizer(path.join(model, 'tokenizer.json'));
    const { chunks, meta } = await indexRows(annIndex);
    expect(Math.max(...meta.map((x) => x.tokens))).toBe(120);
    // Counted per word, the model's tokens of each chunk stay within a few of the recorded count.
    for (const i of [0, 7, Math.floor(chunks.length / 2)]) expect(Math.abs(tok.count(chunks[i]) - meta[i].tokens)).toBeLessThanOrEqual(3);
  });

  it('annotates verbatim corpus sentences to a chunk holding them, through the graph and exactly', async () => {
    // A complete sentence from inside one chunk of each stage (chunks are short here, so sentences often straddle two).
    const { chunks, meta } = await indexRows(annIndex);
    const stages = ['pretrain', 'midtrain', 'sft'];
    const picks = stages.map((stage) => {
      const idx = meta.filter((x) => x.corpus_stage === stage).map((x) => x.idx as number)[10];
      return {
        stage,
        s: splitSentences(chunks[idx])
          .map((x) => x.text)
          .slice(1, -1)
          .find((t) => t.split(' ').length > 8)!,
      };
    });
    for (const dir of [annIndex, exactIndexDir]) {
      const r = await annotate(
        dir,
        picks.map((p) => p.s),
      );
      expect(r.code, r.stderr).toBe(0);
      r.rows.forEach((row: { annotations: Array<{ rank: number; verbatim: boolean; corpus_stage: string; distance: number }> }, i: number) => {
        const top = row.annotations.find((a) => a.rank === 1)!;
        expect(top.verbatim).toBe(true);
        expect(top.corpus_stage).toBe(picks[i].stage);
      });
      expect(r.rows[0].annotation_metadata.embedder).toBe('onnx:tiny-encoder');
    }
  });

  it('refuses a moved model with a message naming the embedder it needs, and accepts --embedder onnx:COPY', async () => {
    const moved = path.join(tmp.dir, 'moved-encoder');
    await cp(model, path.join(tmp.dir, 'copy'), { recursive: true });
    await rename(model, moved);
    try {
      const r = await annotate(annIndex, ['The state of the Union.']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/this index needs embedder onnx:tiny-encoder \(fingerprint [0-9a-f]{12}…/);
      expect(r.stderr).toMatch(/--embedder onnx:DIR/);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
      const ok = await annotate(annIndex, ['The state of the Union.'], ['--embedder', `onnx:${path.join(tmp.dir, 'copy')}`]);
      expect(ok.code, ok.stderr).toBe(0);
    } finally {
      await rename(moved, model);
    }
  });

  it('refuses a different model in the same place', async () => {
    const other = path.join(tmp.dir, 'other');
    await writeTestEncoder(other, { maxTokens: 128, seed: 99 });
    const r = await annotate(annIndex, ['The state of the Union.'], ['--embedder', `onnx:${other}`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/holds a different model/);
  });

  it('refuses lexical-only flags with an ONNX embedder', async () => {
    const r = await runCli(['index', '--corpus', tmp.dir, '--output', path.join(tmp.dir, 'x'), '--embedder', `onnx:${model}`, '--dims', '64', '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--dims applies to the lexical embedder only/);
  });
});
