/**
 * The naming prompts: nunjucks templates `system.njk` and `user.njk`, bundled in stages/name/prompts/ or taken from
 * --prompt-template DIR. Their hash is part of the name stage's fingerprint and of every name-cache key.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import nunjucks from 'nunjucks';
import { CproxError } from '../../../pipeline/errors.js';
import { sha256 } from '../../../pipeline/hash.js';
import { packageAssetDir } from '../../../pipeline/package-root.js';

export const TEMPLATE_FILES = ['system.njk', 'user.njk'] as const;

/** The bundled prompts (stages/name/prompts/ in the package). */
export function bundledPromptDir(): string {
  return packageAssetDir('stages/name/prompts', 'user.njk');
}

export interface ClusterPromptContext {
  corpus: { chunks: number };
  parent: { name: string; path: string[]; is_root: boolean };
  cluster: { id: string; size: number; depth: number; keywords: string[]; representatives: string[] };
  siblings: string[];
}

export interface PromptTemplates {
  dir: string;
  /** sha256 over both template files. */
  hash: string;
  render(ctx: ClusterPromptContext): { system: string; user: string };
}

type TemplateFile = (typeof TEMPLATE_FILES)[number];
const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Both template files, in TEMPLATE_FILES order. */
function readTemplates(dir: string): Record<TemplateFile, string> {
  const read = (f: TemplateFile) => {
    const file = path.join(dir, f);
    try {
      return readFileSync(file, 'utf8');
    } catch {
      throw new CproxError('NOT_FOUND', `prompt template ${file} is missing`, {
        hint: `--prompt-template DIR must hold ${TEMPLATE_FILES.join(' and ')} (copy them from ${bundledPromptDir()})`,
      });
    }
  };
  return { 'system.njk': read('system.njk'), 'user.njk': read('user.njk') };
}

export function templateHash(dir: string | undefined): string {
  const t = readTemplates(dir ?? bundledPromptDir());
  return sha256(TEMPLATE_FILES.map((f) => t[f]).join('\u0000'));
}

export function loadTemplates(dir: string | undefined): PromptTemplates {
  const resolved = dir ?? bundledPromptDir();
  const sources = readTemplates(resolved);
  const env = new nunjucks.Environment(null, { autoescape: false, throwOnUndefined: true, trimBlocks: false });
  const compile = (f: TemplateFile) => {
    try {
      return new nunjucks.Template(sources[f], env, path.join(resolved, f), true);
    } catch (e) {
      throw new CproxError('BAD_INPUT', `prompt template ${path.join(resolved, f)} does not compile: ${errorText(e)}`);
    }
  };
  const compiled: Record<TemplateFile, nunjucks.Template> = { 'system.njk': compile('system.njk'), 'user.njk': compile('user.njk') };
  const render = (f: TemplateFile, ctx: ClusterPromptContext) => {
    try {
      return compiled[f].render(ctx).trim();
    } catch (e) {
      throw new CproxError('BAD_INPUT', `prompt template ${path.join(resolved, f)} failed to render: ${errorText(e)}`, {
        hint: 'templates may use corpus, parent (name, path, is_root), cluster (id, size, depth, keywords, representatives) and siblings',
      });
    }
  };
  return {
    dir: resolved,
    hash: templateHash(resolved),
    render: (ctx) => ({ system: render('system.njk', ctx), user: render('user.njk', ctx) }),
  };
}
