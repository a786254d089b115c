/** Glue between the name stage and the LLM namer: prompt material from the artifacts, the client from the config. */
import { walkTree, type ClusterNode } from '../../../pipeline/corpus-index/tree.js';
import { CproxError } from '../../../pipeline/errors.js';
import { chatClient } from '../../../pipeline/llm/chat-client.js';
import type { StageContext } from '../../../pipeline/runners/stage.js';
import { readMatrix } from '../../../pipeline/store/store.js';
import { chunkRecords, inputKey } from '../../contracts.js';
import { pickTerms, rankTerms, type TermCounts } from '../keywords.js';
import { nameTreeWithLlm } from './namer.js';
import { loadTemplates } from './prompts.js';
import { nearestToCentroid } from './representatives.js';

const REPRESENTATIVES = 5;
const REPRESENTATIVE_CHARS = 200;
const PROMPT_KEYWORDS = 8;

export async function nameWithLlm(ctx: StageContext, root: ClusterNode, counts: Map<string, TermCounts>, keywordLabels: Map<string, string>) {
  const cfg = ctx.config.name.llm;
  if (!cfg) throw new CproxError('BAD_INPUT', '--namer llm needs --llm-base-url and --llm-model');
  const templates = loadTemplates(cfg.templateDir);

  const vectorsKey = inputKey(ctx, 'embed', 'vectors');
  const npy = await readMatrix(ctx.store, vectorsKey);
  const vectors = { data: npy.data, rows: npy.rows, dims: npy.dims };
  const keywords = new Map<string, string[]>();
  const repIds = new Map<string, number[]>();
  const parentOf = new Map<string, ClusterNode>();
  for (const node of walkTree(root)) for (const c of node.children) parentOf.set(c.cluster_id, node);
  const corpus = { counts: counts.get(root.cluster_id)!, chunks: root.size };
  for (const node of walkTree(root)) {
    if (node.depth === 0) continue;
    const parent = parentOf.get(node.cluster_id)!;
    keywords.set(node.cluster_id, pickTerms(rankTerms(counts.get(node.cluster_id)!, counts.get(parent.cluster_id)!, node.size, corpus), PROMPT_KEYWORDS));
    repIds.set(node.cluster_id, nearestToCentroid(vectors, node.indices, REPRESENTATIVES));
  }
  const wanted = new Set([...repIds.values()].flat());
  const texts = new Map<number, string>();
  for await (const c of chunkRecords(ctx)) {
    if (wanted.has(c.idx)) texts.set(c.idx, c.text.replace(/\s+/g, ' ').slice(0, REPRESENTATIVE_CHARS));
  }
  const representatives = new Map([...repIds].map(([id, ids]) => [id, ids.map((i) => texts.get(i) ?? '')]));

  const client = chatClient({
    baseUrl: cfg.baseUrl,
    model: cfg.model,
    apiKey: process.env[cfg.apiKeyEnv] || undefined,
    timeoutMs: cfg.timeoutMs,
    maxRetries: cfg.maxRetries,
    onRetry: ({ attempt, reason, delayMs }) => ctx.reporter.info(`  retry ${attempt} in ${(delayMs / 1000).toFixed(1)} s: ${reason}`),
  });
  ctx.reporter.info(`  asking ${cfg.model} at ${client.endpoint} (${cfg.concurrency} sibling group(s) at a time)`);
  const stats = await nameTreeWithLlm(
    { root, keywordLabels, keywords, representatives, totalChunks: root.size },
    { client, templates, store: ctx.store, config: cfg, reporter: ctx.reporter },
  );
  ctx.reporter.info(`  llm: ${stats.requests} request(s), ${stats.cached} name(s) from cache, ${stats.fallbacks} keyword fallback(s)`);
  return { llm: { model: cfg.model, template: templates.hash, ...stats } };
}
