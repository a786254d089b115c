/**
 * The space the cluster tree is built in, which need not be the space search runs in.
 *
 * - `lsa` (the default for the lexical embedder): each chunk's TF-IDF (the dense view, stopwords left out) projected
 *   on the top `lsaDims` singular vectors of the TF-IDF matrix of an even sample of `lsaSample` chunks. Random
 *   projection keeps search usable, because annotate rescores candidates exactly, but it buries the topics in noise;
 *   LSA keeps the directions the corpus varies along (bench/cluster-quality.ts, README "Clustering").
 * - `vectors` (the default for ONNX embedders): the index's own vectors.
 *
 * Either way, with `documentWeight` W > 0 each chunk then moves toward its document's mean (document-space.ts).
 */
import type { ClusterConfig } from '../../pipeline/config.js';
import { fitSvdProjection } from '../../pipeline/embedders/lexical-fit.js';
import { LEXICAL_FILES, lexicalEmbedder, parseLexicalModel } from '../../pipeline/embedders/lexical.js';
import type { Matrix } from '../../pipeline/linalg/matrix.js';
import type { StageContext } from '../../pipeline/runners/stage.js';
import { CproxError } from '../../pipeline/errors.js';
import { readMatrix } from '../../pipeline/store/store.js';
import { chunkCount, chunkRecords, inputKey, upstreamFacts } from '../contracts.js';
import { documentSmoothed } from './document-space.js';

const BATCH = 1024;

export interface ClusterSpace {
  space: Matrix;
  /** For stats.json: what the tree was built in. */
  facts: { space: 'lsa' | 'vectors'; dims: number; document_weight: number; documents?: number; lsa_sample?: number };
}

/** The resolved space: `auto` is LSA when the index has a lexical embedder, its vectors otherwise. */
export function spaceKind(cfg: ClusterConfig, lexical: boolean): 'lsa' | 'vectors' {
  return cfg.space === 'auto' ? (lexical ? 'lsa' : 'vectors') : cfg.space;
}

/** The space of the index's chunks; the vectors file (`vectorsKey`) is read only when the tree is built on it. */
export async function clusterSpace(ctx: StageContext, vectorsKey: string): Promise<ClusterSpace> {
  const cfg = ctx.config.cluster;
  const lexical = upstreamFacts(ctx, 'embed').embedder === 'lexical';
  const kind = spaceKind(cfg, lexical);
  if (kind === 'lsa' && !lexical) {
    throw new CproxError('BAD_INPUT', 'the LSA cluster space needs the lexical embedder, and this index was embedded with another', {
      hint: 'use --cluster-space vectors (or auto) with an ONNX embedder',
    });
  }
  const modelJson = kind === 'lsa' ? await ctx.store.read(inputKey(ctx, 'embed', 'embedderDir', LEXICAL_FILES.model)) : null;
  const total = chunkCount(ctx);
  const weight = cfg.documentWeight;

  // One pass: the document of every chunk (chunks of one document are consecutive) and the even LSA fit sample.
  const docOf = new Int32Array(total);
  const sampleSize = kind === 'lsa' ? Math.min(total, cfg.lsaSample) : 0;
  const sample: string[] = [];
  let doc = -1;
  let lastDoc: string | null = null;
  if (weight > 0 || sampleSize > 0) {
    let i = 0;
    for await (const c of chunkRecords(ctx)) {
      if (c.doc_id !== lastDoc) {
        doc++;
        lastDoc = c.doc_id;
      }
      if (c.idx < docOf.length) docOf[c.idx] = doc;
      if (sample.length < sampleSize && i === Math.floor((sample.length * total) / sampleSize)) sample.push(c.text);
      i++;
    }
  }
  const documents = weight > 0 ? { documents: doc + 1 } : {};
  if (kind === 'vectors') {
    const vectors = await readMatrix(ctx.store, vectorsKey);
    if (vectors.rows !== total) throw new Error(`${vectorsKey} holds ${vectors.rows} rows, the index has ${total} chunks`);
    return { space: documentSmoothed(vectors, docOf, weight), facts: { space: kind, dims: vectors.dims, document_weight: weight, ...documents } };
  }

  if (!modelJson) throw new Error(`missing ${inputKey(ctx, 'embed', 'embedderDir', LEXICAL_FILES.model)}`);
  const base = parseLexicalModel(modelJson, null);
  const dims = Math.min(cfg.lsaDims, Math.max(2, sample.length - 1));
  const projection = fitSvdProjection(base, sample, dims, cfg.seed);
  // The svd model's last coordinate is the query's unknown-word share; passages leave it 0, so it is dropped here.
  const embedder = lexicalEmbedder({ ...base, projectionKind: 'svd', dims: dims + 1, projection });
  const data = new Float32Array(total * dims);
  const progress = ctx.reporter.progress('cluster space (LSA)', total, 'chunks');
  let batch: string[] = [];
  let row = 0;
  const flush = async () => {
    const out = await embedder.embed(batch, { kind: 'passage' });
    for (let r = 0; r < batch.length; r++) data.set(out.subarray(r * (dims + 1), r * (dims + 1) + dims), (row + r) * dims);
    row += batch.length;
    progress.tick(batch.length);
    batch = [];
  };
  for await (const c of chunkRecords(ctx)) {
    batch.push(c.text);
    if (batch.length === BATCH) await flush();
  }
  if (batch.length) await flush();
  progress.done();
  const lsa: Matrix = { data, rows: total, dims };
  return {
    space: documentSmoothed(lsa, docOf, weight),
    facts: { space: kind, dims, document_weight: weight, ...documents, lsa_sample: sample.length },
  };
}
