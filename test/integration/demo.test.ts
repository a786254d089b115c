/** The README's quick-start command: `corpus-proximity demo` on the bundled corpus, as a child process. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/corpus.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await tempDir()));
afterAll(() => cleanup());

describe('demo', () => {
  it('builds the SOTU index, annotates the samples and shows them; a rerun reuses every stage', async () => {
    const out = path.join(dir, 'demo');
    const r = await runCli(['demo', '--output', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.match(/📍 Sentences:/g)).toHaveLength(5);
    const rows = (await readFile(path.join(out, 'annotated.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const top = (i: number) => rows[i].annotations.filter((a: { rank: number }) => a.rank === 1);
    // Output 0 quotes Lincoln (1862, pretrain) verbatim, output 2 the 2002 address (sft).
    expect(top(0).every((a: { verbatim: boolean; corpus_stage: string }) => a.verbatim && a.corpus_stage === 'pretrain')).toBe(true);
    expect(top(2)[0]).toMatchObject({ verbatim: true, corpus_stage: 'sft' });
    // Output 0 is a book quote; output 3 (machine learning, biology) is novel, without a stage or cluster.
    expect(r.stdout.split('━━━ output 1 ━━━')[0]).toMatch(/■ "Fellow-citizens, we can not escape history\."/);
    expect(r.stdout.split('━━━ output 3 ━━━')[1].split('━━━ output 4 ━━━')[0]).toContain('2 sentences: novel 2');
    expect(rows[3].sentences).toMatchObject([
      { verdict: 'novel', stage: null, cluster_id: null },
      { verdict: 'novel', stage: null, cluster_id: null },
    ]);
    // It ends with a report and "Try:" lines that work as printed.
    const report = path.join(out, 'report.html');
    expect(r.stderr).toContain(`Report: ${report}`);
    expect(await readFile(report, 'utf8')).toMatch(/<svg id="chart-stages"/);
    const tries = [...r.stderr.matchAll(/(?:Try:|^ {5})\s*corpus-proximity (.+)$/gm)].map((m) => m[1].split(' '));
    expect(tries).toHaveLength(2);
    for (const t of tries) expect((await runCli(t)).code, t.join(' ')).toBe(0);
    const again = await runCli(['demo', '--output', out, '--quiet']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toBe('');
  });
});
