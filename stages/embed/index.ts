/**
 * embed: make the embedder (fit the lexical one on the chunks, or open the ONNX model), record what a query needs in
 * embedder/, then stream every chunk through it into embeddings.npy (N×D, float32 or float16).
 *
 * Shardable: `runShard` embeds rows [i·N/S, (i+1)·N/S) into a shard file (a Batch array child does this on its own
 * GPU). A full run then concatenates every finished shard of its fingerprint, embedding only missing ones itself.
 */
import { embedIdentity } from '../../pipeline/config.js';
import type { Embedder } from '../../pipeline/embedders/embedder.js';
import { fitLexical } from '../../pipeline/embedders/lexical-fit.js';
import { LEXICAL_FILES, lexicalEmbedder, serializeLexicalModel } from '../../pipeline/embedders/lexical.js';
import { ONNX_REF_FILE, onnxRefFile } from '../../pipeline/embedders/load.js';
import { onnxEmbedder } from '../../pipeline/embedders/onnx.js';
import { float16Bytes, float32Bytes, npyHeader, NPY_DESCR } from '../../pipeline/npy.js';
import type { Progress } from '../../pipeline/reporter.js';
import type { Shard, StageContext } from '../../pipeline/runners/stage.js';
import { chunkCount, chunkRecords, defineStage, outputKey } from '../contracts.js';
import { joinKey, parseShardSet, partName } from '../../pipeline/store/keys.js';
import { readJson, writeJson, type WrittenObject } from '../../pipeline/store/store.js';
import { verifyOutputs } from '../../pipeline/markers.js';

/** Chunks per embed call; an ONNX embedder sorts each call's texts by length, so it gets more at once. */
const LEXICAL_BATCH = 512;
const ONNX_BATCH = 4096;

interface Made {
  embedder: Embedder;
  batch: number;
  facts: Record<string, unknown>;
  after?: () => Record<string, unknown>;
}

/** The embedder of this run; `record` writes what a query needs into embedder/ (not for a shard). */
async function makeEmbedder(ctx: StageContext, record: boolean): Promise<Made> {
  const cfg = ctx.config.embed;
  const write = (name: string, body: string | Uint8Array) => (record ? ctx.store.write(outputKey(ctx, 'embed', 'embedderDir', name), body) : null);
  if (cfg.embedder === 'onnx') {
    const e = await onnxEmbedder(cfg.onnx!.dir, { device: cfg.device, batchSize: cfg.batchSize, fingerprint: cfg.onnx!.fingerprint });
    await write(ONNX_REF_FILE, onnxRefFile(e));
    ctx.reporter.info(`  ${e.id}: ${e.dims} dims, ${e.model.settings.pooling} pooling, max ${e.model.settings.max_tokens} tokens, device ${cfg.device}`);
    return { embedder: e, batch: ONNX_BATCH, facts: { max_tokens: e.model.settings.max_tokens }, after: () => ({ truncated: e.truncated() }) };
  }
  const total = chunkCount(ctx);
  const model = await fitLexical({ texts: chunkTexts(ctx), total, progress: ctx.reporter.progress('fit vocabulary', total, 'chunks') }, cfg);
  const files = serializeLexicalModel(model);
  await write(LEXICAL_FILES.model, files.model);
  if (files.projection) await write(LEXICAL_FILES.projection, files.projection);
  ctx.reporter.info(`  vocabulary ${model.vocab.length.toLocaleString('en-US')} terms, ${model.dims} dims (${model.projectionKind})`);
  return { embedder: lexicalEmbedder(model), batch: LEXICAL_BATCH, facts: { vocabulary: model.vocab.length } };
}

async function* chunkTexts(ctx: StageContext, from = 0, to = Infinity): AsyncGenerator<string> {
  let i = 0;
  for await (const c of chunkRecords(ctx)) {
    if (i >= to) return;
    if (i++ >= from) yield c.text;
  }
}

/** Encoded vectors of rows [from, to), batch by batch; `progress` ticks once per row. */
async function* vectorBytes(ctx: StageContext, made: Made, from: number, to: number, progress: Progress): AsyncGenerator<Uint8Array> {
  const encode = ctx.config.embed.dtype === 'float16' ? float16Bytes : float32Bytes;
  let batch: string[] = [];
  const flush = async () => {
    const out = encode(await made.embedder.embed(batch, { kind: 'passage' }));
    progress.tick(batch.length);
    batch = [];
    return out;
  };
  for await (const text of chunkTexts(ctx, from, to)) {
    batch.push(text);
    if (batch.length === made.batch) yield await flush();
  }
  if (batch.length) yield await flush();
}

const shardRange = (total: number, s: Shard) => [Math.floor((s.index * total) / s.count), Math.floor(((s.index + 1) * total) / s.count)] as const;
const shardFile = (ctx: StageContext, s: Shard, ext: 'npy' | 'json') =>
  joinKey(ctx.keys.shardSet('embed', ctx.fingerprint, s.count), partName('part', s.index, ext));

interface ShardDone {
  index: number;
  count: number;
  rows: number;
  embedder: string;
  dims: number;
  /** The shard's vectors as written: verified before they are concatenated into the stage output. */
  file: WrittenObject;
}

async function embedShard(ctx: StageContext, made: Made, s: Shard, progress: Progress): Promise<void> {
  const [from, to] = shardRange(chunkCount(ctx), s);
  const { embedder } = made;
  async function* bytes() {
    yield npyHeader(to - from, embedder.dims, NPY_DESCR[ctx.config.embed.dtype]);
    yield* vectorBytes(ctx, made, from, to, progress);
  }
  const file = await ctx.store.writeStream(shardFile(ctx, s, 'npy'), bytes());
  const done: ShardDone = { index: s.index, count: s.count, rows: to - from, embedder: embedder.fingerprint, dims: embedder.dims, file };
  await writeJson(ctx.store, shardFile(ctx, s, 'json'), done, true); // written last: the shard is complete
}

/** The shard set of this fingerprint with the most finished shards, if any. */
async function findShardSet(ctx: StageContext, embedder: Embedder): Promise<{ count: number; done: Set<number> } | null> {
  const sets = new Map<number, Set<number>>();
  for (const key of await ctx.store.list(ctx.keys.shardSets('embed'))) {
    const set = parseShardSet(key.split('/').at(-2) ?? '');
    if (!set || !ctx.fingerprint.startsWith(set.fingerprint) || !key.endsWith('.json')) continue;
    const done = await readJson<ShardDone>(ctx.store, key).catch(() => null);
    if (!done || done.embedder !== embedder.fingerprint || done.count !== set.count || !done.file) continue;
    const problem = await verifyOutputs(ctx.store, [done.file]);
    if (problem) {
      ctx.reporter.warn(`embed shard ${done.index + 1} of ${done.count}: ${problem}; embedding it again`);
      continue;
    }
    sets.set(set.count, (sets.get(set.count) ?? new Set()).add(done.index));
  }
  const best = [...sets].sort((a, b) => b[1].size - a[1].size || a[0] - b[0])[0];
  return best ? { count: best[0], done: best[1] } : null;
}

function finish(ctx: StageContext, made: Made, rows: number, total: number, extra: Record<string, unknown> = {}) {
  const { embedder } = made;
  if (rows !== total) throw new Error(`embedded ${rows} chunks but prepare recorded ${total}`);
  const after = made.after?.() ?? {};
  if (Number(after.truncated) > 0) {
    ctx.reporter.warn(
      `${Number(after.truncated)} of ${total} chunks were longer than the model's max_tokens and were truncated; lower --chunk-tokens to embed whole chunks`,
    );
  }
  return {
    facts: {
      embedder: embedder.id,
      fingerprint: embedder.fingerprint,
      dims: embedder.dims,
      dtype: ctx.config.embed.dtype,
      rows,
      ...made.facts,
      ...after,
      ...extra,
    },
  };
}

export const embedStage = defineStage('embed', {
  description: 'make the embedder (fit the lexical one, or open the ONNX model) and embed every chunk',
  inputs: ['prepare'],
  configOf: ({ config }) => ({ embed: embedIdentity(config.embed) }),
  async runShard(ctx, shard) {
    const made = await makeEmbedder(ctx, false);
    const [from, to] = shardRange(chunkCount(ctx), shard);
    const progress = ctx.reporter.progress(`embed shard ${shard.index + 1}/${shard.count}`, to - from, 'chunks');
    try {
      await embedShard(ctx, made, shard, progress);
    } finally {
      await made.embedder.close?.();
    }
    progress.done();
  },
  async run(ctx) {
    const total = chunkCount(ctx);
    const made = await makeEmbedder(ctx, true);
    const { embedder } = made;
    const dtype = ctx.config.embed.dtype;
    const progress = ctx.reporter.progress('embed', total, 'chunks');
    try {
      const set = await findShardSet(ctx, embedder);
      if (!set) {
        let rows = 0;
        const counted: Progress = { ...progress, tick: (n = 1) => ((rows += n), progress.tick(n)) };
        async function* bytes() {
          yield npyHeader(total, embedder.dims, NPY_DESCR[dtype]);
          yield* vectorBytes(ctx, made, 0, total, counted);
        }
        await ctx.store.writeStream(outputKey(ctx, 'embed', 'vectors'), bytes());
        progress.done();
        return finish(ctx, made, rows, total);
      }
      // Shards other machines finished are used as they are; missing ones are embedded here, then all concatenated.
      const missing = Array.from({ length: set.count }, (_, i) => i).filter((i) => !set.done.has(i));
      ctx.reporter.info(
        `  ${set.done.size} of ${set.count} shards already embedded${missing.length ? `; embedding shard(s) ${missing.map((i) => i + 1).join(', ')} here` : ''}`,
      );
      for (const i of missing) await embedShard(ctx, made, { index: i, count: set.count }, progress);
      let rows = 0;
      async function* concatenated() {
        yield npyHeader(total, embedder.dims, NPY_DESCR[dtype]);
        for (let i = 0; i < set!.count; i++) {
          const s = { index: i, count: set!.count };
          const [from, to] = shardRange(total, s);
          const skip = npyHeader(to - from, embedder.dims, NPY_DESCR[dtype]).length;
          const stream = await ctx.store.readStream(shardFile(ctx, s, 'npy'));
          if (!stream) throw new Error(`shard ${i + 1} of ${set!.count} disappeared`);
          let seen = 0;
          for await (const part of stream as AsyncIterable<Buffer>) {
            const body = seen >= skip ? part : part.subarray(Math.min(part.length, skip - seen));
            seen += part.length;
            if (body.length) yield body;
          }
          rows += to - from;
        }
      }
      await ctx.store.writeStream(outputKey(ctx, 'embed', 'vectors'), concatenated());
      progress.done();
      return finish(ctx, made, rows, total, { shards: set.count, shardsEmbeddedElsewhere: set.done.size });
    } finally {
      await embedder.close?.();
    }
  },
});
