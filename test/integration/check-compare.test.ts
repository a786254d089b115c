/**
 * check, compare and show's row options through the CLI, on two runs whose difference is known: the head run copies
 * a passage of an indexed address into three of its six rows, the base run paraphrases. (The input shapes annotate
 * reads are in input-shapes.test.ts.)
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildStagedIndex, runCli } from '../helpers/cli.js';
import { tempDir, textOfYear } from '../helpers/corpus.js';

let dir: string;
let cleanup: () => Promise<void>;
let indexDir: string;
let baseFile: string;
let headFile: string;

interface Row {
  id: string;
  sentences: Array<{ verdict: string; stage: string | null; distance: number }>;
  book_spans: Array<{ words: number; text: string }>;
  summary: { words: number };
}

const PROMPTS = ['p0', 'p1', 'p2', 'p3', 'p4', 'p5'];
const OWN = [
  'Our farmers need new markets for their crops and fair prices at home.',
  'The army and the navy must be ready to defend the nation at any hour.',
  'We will build roads and bridges so that commerce can reach every state.',
  'Gradient descent follows the negative gradient of the loss function.',
  'Taxes should be simple, and every family should keep more of what it earns.',
  'The courts must remain independent of the other branches of government.',
];

/** A run of 30 words from the middle of an indexed address. */
function copiedPassage(year: number): string {
  const words = textOfYear(year).split(/\s+/);
  const from = Math.floor(words.length / 2);
  return words.slice(from, from + 30).join(' ');
}

const readRows = async (file: string) =>
  (await readFile(file, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Row);

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  ({ indexDir } = await buildStagedIndex(dir));
  const base = PROMPTS.map((id, i) => ({ id, output: OWN[i] }));
  const head = PROMPTS.map((id, i) => ({ id, output: i < 3 ? `${OWN[i]} ${copiedPassage([1862, 1941, 2010][i])}` : OWN[i] }));
  for (const [name, rows] of [
    ['base', base],
    ['head', head],
  ] as const) {
    await writeFile(path.join(dir, `${name}.outputs.jsonl`), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const out = path.join(dir, `${name}.annotated.jsonl`);
    const r = await runCli(['annotate', '--corpus-index', indexDir, '--input', path.join(dir, `${name}.outputs.jsonl`), '--output', out, '-q']);
    expect(r.code, r.stderr).toBe(0);
  }
  baseFile = path.join(dir, 'base.annotated.jsonl');
  headFile = path.join(dir, 'head.annotated.jsonl');
}, 180_000);
afterAll(() => cleanup());

describe('check', () => {
  it('computes the file metrics from the rows (json), and they add up', async () => {
    const r = await runCli(['check', '--annotated-file', headFile, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { metrics: Record<string, number>; rows: number; ok: boolean };
    const rows = await readRows(headFile);
    const words = rows.reduce((t, x) => t + x.summary.words, 0);
    const bookWords = rows.reduce((t, x) => t + x.book_spans.reduce((s, b) => s + b.words, 0), 0);
    const sentences = rows.flatMap((x) => x.sentences);
    expect(out.rows).toBe(6);
    expect(out.metrics.book_fraction).toBeCloseTo(bookWords / words, 9);
    expect(out.metrics.book_fraction).toBeGreaterThan(0.3);
    expect(out.metrics.rows_with_book_spans).toBeCloseTo(rows.filter((x) => x.book_spans.length).length / 6, 9);
    expect(out.metrics.novel_fraction).toBeCloseTo(sentences.filter((s) => s.verdict === 'novel').length / sentences.length, 9);
    expect(out.metrics.mean_distance).toBeCloseTo(sentences.reduce((t, s) => t + s.distance, 0) / sentences.length, 9);
    // Every sentence is either novel or has a stage: the stage shares and the novel share make 1.
    const stageShares = Object.entries(out.metrics).filter(([k]) => k.startsWith('stage:'));
    expect(stageShares.length).toBeGreaterThan(0);
    expect(stageShares.reduce((t, [, v]) => t + v, 0) + out.metrics.novel_fraction).toBeCloseTo(1, 9);
  });

  it('exits 0 when every bound holds and 1 when one fails, naming value and bound; appends Markdown', async () => {
    const md = path.join(dir, 'summary.md');
    const ok = await runCli(['check', '--annotated-file', headFile, '--max', 'book_fraction=0.99', '--min', 'rows=6', '--summary-md', md]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/all 2 bound\(s\) hold/);
    const bad = await runCli(['check', '--annotated-file', headFile, '--max', 'book_fraction=0.01', '--max', 'novel_fraction=1', '--summary-md', md]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/1 of 2 bound\(s\) failed:\n\s+book_fraction = 0\.\d+ > max 0\.01/);
    const quiet = await runCli(['check', '--annotated-file', headFile, '--max', 'book_fraction=0.01', '-q']);
    expect(quiet.code).toBe(1);
    expect(quiet.stdout).toBe('');
    expect(quiet.stderr).toMatch(/^check failed: book_fraction = 0\.\d+ > max 0\.01$/m);
    const summary = await readFile(md, 'utf8');
    expect(summary.match(/^### corpus-proximity check/gm)).toHaveLength(2);
    expect(summary).toMatch(/\| `book_fraction` \| 0\.\d+ \| ≤ 0\.01 \| ❌ fail \|/);
    expect(summary).toMatch(/All 2 bound\(s\) hold\./);
  });

  it('reads stdin, and refuses bad bounds and files from before the per-sentence fields (exit 2)', async () => {
    const piped = await runCli(['check', '--annotated-file', '-', '--max', 'book_fraction=0.01'], { input: await readFile(headFile) });
    expect(piped.code).toBe(1);
    const unknown = await runCli(['check', '--annotated-file', headFile, '--max', 'bogus=1']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown metric "bogus"[\s\S]*hint: .*book_fraction/);
    const noValue = await runCli(['check', '--annotated-file', headFile, '--min', 'rows']);
    expect(noValue.code).toBe(2);
    const old = path.join(dir, 'old.jsonl');
    const legacy = (await readFile(headFile, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => {
        const row = JSON.parse(l) as Record<string, unknown>;
        for (const f of ['sentences', 'book_spans', 'summary']) delete row[f];
        return JSON.stringify(row);
      });
    await writeFile(old, legacy.join('\n') + '\n');
    const r = await runCli(['check', '--annotated-file', old]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/old\.jsonl:1: row was annotated before per-sentence verdicts existed/);
    expect(r.stderr).toMatch(/hint: annotate the outputs again/);
  });

  it('annotate takes the same bounds: the output is written and the exit code is 1', async () => {
    const out = path.join(dir, 'gated.jsonl');
    const r = await runCli([
      'annotate',
      '--corpus-index',
      indexDir,
      '--input',
      path.join(dir, 'head.outputs.jsonl'),
      '--output',
      out,
      '--max',
      'book_fraction=0.01',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/book_fraction = 0\.\d+ > max 0\.01/);
    expect(await readRows(out)).toHaveLength(6);
    const bad = await runCli(['annotate', '--corpus-index', indexDir, '--input', path.join(dir, 'head.outputs.jsonl'), '--output', out, '--max', 'x=1']);
    expect(bad.code).toBe(2);
  });
});

describe('compare', () => {
  interface Delta {
    metric: string;
    base: number;
    head: number;
    delta: number;
    ci: [number, number] | null;
  }
  interface Out {
    metrics: Delta[];
    appeared: Array<{ key: string; spans: string[] }>;
    disappeared: unknown[];
    pairing: { by: string; pairs: unknown[] };
    ok: boolean;
  }
  const metric = (o: Out, name: string) => o.metrics.find((m) => m.metric === name)!;

  it('finds the known difference: book spans appeared in the three copied rows, book_fraction up', async () => {
    const r = await runCli(['compare', '--base', baseFile, '--head', headFile, '--json', '--resamples', '500']);
    expect(r.code, r.stderr).toBe(0);
    const o = JSON.parse(r.stdout) as Out;
    expect(o.pairing.by).toBe('order');
    expect(o.appeared.map((a) => a.key).sort()).toEqual(['0', '1', '2']);
    expect(o.disappeared).toEqual([]);
    const check = async (file: string) =>
      (JSON.parse((await runCli(['check', '--annotated-file', file, '--json'])).stdout) as { metrics: Record<string, number> }).metrics;
    const [b, h] = [await check(baseFile), await check(headFile)];
    const bf = metric(o, 'book_fraction');
    expect(bf.base).toBeCloseTo(b.book_fraction, 9);
    expect(bf.head).toBeCloseTo(h.book_fraction, 9);
    expect(bf.delta).toBeCloseTo(h.book_fraction - b.book_fraction, 9);
    expect(bf.delta).toBeGreaterThan(0.3);
    expect(bf.ci![0]).toBeGreaterThanOrEqual(0);
    expect(bf.ci![0]).toBeLessThanOrEqual(bf.delta);
    expect(bf.ci![1]).toBeGreaterThanOrEqual(bf.delta);
    expect(metric(o, 'rows_with_book_spans').delta).toBeCloseTo(0.5 - b.rows_with_book_spans, 9);
  });

  it('writes the comparison as a self-contained HTML page: a forest plot per metric, the rows whose spans appeared', async () => {
    const html = path.join(dir, 'cmp.html');
    const r = await runCli(['compare', '--base', baseFile, '--head', headFile, '--output', html, '--max', 'delta:book_fraction=0.01']);
    expect(r.code).toBe(1); // the bound fails, the page is still written
    const page = await readFile(html, 'utf8');
    expect(page).not.toMatch(/(src|href)=["']?https?:/i);
    const metricsTable = page.split('<table id="metrics">')[1].split('</table>')[0];
    // One plotted row per metric with an interval (every metric but rows): its point and its interval line.
    const rows = (JSON.parse((await runCli(['compare', '--base', baseFile, '--head', headFile, '--json'])).stdout) as Out).metrics.filter((m) => m.ci);
    expect(metricsTable.match(/<circle /g)).toHaveLength(rows.length);
    expect(metricsTable.match(/class="ci"/g)).toHaveLength(rows.length);
    expect(metricsTable).toContain('<code>book_fraction</code>');
    expect(page).toMatch(/Book spans appeared in 3 row\(s\)/);
    expect(page).toMatch(/Bounds: 1 of 1 failed/);
  });

  it('a run against itself moves nothing; bounds on deltas gate; --key pairs shuffled rows', async () => {
    const same = JSON.parse((await runCli(['compare', '--base', headFile, '--head', headFile, '--json'])).stdout) as Out;
    for (const m of same.metrics) {
      expect(m.delta, m.metric).toBe(0);
      if (m.ci) expect(m.ci, m.metric).toEqual([0, 0]);
    }
    const gated = await runCli(['compare', '--base', baseFile, '--head', headFile, '--max', 'delta:book_fraction=0.01']);
    expect(gated.code).toBe(1);
    expect(gated.stdout).toMatch(/delta:book_fraction = \+0\.\d+ > max 0\.01/);
    expect(gated.stdout).toMatch(/Book spans appeared: 3 row\(s\)/);
    const shuffled = path.join(dir, 'head.shuffled.jsonl');
    const lines = (await readFile(headFile, 'utf8')).trim().split('\n');
    await writeFile(shuffled, [...lines].reverse().join('\n') + '\n');
    const byKey = JSON.parse((await runCli(['compare', '--base', baseFile, '--head', shuffled, '--key', 'id', '--json'])).stdout) as Out;
    expect(byKey.pairing.by).toBe('key');
    expect(byKey.appeared.map((a) => a.key).sort()).toEqual(['p0', 'p1', 'p2']);
    expect(metric(byKey, 'book_fraction').delta).toBeCloseTo(await byOrderDelta(), 9);
    const short = path.join(dir, 'short.jsonl');
    await writeFile(short, lines.slice(0, 4).join('\n') + '\n');
    const mismatch = await runCli(['compare', '--base', baseFile, '--head', short]);
    expect(mismatch.code).toBe(2);
    expect(mismatch.stderr).toMatch(/has 6 row\(s\) and .*short\.jsonl has 4[\s\S]*hint: .*--key/);
  });

  async function byOrderDelta(): Promise<number> {
    const o = JSON.parse((await runCli(['compare', '--base', baseFile, '--head', headFile, '--json'])).stdout) as Out;
    return metric(o, 'book_fraction').delta;
  }
});

describe('show rows', () => {
  it('--row, the old --index, --all, --json and stdin', async () => {
    const row1 = await runCli(['show', '--annotated-file', headFile, '--row', '1']);
    expect(row1.code, row1.stderr).toBe(0);
    expect(row1.stdout).toContain('The army and the navy');
    const alias = await runCli(['show', '--annotated-file', headFile, '--index', '1']);
    expect(alias.stdout).toBe(row1.stdout);
    const all = await runCli(['show', '--annotated-file', headFile, '--all']);
    expect(all.stdout.match(/^━━━ row \d ━━━$/gm)).toHaveLength(6);
    const json = await runCli(['show', '--annotated-file', '-', '--row', '2', '--json'], { input: await readFile(headFile) });
    expect((JSON.parse(json.stdout) as { id: string }).id).toBe('p2');
    const out = await runCli(['show', '--annotated-file', headFile, '--row', '9']);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/--row 9 is out of range: .*has 6 row\(s\)[\s\S]*hint: use a row from 0 to 5/);
    const both = await runCli(['show', '--annotated-file', headFile, '--row', '1', '--all']);
    expect(both.code).toBe(2);
    const help = await runCli(['show', '--help']);
    expect(help.stdout).toContain('--row <n>');
    expect(help.stdout).not.toContain('--index <n>');
  });
});
