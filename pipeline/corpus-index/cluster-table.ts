/**
 * The cluster tree as annotate opens it (index format 4): `clusters.json`, a small table of the tree's nodes (no
 * member lists), and `chunk_clusters.u32`, one little-endian uint32 per chunk: the row of the table that holds the
 * chunk (its leaf, or the node whose noise it is). Opening an index reads these two, never tree.json, whose member
 * lists grow with the corpus.
 */
import { z } from 'zod';
import type { ClusterNode } from './tree.js';

export const ClusterRowSchema = z.object({
  cluster_id: z.string(),
  /** Row of the parent; null for the root. */
  parent: z.number().int().nullable(),
  depth: z.number().int(),
  size: z.number().int(),
  silhouette: z.number(),
  name: z.string(),
  name_source: z.string(),
});
export type ClusterRow = z.infer<typeof ClusterRowSchema>;
export const ClusterRowsSchema = z.array(ClusterRowSchema).min(1);

/** The node table (root first, depth-first) and each chunk's row. */
export function clusterTableOf(root: ClusterNode, chunks: number): { rows: ClusterRow[]; chunkRows: Uint32Array } {
  const rows: ClusterRow[] = [];
  const chunkRows = new Uint32Array(chunks);
  const visit = (node: ClusterNode, parent: number | null) => {
    const row = rows.length;
    rows.push({
      cluster_id: node.cluster_id,
      parent,
      depth: node.depth,
      size: node.size,
      silhouette: node.silhouette,
      name: node.name,
      name_source: node.name_source,
    });
    for (const i of node.children.length === 0 ? node.indices : node.noise_indices) chunkRows[i] = row;
    for (const c of node.children) visit(c, row);
  };
  visit(root, null);
  return { rows, chunkRows };
}

export function encodeChunkRows(chunkRows: Uint32Array): Buffer {
  const out = Buffer.alloc(chunkRows.length * 4);
  chunkRows.forEach((r, i) => out.writeUInt32LE(r, i * 4));
  return out;
}

/** An opened cluster table: names and paths by id, and the cluster of a chunk in O(1). */
export class ClusterTable {
  readonly byId: Map<string, ClusterRow>;
  constructor(
    readonly rows: readonly ClusterRow[],
    private readonly chunkRows: Uint32Array,
  ) {
    this.byId = new Map(rows.map((r) => [r.cluster_id, r]));
  }

  get root(): ClusterRow {
    return this.rows[0];
  }

  /** Id of the cluster that holds chunk `idx` (its leaf, or the node whose noise it is). */
  clusterOf(idx: number): string {
    return this.rows[this.chunkRows[idx]]?.cluster_id ?? this.root.cluster_id;
  }

  get chunks(): number {
    return this.chunkRows.length;
  }

  /** Names from the top level down to `id`: the cluster path a user reads. */
  path(id: string): string[] {
    const out: string[] = [];
    for (let row = this.byId.get(id); row && row.parent !== null; row = this.rows[row.parent]) out.unshift(row.name);
    return out;
  }

  /** Decodes the two files; `where` names them in errors. Throws a plain Error on a malformed table. */
  static decode(rowsJson: Buffer, chunkRowsBytes: Buffer, chunks: number): ClusterTable {
    const rows = ClusterRowsSchema.parse(JSON.parse(rowsJson.toString('utf8')));
    if (chunkRowsBytes.length !== chunks * 4) throw new Error(`holds ${chunkRowsBytes.length / 4} chunk rows, the index has ${chunks} chunks`);
    const chunkRows = new Uint32Array(chunks);
    for (let i = 0; i < chunks; i++) {
      const r = chunkRowsBytes.readUInt32LE(i * 4);
      if (r >= rows.length) throw new Error(`chunk ${i} points at cluster row ${r}, the table has ${rows.length}`);
      chunkRows[i] = r;
    }
    return new ClusterTable(rows, chunkRows);
  }
}

/** All nodes of a tree as table rows, for code that holds the tree itself (the build). */
export function clusterTableFromTree(root: ClusterNode, chunks: number): ClusterTable {
  const { rows, chunkRows } = clusterTableOf(root, chunks);
  return new ClusterTable(rows, chunkRows);
}
