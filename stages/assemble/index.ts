/** assemble: gather the stage artifacts into the CorpusIndex layout, calibrate distances, write manifest.json last. */
import type { ChunkRecord } from '../../pipeline/corpus/chunk-records.js';
import { FORMAT_NAME, FORMAT_VERSION, INDEX_FILES, type ChunkMetadata, type Manifest } from '../../pipeline/corpus-index/format.js';
import { loadEmbedder } from '../../pipeline/embedders/load.js';
import { CODE_VERSION } from '../../pipeline/version.js';
import { stageRelativeName } from '../../pipeline/store/keys.js';
import { portableConfig } from '../../pipeline/config.js';
import { indexSearchSource } from '../../pipeline/search/neighbours.js';
import { StageModel, STAGE_MODEL_ALPHA } from '../../pipeline/attribution/stage-model.js';
import { termIndexFromBytes } from '../../pipeline/search/term-index.js';
import { exactIndex } from '../../pipeline/search/vector-index.js';
import { matrixShape, readJson, readMatrix, writeJson, type WrittenObject } from '../../pipeline/store/store.js';
import { chunkCount, chunkRecords, defineStage, inputKey, inputKeysUnder, upstreamFacts } from '../contracts.js';
import { encodeShingleTable, ShingleTableBuilder, SHINGLE_WORDS, WINDOW } from '../../pipeline/verbatim/shingles.js';
import { calibrate, CalibrationSampler, calibrationStep } from './calibrate.js';
import { RowOffsets } from '../../pipeline/corpus-index/chunks.js';
import { ClusterTable, clusterTableOf, encodeChunkRows } from '../../pipeline/corpus-index/cluster-table.js';
import type { ClusterNode } from '../../pipeline/corpus-index/tree.js';

const LINES_PER_WRITE = 512;

export const assembleStage = defineStage('assemble', {
  description: 'assemble the CorpusIndex and its manifest',
  inputs: ['prepare', 'embed', 'ann', 'cluster', 'name'],
  configOf: ({ corpus, config }) => ({ corpus, config: portableConfig(config), formatVersion: FORMAT_VERSION }),
  async run(ctx) {
    const { store, keys } = ctx;
    const written: WrittenObject[] = [];
    const keep = (w: WrittenObject) => (written.push(w), w);
    const total = chunkCount(ctx);

    /** JSON rows of every chunk, batch by batch; `offsets` records where each row starts (index format 4). */
    async function* jsonLines<T>(map: (c: ChunkRecord) => T, offsets: RowOffsets): AsyncGenerator<string> {
      let batch: string[] = [];
      const flush = () => {
        const text = batch.join('\n') + '\n';
        offsets.add(text);
        batch = [];
        return text;
      };
      for await (const c of chunkRecords(ctx)) {
        batch.push(JSON.stringify(map(c)));
        if (batch.length === LINES_PER_WRITE) yield flush();
      }
      if (batch.length) yield flush();
    }
    // One pass over the chunks writes chunks.jsonl, builds the verbatim table and samples calibration sentences.
    const shingles = new ShingleTableBuilder();
    const sampler = new CalibrationSampler(calibrationStep(total));
    const stageOf: Array<string | null> = [];
    const chunkOffsets = new RowOffsets();
    keep(
      await store.writeStream(
        keys.indexFile(INDEX_FILES.chunks),
        jsonLines((c) => {
          shingles.add(c.idx, c.text);
          sampler.add(c.idx, c.doc_id, c.text);
          stageOf[c.idx] = c.stage;
          return { idx: c.idx, text: c.text };
        }, chunkOffsets),
      ),
    );
    keep(await store.write(keys.indexFile(INDEX_FILES.chunkOffsets), chunkOffsets.finish()));
    const metadataOffsets = new RowOffsets();
    keep(
      await store.writeStream(
        keys.indexFile(INDEX_FILES.metadata),
        jsonLines(
          (c): ChunkMetadata => ({
            idx: c.idx,
            doc_id: c.doc_id,
            corpus_stage: c.stage,
            source: c.source,
            start: c.start,
            end: c.end,
            tokens: c.tokens,
          }),
          metadataOffsets,
        ),
      ),
    );
    keep(await store.write(keys.indexFile(INDEX_FILES.metadataOffsets), metadataOffsets.finish()));
    const shingleTable = shingles.finish();
    keep(await store.write(keys.indexFile(INDEX_FILES.verbatim), encodeShingleTable(shingleTable)));
    keep(await store.copy(inputKey(ctx, 'embed', 'vectors'), keys.indexFile(INDEX_FILES.embeddings)));
    keep(await store.copy(inputKey(ctx, 'name', 'tree'), keys.indexFile(INDEX_FILES.tree)));
    // The named tree as annotate opens it: the node table and each chunk's row (pipeline/corpus-index/cluster-table.ts).
    const tree = await readJson<ClusterNode>(store, inputKey(ctx, 'name', 'tree'));
    if (!tree) throw new Error(`missing ${inputKey(ctx, 'name', 'tree')}`);
    const { rows: clusterRows, chunkRows } = clusterTableOf(tree, total);
    const clusters = new ClusterTable(clusterRows, chunkRows);
    keep(await store.write(keys.indexFile(INDEX_FILES.clusters), JSON.stringify(clusterRows)));
    keep(await store.write(keys.indexFile(INDEX_FILES.chunkClusters), encodeChunkRows(chunkRows)));
    for (const key of inputKeysUnder(ctx, 'embed', 'embedderDir')) {
      keep(await store.copy(key, keys.indexFile(INDEX_FILES.embedderDir, stageRelativeName(key).slice('embedder/'.length))));
    }

    const { ann, terms, stageModel: stageFacts } = upstreamFacts(ctx, 'ann');
    if (ann) keep(await store.copy(inputKey(ctx, 'ann', 'graph'), keys.indexFile(INDEX_FILES.ann)));
    if (terms) keep(await store.copy(inputKey(ctx, 'ann', 'postings'), keys.indexFile(INDEX_FILES.postings)));
    let stageModel: StageModel | null = null;
    if (stageFacts) {
      keep(await store.copy(inputKey(ctx, 'ann', 'stageModel'), keys.indexFile(INDEX_FILES.stageModel)));
      const buf = (await store.read(keys.indexFile(INDEX_FILES.stageModel)))!;
      stageModel = StageModel.fromNpy(buf, INDEX_FILES.stageModel, stageFacts.stages, stageFacts.chunks, STAGE_MODEL_ALPHA);
    }

    const facts = upstreamFacts(ctx, 'embed');
    const { embed } = ctx.config;
    const embedder = await loadEmbedder(facts.embedder, (name) => store.read(keys.indexFile(INDEX_FILES.embedderDir, name)), {
      onnxDir: embed.onnx?.dir,
      device: embed.device,
    });
    // A lexical index is searched over its postings: its vectors (which may pass 2 GiB) are not read, only their shape.
    const vectorsKey = keys.indexFile(INDEX_FILES.embeddings);
    const vectors = terms ? await matrixShape(store, vectorsKey) : await readMatrix(store, vectorsKey);
    // Calibration searches exactly: the same distances annotate sees (up to the graph's measured recall, for a dense index).
    const termIndex = terms ? termIndexFromBytes((await store.read(keys.indexFile(INDEX_FILES.postings)))!, INDEX_FILES.postings) : null;
    const calibration = await calibrate(
      indexSearchSource({
        embedder,
        terms: termIndex,
        vectors: 'data' in vectors ? exactIndex(vectors) : null,
        shingles: shingleTable,
        async fetchChunks(ids) {
          const found = new Map<number, { text: string }>();
          for await (const c of chunkRecords(ctx)) if (ids.has(c.idx)) found.set(c.idx, { text: c.text });
          return found;
        },
      }),
      sampler.finish(total),
      (idx) => ({ stage: stageOf[idx] ?? null, cluster: clusters.clusterOf(idx) }),
      stageModel,
    ).finally(() => (termIndex?.close(), embedder.close?.()));

    const clusterStats = (await readJson<Record<string, unknown>>(store, inputKey(ctx, 'cluster', 'stats'))) ?? {};
    const prepareFacts = upstreamFacts(ctx, 'prepare');
    const clusterFacts = upstreamFacts(ctx, 'cluster');
    keep(
      await writeJson(
        store,
        keys.indexFile(INDEX_FILES.stats),
        { ...clusterStats, prepare: ctx.upstream.prepare.facts, embed: ctx.upstream.embed.facts, search: { ann, terms }, calibration },
        true,
      ),
    );
    keep(await writeJson(store, keys.indexFile(INDEX_FILES.config), { corpus: ctx.corpus, ...portableConfig(ctx.config) }, true));

    const indexDir = keys.indexDir();
    const manifest: Manifest = {
      format: FORMAT_NAME,
      format_version: FORMAT_VERSION,
      run_id: keys.runId,
      code_version: CODE_VERSION,
      embedder: { id: facts.embedder, fingerprint: facts.fingerprint, dims: facts.dims },
      vectors: { file: INDEX_FILES.embeddings, dtype: facts.dtype, rows: vectors.rows, dims: vectors.dims, metric: 'cosine' },
      terms: terms ? { file: INDEX_FILES.postings, ...terms } : null,
      stage_model: stageFacts ? { file: INDEX_FILES.stageModel, ...stageFacts, alpha: STAGE_MODEL_ALPHA } : null,
      ann: ann ? { file: INDEX_FILES.ann, ...ann } : null,
      counts: {
        chunks: total,
        documents: prepareFacts.documents,
        clusters: clusterFacts.clusters,
        leaf_clusters: clusterFacts.leaves,
        per_stage: prepareFacts.perStage,
      },
      calibration,
      verbatim: { file: INDEX_FILES.verbatim, shingle_words: SHINGLE_WORDS, window: WINDOW, hash: 'fnv1a32', entries: shingleTable.length },
      files: Object.fromEntries(
        written.map((w) => [w.key.slice(indexDir.length + 1), { size: w.size, sha256: w.sha256 }] as const).sort(([a], [b]) => (a < b ? -1 : 1)),
      ),
    };
    await writeJson(store, keys.indexFile(INDEX_FILES.manifest), manifest, true);
    if (calibration) {
      const { cutoffs, cutoff_percentiles: at } = calibration;
      ctx.reporter.info(
        `  calibration (${calibration.sentences} corpus sentences, own document left out): known ≤ ${cutoffs.known} (p${at.known}), near ≤ ${cutoffs.near} (p${at.near}), novel above`,
      );
    }
    return { facts: { chunks: total } };
  },
});
