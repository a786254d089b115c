/**
 * Bad input through the CLI: each case exits non-zero with one clear line naming the file (and line) and a hint,
 * prints no stack trace, and leaves nothing half-written.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir, textOfYear } from '../helpers/corpus.js';

let dir: string;
let cleanup: () => Promise<void>;
let indexDir: string;

function expectCleanFailure(r: { code: number | null; stderr: string }, pattern: RegExp) {
  expect(r.code).not.toBe(0);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).toMatch(/hint: /);
  expect(r.stderr).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/); // no stack trace
}

const index = (corpus: string, out: string, extra: string[] = []) =>
  runCli(['index', '--corpus', corpus, '--output', out, '--store', path.join(dir, 'store'), '--yes', ...extra]);

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  const corpus = path.join(dir, 'good.jsonl');
  await writeFile(corpus, [1862, 1941].map((y) => JSON.stringify({ text: textOfYear(y) })).join('\n') + '\n');
  indexDir = path.join(dir, 'index');
  const r = await index(corpus, indexDir);
  expect(r.code, r.stderr).toBe(0);
});
afterAll(() => cleanup());

describe('index: bad corpora', () => {
  it('missing corpus path', async () => {
    const r = await index(path.join(dir, 'nope.jsonl'), path.join(dir, 'out-missing'));
    expectCleanFailure(r, /error: corpus path does not exist: .*nope\.jsonl/);
  });

  it('empty corpus (file with no text, folder with no files)', async () => {
    const empty = path.join(dir, 'empty.jsonl');
    await writeFile(empty, '\n\n');
    expectCleanFailure(await index(empty, path.join(dir, 'out-empty')), /has no text/);
    const emptyDir = path.join(dir, 'empty-dir');
    await mkdir(emptyDir, { recursive: true });
    expectCleanFailure(await index(emptyDir, path.join(dir, 'out-empty2')), /no \.jsonl\/\.ndjson\/\.json files/);
  });

  it('a JSONL line that is not JSON names the line', async () => {
    const bad = path.join(dir, 'bad.jsonl');
    await writeFile(bad, '{"text":"fine"}\n{"text": oops}\n');
    const r = await index(bad, path.join(dir, 'out-bad'));
    expectCleanFailure(r, /bad\.jsonl:2: not valid JSON/);
  });

  it('a missing text field names the line and suggests --text-field', async () => {
    const bad = path.join(dir, 'nofield.jsonl');
    await writeFile(bad, '{"text":"fine"}\n{"body":"elsewhere"}\n');
    const r = await index(bad, path.join(dir, 'out-nofield'));
    expectCleanFailure(r, /nofield\.jsonl:2: line has no "text" field/);
    expect(r.stderr).toContain('--text-field');
    await expect(readdir(path.join(dir, 'out-nofield'))).rejects.toThrow(); // nothing written
  });

  it('without a TTY and without --yes it refuses and says to pass --yes', async () => {
    const r = await runCli(['index', '--corpus', path.join(dir, 'good.jsonl'), '--output', path.join(dir, 'out-noyes'), '--store', path.join(dir, 'store')]);
    expectCleanFailure(r, /stdin is not a terminal/);
    expect(r.stderr).toContain('--yes');
  });

  it('refuses to overwrite a non-empty folder that is not an index', async () => {
    const busy = path.join(dir, 'busy');
    await mkdir(busy, { recursive: true });
    await writeFile(path.join(busy, 'thesis.tex'), 'precious');
    expectCleanFailure(await index(path.join(dir, 'good.jsonl'), busy), /not a corpus index/);
    expect(await readFile(path.join(busy, 'thesis.tex'), 'utf8')).toBe('precious');
  });

  it('replaces non-UTF-8 bytes, counts them in a warning, and still builds', async () => {
    const latin1 = path.join(dir, 'latin1.jsonl');
    const good = Buffer.from(JSON.stringify({ text: textOfYear(1862) }) + '\n');
    const bad = Buffer.concat([Buffer.from('{"text":"caf'), Buffer.from([0xe9]), Buffer.from(' au lait and the tariff question"}\n')]);
    await writeFile(latin1, Buffer.concat([good, bad]));
    const r = await index(latin1, path.join(dir, 'out-latin1'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: 1 corpus line\(s\) had bytes that are not UTF-8/);
  });

  it('indexes a 10 MB document on one line', async () => {
    const big = path.join(dir, 'big.jsonl');
    const base = textOfYear(1862) + ' ' + textOfYear(1941) + ' ';
    await writeFile(big, JSON.stringify({ text: base.repeat(Math.ceil(10_500_000 / base.length)) }) + '\n');
    const r = await index(big, path.join(dir, 'out-big'));
    expect(r.code, r.stderr).toBe(0);
    const manifest = JSON.parse(await readFile(path.join(dir, 'out-big', 'manifest.json'), 'utf8'));
    expect(manifest.counts.documents).toBe(1);
    expect(manifest.counts.chunks).toBeGreaterThan(5000);
  });
});

describe('annotate and show: bad input', () => {
  it('an input row with no text field names the line', async () => {
    const r = await runCli(['annotate', '--corpus-index', indexDir], { input: '{"output":"ok"}\n{"prompt":"only a prompt"}\n' });
    expectCleanFailure(r, /<stdin>:2: row has no text to annotate/);
  });

  it('an input line that is not JSON names the line', async () => {
    const input = path.join(dir, 'broken.jsonl');
    await writeFile(input, '{"output":"ok"}\n\n{broken\n');
    const out = path.join(dir, 'never.jsonl');
    const r = await runCli(['annotate', '--corpus-index', indexDir, '--input', input, '--output', out]);
    expectCleanFailure(r, /broken\.jsonl:3: not valid JSON/);
    await expect(readFile(out)).rejects.toThrow();
  });

  it('--corpus-index that is not an index', async () => {
    expectCleanFailure(await runCli(['annotate', '--corpus-index', dir], { input: '{"output":"x"}\n' }), /is not a corpus index: no manifest\.json/);
    expectCleanFailure(await runCli(['annotate', '--corpus-index', path.join(dir, 'absent')], { input: '' }), /corpus index not found/);
  });

  it('--corpus-index with another format version', async () => {
    const other = path.join(dir, 'v99');
    await mkdir(other, { recursive: true });
    const manifest = JSON.parse(await readFile(path.join(indexDir, 'manifest.json'), 'utf8'));
    await writeFile(path.join(other, 'manifest.json'), JSON.stringify({ ...manifest, format_version: 99 }));
    const r = await runCli(['annotate', '--corpus-index', other], { input: '{"output":"x"}\n' });
    expectCleanFailure(r, /format version 99, this corpus-proximity reads version 5/);
  });

  it('an index whose files were truncated is refused', async () => {
    const copy = path.join(dir, 'truncated');
    await mkdir(copy, { recursive: true });
    for (const f of await readdir(indexDir)) {
      if (f === 'embedder') continue;
      const buf = await readFile(path.join(indexDir, f));
      await writeFile(path.join(copy, f), f === 'embeddings.npy' ? buf.subarray(0, 100) : buf);
    }
    const r = await runCli(['annotate', '--corpus-index', copy], { input: '{"output":"x"}\n' });
    expectCleanFailure(r, /(is not a corpus index|failed its integrity check): .*(missing|truncated)/);
  });

  it('show --index out of range', async () => {
    const file = path.join(dir, 'a.jsonl');
    const r = await runCli(['annotate', '--corpus-index', indexDir, '--output', file], { input: '{"output":"One."}\n{"output":"Two."}\n' });
    expect(r.code, r.stderr).toBe(0);
    const s = await runCli(['show', '--annotated-file', file, '--index', '5']);
    expectCleanFailure(s, /--index 5 is out of range: .*a\.jsonl has 2 row\(s\)/);
    expect(s.stderr).toContain('use a row from 0 to 1');
  });

  it('invalid option values are explained', async () => {
    expectCleanFailure(await runCli(['annotate', '--corpus-index', indexDir, '--k', 'many']), /invalid --k/);
  });
});
