/** Opens a local CorpusIndex for annotate: checks format version, files and embedder before anything is searched. */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { StageModel } from '../attribution/stage-model.js';
import { attributeSpans, type Attribution, type AttributeOptions, type IndexParts } from '../attribution/attribute.js';
import { loadEmbedder } from '../embedders/load.js';
import { CproxError } from '../errors.js';
import type { Matrix } from '../linalg/matrix.js';
import { readMatrixFile } from '../npy.js';
import { openHnsw } from '../search/hnsw.js';
import { openTermIndex } from '../search/term-index.js';
import { exactIndex, hnswIndex, type VectorIndex } from '../search/vector-index.js';
import { ChunkFiles } from './chunks.js';
import { ClusterTable } from './cluster-table.js';
import type { LoadEmbedderOptions } from '../embedders/load.js';
import { decodeShingleTable } from '../verbatim/shingles.js';
import { FORMAT_NAME, FORMAT_VERSION, INDEX_FILES, ManifestSchema, type Manifest } from './format.js';
import { checkIndexOnOpen } from './verify.js';

/**
 * An opened index: its parts (the term postings of a lexical index, read on demand; for a dense index the HNSW graph
 * memory-mapped when it has one, else the vectors in memory, searched exactly) and `attribute`, the question it answers.
 */
export interface LoadedIndex extends IndexParts {
  dir: string;
  attribute(spans: readonly string[], opts: AttributeOptions): Promise<Attribution[][]>;
  /** Closes the files the index holds open (chunk rows, term postings) and the embedder. */
  close(): Promise<void>;
}

const notAnIndex = (dir: string, why: string) =>
  new CproxError('BAD_INDEX', `${dir} is not a corpus index: ${why}`, {
    hint: 'pass the folder written by `corpus-proximity index --output DIR` (or `demo`)',
  });

export async function readManifest(dir: string): Promise<Manifest> {
  let raw: string;
  try {
    if (!(await stat(dir)).isDirectory()) throw notAnIndex(dir, 'it is a file');
    raw = await readFile(path.join(dir, INDEX_FILES.manifest), 'utf8');
  } catch (e) {
    if (e instanceof CproxError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw (await stat(dir).then(
        () => true,
        () => false,
      ))
        ? notAnIndex(dir, 'no manifest.json')
        : new CproxError('NOT_FOUND', `corpus index not found: ${dir}`, { hint: 'build one with `corpus-proximity index` or run `corpus-proximity demo`' });
    }
    throw e;
  }
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    throw notAnIndex(dir, 'manifest.json is not valid JSON');
  }
  if (json.format !== FORMAT_NAME) throw notAnIndex(dir, 'manifest.json is not a corpus-proximity manifest');
  if (json.format_version !== FORMAT_VERSION) {
    throw new CproxError(
      'INDEX_VERSION',
      `${dir} has index format version ${String(json.format_version)}, this corpus-proximity reads version ${FORMAT_VERSION}`,
      {
        hint: 'rebuild the index with this version (`corpus-proximity index`), or use the corpus-proximity release that built it',
      },
    );
  }
  const parsed = ManifestSchema.safeParse(json);
  if (!parsed.success) throw notAnIndex(dir, `manifest.json is malformed (${parsed.error.issues[0].path.join('.')}: ${parsed.error.issues[0].message})`);
  return parsed.data;
}

/** The node table and each chunk's cluster (index format 4), checked against the manifest's chunk count. */
export async function readClusterTable(dir: string, manifest: Manifest): Promise<ClusterTable> {
  try {
    const [rows, chunkRows] = await Promise.all([readFile(path.join(dir, INDEX_FILES.clusters)), readFile(path.join(dir, INDEX_FILES.chunkClusters))]);
    return ClusterTable.decode(rows, chunkRows, manifest.counts.chunks);
  } catch (e) {
    throw notAnIndex(dir, `${INDEX_FILES.clusters} / ${INDEX_FILES.chunkClusters}: ${(e as Error).message}`);
  }
}

export interface LoadIndexOptions extends LoadEmbedderOptions {
  /** Called before a file is hashed because it changed (or was never checked) since its last full check. */
  onHash?: (name: string, bytes: number) => void;
}

export async function loadIndex(dir: string, opts: LoadIndexOptions = {}): Promise<LoadedIndex> {
  const root = path.resolve(dir);
  const manifest = await readManifest(root);
  await checkIndexOnOpen(root, manifest, opts.onHash); // a tampered file is refused before the index answers
  const read = (name: string) => readFile(path.join(root, name));
  const embedder = await loadEmbedder(manifest.embedder.id, (name) => read(path.join(INDEX_FILES.embedderDir, name)).catch(() => null), opts);
  if (embedder.fingerprint !== manifest.embedder.fingerprint) {
    throw new CproxError('EMBEDDER_MISMATCH', `the embedder files in ${dir} do not match the fingerprint the index was built with`, {
      hint: `this index needs embedder ${manifest.embedder.id} with fingerprint ${manifest.embedder.fingerprint.slice(0, 12)}…; rebuild or re-sync it`,
    });
  }
  if (embedder.dims !== manifest.vectors.dims)
    throw notAnIndex(dir, `the embedder gives ${embedder.dims}-dim vectors, the index holds ${manifest.vectors.dims}`);
  // A lexical index is searched over its term postings and never reads its vectors (they serve clustering).
  const terms = manifest.terms ? openTermIndex(path.join(root, manifest.terms.file)) : null;
  const vectors = terms
    ? null
    : manifest.ann
      ? hnswIndex(openHnsw(path.join(root, manifest.ann.file), manifest.ann), path.join(root, manifest.vectors.file))
      : exactVectors(await readMatrixFile(path.join(root, manifest.vectors.file)), manifest, dir);
  const chunks = manifest.counts.chunks;
  const clusters = await readClusterTable(root, manifest);
  const shingles = manifest.verbatim ? decodeShingleTable(await read(manifest.verbatim.file)) : null;
  const sm = manifest.stage_model;
  const stageModel = sm ? StageModel.fromNpy(await read(sm.file), sm.file, sm.stages, sm.chunks, sm.alpha) : null;
  const chunkFiles = await ChunkFiles.open(root, chunks);
  const parts: IndexParts = {
    manifest,
    embedder,
    terms,
    vectors,
    clusters,
    shingles,
    stageModel,
    fetchChunks: (ids) => chunkFiles.fetch(ids),
  };
  const close = async () => {
    terms?.close();
    await chunkFiles.close();
    await embedder.close?.();
  };
  return { ...parts, dir: root, attribute: (spans, o) => attributeSpans(parts, spans, o), close };
}

function exactVectors(npy: Matrix, manifest: Manifest, dir: string): VectorIndex {
  if (npy.rows !== manifest.vectors.rows || npy.dims !== manifest.vectors.dims)
    throw notAnIndex(dir, `${manifest.vectors.file} shape disagrees with the manifest`);
  return exactIndex({ data: npy.data, rows: npy.rows, dims: npy.dims });
}
