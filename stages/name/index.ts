/** name: label every cluster (keywords namer), parents before children, and record the namer in tree.json. */
import { readChunkRecords } from '../../pipeline/corpus/chunk-records.js';
import { walkTree, type ClusterNode } from '../../pipeline/corpus-index/tree.js';
import type { StageDefinition } from '../../pipeline/runners/stage.js';
import { readJson, writeJson } from '../../pipeline/store/store.js';
import { CLUSTER_ARTIFACTS } from '../cluster/index.js';
import { chunkTerms, labelSiblings, type TermCounts } from './keywords.js';

export const NAME_ARTIFACTS = { tree: 'tree.json' } as const;
export const ROOT_NAME = 'Whole corpus';

/** Ids of a node and its ancestors: "0.2.1" → ["0", "0.2", "0.2.1"]. */
export function pathIds(id: string): string[] {
  const parts = id.split('.');
  return parts.map((_, i) => parts.slice(0, i + 1).join('.'));
}

export const nameStage: StageDefinition = {
  name: 'name',
  description: 'name the clusters (keywords namer)',
  inputs: ['prepare', 'cluster'],
  configOf: ({ config }) => ({ name: config.name }),
  async run(ctx) {
    const treeKey = ctx.input('cluster', CLUSTER_ARTIFACTS.tree);
    const mapKey = ctx.input('cluster', CLUSTER_ARTIFACTS.chunkToCluster);
    const root = await readJson<ClusterNode>(ctx.store, treeKey);
    const chunkToCluster = await readJson<Record<string, string>>(ctx.store, mapKey);
    if (!root || !chunkToCluster) throw new Error(`missing ${treeKey} or ${mapKey}`);

    const counts = new Map<string, TermCounts>();
    // Term counts of every node that has children or siblings (leaves need theirs, parents serve as contrast).
    for (const node of walkTree(root)) counts.set(node.cluster_id, new Map());
    const progress = ctx.reporter.progress('count terms', root.size, 'chunks');
    for await (const chunk of readChunkRecords(ctx.store, ctx.upstream.prepare)) {
      const terms = chunkTerms(chunk.text);
      for (const id of pathIds(chunkToCluster[String(chunk.idx)] ?? root.cluster_id)) {
        const target = counts.get(id);
        if (!target) continue;
        for (const t of terms) target.set(t, (target.get(t) ?? 0) + 1);
      }
      progress.tick();
    }
    progress.done();

    root.name = ROOT_NAME;
    root.name_source = 'fixed';
    let named = 0;
    // Breadth-first: a parent is labelled before its children (the LLM namer relies on the same order).
    const queue: ClusterNode[] = [root];
    while (queue.length) {
      const node = queue.shift()!;
      if (!node.children.length) continue;
      const siblings = node.children.map((c) => ({ id: c.cluster_id, counts: counts.get(c.cluster_id)!, chunks: c.size }));
      const labels = labelSiblings(siblings, counts.get(node.cluster_id)!, ctx.config.name.terms);
      node.children.forEach((child, i) => {
        child.name = labels[i];
        child.name_source = labels[i].startsWith('Cluster ') ? 'fallback' : 'keywords';
        named++;
        queue.push(child);
      });
    }
    await writeJson(ctx.store, ctx.out(NAME_ARTIFACTS.tree), root);
    const top = root.children.map((c) => c.name).slice(0, 8);
    ctx.reporter.info(
      named === 0
        ? `  one cluster: the corpus (${root.size} chunks) was too small to split`
        : `  named ${named} cluster${named === 1 ? '' : 's'}; top level: ${top.join(' | ')}${root.children.length > 8 ? ' | …' : ''}`,
    );
    return { facts: { named } };
  },
};
