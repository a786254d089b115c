/** Plain-text corpora (`index --format text`: one document per .txt/.md file) and READMEs, through the CLI. */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir, textOfYear } from '../helpers/corpus.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await tempDir()));
afterAll(() => cleanup());

async function put(file: string, text: string) {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
}

const build = (corpus: string, out: string, extra: string[] = []) =>
  runCli(['index', '--corpus', corpus, '--output', out, '--store', path.join(dir, 'store'), '--yes', ...extra]);

describe('text corpus', () => {
  it('reads each .txt/.md file as one document, stage from its folder; a root README and other formats are listed as not read', async () => {
    const corpus = path.join(dir, 'texts');
    await put(path.join(corpus, 'README.md'), 'This corpus holds State of the Union addresses. Licence: public domain.');
    await put(path.join(corpus, 'pretrain', '1862.txt'), textOfYear(1862));
    await put(path.join(corpus, 'pretrain', '1887.md'), `# 1887\n\n${textOfYear(1887)}`);
    await put(path.join(corpus, 'sft', '2010.txt'), textOfYear(2010));
    await put(path.join(corpus, 'sft', 'notes', 'README.md'), textOfYear(2002)); // below the root: a document like any other
    await put(path.join(corpus, 'sft', 'extra.jsonl'), `${JSON.stringify({ text: 'x' })}\n`);
    const out = path.join(dir, 'text-index');
    const r = await build(corpus, out, ['--format', 'text']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/README\.md/);
    expect(r.stderr).toMatch(/a README \(documentation of the corpus, not training data\)/);
    expect(r.stderr).toMatch(/JSONL file \(pass --format jsonl to read it\) \(sft\/extra\.jsonl\)/);
    const manifest = JSON.parse(await readFile(path.join(out, 'manifest.json'), 'utf8')) as {
      counts: { documents: number; per_stage: Record<string, unknown> };
    };
    expect(manifest.counts.documents).toBe(4);
    // A sentence of 1887's address comes back verbatim, from its file, with its stage.
    const sentence = textOfYear(1887)
      .split(/(?<=\.)\s+/)
      .find((s) => s.split(' ').length > 12)!;
    const a = await runCli(['annotate', '--corpus-index', out], { input: `${JSON.stringify({ output: sentence })}\n` });
    expect(a.code, a.stderr).toBe(0);
    const row = JSON.parse(a.stdout) as { sentences: Array<{ verdict: string; stage: string; doc_id: string; source: string }> };
    expect(row.sentences[0]).toMatchObject({ verdict: 'book', stage: 'pretrain', doc_id: 'pretrain/1887.md', source: 'pretrain/1887.md' });
  });

  it('never reads a README in a JSONL corpus folder, and says so', async () => {
    const corpus = path.join(dir, 'jsonl');
    await put(path.join(corpus, 'README.md'), '# About this data');
    await put(path.join(corpus, 'docs', 'readme.json'), '{"text": "not training data"}\n');
    await put(path.join(corpus, 'pretrain', 'a.jsonl'), `${JSON.stringify({ text: textOfYear(1862) })}\n`);
    const out = path.join(dir, 'jsonl-index');
    const r = await build(corpus, out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/2 a README \(documentation of the corpus, not training data\) \(README\.md, docs\/readme\.json\)/);
    const manifest = JSON.parse(await readFile(path.join(out, 'manifest.json'), 'utf8')) as { counts: { documents: number } };
    expect(manifest.counts.documents).toBe(1);
  });
});
