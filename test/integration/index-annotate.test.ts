/**
 * End to end through the CLI binary: index a small multi-stage corpus, annotate, show.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { splitSentences } from '../../pipeline/text/segment.js';
import { runCli } from '../helpers/cli.js';
import { tempDir, textOfYear, writeStagedCorpus } from '../helpers/corpus.js';

let dir: string;
let cleanup: () => Promise<void>;
let indexDir: string;
let buildStderr: string;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  const corpus = await writeStagedCorpus(dir);
  indexDir = path.join(dir, 'index');
  const r = await runCli(['index', '--corpus', corpus, '--output', indexDir, '--store', path.join(dir, 'store'), '--yes']);
  buildStderr = r.stderr;
  expect(r.code, r.stderr).toBe(0);
});
afterAll(() => cleanup());

interface Ann {
  text_span: string;
  rank: number;
  distance: number;
  corpus_stage: string | null;
  nearest_chunk_idx: number;
  verbatim: boolean;
  cluster_id: string;
  cluster_name: string;
}

async function annotate(rows: unknown[], extra: string[] = []): Promise<Array<Record<string, unknown> & { annotations: Ann[] }>> {
  const r = await runCli(['annotate', '--corpus-index', indexDir, '--input', '-', '--output', '-', ...extra], {
    input: rows.map((x) => JSON.stringify(x)).join('\n') + '\n',
  });
  expect(r.code, r.stderr).toBe(0);
  return r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

async function chunkText(idx: number): Promise<string> {
  const lines = (await readFile(path.join(indexDir, 'chunks.jsonl'), 'utf8')).trim().split('\n');
  return JSON.parse(lines[idx]).text;
}

describe('index → annotate → show through the CLI', () => {
  it('writes the CorpusIndex with the seed file names and a manifest', async () => {
    const manifest = JSON.parse(await readFile(path.join(indexDir, 'manifest.json'), 'utf8'));
    expect(manifest.format_version).toBe(5);
    for (const f of [
      'embeddings.npy',
      'chunks.jsonl',
      'chunks.offsets.u64',
      'metadata.jsonl',
      'metadata.offsets.u64',
      'tree.json',
      'clusters.json',
      'chunk_clusters.u32',
      'stats.json',
      'config.json',
    ]) {
      expect(manifest.files[f], f).toBeDefined();
    }
    expect(Object.keys(manifest.counts.per_stage).sort()).toEqual(['midtrain', 'pretrain', 'sft']);
    expect(buildStderr).toContain('CORPUS REQUIREMENT WARNING');
  });

  it('finds the chunk that holds a verbatim sentence, at rank 1, with its stage', async () => {
    const cases = [
      { year: 1862, stage: 'pretrain' },
      { year: 1941, stage: 'midtrain' },
      { year: 2010, stage: 'sft' },
    ];
    for (const c of cases) {
      const sentences = splitSentences(textOfYear(c.year)).filter((s) => s.text.split(' ').length >= 8);
      const sentence = sentences[Math.floor(sentences.length / 2)].text;
      const [row] = await annotate([{ output: sentence }], ['--no-phrase-level']);
      const top = row.annotations.find((a) => a.rank === 1)!;
      expect(top.corpus_stage, `${c.year}`).toBe(c.stage);
      expect(top.verbatim).toBe(true);
      expect((await chunkText(top.nearest_chunk_idx)).replace(/\s+/g, ' ')).toContain(sentence.replace(/\s+/g, ' '));
    }
  });

  it('puts an unrelated sentence farther away than a paraphrase of corpus text', async () => {
    const [paraphrase, unrelated] = await annotate([
      { output: 'The American continents, free and independent, should not be considered subjects for future colonization by European powers.' },
      { output: 'Gradient descent updates the weights of a neural network by following the negative gradient of the loss function.' },
    ]);
    const d = (r: { annotations: Ann[] }) => r.annotations.filter((a) => a.rank === 1).reduce((s, a) => s + a.distance, 0);
    expect(d(unrelated)).toBeGreaterThan(d(paraphrase));
  });

  it('keeps every input field, row count and order; reads output/text/response and chat completions', async () => {
    const rows = [
      { prompt: 'p0', output: 'We must rise with the occasion.', model: 'm' },
      { text: 'Congress should act on the budget.', id: 7 },
      { response: '' },
      { id: 'chatcmpl-1', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'The state of our economy is strong.' } }] },
    ];
    const out = await annotate(rows, ['--k', '2']);
    expect(out).toHaveLength(4);
    out.forEach((o, i) => {
      for (const [k, v] of Object.entries(rows[i])) expect(o[k]).toEqual(v);
      expect(o.annotation_metadata).toMatchObject({ k: 2, phrase_level: true });
    });
    expect(out[0].annotations.map((a) => a.rank)).toEqual([1, 2]);
    expect(out[2].annotations).toEqual([]);
    expect(out[3].annotations[0].text_span).toBe('The state of our economy is strong.');
    for (const a of out[0].annotations) {
      expect(Object.keys(a)).toEqual(
        expect.arrayContaining([
          'text_span',
          'cluster_id',
          'cluster_name',
          'cluster_depth',
          'distance',
          'rank',
          'corpus_stage',
          'nearest_chunk_idx',
          'nearest_chunk_text',
        ]),
      );
    }
  });

  it('reads a file with a UTF-8 BOM and CRLF lines, content-part and tool-call chat completions', async () => {
    const file = path.join(dir, 'windows.jsonl');
    const rows = [
      { output: 'The tariff was reduced.' },
      {
        object: 'chat.completion',
        choices: [
          {
            message: {
              role: 'assistant',
              content: [
                { type: 'text', text: 'Our navy grew. ' },
                { type: 'text', text: 'Ships were built.' },
              ],
            },
          },
        ],
      },
      { object: 'chat.completion', choices: [{ message: { role: 'assistant', content: null, tool_calls: [{ id: 't' }] } }] },
    ];
    await writeFile(file, '\ufeff' + rows.map((r) => JSON.stringify(r)).join('\r\n') + '\r\n');
    const r = await runCli(['annotate', '--corpus-index', indexDir, '--input', file, '--k', '1']);
    expect(r.code, r.stderr).toBe(0);
    const out = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(out.map((o) => o.annotations.map((a: Ann) => a.text_span))).toEqual([['The tariff was reduced.'], ['Our navy grew.', 'Ships were built.'], []]);
  });

  it('adds sentences (vote, verdict, supporting passage), book spans, a summary and logprobs beside the annotations', async () => {
    const copied = splitSentences(textOfYear(1941)).filter((s) => s.text.split(' ').length >= 10)[3].text;
    const novel = 'Der Compiler übersetzt die Quelldatei und schreibt die Objektdatei in das angegebene Verzeichnis.';
    const text = `${copied} ${novel}`;
    // Chat-completion logprobs: one token per word-or-space run, laid end to end.
    const tokens = text.match(/\s*\S+/g)!.map((t, i) => ({ token: t, logprob: i < 3 ? -0.5 : -2 }));
    const [row] = await annotate([{ choices: [{ message: { content: text }, logprobs: { content: tokens } }] }], ['--k', '2']);
    const sentences = row.sentences as Array<Record<string, unknown>>;
    expect(sentences.map((s) => s.text)).toEqual([copied, novel]);
    const [a, b] = sentences;
    expect(text.slice(a.char_start as number, a.char_end as number)).toBe(copied);
    expect(a).toMatchObject({ verdict: 'book', stage: 'midtrain', book_coverage: 1, verbatim: true });
    expect(Object.values(a.stage_probs as Record<string, number>).reduce((x, y) => x + y, 0)).toBeCloseTo(1, 3);
    expect(a.cluster_id).toMatch(/^0\.\d+/);
    expect((await chunkText(a.nearest_chunk_idx as number)).replace(/\s+/g, ' ')).toContain(copied.replace(/\s+/g, ' '));
    const [m0, m1] = a.nearest_chunk_match as [number, number];
    expect((a.nearest_chunk_text as string).slice(m0, m1).length).toBeGreaterThan(20);
    expect(a.avg_logprob).toBeLessThan(-0.5);
    expect(b).toMatchObject({ verdict: 'novel', stage: null, book_coverage: 0, avg_logprob: -2 });
    expect(b.unknown_share as number).toBeGreaterThan(0.5);
    const spans = row.book_spans as Array<Record<string, unknown>>;
    expect(spans).toHaveLength(1);
    expect(spans[0]).toMatchObject({ char_start: 0, stage: 'midtrain', text: copied.replace(/[.!?]$/, '') });
    expect(row.summary).toMatchObject({
      sentences: 2,
      verdicts: { book: 1, known: 0, near: 0, novel: 1 },
      novel_fraction: 0.5,
      stage_mix: { midtrain: 0.5, novel: 0.5 },
    });
    // The seed-compatible list carries the same logprob per sentence.
    expect(row.annotations.filter((x) => x.text_span === novel).every((x) => (x as unknown as { avg_logprob: number }).avg_logprob === -2)).toBe(true);
    expect((row.annotation_metadata as { calibration: { method: string } }).calibration.method).toBe('leave-document-out');
  });

  it('--neighbours smaller than --k is refused', async () => {
    const r = await runCli(['annotate', '--corpus-index', indexDir, '--k', '5', '--neighbours', '3'], { input: '{"output":"x"}\n' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--neighbours 3 is smaller than --k 5/);
  });

  it('splits sentences per phrase and keeps "Dr." and initials inside a sentence', async () => {
    const [row] = await annotate([{ output: 'Dr. J. R. Smith met Mr. Jones at noon. They discussed the tariff.' }], ['--k', '1']);
    expect(row.annotations.map((a) => a.text_span)).toEqual(['Dr. J. R. Smith met Mr. Jones at noon.', 'They discussed the tariff.']);
  });

  it('shows a row chess-engine style, and compact, from a file', async () => {
    const file = path.join(dir, 'annotated.jsonl');
    const r = await runCli(['annotate', '--corpus-index', indexDir, '--input', '-', '--output', file], {
      input: JSON.stringify({ output: 'Fellow-citizens, we can not escape history. We must think anew.' }) + '\n',
    });
    expect(r.code, r.stderr).toBe(0);
    const show = await runCli(['show', '--annotated-file', file, '--index', '0', '--show-chunks']);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain('📍 Sentences:');
    // "we can not escape history" is Lincoln's (1862, pretrain): a book span in brackets, a ■ book sentence.
    expect(show.stdout).toMatch(/\[Fellow-citizens, we can not escape history\. We\] must think anew/);
    expect(show.stdout).toMatch(/■ "Fellow-citizens, we can not escape history\."/);
    expect(show.stdout).toMatch(/book · p\d+ · d=0\.\d{3} · 100% in book spans · \S*pretrain 100%/);
    expect(show.stdout).toMatch(/Corpus \(chunk \d+, [^)]*pretrain[^)]*\): "/);
    expect(show.stdout).toContain('🎯 Summary:');
    expect(show.stdout).toMatch(/Verdicts: known ≤ 0\.\d{3}, near ≤ 0\.\d{3}/);
    expect(show.stdout).not.toContain('\x1b['); // no colour when stdout is not a TTY
    // A file annotated before per-sentence verdicts existed is shown in the older rank list.
    const old = JSON.parse((await readFile(file, 'utf8')).trim());
    for (const f of ['sentences', 'book_spans', 'summary']) delete old[f];
    const oldFile = path.join(dir, 'annotated-v1.jsonl');
    await writeFile(oldFile, JSON.stringify(old) + '\n');
    const legacy = await runCli(['show', '--annotated-file', oldFile, '--index', '0', '--show-chunks']);
    expect(legacy.stdout).toContain('📍 Source Analysis:');
    expect(legacy.stdout).toMatch(/\[1\] .+ \(d=0\.\d{3}, pretrain\)/);
    expect(legacy.stdout).toContain('🎯 Interpretation:');
    const compact = await runCli(['show', '--annotated-file', file, '--compact']);
    expect(compact.stdout.trim()).toMatch(/^".+" → .+ \(0\.\d\d\)/);
  });

  it('--stage labels files outside stage folders; without it they have no stage and a warning says so', async () => {
    const file = path.join(dir, 'loose.jsonl');
    await writeFile(file, JSON.stringify({ text: textOfYear(1934) }) + '\n');
    const staged = await runCli([
      'index',
      '--corpus',
      file,
      '--stage',
      'midtrain',
      '--output',
      path.join(dir, 'loose-idx'),
      '--store',
      path.join(dir, 'store'),
      '--yes',
    ]);
    expect(staged.code, staged.stderr).toBe(0);
    const meta = JSON.parse((await readFile(path.join(dir, 'loose-idx', 'metadata.jsonl'), 'utf8')).split('\n')[0]);
    expect(meta.corpus_stage).toBe('midtrain');
    const unstaged = await runCli(['index', '--corpus', file, '--output', path.join(dir, 'loose-idx2'), '--store', path.join(dir, 'store'), '--yes']);
    expect(unstaged.code, unstaged.stderr).toBe(0);
    expect(unstaged.stderr).toMatch(/warning: \d+ chunk\(s\) have no training stage/);
    expect(JSON.parse((await readFile(path.join(dir, 'loose-idx2', 'metadata.jsonl'), 'utf8')).split('\n')[0]).corpus_stage).toBeNull();
  });

  it('writes --output files atomically and reports the span count', async () => {
    const input = path.join(dir, 'in.jsonl');
    await writeFile(input, '{"output":"One. Two."}\n');
    const out = path.join(dir, 'sub', 'out.jsonl');
    const r = await runCli(['annotate', '--corpus-index', indexDir, '--input', input, '--output', out, '--k', '1']);
    expect(r.code, r.stderr).toBe(0);
    expect((await readFile(out, 'utf8')).trim().split('\n')).toHaveLength(1);
  });
});

describe('run requests: settings as data for remote builds', () => {
  it('--write-request stores the settings; index --request builds the same run; options beside it are refused', async () => {
    const corpus = path.join(dir, 'corpus');
    const store = path.join(dir, 'store');
    const index = (output: string, ...extra: string[]) => runCli(['index', '--corpus', corpus, '--output', path.join(dir, output), ...extra]);
    const written = await index('unused', '--write-request', path.join(dir, 'requests-store'), '--max-depth', '2', '--stage', 'sft');
    expect(written.code, written.stderr).toBe(0);
    const uri = written.stdout.trim();
    expect(uri).toMatch(/^file:\/\/.*\/requests\/[0-9a-f]{16}\.json$/);
    const request = JSON.parse(await readFile(new URL(uri), 'utf8'));
    expect(request).toMatchObject({ kind: 'corpus-proximity-run-request', embedder: 'lexical', corpus: { format: 'jsonl', textField: 'text', stage: 'sft' } });
    expect(request.config.cluster.maxDepth).toBe(2);

    const build = (output: string, ...extra: string[]) => index(output, '--store', store, '--yes', ...extra);
    const viaRequest = await build('from-request', '-q', '--request', uri);
    expect(viaRequest.code, viaRequest.stderr).toBe(0);
    const viaFlags = await build('from-flags', '-q', '--max-depth', '2', '--stage', 'sft');
    expect(viaFlags.code, viaFlags.stderr).toBe(0);
    const runOf = async (d: string) => JSON.parse(await readFile(path.join(d, 'manifest.json'), 'utf8')).run_id;
    expect(await runOf(path.join(dir, 'from-request'))).toBe(await runOf(path.join(dir, 'from-flags')));

    const clash = await build('x', '--request', uri, '--chunk-tokens', '64');
    expect(clash.code).toBe(2);
    expect(clash.stderr).toMatch(/--chunk-tokens cannot be combined with --request: the request sets it/);
    const missing = await build('x', '--request', path.join(dir, 'nope.json'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/run request .*nope\.json does not exist/);
  });
});
