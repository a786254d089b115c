/**
 * Annotate throughput on the demo index (State of the Union, ~7k chunks), against the original Python plan's method measured in the
 * same process: embed one sentence, compute its distance to every chunk, full argsort, take top-k.
 *
 *   npm run bench:annotate [-- --sentences 2000]
 * Prints one JSON line. The demo index is built once under .bench-cache/ and reused.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { annotateRows, DEFAULT_NEIGHBOURS } from '../pipeline/attribution/annotate.js';
import { buildDemoIndex } from '../cli/demo/corpus.js';
import { loadIndex } from '../pipeline/corpus-index/load.js';
import { decodeNpy } from '../pipeline/npy.js';
import { consoleReporter } from '../pipeline/reporter.js';
import { querySentences } from './sotu.js';

const args = process.argv.slice(2);
const wanted = Number(args[args.indexOf('--sentences') + 1] || 2000) || 2000;
const k = 3;

const indexDir = await buildDemoIndex(path.resolve('.bench-cache/demo'), consoleReporter({ quiet: true }));
const index = await loadIndex(indexDir);

// Queries: sentences from the corpus (half) and the same sentences with every other word dropped (half),
// grouped five per row as model outputs would be.
const next = querySentences();
const sentences = Array.from({ length: wanted }, (_, i) => next(i));
const rows = [];
for (let i = 0; i < sentences.length; i += 5) rows.push({ line: rows.length + 1, row: {}, text: sentences.slice(i, i + 5).join(' ') });

const t0 = performance.now();
const out = await annotateRows(index, rows, { k, neighbours: DEFAULT_NEIGHBOURS, phraseLevel: true, indexPath: indexDir });
const seconds = (performance.now() - t0) / 1000;
const spans = out.reduce((s, r) => s + new Set((r.annotations as Array<{ text_span: string }>).map((a) => a.text_span)).size, 0);

// Seed method on a subset (it is slow): per sentence, full distance vector + full sort.
const seedN = Math.min(200, sentences.length);
const { data, rows: n, dims } = decodeNpy(await readFile(path.join(indexDir, index.manifest.vectors.file)));
const t1 = performance.now();
for (let q = 0; q < seedN; q++) {
  const v = await index.embedder.embed([sentences[q]], { kind: 'query' });
  const dist = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let j = 0; j < dims; j++) s += data[r * dims + j] * v[j];
    dist[r] = 1 - s;
  }
  Array.from(dist.keys())
    .sort((a, b) => dist[a] - dist[b])
    .slice(0, k);
}
const seedSeconds = (performance.now() - t1) / 1000;

console.log(
  JSON.stringify({
    bench: 'annotate',
    index_chunks: n,
    dims,
    rows: rows.length,
    sentences: spans,
    seconds: +seconds.toFixed(3),
    sentences_per_s: +(spans / seconds).toFixed(1),
    seed_method_sentences_per_s: +(seedN / seedSeconds).toFixed(1),
    speedup_vs_seed: +(spans / seconds / (seedN / seedSeconds)).toFixed(2),
  }),
);
