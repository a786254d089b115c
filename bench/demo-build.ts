/**
 * The demo's full build time (fresh folder each run: prepare → … → assemble over the bundled corpus, then the sample
 * annotations), this checkout against another built checkout, alternately in the same script so both see the same
 * machine load. Prints one JSON line with the medians and their ratio (this / base).
 *
 *   npm run bench:demo-build -- --base /path/to/other/checkout [--runs 3]
 * (the other checkout must be built: `npm ci` or `npm run build` there).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const args = process.argv.slice(2);
const arg = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const base = arg('--base');
if (!base) {
  console.error('usage: npm run bench:demo-build -- --base DIR [--runs 3]\n  DIR: another built checkout of corpus-proximity');
  process.exit(2);
}
const runs = Number(arg('--runs') ?? 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function timeDemo(checkout: string): number {
  const out = mkdtempSync(path.join(tmpdir(), 'cprox-demo-build-'));
  try {
    const t0 = performance.now();
    execFileSync(process.execPath, [path.join(checkout, 'bin/corpus-proximity.js'), 'demo', '--output', out, '--quiet'], { stdio: 'ignore' });
    return (performance.now() - t0) / 1000;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

const times: Record<'base' | 'head', number[]> = { base: [], head: [] };
for (let i = 0; i < runs; i++) {
  times.base.push(timeDemo(path.resolve(base)));
  times.head.push(timeDemo(process.cwd()));
}
const round = (x: number) => Math.round(x * 100) / 100;
console.log(
  JSON.stringify({
    bench: 'demo-build',
    runs,
    base_seconds: times.base.map(round),
    head_seconds: times.head.map(round),
    base_median: round(median(times.base)),
    head_median: round(median(times.head)),
    ratio: round(median(times.head) / median(times.base)),
  }),
);
