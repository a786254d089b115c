/** Streaming annotate through the CLI: rows go out batch by batch, in input order, whatever the batch size. */
import { spawn } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, buildStagedIndex, ROOT, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/corpus.js';

let dir: string;
let cleanup: () => Promise<void>;
let indexDir: string;
let input: string;
const OUTPUTS = [
  'The Congress must act on the budget this year.',
  'We will cut taxes for working families.',
  'The navy needs new ships and the army needs men.',
  'Quantenrechner brechen heutige Verschlüsselung.',
  'Our treaties with foreign nations remain in force.',
  'Fellow-citizens, we can not escape history.',
  'Schools and teachers deserve our support.',
];
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  ({ indexDir } = await buildStagedIndex(dir));
  input = path.join(dir, 'outputs.jsonl');
  await writeFile(input, OUTPUTS.map((output, id) => JSON.stringify({ id, output })).join('\n') + '\n');
}, 180_000);
afterAll(() => cleanup());

const withoutTimes = (text: string) =>
  text
    .trim()
    .split('\n')
    .map((l) => {
      const row = JSON.parse(l) as { annotation_metadata: Record<string, unknown> };
      delete row.annotation_metadata.timestamp;
      return row;
    });

describe('streaming annotate', () => {
  it('gives the same rows, in input order, one row at a time as all at once', async () => {
    const outs = [];
    for (const b of ['1', '3', '256']) {
      const out = path.join(dir, `b${b}.jsonl`);
      const r = await runCli(['annotate', '--corpus-index', indexDir, '--input', input, '--output', out, '--batch-rows', b]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(`annotated ${OUTPUTS.length} row(s)`);
      outs.push(withoutTimes(await readFile(out, 'utf8')));
    }
    expect(outs[0].map((r) => (r as unknown as { id: number }).id)).toEqual(OUTPUTS.map((_, i) => i));
    expect(outs[1]).toEqual(outs[0]);
    expect(outs[2]).toEqual(outs[0]);
  });

  it('writes a row to stdout before the rest of the input has arrived', async () => {
    const child = spawn(process.execPath, [BIN, 'annotate', '--corpus-index', indexDir, '--batch-rows', '1', '-q'], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    const firstRow = new Promise<void>((resolve) =>
      child.stdout.on('data', (d) => {
        stdout += d;
        if (stdout.includes('\n')) resolve();
      }),
    );
    child.stdin.write(`${JSON.stringify({ id: 0, output: OUTPUTS[0] })}\n`);
    await firstRow; // stdin is still open: the first row went out on its own
    expect(JSON.parse(stdout.split('\n')[0])).toMatchObject({ id: 0 });
    child.stdin.end(`${JSON.stringify({ id: 1, output: OUTPUTS[1] })}\n`);
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(stdout.trim().split('\n')).toHaveLength(2);
  }, 60_000);

  it('a bad row after good ones: no output file and no temp file are left, and the line is named', async () => {
    const bad = path.join(dir, 'bad.jsonl');
    await writeFile(bad, [JSON.stringify({ output: OUTPUTS[0] }), JSON.stringify({ output: OUTPUTS[1] }), '{not json', ''].join('\n'));
    const out = path.join(dir, 'out', 'annotated.jsonl');
    const r = await runCli(['annotate', '--corpus-index', indexDir, '--input', bad, '--output', out, '--batch-rows', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.jsonl:3/);
    expect(await readdir(path.dirname(out)).catch(() => [])).toEqual([]);
  });
});
