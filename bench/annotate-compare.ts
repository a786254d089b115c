/**
 * bench:annotate before and after in one run: a git revision (default: the commit before the attribution work) is
 * checked out in a worktree under .bench-cache/, built, and its bench/annotate.ts runs alternately with this
 * checkout's, each as a child process on the same machine, `--rounds` times. Prints the median sentences/s of each
 * and their ratio.
 *
 *   npm run bench:annotate-compare [-- --against 9286bd4 --rounds 3]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, symlinkSync } from 'node:fs';
import path from 'node:path';

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const against = arg('--against', '9286bd4');
const rounds = Number(arg('--rounds', '3')) || 3;
const root = path.resolve('.');
const base = path.resolve('.bench-cache', `baseline-${against}`);

if (!existsSync(base)) {
  execFileSync('git', ['worktree', 'add', '--detach', base, against], { stdio: 'inherit' });
  symlinkSync(path.join(root, 'node_modules'), path.join(base, 'node_modules'));
}
execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: base, stdio: 'inherit' });

const run = (dir: string): number => {
  const out = execFileSync('node', ['dist/bench/annotate.js'], { cwd: dir, encoding: 'utf8' }).trim().split('\n').at(-1)!;
  return (JSON.parse(out) as { sentences_per_s: number }).sentences_per_s;
};
const before: number[] = [];
const after: number[] = [];
for (let r = 0; r < rounds; r++) {
  before.push(run(base));
  after.push(run(root));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(
  JSON.stringify({
    bench: 'annotate-compare',
    against,
    rounds,
    before_sentences_per_s: before,
    after_sentences_per_s: after,
    median_before: median(before),
    median_after: median(after),
    ratio: Math.round((median(after) / median(before)) * 1000) / 1000,
  }),
);
