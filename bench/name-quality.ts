/**
 * Name quality over every named cluster of an index, in one pass over its chunks (memory does not grow with the
 * corpus): a placeholder is a name holding the cluster id, or none of whose terms occur in the cluster's chunks;
 * `member_share` is the mean share of a cluster's chunks holding one of its name's terms, `sibling_share` the same
 * share among its siblings' chunks (lower is more distinctive).
 */
import type { ClusterTable } from '../pipeline/corpus-index/cluster-table.js';
import { chunkTerms } from '../stages/name/keywords.js';

const round = (x: number) => Math.round(x * 1e4) / 1e4;

export interface NameQuality {
  named: number;
  placeholders: number;
  member_share: number;
  sibling_share: number;
}

export async function nameQuality(
  table: ClusterTable,
  chunks: AsyncIterable<{ idx: number; text: string }> | Iterable<{ idx: number; text: string }>,
): Promise<NameQuality> {
  const rows = table.rows;
  const rowOf = new Map(rows.map((r, i) => [r.cluster_id, i]));
  const children: number[][] = rows.map(() => []);
  rows.forEach((r, i) => {
    if (r.parent !== null) children[r.parent].push(i);
  });
  const nameTerms = rows.map((r) => r.name.toLowerCase().split(', '));
  const members = new Float64Array(rows.length);
  const memberHits = new Float64Array(rows.length);
  const others = new Float64Array(rows.length);
  const otherHits = new Float64Array(rows.length);
  for await (const c of chunks) {
    const terms = chunkTerms(c.text);
    const has = (row: number) => nameTerms[row].some((t) => terms.has(t));
    for (let a = rowOf.get(table.clusterOf(c.idx))!; rows[a].parent !== null; a = rows[a].parent!) {
      members[a]++;
      if (has(a)) memberHits[a]++;
      for (const s of children[rows[a].parent!]) {
        if (s === a) continue;
        others[s]++;
        if (has(s)) otherHits[s]++;
      }
    }
  }
  let placeholders = 0;
  const member: number[] = [];
  const sibling: number[] = [];
  rows.forEach((r, i) => {
    if (r.parent === null) return;
    const m = memberHits[i] / Math.max(1, members[i]);
    if (r.name.includes(r.cluster_id) || m === 0) placeholders++;
    member.push(m);
    if (others[i] > 0) sibling.push(otherHits[i] / others[i]);
  });
  const avg = (xs: number[]) => round(xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length));
  return { named: rows.length - 1, placeholders, member_share: avg(member), sibling_share: avg(sibling) };
}
