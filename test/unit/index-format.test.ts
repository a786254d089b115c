/** Index format 4's random-access pieces against plain oracles: byte offsets of written rows, the cluster table. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ChunkFiles, RowOffsets } from '../../pipeline/corpus-index/chunks.js';
import { ClusterTable, clusterTableOf, encodeChunkRows } from '../../pipeline/corpus-index/cluster-table.js';
import { buildChunkToCluster, type ClusterNode } from '../../pipeline/corpus-index/tree.js';

const node = (id: string, indices: number[], children: ClusterNode[] = [], noise: number[] = []): ClusterNode => ({
  cluster_id: id,
  depth: id.split('.').length - 1,
  size: indices.length,
  silhouette: 0,
  indices,
  noise_indices: noise,
  sample_texts: [],
  children,
  name: `name ${id}`,
  name_source: 'keywords',
});

describe('index format 4', () => {
  it('row offsets count bytes, not characters, across batches; every chunk reads back by idx', async () => {
    const texts = ['plain', 'déjà vu — “quoted”', '日本語のテキスト', 'emoji 🎉 and more', '', 'last'];
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cprox-format-'));
    try {
      const write = async (name: string, offsetsName: string, rows: string[]) => {
        const offsets = new RowOffsets();
        const batches = [rows.slice(0, 2), rows.slice(2, 5), rows.slice(5)].map((b) => b.join('\n') + '\n');
        batches.forEach((b) => offsets.add(b));
        await writeFile(path.join(dir, name), batches.join(''));
        await writeFile(path.join(dir, offsetsName), offsets.finish());
      };
      await write(
        'chunks.jsonl',
        'chunks.offsets.u64',
        texts.map((text, idx) => JSON.stringify({ idx, text })),
      );
      const meta = texts.map((_, idx) => ({ idx, doc_id: `d${idx}`, corpus_stage: 'sft', source: 'x.jsonl', start: 0, end: 1, tokens: 1 }));
      await write(
        'metadata.jsonl',
        'metadata.offsets.u64',
        meta.map((m) => JSON.stringify(m)),
      );
      const files = await ChunkFiles.open(dir, texts.length);
      try {
        const got = await files.fetch([5, 3, 1, 0, 2, 4, 3]);
        expect([...got.keys()]).toEqual([0, 1, 2, 3, 4, 5]);
        texts.forEach((t, i) => {
          expect(got.get(i)!.text).toBe(t);
          expect(got.get(i)!.meta).toEqual(meta[i]);
        });
      } finally {
        await files.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("the cluster table gives every chunk the cluster tree.json's member lists give it, and the path of names", () => {
    // Root noise 9; 0.0 is split (noise 2) into leaves 0.0.0 and 0.0.1; 0.1 is a leaf.
    const tree = node(
      '0',
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      [node('0.0', [0, 1, 2, 3, 4], [node('0.0.0', [0, 1]), node('0.0.1', [3, 4])], [2]), node('0.1', [5, 6, 7, 8])],
      [9],
    );
    const { rows, chunkRows } = clusterTableOf(tree, 10);
    const bytes = encodeChunkRows(chunkRows);
    const table = ClusterTable.decode(Buffer.from(JSON.stringify(rows)), bytes, 10);
    const oracle = buildChunkToCluster(tree);
    for (let i = 0; i < 10; i++) expect(table.clusterOf(i)).toBe(oracle[String(i)]);
    expect(table.path('0.0.1')).toEqual(['name 0.0', 'name 0.0.1']);
    expect(table.path('0')).toEqual([]);
    expect(rows.map((r) => r.parent)).toEqual([null, 0, 1, 1, 0]);
    expect(() => ClusterTable.decode(Buffer.from(JSON.stringify(rows)), bytes.subarray(4), 10)).toThrow(/holds 9 chunk rows/);
  });
});
