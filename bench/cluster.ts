/**
 * The recursive cluster tree (default engine: the config's, `auto`) on seeded synthetic clustered data (384-d: Gaussian topics, each with sub-topics, plus
 * uniform noise), one JSON line per size: {"n","dims","engine","seconds","peak_rss_mb","clusters","noise_fraction",…}.
 * Each size runs in its own child process so peak RSS is its own. hdbscan-ts (flat, O(n³)) runs at n = 2,000 for
 * comparison, on the same data.
 *
 *   npm run bench:cluster [-- --n 100000] [-- --engine auto|kmeans|hdbscan]
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { resolveConfig, type ClusterConfig } from '../pipeline/config.js';
import { adjustedRandIndex } from '../pipeline/linalg/agreement.js';
import { syntheticEmbeddings } from './fixtures/synthetic.js';
import { walkTree } from '../pipeline/corpus-index/tree.js';
import { hdbscan } from '../stages/cluster/hdbscan/index.js';
import { buildClusterTree } from '../stages/cluster/recursive.js';

const DIMS = 384;
const SIZES = [2_000, 10_000, 100_000, 1_000_000];
const args = process.argv.slice(2);
const arg = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);

type Engine = ClusterConfig['engine'] | 'hdbscan-ts';
const DEFAULT_ENGINE = resolveConfig({}).cluster.engine;

function runOne(n: number, engine: Engine) {
  const data = syntheticEmbeddings(n, DIMS);
  const t0 = performance.now();
  let clusters = 0;
  let noise = 0;
  let extra: Record<string, unknown> = {};
  if (engine === 'hdbscan-ts') {
    const rows = Array.from({ length: n }, (_, i) => Array.from(data.subarray(i * DIMS, (i + 1) * DIMS)));
    return import('hdbscan-ts').then(({ HDBSCAN }) => {
      const labels = new HDBSCAN({ minClusterSize: 10, minSamples: 10 }).fit(rows);
      const seconds = (performance.now() - t0) / 1000;
      clusters = new Set(labels.filter((l) => l >= 0)).size;
      noise = labels.filter((l) => l < 0).length / n;
      // Agreement with this project's flat HDBSCAN on the same raw vectors and parameters (not a reference).
      const t1 = performance.now();
      const ours = hdbscan({ data, rows: n, dims: DIMS }, { minClusterSize: 10, minSamples: 10 });
      const oursSeconds = (performance.now() - t1) / 1000;
      return {
        n,
        dims: DIMS,
        engine,
        flat: true,
        seconds: +seconds.toFixed(2),
        peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
        clusters,
        noise_fraction: +noise.toFixed(4),
        ours_flat_seconds: +oursSeconds.toFixed(2),
        ours_flat_clusters: ours.clusters,
        agreement_ari: +adjustedRandIndex(labels, Array.from(ours.labels)).toFixed(4),
      };
    });
  }
  const cfg = resolveConfig({ cluster: { engine } }).cluster;
  const root = buildClusterTree({ data, rows: n, dims: DIMS }, { cfg });
  const seconds = (performance.now() - t0) / 1000;
  const nodes = [...walkTree(root)];
  clusters = nodes.length - 1;
  noise = root.noise_indices.length / n;
  const perLevel: Record<number, number> = {};
  for (const x of nodes) perLevel[x.depth] = (perLevel[x.depth] ?? 0) + 1;
  extra = {
    top_level: root.children.length,
    clusters_per_level: perLevel,
    assigned_by_sampling: root.buildStats?.assignedBySampling ?? 0,
    splits: root.buildStats?.splits,
    noise_reassigned: root.buildStats?.noiseReassigned ?? 0,
  };
  return Promise.resolve({
    n,
    dims: DIMS,
    engine,
    seconds: +seconds.toFixed(2),
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    clusters,
    noise_fraction: +noise.toFixed(4),
    ...extra,
  });
}

if (args.includes('--child')) {
  const out = await runOne(Number(arg('--n')), (arg('--engine') ?? DEFAULT_ENGINE) as Engine);
  console.log(JSON.stringify(out));
} else {
  const engine = arg('--engine') ?? DEFAULT_ENGINE;
  const sizes = arg('--n') ? [Number(arg('--n'))] : SIZES;
  const self = fileURLToPath(import.meta.url);
  const run = (n: number, e: string) => {
    const r = spawnSync(process.execPath, ['--max-old-space-size=8192', self, '--child', '--n', String(n), '--engine', e], {
      stdio: ['ignore', 'pipe', 'inherit'],
      encoding: 'utf8',
    });
    process.stdout.write(r.stdout || `${JSON.stringify({ n, engine: e, error: `exit ${r.status}` })}\n`);
  };
  for (const n of sizes) run(n, engine);
  if (!arg('--n') || Number(arg('--n')) === 2000) run(2_000, 'hdbscan-ts');
}
