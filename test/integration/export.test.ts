/** Index format 4 through the CLI: `export` (the JSONL view) and chunks read by idx (the random-access files). */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChunkFiles } from '../../pipeline/corpus-index/chunks.js';
import { readClusterTable, readManifest } from '../../pipeline/corpus-index/load.js';
import type { ClusterNode } from '../../pipeline/corpus-index/tree.js';
import { buildStagedIndex, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/corpus.js';

let dir: string;
let cleanup: () => Promise<void>;
let indexDir: string;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  ({ indexDir } = await buildStagedIndex(dir));
}, 180_000);
afterAll(() => cleanup());

const jsonl = <T>(text: string) =>
  text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as T);

/** Oracle: the cluster of every chunk from tree.json's member lists (leaf, or the node whose noise it is). */
function clusterOfFromTree(root: ClusterNode): Map<number, ClusterNode[]> {
  const out = new Map<number, ClusterNode[]>();
  const visit = (node: ClusterNode, path: ClusterNode[]) => {
    for (const i of node.children.length ? node.noise_indices : node.indices) out.set(i, path);
    for (const c of node.children) visit(c, [...path, c]);
  };
  visit(root, []);
  return out;
}

describe('index format 4', () => {
  it('export writes one row per chunk with its text, stage, source and cluster path (checked against the full files and tree.json)', async () => {
    const r = await runCli(['export', '--corpus-index', indexDir]);
    expect(r.code, r.stderr).toBe(0);
    const rows = jsonl<{ idx: number; text: string; corpus_stage: string; doc_id: string; source: string; cluster_id: string; cluster_path: string[] }>(
      r.stdout,
    );
    const chunks = jsonl<{ idx: number; text: string }>(await readFile(path.join(indexDir, 'chunks.jsonl'), 'utf8'));
    const meta = jsonl<{ idx: number; corpus_stage: string; doc_id: string; source: string }>(await readFile(path.join(indexDir, 'metadata.jsonl'), 'utf8'));
    const tree = JSON.parse(await readFile(path.join(indexDir, 'tree.json'), 'utf8')) as ClusterNode;
    const paths = clusterOfFromTree(tree);
    expect(rows).toHaveLength(chunks.length);
    rows.forEach((row, i) => {
      expect(row.idx).toBe(i);
      expect(row.text).toBe(chunks[i].text);
      expect([row.corpus_stage, row.doc_id, row.source]).toEqual([meta[i].corpus_stage, meta[i].doc_id, meta[i].source]);
      const lineage = paths.get(i)!;
      expect(row.cluster_id).toBe(lineage.length ? lineage[lineage.length - 1].cluster_id : tree.cluster_id);
      expect(row.cluster_path).toEqual(lineage.map((n) => n.name));
    });
    expect(new Set(rows.map((x) => x.corpus_stage))).toEqual(new Set(['pretrain', 'midtrain', 'sft']));

    // To a file: atomically, the same bytes.
    const out = path.join(dir, 'export.jsonl');
    const f = await runCli(['export', '--corpus-index', indexDir, '--output', out]);
    expect(f.code, f.stderr).toBe(0);
    expect(await readFile(out, 'utf8')).toBe(r.stdout);
    const missing = await runCli(['export', '--corpus-index', path.join(dir, 'nope')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/corpus index not found/);
  });

  it('reads any chunk by idx through the offsets files, as a full scan reads it', async () => {
    const manifest = await readManifest(indexDir);
    const files = await ChunkFiles.open(indexDir, manifest.counts.chunks);
    try {
      const chunks = jsonl<{ idx: number; text: string }>(await readFile(path.join(indexDir, 'chunks.jsonl'), 'utf8'));
      const meta = jsonl<{ idx: number; source: string }>(await readFile(path.join(indexDir, 'metadata.jsonl'), 'utf8'));
      const ids = [0, chunks.length - 1, ...Array.from({ length: 40 }, (_, i) => Math.floor((i * 7919) % chunks.length))];
      const got = await files.fetch(ids);
      for (const id of ids) {
        expect(got.get(id)!.text).toBe(chunks[id].text);
        expect(got.get(id)!.meta).toEqual(meta[id]);
      }
      expect(() => files.get(chunks.length)).toThrow(/no row/);
    } finally {
      await files.close();
    }
    const table = await readClusterTable(indexDir, manifest);
    expect(table.chunks).toBe(manifest.counts.chunks);
  });

  it('a cluster table that disagrees with the manifest is refused, naming the files and the mismatch', async () => {
    const manifest = await readManifest(indexDir);
    const damaged = path.join(dir, 'damaged');
    await mkdir(damaged, { recursive: true });
    await copyFile(path.join(indexDir, 'clusters.json'), path.join(damaged, 'clusters.json'));
    await writeFile(path.join(damaged, 'chunk_clusters.u32'), Buffer.alloc(8));
    await expect(readClusterTable(damaged, manifest)).rejects.toThrow(/clusters\.json \/ chunk_clusters\.u32: holds 2 chunk rows, the index has \d+ chunks/);
    const rows = Buffer.alloc(4 * manifest.counts.chunks);
    rows.writeUInt32LE(1_000_000, 0);
    await writeFile(path.join(damaged, 'chunk_clusters.u32'), rows);
    await expect(readClusterTable(damaged, manifest)).rejects.toThrow(/chunk 0 points at cluster row 1000000/);
  });
});
