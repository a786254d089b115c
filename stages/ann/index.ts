/**
 * ann: the approximate-nearest-neighbour graph annotate searches on large indexes (usearch HNSW, inner product).
 * Built when the index has `annMinRows` chunks or more (or always/never by --ann). Its recall is measured here, not
 * assumed: `recallQueries` corpus vectors are searched through the graph and exactly, and recall@10 is recorded.
 */
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { tempPathFor, withTempPath } from '../../pipeline/atomic-file.js';
import { decodeNpy } from '../../pipeline/npy.js';
import { buildHnsw, openHnsw, recallAtK } from '../../pipeline/search/hnsw.js';
import { ortExactSearch } from '../../pipeline/search/ort-exact.js';
import { defineStage, inputKey, outputKey, upstreamFacts } from '../contracts.js';

export const RECALL_K = 10;

export const annStage = defineStage('ann', {
  description: 'build the HNSW search graph (large indexes) and measure its recall@10',
  inputs: ['embed'],
  configOf: ({ config }) => ({ search: config.search }),
  async run(ctx) {
    const cfg = ctx.config.search;
    const key = inputKey(ctx, 'embed', 'vectors');
    const buf = await ctx.store.read(key);
    if (!buf) throw new Error(`missing ${key}`);
    const m = decodeNpy(buf, key);
    const build = cfg.ann === 'always' || (cfg.ann === 'auto' && m.rows >= cfg.annMinRows);
    if (!build || m.rows === 0) {
      ctx.reporter.info(
        `  exact search (${m.rows.toLocaleString('en-US')} chunks${cfg.ann === 'never' ? ', --ann never' : ` < ${cfg.annMinRows.toLocaleString('en-US')}`})`,
      );
      return { facts: { ann: null } };
    }
    const vectors = { data: m.data, rows: m.rows, dims: m.dims };
    const tmp = tempPathFor(path.join(os.tmpdir(), 'cprox-vectors.usearch'));
    return withTempPath(tmp, async () => {
      try {
        const started = Date.now();
        const progress = ctx.reporter.progress('hnsw', m.rows, 'vectors');
        const quantization = upstreamFacts(ctx, 'embed').dtype === 'float16' ? 'f16' : 'f32';
        const settings = buildHnsw(
          vectors,
          { quantization, connectivity: cfg.connectivity, expansion_add: cfg.expansionAdd, expansion_search: cfg.expansionSearch },
          tmp,
          (n) => progress.tick(n),
        );
        progress.done();
        const buildSeconds = (Date.now() - started) / 1000;

        // Recall@10 on evenly spaced corpus vectors used as queries, graph vs exact.
        const nq = Math.min(cfg.recallQueries, m.rows);
        const queries = new Float32Array(nq * m.dims);
        for (let i = 0; i < nq; i++) {
          const r = Math.floor((i * m.rows) / nq);
          queries.set(m.data.subarray(r * m.dims, (r + 1) * m.dims), i * m.dims);
        }
        const k = Math.min(RECALL_K, m.rows);
        const exact = await ortExactSearch(vectors, { data: queries, rows: nq, dims: m.dims }, k);
        const approx = openHnsw(tmp, settings).search(queries, nq, k);
        const recall = Math.round(recallAtK(exact, approx) * 1e4) / 1e4;
        await ctx.store.writeStream(outputKey(ctx, 'ann', 'graph'), createReadStream(tmp));
        ctx.reporter.info(
          `  HNSW over ${m.rows.toLocaleString('en-US')} vectors (M ${settings.connectivity}, ef ${settings.expansion_search}) in ${buildSeconds.toFixed(1)} s; recall@${RECALL_K} ${recall} on ${nq} queries`,
        );
        return { facts: { ann: { ...settings, recall_at_10: recall, recall_queries: nq }, buildSeconds } };
      } finally {
        await rm(tmp, { force: true });
      }
    });
  },
});
