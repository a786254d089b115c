/**
 * name: label every cluster, parents before children, and record in tree.json which namer produced each name.
 * The keyword labels are always computed (offline, cheap): they are the default names, the LLM's prompt material
 * and its fallback.
 */
import { walkTree, type ClusterNode } from '../../pipeline/corpus-index/tree.js';
import type { NameConfig } from '../../pipeline/config.js';
import type { StageContext } from '../../pipeline/runners/stage.js';
import { readJson, writeJson } from '../../pipeline/store/store.js';
import { chunkRecords, defineStage, inputKey, outputKey } from '../contracts.js';
import { chunkTerms, labelSiblings, type TermCounts } from './keywords.js';
import { nameWithLlm } from './llm/run.js';
import { templateHash } from './llm/prompts.js';

export const ROOT_NAME = 'Whole corpus';

/** Ids of a node and its ancestors: "0.2.1" → ["0", "0.2", "0.2.1"]. */
export function pathIds(id: string): string[] {
  const parts = id.split('.');
  return parts.map((_, i) => parts.slice(0, i + 1).join('.'));
}

/** What the names depend on: not the API key, endpoint, concurrency or retries, but the template's content. */
function nameFingerprint(cfg: NameConfig) {
  if (cfg.namer !== 'llm' || !cfg.llm) return { namer: cfg.namer, terms: cfg.terms };
  return { namer: cfg.namer, terms: cfg.terms, model: cfg.llm.model, fallback: cfg.llm.fallback, template: templateHash(cfg.llm.templateDir) };
}

/** Chunk-frequency of every term in every cluster (a chunk counts for its cluster and all ancestors). */
async function countClusterTerms(ctx: StageContext, root: ClusterNode, chunkToCluster: Record<string, string>): Promise<Map<string, TermCounts>> {
  const counts = new Map<string, TermCounts>();
  for (const node of walkTree(root)) counts.set(node.cluster_id, new Map());
  const progress = ctx.reporter.progress('count terms', root.size, 'chunks');
  for await (const chunk of chunkRecords(ctx)) {
    const terms = chunkTerms(chunk.text);
    for (const id of pathIds(chunkToCluster[String(chunk.idx)] ?? root.cluster_id)) {
      const target = counts.get(id)!;
      for (const t of terms) target.set(t, (target.get(t) ?? 0) + 1);
    }
    progress.tick();
  }
  progress.done();
  return counts;
}

/** Keyword labels, breadth-first, unique among siblings; written into the tree and returned by cluster id. */
function nameWithKeywords(root: ClusterNode, counts: Map<string, TermCounts>, terms: number): Map<string, string> {
  const labels = new Map<string, string>();
  const corpus = { counts: counts.get(root.cluster_id)!, chunks: root.size };
  for (const node of walkTree(root)) {
    if (!node.children.length) continue;
    const siblings = node.children.map((c) => ({ id: c.cluster_id, counts: counts.get(c.cluster_id)!, chunks: c.size, samples: c.sample_texts }));
    labelSiblings(siblings, counts.get(node.cluster_id)!, terms, corpus).forEach(({ label, source }, i) => {
      const child = node.children[i];
      child.name = label;
      child.name_source = source;
      labels.set(child.cluster_id, label);
    });
  }
  return labels;
}

export const nameStage = defineStage('name', {
  description: 'name the clusters',
  inputs: ['prepare', 'embed', 'cluster'],
  configOf: ({ config }) => ({ name: nameFingerprint(config.name) }),
  async run(ctx) {
    const treeKey = inputKey(ctx, 'cluster', 'tree');
    const mapKey = inputKey(ctx, 'cluster', 'chunkToCluster');
    const root = await readJson<ClusterNode>(ctx.store, treeKey);
    const chunkToCluster = await readJson<Record<string, string>>(ctx.store, mapKey);
    if (!root || !chunkToCluster) throw new Error(`missing ${treeKey} or ${mapKey}`);

    const counts = await countClusterTerms(ctx, root, chunkToCluster);
    root.name = ROOT_NAME;
    root.name_source = 'fixed';
    const keywordLabels = nameWithKeywords(root, counts, ctx.config.name.terms);
    const named = keywordLabels.size;
    let llmFacts = {};
    if (ctx.config.name.namer === 'llm' && named > 0) llmFacts = await nameWithLlm(ctx, root, counts, keywordLabels);

    await writeJson(ctx.store, outputKey(ctx, 'name', 'tree'), root);
    const top = root.children.map((c) => c.name).slice(0, 8);
    ctx.reporter.info(
      named === 0
        ? `  one cluster: the corpus (${root.size} chunks) was too small to split`
        : `  named ${named} cluster${named === 1 ? '' : 's'} (${ctx.config.name.namer}); top level: ${top.join(' | ')}${root.children.length > 8 ? ' | …' : ''}`,
    );
    return { facts: { named, namer: ctx.config.name.namer, ...llmFacts } };
  },
});
