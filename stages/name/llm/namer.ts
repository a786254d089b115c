/**
 * The `llm` namer: level by level (parents first, as in the original Python plan), sibling groups of a level in parallel up to
 * `concurrency`, siblings within a group one after another so each prompt lists the names already chosen. Answers
 * are cleaned and validated (2–5 words, unique among siblings); an invalid answer is re-asked once, then the keyword
 * label is used and recorded as such. Names are cached in the artifact store by (template, model, prompt), so a
 * rerun, or a re-index that leaves a cluster and its context unchanged, makes no request.
 */
import type { LlmNamerConfig } from '../../../pipeline/config.js';
import type { ClusterNode } from '../../../pipeline/corpus-index/tree.js';
import { CproxError, isCproxError } from '../../../pipeline/errors.js';
import { hashValue } from '../../../pipeline/hash.js';
import type { ChatClient, ChatMessage } from '../../../pipeline/llm/chat-client.js';
import type { Reporter } from '../../../pipeline/reporter.js';
import { nameCacheKey } from '../../../pipeline/store/keys.js';
import { readJson, writeJson, type ArtifactStore } from '../../../pipeline/store/store.js';
import type { ClusterPromptContext, PromptTemplates } from './prompts.js';

export const NAME_SOURCES = { llm: 'llm', invalid: 'keywords (llm answer invalid)', failed: 'keywords (llm failed)' } as const;

/** Strips what models wrap labels in: quotes, "Label:", markdown, trailing punctuation. */
export function cleanLabel(raw: string): string {
  let s =
    raw
      .trim()
      .split('\n')
      .find((l) => l.trim()) ?? '';
  s = s.replace(/^\s*(?:cluster\s+)?label\s*[:-]\s*/i, '').replace(/[*_`#]/g, '');
  s = s.trim().replace(/^["'“”‘’«»]+|["'“”‘’«»]+$/g, '');
  return s
    .replace(/[\s.,;:!?]+$/u, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Why a label is unusable, or null when it is fine. */
export function labelProblem(label: string, siblings: readonly string[]): string | null {
  const words = label.split(' ').filter(Boolean).length;
  if (words < 2 || words > 5) return `it has ${words} word${words === 1 ? '' : 's'}, not 2 to 5`;
  if (/["“”]/.test(label)) return 'it contains quotes';
  if (siblings.some((s) => s.toLowerCase() === label.toLowerCase())) return `a sibling cluster is already called "${label}"`;
  return null;
}

export interface LlmNamingInput {
  root: ClusterNode;
  /** Keyword label per cluster id: prompt material and the fallback. */
  keywordLabels: Map<string, string>;
  /** Top keywords per cluster id for the prompt. */
  keywords: Map<string, string[]>;
  /** Representative chunk texts per cluster id (already truncated). */
  representatives: Map<string, string[]>;
  totalChunks: number;
}

export interface LlmNamingDeps {
  client: ChatClient;
  templates: PromptTemplates;
  store: ArtifactStore;
  config: LlmNamerConfig;
  reporter: Reporter;
}

async function pool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]);
  });
  await Promise.all(workers);
}

export async function nameTreeWithLlm(input: LlmNamingInput, deps: LlmNamingDeps): Promise<{ requests: number; cached: number; fallbacks: number }> {
  const { client, templates, store, config, reporter } = deps;
  const stats = { requests: 0, cached: 0, fallbacks: 0 };
  const progress = reporter.progress('name clusters (llm)', countNodes(input.root) - 1, 'clusters');

  async function ask(messages: ChatMessage[], node: ClusterNode): Promise<string> {
    stats.requests++;
    return cleanLabel(await client.complete(messages, { what: `naming cluster ${node.cluster_id}` }));
  }

  async function nameOne(node: ClusterNode, parent: ClusterNode, path: string[], siblings: string[]): Promise<void> {
    const ctx: ClusterPromptContext = {
      corpus: { chunks: input.totalChunks },
      parent: { name: parent.name, path, is_root: parent.depth === 0 },
      cluster: {
        id: node.cluster_id,
        size: node.size,
        depth: node.depth,
        keywords: input.keywords.get(node.cluster_id) ?? [],
        representatives: input.representatives.get(node.cluster_id) ?? [],
      },
      siblings,
    };
    const { system, user } = templates.render(ctx);
    const messages: ChatMessage[] = [
      { role: 'system', content: system },
      { role: 'user', content: user },
    ];
    const cacheKey = nameCacheKey(hashValue({ template: templates.hash, model: config.model, messages }));
    const hit = await readJson<{ name?: string }>(store, cacheKey).catch(() => null);
    if (hit?.name && !labelProblem(hit.name, siblings)) {
      stats.cached++;
      node.name = hit.name;
      node.name_source = NAME_SOURCES.llm;
      return;
    }
    const fallback = (source: string) => {
      stats.fallbacks++;
      let label = input.keywordLabels.get(node.cluster_id) ?? `Cluster ${node.cluster_id}`;
      if (siblings.some((s) => s.toLowerCase() === label.toLowerCase())) label = `${label} (${node.cluster_id})`;
      node.name = label;
      node.name_source = source;
    };
    try {
      let label = await ask(messages, node);
      let problem = labelProblem(label, siblings);
      if (problem) {
        // Re-ask once, saying what was wrong.
        label = await ask(
          [
            ...messages,
            { role: 'assistant', content: label },
            { role: 'user', content: `That label cannot be used: ${problem}. Reply with a different label of 2 to 5 words only.` },
          ],
          node,
        );
        problem = labelProblem(label, siblings);
      }
      if (problem) return fallback(NAME_SOURCES.invalid);
      node.name = label;
      node.name_source = NAME_SOURCES.llm;
      await writeJson(store, cacheKey, { name: label, model: config.model });
    } catch (e) {
      if (config.fallback !== 'keywords') {
        throw isCproxError(e)
          ? e
          : new CproxError('STAGE_FAILED', `naming cluster ${node.cluster_id} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
      reporter.warn(`${e instanceof Error ? e.message : String(e)}; using its keyword label (--fallback keywords)`);
      fallback(NAME_SOURCES.failed);
    } finally {
      progress.tick();
    }
  }

  // Breadth-first by level: every parent is named before its children are asked about.
  let level: Array<{ node: ClusterNode; path: string[] }> = [{ node: input.root, path: [] }];
  while (level.length) {
    const parents = level.filter((p) => p.node.children.length);
    await pool(parents, config.concurrency, async ({ node: parent, path }) => {
      const chosen: string[] = [];
      for (const child of parent.children) {
        await nameOne(child, parent, path, chosen);
        chosen.push(child.name);
      }
    });
    level = parents.flatMap(({ node, path }) => node.children.map((c) => ({ node: c, path: [...path, c.name] })));
  }
  progress.done();
  return stats;
}

function countNodes(n: ClusterNode): number {
  return 1 + n.children.reduce((s, c) => s + countNodes(c), 0);
}
