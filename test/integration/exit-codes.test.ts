/**
 * The README's exit-code table, row by row, through the CLI as a child process: 0 ok, 1 a bound failed, 2 bad input or usage
 * (including refused credentials), 3 internal failure, 130/143 interrupted. Secrets an endpoint echoes never reach
 * stderr or the markers in the store.
 */
import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli } from '../helpers/cli.js';
import { tempDir, textOfYear, writeYearsCorpus } from '../helpers/corpus.js';
import { startOpenAiServer } from '../helpers/openai-server.js';

let dir: string;
let cleanup: () => Promise<void>;
let corpus: string;
let indexDir: string;

const KEY = 'sk-live-ECHOED-BY-THE-SERVER-9931';

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  corpus = await writeYearsCorpus(dir, 1934, 1942);
  indexDir = path.join(dir, 'index');
  const r = await runCli(['index', '--corpus', corpus, '--output', indexDir, '--store', path.join(dir, 'store'), '--yes', '--quiet']);
  expect(r.code, r.stderr).toBe(0);
});
afterAll(() => cleanup());

const oneLine = (stderr: string) =>
  stderr
    .trim()
    .split('\n')
    .filter((l) => !/^\s*$/.test(l));

/** `index` with the LLM namer against a local OpenAI-compatible server. */
const llmIndexArgs = (baseUrl: string, output: string, store: string) => [
  'index',
  '--corpus',
  corpus,
  '--output',
  path.join(dir, output),
  '--store',
  store,
  '--yes',
  '--namer',
  'llm',
  '--llm-base-url',
  baseUrl,
  '--llm-model',
  'm',
];

describe('exit 0', () => {
  it('--help, --version and a successful annotate', async () => {
    expect((await runCli(['--help'])).code).toBe(0);
    expect((await runCli(['index', '--help'])).code).toBe(0);
    expect((await runCli(['--version'])).code).toBe(0);
    const r = await runCli(['annotate', '--corpus-index', indexDir], { input: `${JSON.stringify({ output: textOfYear(1941).slice(0, 300) })}\n` });
    expect(r.code, r.stderr).toBe(0);
  });
});

describe('exit 1: a bound failed', () => {
  it('check and annotate with a --max the copied text exceeds', async () => {
    const input = `${JSON.stringify({ output: textOfYear(1941).slice(0, 300) })}\n`;
    const gated = await runCli(['annotate', '--corpus-index', indexDir, '--max', 'book_fraction=0.1'], { input });
    expect(gated.code, gated.stderr).toBe(1);
    const checked = await runCli(['check', '--annotated-file', '-', '--max', 'book_fraction=0.1'], { input: gated.stdout });
    expect(checked.code, checked.stderr).toBe(1);
    expect((await runCli(['check', '--annotated-file', '-', '--max', 'book_fraction=1'], { input: gated.stdout })).code).toBe(0);
  });
});

describe('exit 2: bad input or usage', () => {
  it('an unknown option, an unknown command and a missing required option', async () => {
    for (const args of [['annotate', '--corpus-index', indexDir, '--no-such-flag'], ['no-such-command'], ['annotate']]) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(oneLine(r.stderr)[0], args.join(' ')).toMatch(/^error: /);
      expect(r.stderr).toMatch(/add --help for usage/);
    }
  });

  it('annotate --output that is an existing folder', async () => {
    const out = path.join(dir, 'a-folder');
    await mkdir(out, { recursive: true });
    const r = await runCli(['annotate', '--corpus-index', indexDir, '--output', out], { input: '{"output":"x"}\n' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error: --output .*a-folder is a folder/);
    expect(r.stderr).not.toMatch(/unexpected failure|EISDIR/);
  });

  it('index --output that would be refused is refused before the build starts', async () => {
    const busy = path.join(dir, 'busy');
    await mkdir(busy, { recursive: true });
    await writeFile(path.join(busy, 'notes.txt'), 'keep');
    const store = path.join(dir, 'store-refused');
    const r = await runCli(['index', '--corpus', corpus, '--output', busy, '--store', store, '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not a corpus index/);
    expect(r.stderr).not.toMatch(/▸ prepare/);
    expect(await readdir(store).catch(() => [])).not.toContain('runs');
  });

  it('an LLM endpoint that refuses the key (401, echoing it): exit 2, and the key is in no message or marker', async () => {
    const server = await startOpenAiServer(() => ({ status: 401, body: JSON.stringify({ error: { message: `Incorrect API key provided: ${KEY}` } }) }));
    const store = path.join(dir, 'store-401');
    try {
      // The key's variable is not named like a secret on purpose: --llm-api-key-env registers it all the same.
      const r2 = await runCli([...llmIndexArgs(server.baseUrl, 'idx-401', store), '--llm-api-key-env', 'MY_LLM_KEY'], { env: { MY_LLM_KEY: KEY } });
      expect(r2.code, r2.stderr).toBe(2);
      expect(r2.stderr).toMatch(/answered HTTP 401/);
      expect(r2.stderr).toContain('[REDACTED]');
      expect(r2.stderr).not.toContain(KEY);
      const markers = (await readdir(store, { recursive: true })).map(String).filter((f) => f.endsWith('FAILED.json'));
      expect(markers.length).toBeGreaterThanOrEqual(2);
      for (const m of markers) expect(await readFile(path.join(store, m), 'utf8')).not.toContain(KEY);
    } finally {
      await server.close();
    }
  });
});

describe('exit 3: internal failure', () => {
  it('an LLM endpoint that keeps failing with 5xx, retries exhausted', async () => {
    const server = await startOpenAiServer(() => ({ status: 503 }));
    try {
      const r = await runCli([...llmIndexArgs(server.baseUrl, 'idx-503', path.join(dir, 'store-503')), '--llm-max-retries', '0']);
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toMatch(/failed after 1 attempt\(s\): HTTP 503/);
    } finally {
      await server.close();
    }
  });
});

describe('exit 130: Ctrl-C at the confirmation prompt', () => {
  it('prints one line and exits 130, with nothing built', async () => {
    // A real terminal: util-linux `script` runs the CLI on a pseudo-terminal; ^C there is the terminal's interrupt.
    const store = path.join(dir, 'store-prompt');
    const cmd = [process.execPath, BIN, 'index', '--corpus', corpus, '--output', path.join(dir, 'idx-prompt'), '--store', store].map((a) => `'${a}'`).join(' ');
    const child = spawn('script', ['-qefc', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    let sent = false;
    child.stdin.on('error', () => {}); // script may be gone before its stdin is closed: EPIPE is expected then
    child.stdout.on('data', (d) => {
      out += d;
      if (!sent && out.includes('(y/n)') && child.stdin.writable) {
        sent = true;
        child.stdin.write('\x03');
        setTimeout(() => child.stdin.end(), 1000).unref(); // script waits for its own stdin to close
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(out).toMatch(/interrupted at the confirmation prompt/);
    expect(out).not.toMatch(/unexpected failure/);
    expect(code).toBe(130);
    expect(await readdir(path.join(store, 'runs')).catch(() => [])).toEqual([]);
  });
});
