import path from 'node:path';
import { Command } from 'commander';
import { writeFileAtomic } from '../../pipeline/atomic-file.js';
import { resolveConfig } from '../../pipeline/config.js';
import { buildChunkToCluster } from '../../pipeline/corpus-index/tree.js';
import { CproxError } from '../../pipeline/errors.js';
import { readMatrixFile } from '../../pipeline/npy.js';
import { consoleReporter } from '../../pipeline/reporter.js';
import { clusterStats } from '../../stages/cluster/index.js';
import { buildClusterTree } from '../../stages/cluster/recursive.js';
import { clusterConfigFrom } from '../index-config.js';
import { addOptions, parseOptions } from '../options/register.js';
import { CLUSTER_OPTIONS } from '../options/table.js';

export function clusterCommand(): Command {
  const cmd = new Command('cluster')
    .summary('re-cluster an embeddings file without re-embedding')
    .description(
      'Run the recursive clustering alone on an embeddings file (.npy, float32 or float16, one row per chunk, e.g. ' +
        "an index's embeddings.npy) and write tree.json, chunk_to_cluster.json and stats.json (with timings) to " +
        '--output. Clusters are unnamed: use `index` for names.',
    );
  return addOptions(cmd, CLUSTER_OPTIONS)
    .addHelpText('after', '\nExample:\n  $ corpus-proximity cluster --vectors idx/embeddings.npy --output recluster/ --engine hdbscan --min-samples 5\n')
    .action(async (raw) => {
      const o = parseOptions('cluster', CLUSTER_OPTIONS, raw);
      // A vectors file has neither the chunk texts (LSA) nor their documents: the tree is built on the vectors alone.
      const given = clusterConfigFrom(o);
      if ((given.documentWeight ?? 0) > 0 || given.space === 'lsa')
        throw new CproxError('BAD_INPUT', 'cluster: --document-weight and --cluster-space lsa need the chunk records, which a vectors file does not have', {
          hint: 'pass them to `corpus-proximity index` instead (its cluster stage reads the chunk records)',
        });
      const cfg = resolveConfig({ cluster: { ...given, documentWeight: 0, space: 'vectors' } }).cluster;
      let m;
      try {
        m = await readMatrixFile(o.vectors);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'EISDIR')
          throw new CproxError('NOT_FOUND', `embeddings file not found: ${o.vectors}`, {
            hint: "pass --vectors with a .npy file (e.g. an index's embeddings.npy)",
          });
        throw new CproxError('BAD_INPUT', (e as Error).message, { hint: 'expected a 2-d little-endian float32 or float16 .npy array' });
      }
      if (m.rows < 2) throw new CproxError('BAD_INPUT', `${o.vectors} has ${m.rows} row(s); nothing to cluster`);
      const reporter = consoleReporter({ quiet: o.quiet });
      reporter.info(`clustering ${m.rows.toLocaleString('en-US')} × ${m.dims} vectors (${cfg.engine})`);
      const t0 = performance.now();
      const progress = reporter.progress('cluster', undefined, 'nodes');
      const root = buildClusterTree(m, { cfg });
      progress.done();
      const seconds = (performance.now() - t0) / 1000;
      const stats = {
        ...clusterStats(root, m.rows),
        engine: cfg.engine,
        config: cfg,
        retries: root.buildStats?.retries ?? 0,
        assigned_by_sampling: root.buildStats?.assignedBySampling ?? 0,
        splits: root.buildStats?.splits,
        noise_reassigned: root.buildStats?.noiseReassigned ?? 0,
        timings: { cluster_seconds: +seconds.toFixed(3) },
      };
      const out = path.resolve(o.output);
      await writeFileAtomic(path.join(out, 'tree.json'), [JSON.stringify(root)]);
      await writeFileAtomic(path.join(out, 'chunk_to_cluster.json'), [JSON.stringify(buildChunkToCluster(root))]);
      await writeFileAtomic(path.join(out, 'stats.json'), [JSON.stringify(stats, null, 2) + '\n']);
      reporter.info(`${stats.total_clusters} clusters (${stats.leaf_clusters} leaves, depth ${stats.max_depth}) in ${seconds.toFixed(1)} s → ${out}`);
    });
}
