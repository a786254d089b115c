/** The npm package holds what the installed command needs (dist/, templates, prompts) and nothing of the tests. */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

describe('npm pack', () => {
  it('ships the compiled CLI, its templates and the naming prompts; no tests or benches', () => {
    // --ignore-scripts: `npm test` has just built dist/; prepack would build it again.
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const files = (JSON.parse(out) as Array<{ files: Array<{ path: string }> }>)[0].files.map((f) => f.path);
    for (const f of [
      'bin/corpus-proximity.js',
      'dist/cli/main.js',
      'dist/cli/render/report/render.js',
      'cli/render/report/report.njk',
      'cli/render/report/compare.njk',
      'cli/render/report/client.js',
      'stages/name/prompts/user.njk',
      'images/stage.Dockerfile',
      'Pulumi.yaml',
      'infra/index.ts',
      'README.md',
    ])
      expect(files, f).toContain(f);
    expect(files.filter((f) => f.startsWith('test/') || f.startsWith('dist/bench/') || f.startsWith('bench/') || f.startsWith('examples/'))).toEqual([]);
    const pkg = JSON.parse(execFileSync('node', ['-p', 'JSON.stringify(require("./package.json"))'], { cwd: ROOT, encoding: 'utf8' })) as {
      scripts: Record<string, string>;
      allowScripts: Record<string, boolean>;
    };
    expect(pkg.scripts.prepack).toBe('npm run build');
    expect(pkg.allowScripts['onnxruntime-node']).toBe(false); // no CUDA download on install
  });
});
