/** A tiny ONNX encoder whose vocabulary covers the test corpus, written once per test file into a temp dir. */
import { words } from '../../pipeline/text/tokenize.js';
import { writeTinyEncoder, type TinyEncoderOptions } from '../../bench/fixtures/tiny-encoder.js';
import { addresses } from './corpus.js';

/** The most frequent words of the bundled addresses, so most corpus words are single tokens. */
export function corpusWords(limit = 3000): string[] {
  const counts = new Map<string, number>();
  for (const a of addresses().slice(0, 40)) for (const w of words(a.text)) counts.set(w, (counts.get(w) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, limit)
    .map(([w]) => w);
}

export function writeTestEncoder(dir: string, o: Partial<TinyEncoderOptions> = {}) {
  return writeTinyEncoder(dir, { words: corpusWords(), ...o });
}
