/** Finds the corpus files, assigns each its training stage, and fingerprints the set cheaply. */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { STAGE_NAMES, type CorpusSpec, type CorpusStage } from '../config.js';
import { CproxError } from '../errors.js';
import { hashValue } from '../hash.js';

export interface CorpusFile {
  absPath: string;
  /** Path relative to the corpus root (the file name when the corpus is one file). */
  source: string;
  stage: CorpusStage | null;
  size: number;
  mtimeMs: number;
}

const EXTENSIONS: Record<CorpusSpec['format'], readonly string[]> = {
  jsonl: ['.jsonl', '.ndjson', '.json'],
  parquet: ['.parquet'],
};

/** The nearest parent folder named pretrain, midtrain or sft, else the fallback. */
export function stageForPath(relPath: string, fallback: CorpusStage | undefined): CorpusStage | null {
  const dirs = relPath.split(/[\\/]/).slice(0, -1).reverse();
  for (const d of dirs) {
    const lower = d.toLowerCase();
    if ((STAGE_NAMES as readonly string[]).includes(lower)) return lower as CorpusStage;
  }
  return fallback ?? null;
}

/** An index or artifact store written by this tool: never read back as corpus (its .jsonl files are chunks). */
function isOwnOutput(names: string[]): boolean {
  return (names.includes('manifest.json') && names.includes('embeddings.npy')) || (names.includes('runs') && names.includes('stages'));
}

async function walk(dir: string, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  if (isOwnOutput(entries.map((e) => e.name))) return;
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const ent of entries) {
    if (ent.name.startsWith('.')) continue; // hidden files and folders (.git, .cache) are not corpus
    const full = path.join(dir, ent.name);
    if (ent.isDirectory()) await walk(full, out);
    else if (ent.isFile()) out.push(full);
  }
}

export async function listCorpusFiles(spec: CorpusSpec): Promise<CorpusFile[]> {
  const root = path.resolve(spec.path);
  let rootStat;
  try {
    rootStat = await stat(root);
  } catch {
    throw new CproxError('NOT_FOUND', `corpus path does not exist: ${spec.path}`, {
      hint: 'pass --corpus with a JSONL/Parquet file or a folder that contains them',
    });
  }
  const exts = EXTENSIONS[spec.format];
  let paths: string[];
  if (rootStat.isDirectory()) {
    const all: string[] = [];
    await walk(root, all);
    paths = all.filter((p) => exts.some((e) => p.toLowerCase().endsWith(e)));
    if (paths.length === 0) {
      throw new CproxError('EMPTY_CORPUS', `no ${exts.join('/')} files under ${spec.path}`, {
        hint: spec.format === 'jsonl' ? 'for Parquet files pass --format parquet' : 'for JSONL files pass --format jsonl',
      });
    }
  } else {
    paths = [root];
  }
  const base = rootStat.isDirectory() ? root : path.dirname(root);
  const files: CorpusFile[] = [];
  for (const p of paths) {
    const s = await stat(p);
    const source = path.relative(base, p).split(path.sep).join('/');
    // A single file still takes its stage from its own parent folders.
    const stageProbe = rootStat.isDirectory() ? source : p;
    files.push({ absPath: p, source, stage: stageForPath(stageProbe, spec.stage), size: s.size, mtimeMs: Math.trunc(s.mtimeMs) });
  }
  return files;
}

/** Identity of the corpus for run addressing: file names, sizes and mtimes (contents are not re-read). */
export function corpusFingerprint(files: CorpusFile[]): string {
  return hashValue(files.map((f) => [f.source, f.stage, f.size, f.mtimeMs]));
}
