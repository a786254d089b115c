/**
 * The CI examples (examples/ci/) run as written: every command of the GitHub Actions workflow's steps and of the
 * GitLab job's script, in order, with `corpus-proximity` on PATH and CPROX_STORE pointing at a local store that
 * `index` built. Only the install step (the tarball) and the user's own generation step are replaced. Not GitHub or
 * GitLab themselves: their actions (checkout, cache, upload-artifact) are theirs to run.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BIN, buildStagedIndex, ROOT } from '../helpers/cli.js';
import { tempDir, textOfYear } from '../helpers/corpus.js';

let dir: string;
let cleanup: () => Promise<void>;
let store: string;
let shims: string;

interface Step {
  id?: string;
  run?: string;
  if?: string;
}

const NOVEL = ['Our farmers need new markets for their crops.', 'Gradient descent follows the negative gradient of the loss.'];
const copiedRun = () => textOfYear(1862).split(/\s+/).slice(400, 440).join(' ');

function sh(command: string, cwd: string, env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-e', '-c', command], { cwd, env: { ...process.env, ...env, PATH: `${shims}:${process.env.PATH}`, NO_COLOR: '1' } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

async function workspace(name: string, outputs: string[]): Promise<string> {
  const ws = path.join(dir, name);
  await mkdir(ws, { recursive: true });
  await writeFile(path.join(ws, 'outputs.jsonl'), outputs.map((output) => JSON.stringify({ output })).join('\n') + '\n');
  return ws;
}

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  ({ store } = await buildStagedIndex(dir));
  shims = path.join(dir, 'bin');
  await mkdir(shims, { recursive: true });
  await writeFile(path.join(shims, 'corpus-proximity'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  await chmod(path.join(shims, 'corpus-proximity'), 0o755);
}, 180_000);
afterAll(() => cleanup());

describe('examples/ci', () => {
  it("GitHub Actions: the workflow's steps restore, annotate, report and gate; the summary is written; a copying model fails the job", async () => {
    const wf = parse(await readFile(path.join(ROOT, 'examples/ci/github-actions.yml'), 'utf8')) as {
      env: Record<string, string>;
      jobs: { attribution: { steps: Step[] } };
    };
    const steps = wf.jobs.attribution.steps.filter((s) => s.run && s.id !== 'install' && s.id !== 'generate');
    expect(steps.map((s) => s.id)).toEqual(['sync', 'annotate', 'report', 'check']);
    const run = async (ws: string) => {
      const env = { ...wf.env, CPROX_STORE: store, GITHUB_STEP_SUMMARY: path.join(ws, 'summary.md') };
      const codes: Record<string, number | null> = {};
      let failed = false;
      for (const s of steps) {
        if (failed && s.if !== 'always()') continue; // GitHub skips later steps after a failure, except if: always()
        const r = await sh(s.run!, ws, env);
        codes[s.id!] = r.code;
        if (r.code !== 0) failed = true;
      }
      return codes;
    };
    const clean = await workspace('gh-clean', NOVEL);
    expect(await run(clean)).toEqual({ sync: 0, annotate: 0, report: 0, check: 0 });
    expect(await readFile(path.join(clean, 'report.html'), 'utf8')).toContain('<svg id="chart-stages"');
    expect(await readFile(path.join(clean, 'summary.md'), 'utf8')).toMatch(/\| `book_fraction` \| 0 \| ≤ 0\.05 \| ✅ pass \|/);
    const copying = await workspace('gh-copying', [...NOVEL, `As was said: ${copiedRun()}.`]);
    expect(await run(copying)).toEqual({ sync: 0, annotate: 0, report: 0, check: 1 });
    expect(await readFile(path.join(copying, 'summary.md'), 'utf8')).toMatch(/❌ fail/);
  });

  it("GitLab CI: the job's script lines run in order", async () => {
    const job = (
      parse(await readFile(path.join(ROOT, 'examples/ci/gitlab-ci.yml'), 'utf8')) as Record<string, { variables: Record<string, string>; script: string[] }>
    )['corpus-proximity'];
    const ws = await workspace('gitlab', NOVEL);
    const env = { ...job.variables, CPROX_STORE: store };
    for (const line of job.script.filter((l) => !l.includes('generate.py'))) {
      const r = await sh(line, ws, env);
      expect(r.code, `${line}\n${r.out}`).toBe(0);
    }
    expect(await readFile(path.join(ws, 'summary.md'), 'utf8')).toMatch(/All 2 bound\(s\) hold\./);
    expect(await readFile(path.join(ws, 'report.html'), 'utf8')).toContain('corpus-proximity report');
  });
});
