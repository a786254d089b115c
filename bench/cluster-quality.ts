/**
 * Do the clusters follow the corpus's topics? On labelled corpora (bench/corpora.ts: `topics`, 14 topical sources;
 * `mixed`, 4 sources), the index is built with the defaults and every level of its cluster tree is scored against
 * the source labels of the chunks (NMI and ARI; a chunk left as noise at a level counts as its parent's cluster).
 * The reference is the standard pipeline on the same chunk texts (scikit-learn: TF-IDF with sublinear tf and
 * min_df 2 → TruncatedSVD 100 → L2 → k-means), at the tree's top-level k and at k = 8, run by Debian's
 * python3-sklearn (bench/reference/lsa_kmeans.py). Also prints the top-level names.
 *
 *   npm run bench:cluster-quality [-- --corpus topics|mixed --config '{"embed":{"projection":"svd"}}']
 * (--config: index config overrides, as the index config schema spells them.)
 * One JSON line per corpus.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildIndex } from '../pipeline/build-index.js';
import { readClusterTable, readManifest } from '../pipeline/corpus-index/load.js';
import { resolveConfig, resolveCorpusSpec } from '../pipeline/config.js';
import { adjustedRandIndex, normalizedMutualInfo } from '../pipeline/linalg/agreement.js';
import { consoleReporter } from '../pipeline/reporter.js';
import { openStore } from '../pipeline/store/open.js';
import { STAGES } from '../stages/table.js';
import { mixed, topics, type BenchDoc } from './corpora.js';
import { nameQuality } from './name-quality.js';

const args = process.argv.slice(2);
const arg = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const CORPORA: Record<string, () => BenchDoc[]> = { topics: () => topics(), mixed };
const PYTHON = '/usr/bin/python3'; // Debian's, where python3-sklearn installs
const round = (x: number) => Math.round(x * 1e4) / 1e4;
interface TreeNode {
  cluster_id: string;
  name: string;
  size: number;
  children: TreeNode[];
}

const readJsonl = async <T>(file: string) =>
  (await readFile(file, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as T);

for (const name of arg('--corpus') ? [arg('--corpus')!] : Object.keys(CORPORA)) {
  const docs = CORPORA[name]();
  const root = path.resolve('.bench-cache/cluster-quality', name);
  await rm(path.join(root, 'corpus'), { recursive: true, force: true });
  const bySource = new Map<string, string[]>();
  for (const d of docs) (bySource.get(d.source) ?? bySource.set(d.source, []).get(d.source)!).push(JSON.stringify({ id: d.id, text: d.text }));
  await mkdir(path.join(root, 'corpus'), { recursive: true });
  for (const [source, lines] of bySource) await writeFile(path.join(root, 'corpus', `${source}.jsonl`), lines.join('\n') + '\n');
  const indexDir = path.join(root, 'index');
  const t0 = performance.now();
  await buildIndex({
    corpus: resolveCorpusSpec({ path: path.join(root, 'corpus') }),
    config: resolveConfig(JSON.parse(arg('--config') ?? '{}')),
    store: await openStore(path.join(root, 'store')),
    outputDir: indexDir,
    stages: STAGES,
    reporter: consoleReporter({ quiet: true }),
  });
  const buildSeconds = (performance.now() - t0) / 1000;
  const meta = await readJsonl<{ idx: number; source: string }>(path.join(indexDir, 'metadata.jsonl'));
  const chunks = await readJsonl<{ idx: number; text: string }>(path.join(indexDir, 'chunks.jsonl'));
  const sources = [...new Set(meta.map((m) => m.source))].sort();
  const label = meta.map((m) => sources.indexOf(m.source));
  const clusters = await readClusterTable(indexDir, await readManifest(indexDir));
  const toCluster = Object.fromEntries(meta.map((m) => [String(m.idx), clusters.clusterOf(m.idx)]));
  const tree = JSON.parse(await readFile(path.join(indexDir, 'tree.json'), 'utf8')) as TreeNode;
  const depth = Math.max(...Object.values(toCluster).map((id) => id.split('.').length - 1));
  const levels: Record<string, unknown> = {};
  let topK = 0;
  for (let d = 1; d <= depth; d++) {
    const ids = meta.map((m) =>
      toCluster[String(m.idx)]
        .split('.')
        .slice(0, d + 1)
        .join('.'),
    );
    const names = [...new Set(ids)];
    const pred = ids.map((id) => names.indexOf(id));
    if (d === 1) topK = names.filter((id) => id.split('.').length === 2).length;
    levels[d] = { clusters: names.length, nmi: round(normalizedMutualInfo(label, pred)), ari: round(adjustedRandIndex(label, pred)) };
  }
  const input = chunks.map((c) => JSON.stringify({ text: c.text, label: label[c.idx] })).join('\n');
  const reference = execFileSync(PYTHON, [path.resolve('bench/reference/lsa_kmeans.py'), String(topK), '8'], { input, encoding: 'utf8', maxBuffer: 1 << 28 })
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { k: number; nmi: number; ari: number });
  const top = levels[1] as { nmi: number };
  const names = await nameQuality(clusters, chunks);
  console.log(
    JSON.stringify({
      bench: 'cluster-quality',
      corpus: name,
      config: JSON.parse(arg('--config') ?? '{}') as unknown,
      chunks: chunks.length,
      sources: sources.length,
      build_seconds: round(buildSeconds),
      levels,
      reference,
      top_nmi_vs_reference_same_k: round(top.nmi / reference[0].nmi),
      names,
      top_names: tree.children.map((c) => `${c.cluster_id} ${c.name} (${c.size})`),
    }),
  );
}
