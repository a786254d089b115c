/**
 * The input shapes annotate reads, through the CLI: several choices (the first, or all with choice_index and each
 * choice's logprobs), a failed Batch API request, a Responses API object, a line that is not JSON; --skip-bad-rows;
 * compare pairing such rows by key and choice. (Every shape is read in test/unit/model-output.test.ts.)
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildStagedIndex, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/corpus.js';

let dir: string;
let cleanup: () => Promise<void>;
let indexDir: string;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  ({ indexDir } = await buildStagedIndex(dir));
}, 180_000);
afterAll(() => cleanup());

describe('input shapes through annotate', () => {
  it('annotates every choice with --choices all (logprobs read from that choice), skips and lists bad rows', async () => {
    const lp = (text: string, v: number) => ({ content: (text.match(/\S+\s*/g) ?? []).map((token) => ({ token, logprob: v })) });
    const [a, b] = ['Our farmers need new markets.', 'The courts must remain independent.'];
    const rows = [
      {
        id: 'q1',
        choices: [
          { index: 0, message: { content: a }, logprobs: lp(a, -1) },
          { index: 1, message: { content: b }, logprobs: lp(b, -3) },
        ],
      },
      { id: 'q2', response: null, error: { message: 'Too many requests' } },
      { id: 'q3', object: 'response', output: [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: b }] }] },
      'not json',
    ];
    const input = rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n';
    const stopped = await runCli(['annotate', '--corpus-index', indexDir], { input });
    expect(stopped.code).toBe(2);
    expect(stopped.stderr).toMatch(/<stdin>:2: the batch request failed \(Too many requests\)[\s\S]*hint: .*--skip-bad-rows/);
    const badFile = path.join(dir, 'bad.jsonl');
    const first = await runCli(['annotate', '--corpus-index', indexDir, '--skip-bad-rows', badFile], { input });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/1 row\(s\) have several choices; only the first of each was annotated/);
    expect(first.stderr).toMatch(/2 bad row\(s\) of <stdin> skipped/);
    expect(first.stdout.trim().split('\n')).toHaveLength(2);
    const bad = (await readFile(badFile, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { line: number; reason: string; raw: string });
    expect(bad.map((x) => x.line)).toEqual([2, 4]);
    expect(bad[1]).toMatchObject({ raw: 'not json', reason: expect.stringMatching(/not valid JSON/) });
    const all = await runCli(['annotate', '--corpus-index', indexDir, '--skip-bad-rows', badFile, '--choices', 'all'], { input });
    const out = all.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; choice_index: number; sentences: Array<{ text: string; avg_logprob: number | null }> });
    expect(out.map((r) => [r.id, r.choice_index, r.sentences[0].text, r.sentences[0].avg_logprob])).toEqual([
      ['q1', 0, a, -1],
      ['q1', 1, b, -3],
      ['q3', 0, b, null],
    ]);
    // compare pairs such rows by key and choice.
    const file = path.join(dir, 'choices.jsonl');
    await writeFile(file, all.stdout);
    const c = await runCli(['compare', '--base', file, '--head', file, '--key', 'id', '--json']);
    expect(c.code, c.stderr).toBe(0);
    expect((JSON.parse(c.stdout) as { pairing: { pairs: Array<{ key: string }> } }).pairing.pairs.map((p) => p.key)).toEqual(['q1#0', 'q1#1', 'q3#0']);
  });
});
