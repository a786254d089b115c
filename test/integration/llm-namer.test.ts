/**
 * `--namer llm` against a local OpenAI-compatible server, through the CLI binary: every cluster named, prompts
 * carry the parent's name and the cluster's passages, retries, failures, fallback, cache, and the API key kept
 * out of every request body, artifact and log.
 */
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterNode } from '../../pipeline/corpus-index/tree.js';
import { runCli } from '../helpers/cli.js';
import { tempDir, writeYearsCorpus } from '../helpers/corpus.js';
import { startOpenAiServer, userPrompt, type RecordedRequest, type Reply } from '../helpers/openai-server.js';

const KEY = 'sk-test-DO-NOT-LEAK-4242';
let dir: string;
let cleanup: () => Promise<void>;
let corpus: string;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  // Big enough for a two-level tree: 1930–1965 addresses.
  corpus = await writeYearsCorpus(dir, 1930, 1966);
});
afterAll(() => cleanup());

/** A "model": the first distinctive keyword of the prompt plus the request number, wrapped in quotes and a period. */
function labeller(): (r: RecordedRequest, n: number) => Reply {
  return (r, n) => {
    const kw = /Distinctive keywords: ([^,\n(]+)/.exec(userPrompt(r))?.[1]?.split(' ')[0] ?? 'misc';
    return { content: `"${kw[0].toUpperCase()}${kw.slice(1)} Topic ${n}."` };
  };
}

async function index(name: string, server: { baseUrl: string }, extra: string[] = [], store = path.join(dir, `store-${name}`)) {
  const out = path.join(dir, `index-${name}`);
  const r = await runCli(
    [
      'index',
      '--corpus',
      corpus,
      '--output',
      out,
      '--store',
      store,
      '--yes',
      '--max-depth',
      '2',
      '--namer',
      'llm',
      '--llm-base-url',
      server.baseUrl,
      '--llm-model',
      'test-model',
      '--llm-max-retries',
      '2',
      ...extra,
    ],
    { env: { OPENAI_API_KEY: KEY } },
  );
  return { r, out, store };
}

const treeOf = async (out: string) => JSON.parse(await readFile(path.join(out, 'tree.json'), 'utf8')) as ClusterNode;
function* nodes(n: ClusterNode): Generator<ClusterNode> {
  yield n;
  for (const c of n.children) yield* nodes(c);
}

async function allFiles(root: string): Promise<string[]> {
  return (await readdir(root, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name));
}

describe('LLM namer', () => {
  it('names every non-root cluster, parents first, with the parent name and representative passages in each prompt', async () => {
    const server = await startOpenAiServer(labeller());
    try {
      const { r, out, store } = await index('basic', server);
      expect(r.code, r.stderr).toBe(0);
      const tree = await treeOf(out);
      const all = [...nodes(tree)].filter((n) => n.depth > 0);
      expect(all.some((n) => n.depth === 2)).toBe(true);
      for (const n of all) {
        expect(n.name_source, n.cluster_id).toBe('llm');
        expect(n.name).toMatch(/^[\w']+ Topic \d+$/); // quotes and trailing period cleaned
      }
      expect(server.requests).toHaveLength(all.length);
      for (const req of server.requests) {
        expect(req.body).toMatchObject({ model: 'test-model', temperature: 0 });
        expect(req.path).toBe('/v1/chat/completions');
        expect(req.headers.authorization).toBe(`Bearer ${KEY}`);
      }
      const chunks = (await readFile(path.join(out, 'chunks.jsonl'), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l).text as string).replace(/\s+/g, ' '));
      for (const child of all.filter((n) => n.depth === 2)) {
        const parent = all.find((p) => p.children.includes(child))!;
        const own = new Set(child.indices.map((i) => chunks[i].slice(0, 80)));
        const prompts = server.requests.map(userPrompt).filter((p) => p.includes(`Parent cluster: "${parent.name}"`));
        expect(
          prompts.some((p) => [...own].some((c) => p.includes(c))),
          child.cluster_id,
        ).toBe(true);
        // The parent was named before any of its children were asked about.
        const parentAsked = server.requests.findIndex((q) => userPrompt(q).includes(`Cluster size: ${parent.size} chunks`));
        const childAsked = server.requests.findIndex((q) => userPrompt(q).includes(`Parent cluster: "${parent.name}"`));
        expect(parentAsked).toBeLessThan(childAsked);
      }
      // The key reaches the server only in the Authorization header: never in a body, an artifact or the logs.
      expect(server.requests.some((q) => q.raw.includes(KEY))).toBe(false);
      for (const f of [...(await allFiles(store)), ...(await allFiles(out))]) expect((await readFile(f)).includes(KEY), f).toBe(false);
      expect(r.stderr + r.stdout).not.toContain(KEY);

      // A second naming of the same clusters is answered from the cache: zero requests.
      const before = server.requests.length;
      const nameMarkers = (await allFiles(store)).filter((f) => f.endsWith(path.join('name', '_COMPLETE.json')));
      for (const m of nameMarkers) await rm(m);
      const again = await index('basic', server);
      expect(again.r.code, again.r.stderr).toBe(0);
      expect(again.r.stderr).toMatch(/▸ name:/);
      expect(server.requests.length).toBe(before);
      expect(again.r.stderr).toMatch(/0 request\(s\), \d+ name\(s\) from cache/);
    } finally {
      await server.close();
    }
  });

  it('retries a 429 (Retry-After) and then succeeds', async () => {
    const label = labeller();
    const server = await startOpenAiServer((req, n) => (n === 1 ? { status: 429, headers: { 'retry-after': '0' } } : label(req, n)));
    try {
      const { r, out } = await index('retry', server);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/retry 1 in 0\.0 s: HTTP 429/);
      const named = [...nodes(await treeOf(out))].filter((n) => n.depth > 0);
      expect(server.requests).toHaveLength(named.length + 1);
    } finally {
      await server.close();
    }
  });

  it('a server that always fails ends in a clear error naming the cluster; --fallback keywords names by keywords instead', async () => {
    const server = await startOpenAiServer(() => ({ status: 503, headers: { 'retry-after': '0' } }));
    try {
      const { r, out } = await index('fail', server);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/error: naming cluster 0\.0 failed after 3 attempt\(s\): HTTP 503/);
      expect(r.stderr).toMatch(/hint: .*--fallback keywords/);
      await expect(readdir(out)).rejects.toThrow();

      const fb = await index('fallback', server, ['--fallback', 'keywords']);
      expect(fb.r.code, fb.r.stderr).toBe(0);
      expect(fb.r.stderr).toMatch(/warning: naming cluster 0\.0 failed .*using its keyword label/);
      for (const n of [...nodes(await treeOf(fb.out))].filter((x) => x.depth > 0)) expect(n.name_source).toBe('keywords (llm failed)');
    } finally {
      await server.close();
    }
  });

  it('re-asks once when a label is invalid or taken by a sibling, then falls back to keywords', async () => {
    // Always the same one-word answer: too short, and identical for every sibling.
    const server = await startOpenAiServer(() => ({ content: 'Politics' }));
    try {
      const { r, out } = await index('invalid', server);
      expect(r.code, r.stderr).toBe(0);
      const named = [...nodes(await treeOf(out))].filter((n) => n.depth > 0);
      expect(server.requests).toHaveLength(2 * named.length);
      const reask = server.requests[1].body.messages;
      expect(reask.at(-2)).toEqual({ role: 'assistant', content: 'Politics' });
      expect(reask.at(-1)!.content).toMatch(/cannot be used: it has 1 word, not 2 to 5/);
      for (const n of named) expect(n.name_source).toBe('keywords (llm answer invalid)');
    } finally {
      await server.close();
    }
  });

  it('--prompt-template replaces the bundled prompts (and a missing file is named)', async () => {
    const tpl = path.join(dir, 'prompts');
    await mkdir(tpl, { recursive: true });
    await writeFile(path.join(tpl, 'system.njk'), 'Name corpus clusters.');
    await writeFile(path.join(tpl, 'user.njk'), 'CUSTOM {{ cluster.id }} under {{ parent.name }}: {{ cluster.keywords | join("/") }}');
    const server = await startOpenAiServer((_r, n) => ({ content: `Custom Label ${n}` }));
    try {
      const { r } = await index('custom', server, ['--prompt-template', tpl]);
      expect(r.code, r.stderr).toBe(0);
      expect(userPrompt(server.requests[0])).toMatch(/^CUSTOM 0\.0 under Whole corpus: /);
      expect(server.requests[0].body.messages[0]).toEqual({ role: 'system', content: 'Name corpus clusters.' });
      await rm(path.join(tpl, 'user.njk'));
      const missing = await index('custom2', server, ['--prompt-template', tpl]);
      expect(missing.r.code).toBe(2);
      expect(missing.r.stderr).toMatch(/prompt template .*user\.njk is missing/);
    } finally {
      await server.close();
    }
  });

  it('explains missing LLM options', async () => {
    const r = await runCli(['index', '--corpus', corpus, '--output', path.join(dir, 'x'), '--yes', '--namer', 'llm']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--namer llm needs --llm-base-url and --llm-model/);
    const stray = await runCli(['index', '--corpus', corpus, '--output', path.join(dir, 'x'), '--yes', '--llm-model', 'm']);
    expect(stray.stderr).toMatch(/--llm-model only applies with --namer llm/);
  });
});
