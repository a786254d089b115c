/**
 * Nothing lost, nothing served wrong, through the CLI: symlinked and compressed corpus files are read and skipped
 * ones are listed; corrupted stage outputs are recomputed, not reused; a tampered index is refused by annotate,
 * `verify` and `sync`; reruns with options that change no stage still export the index.
 */
import { chmod, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { addresses, tempDir, writeStagedCorpus } from '../helpers/corpus.js';
import { zstdRawFrame } from '../helpers/zstd.js';

let dir: string;
let cleanup: () => Promise<void>;
let corpus: string;
let store: string;
let indexDir: string;

const jsonl = (years: number[]) => years.map((y) => JSON.stringify({ id: `${y}`, text: addresses().find((a) => a.year === y)!.text })).join('\n') + '\n';
const build = (out: string, extra: string[] = [], c = corpus, s = store) =>
  runCli(['index', '--corpus', c, '--output', out, '--store', s, '--yes', ...extra], { env: { XDG_CACHE_HOME: path.join(dir, 'cache') } });
const manifestOf = async (d: string) => JSON.parse(await readFile(path.join(d, 'manifest.json'), 'utf8'));

/** Flips one byte in the middle of a file, keeping its size. */
async function flipByte(file: string): Promise<Buffer> {
  const original = await readFile(file);
  const copy = Buffer.from(original);
  const at = Math.floor(copy.length / 2);
  copy[at] = copy[at] === 0x41 ? 0x42 : 0x41;
  await writeFile(file, copy);
  return original;
}

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  corpus = await writeStagedCorpus(dir);
  store = path.join(dir, 'store');
  indexDir = path.join(dir, 'index');
  const r = await build(indexDir);
  expect(r.code, r.stderr).toBe(0);
});
afterAll(() => cleanup());

describe('corpus completeness', () => {
  it('follows symlinked stage folders and files, reads .jsonl.gz and .jsonl.zst, and lists what it skipped', async () => {
    const root = path.join(dir, 'linked');
    const elsewhere = path.join(dir, 'elsewhere');
    await mkdir(path.join(elsewhere, 'sft'), { recursive: true });
    await mkdir(path.join(root, 'pretrain'), { recursive: true });
    await mkdir(path.join(root, 'midtrain'), { recursive: true });
    await writeFile(path.join(elsewhere, 'sft', 'chat.jsonl'), jsonl([2002, 2010]));
    await writeFile(path.join(elsewhere, 'old.jsonl'), jsonl([1823]));
    await symlink(path.join(elsewhere, 'sft'), path.join(root, 'sft')); // a whole stage behind a folder symlink
    await symlink(path.join(elsewhere, 'old.jsonl'), path.join(root, 'pretrain', 'old.jsonl')); // a file symlink
    await symlink('..', path.join(root, 'pretrain', 'loop')); // a loop back to the root
    await writeFile(path.join(root, 'pretrain', 'web.jsonl.gz'), gzipSync(jsonl([1862])));
    await writeFile(path.join(root, 'midtrain', 'books.jsonl.zst'), zstdRawFrame(Buffer.from(jsonl([1934, 1941]))));
    await writeFile(path.join(root, 'README.md'), 'not corpus');
    await writeFile(path.join(root, 'midtrain', 'extra.jsonl.xz'), 'xz bytes');
    const out = path.join(dir, 'linked-index');
    const r = await build(out, [], root);
    expect(r.code, r.stderr).toBe(0);
    const m = await manifestOf(out);
    expect(m.counts.documents).toBe(6);
    expect(Object.keys(m.counts.per_stage).sort()).toEqual(['midtrain', 'pretrain', 'sft']);
    expect(r.stderr).toMatch(/warning: corpus .*: 3 not read: /);
    expect(r.stderr).toContain('README.md');
    expect(r.stderr).toMatch(/symlink loop back to the corpus root \(pretrain\/loop\)/);
    expect(r.stderr).toMatch(/\.xz compression is not supported .*extra\.jsonl\.xz/);
    expect(r.stderr).toMatch(/sft: 1 file\(s\), 2 documents/);
    const sources = new Set(
      (await readFile(path.join(out, 'metadata.jsonl'), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).source),
    );
    expect([...sources].sort()).toEqual(['midtrain/books.jsonl.zst', 'pretrain/old.jsonl', 'pretrain/web.jsonl.gz', 'sft/chat.jsonl']);
  });

  it('a corrupt .gz names the file and exits 2', async () => {
    const bad = path.join(dir, 'badgz');
    await mkdir(bad, { recursive: true });
    await writeFile(path.join(bad, 'x.jsonl.gz'), gzipSync(jsonl([1862])).subarray(0, 200));
    const r = await build(path.join(dir, 'badgz-index'), [], bad);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/x\.jsonl\.gz: cannot read corpus file: not a valid gzip stream/);
  });

  it('an unreadable file or a broken symlink is bad input naming the file (exit 2), before anything is built', async () => {
    const root = path.join(dir, 'unreadable');
    await mkdir(root, { recursive: true });
    await writeFile(path.join(root, 'ok.jsonl'), jsonl([1862]));
    await symlink(path.join(dir, 'nowhere.jsonl'), path.join(root, 'gone.jsonl'));
    let r = await build(path.join(dir, 'unreadable-index'), [], root);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/gone\.jsonl: cannot read corpus file: broken symlink/);

    // Permission denied needs a user that permissions apply to: as root, run the CLI as nobody.
    const locked = path.join(dir, 'locked');
    await mkdir(locked, { recursive: true });
    await writeFile(path.join(locked, 'ok.jsonl'), jsonl([1862]));
    await writeFile(path.join(locked, 'secret.jsonl'), jsonl([1941]));
    await chmod(path.join(locked, 'secret.jsonl'), 0o000);
    const asNobody = process.getuid?.() === 0 ? 65534 : undefined;
    if (asNobody !== undefined) await chmod(dir, 0o777);
    const nobodyStore = path.join(dir, 'nobody-store');
    await mkdir(nobodyStore, { recursive: true, mode: 0o777 });
    await chmod(nobodyStore, 0o777);
    r = await runCli(['index', '--corpus', locked, '--output', path.join(dir, 'locked-index'), '--store', nobodyStore, '--yes'], {
      uid: asNobody,
      env: { HOME: dir, XDG_CACHE_HOME: path.join(dir, 'nobody-cache') },
    });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/secret\.jsonl: cannot read corpus file: permission denied/);
    expect(await readdir(nobodyStore)).toEqual([]);
  });
});

describe('stage outputs are verified before reuse', () => {
  it('a flipped byte in a prepare chunk file is detected, prepare re-runs, and the index is the same as before', async () => {
    const before = await manifestOf(indexDir);
    const run = before.run_id as string;
    const part = path.join(store, 'runs', run, 'prepare', 'chunks', 'part-00000.jsonl');
    await flipByte(part);
    const out = path.join(dir, 'rebuilt');
    const r = await build(out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: prepare: .*part-00000\.jsonl does not match the sha256 its marker recorded .*re-running the stage/);
    expect((await manifestOf(out)).files).toEqual(before.files);
  });
});

describe('reruns with options that change no stage', () => {
  it('--batch-size after a plain build, and a plain build after --batch-size, both export the index', async () => {
    const a = await build(path.join(dir, 'bs16'), ['--batch-size', '16']);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stderr).toMatch(/assemble: reused from run/);
    const other = path.join(dir, 'other-store');
    const b = await build(path.join(dir, 'bs16-first'), ['--batch-size', '16'], corpus, other);
    expect(b.code, b.stderr).toBe(0);
    const c = await build(path.join(dir, 'plain-after'), [], corpus, other);
    expect(c.code, c.stderr).toBe(0);
    expect((await manifestOf(path.join(dir, 'plain-after'))).files).toEqual((await manifestOf(indexDir)).files);
  });
});

describe('a tampered index is caught', () => {
  const files = [
    'chunks.jsonl',
    'chunks.offsets.u64',
    'metadata.jsonl',
    'metadata.offsets.u64',
    'clusters.json',
    'chunk_clusters.u32',
    'tree.json',
    'embeddings.npy',
    'verbatim_shingles.u64',
  ];

  it('verify detects a single flipped byte in each index file; annotate refuses the index (exit 2)', async () => {
    const env = { XDG_CACHE_HOME: path.join(dir, 'cache') };
    const ok = await runCli(['verify', '--corpus-index', indexDir, '--store', store], { env });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toMatch(/verified \d+ file\(s\).*every sha256 matches the manifest; the manifest matches run/);
    const names = [...files, ...(await readdir(path.join(indexDir, 'embedder'))).map((f) => `embedder/${f}`)];
    for (const name of names) {
      const file = path.join(indexDir, name);
      const original = await flipByte(file);
      try {
        const v = await runCli(['verify', '--corpus-index', indexDir, '--json'], { env });
        expect(v.code, name).toBe(2);
        expect(JSON.parse(v.stdout).problems, name).toEqual([`${name} does not match the sha256 in the manifest (corrupted or modified)`]);
        const a = await runCli(['annotate', '--corpus-index', indexDir], { input: '{"output":"We must stop weapons of mass destruction."}\n', env });
        expect(a.code, name).toBe(2);
        expect(a.stderr, name).toContain(`failed its integrity check: ${name} does not match the sha256`);
        expect(a.stdout, name).toBe('');
      } finally {
        await writeFile(file, original);
      }
    }
    const again = await runCli(['annotate', '--corpus-index', indexDir], { input: '{"output":"We must stop weapons of mass destruction."}\n', env });
    expect(again.code, again.stderr).toBe(0);
  });

  it('sync refuses a manifest that differs from the one the assemble stage recorded', async () => {
    const run = (await manifestOf(indexDir)).run_id as string;
    const key = path.join(store, 'runs', run, 'assemble', 'index', 'manifest.json');
    const original = await readFile(key, 'utf8');
    const edited = JSON.parse(original);
    edited.calibration.p50 = 0.01;
    await writeFile(key, JSON.stringify(edited, null, 2) + '\n');
    try {
      const r = await runCli(['sync', '--store', store, '--output', path.join(dir, 'synced'), '--run', run]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/the manifest of run \w+ .* differs from the one its assemble stage wrote/);
      await expect(readdir(path.join(dir, 'synced'))).rejects.toThrow();
    } finally {
      await writeFile(key, original);
    }
    const ok = await runCli(['sync', '--store', store, '--output', path.join(dir, 'synced'), '--run', run]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toMatch(/verified \d+ file\(s\) \(sha256\)/);
  });
});
