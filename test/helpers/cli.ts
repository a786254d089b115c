import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = path.join(ROOT, 'bin', 'corpus-proximity.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI as a child process (stdin is a pipe, so it is never a TTY). */
export function runCli(args: string[], opts: { input?: string | Buffer; env?: Record<string, string>; cwd?: string; uid?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: opts.cwd ?? ROOT,
      env: { ...process.env, NO_COLOR: '1', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(opts.uid === undefined ? {} : { uid: opts.uid, gid: opts.uid }),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}

/**
 * Builds the staged State of the Union corpus (helpers/corpus.ts) into `dir`/index through the CLI, with its artifact
 * store at `dir`/store; fails the test with the CLI's stderr if the build fails.
 */
export async function buildStagedIndex(dir: string): Promise<{ indexDir: string; store: string }> {
  const { writeStagedCorpus } = await import('./corpus.js');
  const indexDir = path.join(dir, 'index');
  const store = path.join(dir, 'store');
  const r = await runCli(['index', '--corpus', await writeStagedCorpus(dir), '--output', indexDir, '--store', store, '--yes', '-q']);
  if (r.code !== 0) throw new Error(`index failed (${r.code}): ${r.stderr}`);
  return { indexDir, store };
}
