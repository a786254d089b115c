/**
 * ann: the search index annotate ranks by.
 * - Lexical embedder: the inverted file of its TF-IDF terms (pipeline/search/term-index.ts), searched exactly, and
 *   the word counts of each training stage (pipeline/attribution/stage-model.ts), from the same pass. No
 *   graph: exact sparse search is both faster and right where a graph over random-projection vectors loses one true
 *   neighbour in six at 10⁶ chunks.
 * - Dense (ONNX) embedders: the approximate-nearest-neighbour graph (usearch HNSW, inner product), built when the
 *   index has `annMinRows` chunks or more (or always/never by --ann). Its recall is measured here, not assumed:
 *   `recallQueries` corpus vectors are searched through the graph and exactly, and recall@10 is recorded.
 */
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { tempPathFor, withTempPath } from '../../pipeline/atomic-file.js';
import { isLexical } from '../../pipeline/embedders/lexical.js';
import { loadEmbedder } from '../../pipeline/embedders/load.js';
import type { StageContext } from '../../pipeline/runners/stage.js';
import { readMatrix } from '../../pipeline/store/store.js';
import { buildHnsw, openHnsw, recallAtK } from '../../pipeline/search/hnsw.js';
import { ortExactSearch } from '../../pipeline/search/ort-exact.js';
import { StageModelBuilder } from '../../pipeline/attribution/stage-model.js';
import { TermIndexBuilder } from '../../pipeline/search/term-postings.js';
import { chunkCount, chunkRecords, defineStage, inputKey, inputKeysUnder, outputKey, upstreamFacts } from '../contracts.js';

export const RECALL_K = 10;

// eslint-disable-next-line @typescript-eslint/require-await -- adapts a sync generator to the store's AsyncIterable
async function* toAsync<T>(parts: Iterable<T>): AsyncGenerator<T> {
  yield* parts;
}
const fmt = (n: number) => n.toLocaleString('en-US');

async function buildTermPostings(ctx: StageContext) {
  const facts = upstreamFacts(ctx, 'embed');
  const files = inputKeysUnder(ctx, 'embed', 'embedderDir');
  const embedder = await loadEmbedder(facts.embedder, async (name) => {
    const key = files.find((k) => k.endsWith(`/${name}`));
    return key ? ctx.store.read(key) : null;
  });
  if (!isLexical(embedder)) throw new Error(`embedder ${facts.embedder} has no term view`);
  const started = Date.now();
  const total = chunkCount(ctx);
  const builder = new TermIndexBuilder(embedder.vocabulary);
  const stages = new StageModelBuilder(embedder.vocabulary);
  const progress = ctx.reporter.progress('term postings', total, 'chunks');
  for await (const c of chunkRecords(ctx)) {
    const terms = embedder.terms(c.text, 'passage');
    builder.add(terms);
    stages.add(c.stage, terms.ids, terms.counts);
    progress.tick();
  }
  progress.done();
  await ctx.store.writeStream(outputKey(ctx, 'ann', 'postings'), toAsync(builder.encode()));
  const stageModel = stages.finish();
  await ctx.store.write(outputKey(ctx, 'ann', 'stageModel'), stageModel.npy);
  const seconds = (Date.now() - started) / 1000;
  ctx.reporter.info(
    `  term postings: ${fmt(builder.postings)} over ${fmt(embedder.vocabulary)} terms and ${fmt(total)} chunks in ${seconds.toFixed(1)} s (exact sparse search)`,
  );
  if (ctx.config.search.ann === 'always')
    ctx.reporter.info('  --ann always applies to dense (onnx) embedders; a lexical index is searched over its term postings');
  return {
    facts: {
      ann: null,
      terms: { terms: embedder.vocabulary, postings: builder.postings },
      stageModel: { stages: stageModel.stages, chunks: stageModel.chunks },
      buildSeconds: seconds,
    },
  };
}

export const annStage = defineStage('ann', {
  description: 'build the search index: term postings (lexical) or the HNSW graph (dense vectors of large indexes), with its recall',
  inputs: ['prepare', 'embed'],
  configOf: ({ config }) => ({ search: config.search }),
  async run(ctx) {
    if (upstreamFacts(ctx, 'embed').embedder === 'lexical') return buildTermPostings(ctx);
    const cfg = ctx.config.search;
    const key = inputKey(ctx, 'embed', 'vectors');
    const m = await readMatrix(ctx.store, key);
    const build = cfg.ann === 'always' || (cfg.ann === 'auto' && m.rows >= cfg.annMinRows);
    if (!build || m.rows === 0) {
      ctx.reporter.info(`  exact search (${fmt(m.rows)} chunks${cfg.ann === 'never' ? ', --ann never' : ` < ${fmt(cfg.annMinRows)}`})`);
      return { facts: { ann: null, terms: null, stageModel: null } };
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
          `  HNSW over ${fmt(m.rows)} vectors (M ${settings.connectivity}, ef ${settings.expansion_search}) in ${buildSeconds.toFixed(1)} s; recall@${RECALL_K} ${recall} on ${nq} queries`,
        );
        return { facts: { ann: { ...settings, recall_at_10: recall, recall_queries: nq }, terms: null, stageModel: null, buildSeconds } };
      } finally {
        await rm(tmp, { force: true });
      }
    });
  },
});
