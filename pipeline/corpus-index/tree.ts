/** The cluster tree in the original Python plan's tree.json shape, plus helpers every consumer shares. */
export interface ClusterNode {
  cluster_id: string;
  depth: number;
  size: number;
  /** Silhouette of the split below this node, in [−1, 1]; 0 for a node that was not split, 1 for n < 10. */
  silhouette: number;
  /** Every chunk in this node (children's members plus noise), ascending. */
  indices: number[];
  /** Members that no child took; chunk_to_cluster maps them to this node. */
  noise_indices: number[];
  sample_texts: string[];
  children: ClusterNode[];
  name: string;
  /** Which namer produced `name` (e.g. "keywords"); empty before the name stage. */
  name_source: string;
}

export function* walkTree(node: ClusterNode): Generator<ClusterNode> {
  yield node;
  for (const c of node.children) yield* walkTree(c);
}

/** Leaf members → their leaf; noise → the node that holds it (the original Python plan's build_chunk_to_cluster_map, plus noise). */
export function buildChunkToCluster(root: ClusterNode): Record<string, string> {
  const map: Record<string, string> = {};
  for (const node of walkTree(root)) {
    const own = node.children.length === 0 ? node.indices : node.noise_indices;
    for (const i of own) map[String(i)] = node.cluster_id;
  }
  return map;
}

export function nodesById(root: ClusterNode): Map<string, ClusterNode> {
  return new Map([...walkTree(root)].map((n) => [n.cluster_id, n]));
}

/** The cluster ids from the top level down to `id` ("0.3.1" → ["0.3", "0.3.1"]; the root "0" → []). */
export function lineage(id: string): string[] {
  const parts = id.split('.');
  const out: string[] = [];
  for (let i = 2; i <= parts.length; i++) out.push(parts.slice(0, i).join('.'));
  return out;
}
