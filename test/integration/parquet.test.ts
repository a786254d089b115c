/** Parquet corpora (hyparquet) through the CLI: stage from folders, custom text column, missing column. */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir, textOfYear } from '../helpers/corpus.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await tempDir()));
afterAll(() => cleanup());

async function writeParquet(file: string, column: string, texts: string[]) {
  await mkdir(path.dirname(file), { recursive: true });
  // Several row groups, so reading really goes batch by batch.
  const buf = parquetWriteBuffer({
    columnData: [
      { name: column, data: texts, type: 'STRING' },
      { name: 'n', data: texts.map((_, i) => i), type: 'INT32' },
    ],
    rowGroupSize: 2,
  });
  await writeFile(file, Buffer.from(buf));
}

describe('parquet corpus', () => {
  it('indexes parquet shards with --format parquet --text-field, stages from folder names', async () => {
    const corpus = path.join(dir, 'corpus');
    await writeParquet(path.join(corpus, 'pretrain', 'part-0.parquet'), 'content', [textOfYear(1823), textOfYear(1862), textOfYear(1887)]);
    await writeParquet(path.join(corpus, 'sft', 'part-0.parquet'), 'content', [textOfYear(2002), textOfYear(2010)]);
    const out = path.join(dir, 'index');
    const r = await runCli([
      'index',
      '--corpus',
      corpus,
      '--format',
      'parquet',
      '--text-field',
      'content',
      '--output',
      out,
      '--store',
      path.join(dir, 'store'),
      '--yes',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const manifest = JSON.parse(await readFile(path.join(out, 'manifest.json'), 'utf8'));
    expect(manifest.counts.documents).toBe(5);
    expect(Object.keys(manifest.counts.per_stage).sort()).toEqual(['pretrain', 'sft']);
    const meta = (await readFile(path.join(out, 'metadata.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(meta[0]).toMatchObject({ idx: 0, corpus_stage: 'pretrain', source: 'pretrain/part-0.parquet', doc_id: 'pretrain/part-0.parquet#1' });
  });

  it('a missing column is a clear error naming the file and the columns it has', async () => {
    const file = path.join(dir, 'other.parquet');
    await writeParquet(file, 'body', ['some text']);
    const r = await runCli(['index', '--corpus', file, '--format', 'parquet', '--output', path.join(dir, 'o2'), '--store', path.join(dir, 'store'), '--yes']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/other\.parquet: no column "text" \(columns: body, n\)/);
    expect(r.stderr).toContain('--text-field');
  });
});
