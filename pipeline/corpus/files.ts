/**
 * Finds the corpus files, assigns each its training stage, and fingerprints the set cheaply. Symlinked files and
 * folders are followed (loops and second paths to the same file are detected by real path); every file that is
 * not read is returned with the reason, so callers can say what was left out.
 */
import { constants } from 'node:fs';
import { access, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { TRAINING_STAGES, type CorpusSpec, type TrainingStage } from '../config.js';
import { CproxError, inputError } from '../errors.js';
import { hashValue } from '../hash.js';

export type Compression = 'gzip' | 'zstd' | null;

export interface CorpusFile {
  absPath: string;
  /** Path relative to the corpus root (the file name when the corpus is one file). */
  source: string;
  stage: TrainingStage | null;
  size: number;
  mtimeMs: number;
  compression: Compression;
}

/** A file or folder under the corpus that is not read, and why. */
export interface SkippedEntry {
  /** Path relative to the corpus root. */
  source: string;
  reason: string;
}

export interface CorpusListing {
  files: CorpusFile[];
  skipped: SkippedEntry[];
}

const EXTENSIONS: Record<CorpusSpec['format'], readonly string[]> = {
  jsonl: ['.jsonl', '.ndjson', '.json'],
  parquet: ['.parquet'],
  text: ['.txt', '.md', '.markdown'],
};
const FORMAT_NAME: Record<CorpusSpec['format'], string> = { jsonl: 'JSONL', parquet: 'Parquet', text: 'plain-text' };
/** A file documenting the corpus (README, README.md, readme.txt), never training data, at the corpus root or anywhere in a JSONL/Parquet corpus. */
const README = /^readme(\.[a-z]+)*$/i;
/** Compressions read as streams (gzip by node:zlib, zstd by fzstd); JSONL and text only, Parquet compresses inside. */
const COMPRESSED: Record<string, Exclude<Compression, null>> = { '.gz': 'gzip', '.zst': 'zstd' };
const UNSUPPORTED_COMPRESSION = ['.bz2', '.xz', '.lz4', '.zip', '.7z', '.br', '.tar', '.tgz'];

/** The nearest parent folder named pretrain, midtrain or sft, else the fallback. */
export function stageForPath(relPath: string, fallback: TrainingStage | undefined): TrainingStage | null {
  const dirs = relPath.split(/[\\/]/).slice(0, -1).reverse();
  for (const d of dirs) {
    const lower = d.toLowerCase();
    if ((TRAINING_STAGES as readonly string[]).includes(lower)) return lower as TrainingStage;
  }
  return fallback ?? null;
}

/** How a file name is read under `format`: its compression, or why it is skipped. */
export function classifyFile(name: string, format: CorpusSpec['format'], atRoot = true): { compression: Compression } | { skip: string } {
  const lower = name.toLowerCase();
  if (README.test(lower) && (atRoot || format !== 'text')) return { skip: 'a README (documentation of the corpus, not training data)' };
  const exts = EXTENSIONS[format];
  if (exts.some((e) => lower.endsWith(e))) return { compression: null };
  for (const [suffix, compression] of Object.entries(COMPRESSED)) {
    if (!lower.endsWith(suffix)) continue;
    const inner = lower.slice(0, -suffix.length);
    if (format !== 'parquet' && exts.some((e) => inner.endsWith(e))) return { compression };
  }
  for (const other of Object.keys(EXTENSIONS) as Array<CorpusSpec['format']>) {
    if (other !== format && EXTENSIONS[other].some((e) => lower.endsWith(e) || lower.endsWith(`${e}.gz`) || lower.endsWith(`${e}.zst`)))
      return { skip: `${FORMAT_NAME[other]} file (pass --format ${other} to read it)` };
  }
  const bad = UNSUPPORTED_COMPRESSION.find((s) => lower.endsWith(s));
  if (bad) return { skip: `${bad} compression is not supported (decompress it, or recompress with gzip or zstd)` };
  return { skip: `not a ${exts.join('/')} file` };
}

/** An index or artifact store written by this tool: never read back as corpus (its .jsonl files are chunks). */
function isOwnOutput(names: string[]): boolean {
  return (names.includes('manifest.json') && names.includes('embeddings.npy')) || (names.includes('runs') && names.includes('stages'));
}

function unreadable(file: string, e: unknown): CproxError {
  const code = (e as NodeJS.ErrnoException).code;
  const why =
    code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'ENOENT' ? 'broken symlink (its target does not exist)' : String(code ?? e);
  return inputError(file, undefined, `cannot read corpus file: ${why}`, 'fix its permissions or target, or move it out of the corpus folder');
}

class Walker {
  readonly found: { absPath: string; source: string; compression: Compression }[] = [];
  readonly skipped: SkippedEntry[] = [];
  /** Real path → first corpus path it was reached by: folders (loops, duplicates) and files (duplicates). */
  private readonly seen = new Map<string, string>();

  constructor(
    private readonly root: string,
    private readonly format: CorpusSpec['format'],
  ) {}

  private rel(p: string): string {
    return path.relative(this.root, p).split(path.sep).join('/') || '.';
  }

  /** True the first time a real path is met; otherwise records why this path is skipped. */
  private firstVisit(real: string, p: string, what: 'folder' | 'file'): boolean {
    const earlier = this.seen.get(real);
    if (earlier === undefined) {
      this.seen.set(real, this.rel(p));
      return true;
    }
    const loop = what === 'folder' && (earlier === '.' || this.rel(p).startsWith(`${earlier}/`));
    this.skipped.push({
      source: this.rel(p),
      reason: loop ? `symlink loop back to ${earlier === '.' ? 'the corpus root' : earlier}` : `same ${what} as ${earlier} (read once)`,
    });
    return false;
  }

  async walk(dir: string): Promise<void> {
    if (!this.firstVisit(await realpath(dir), dir, 'folder')) return;
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      throw inputError(
        dir,
        undefined,
        `cannot list corpus folder: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
        'fix its permissions, or move it out of the corpus folder',
      );
    }
    if (isOwnOutput(entries.map((e) => e.name))) {
      this.skipped.push({ source: this.rel(dir), reason: 'a corpus-proximity index or store' });
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const ent of entries) {
      const full = path.join(dir, ent.name);
      if (ent.name.startsWith('.')) {
        this.skipped.push({ source: this.rel(full), reason: 'hidden' }); // .git, .cache: not corpus
        continue;
      }
      let isDir = ent.isDirectory();
      let isFile = ent.isFile();
      if (ent.isSymbolicLink()) {
        const target = await stat(full).catch((e) => {
          throw unreadable(full, e);
        });
        isDir = target.isDirectory();
        isFile = target.isFile();
      }
      if (isDir) await this.walk(full);
      else if (isFile) this.addFile(full, await realpath(full));
      else this.skipped.push({ source: this.rel(full), reason: 'not a regular file (socket, FIFO or device)' });
    }
  }

  addFile(full: string, real: string): void {
    const kind = classifyFile(path.basename(full), this.format, path.dirname(full) === this.root);
    if ('skip' in kind) {
      this.skipped.push({ source: this.rel(full), reason: kind.skip });
      return;
    }
    if (this.firstVisit(real, full, 'file')) this.found.push({ absPath: full, source: this.rel(full), compression: kind.compression });
  }
}

export async function listCorpusFiles(spec: CorpusSpec): Promise<CorpusListing> {
  const root = path.resolve(spec.path);
  let rootStat;
  try {
    rootStat = await stat(root);
  } catch {
    throw new CproxError('NOT_FOUND', `corpus path does not exist: ${spec.path}`, {
      hint: 'pass --corpus with a JSONL/Parquet file or a folder that contains them',
    });
  }
  const base = rootStat.isDirectory() ? root : path.dirname(root);
  const walker = new Walker(base, spec.format);
  if (rootStat.isDirectory()) {
    await walker.walk(root);
    if (walker.found.length === 0) {
      const exts = EXTENSIONS[spec.format].join('/');
      throw new CproxError('EMPTY_CORPUS', `no ${exts} files under ${spec.path}${walker.skipped.length ? ` (${describeSkipped(walker.skipped)})` : ''}`, {
        hint: spec.format === 'jsonl' ? 'for Parquet files pass --format parquet, for .txt/.md files --format text' : `for JSONL files pass --format jsonl`,
      });
    }
  } else {
    // One file named on the command line is read whatever its extension, but its compression still counts.
    const kind = classifyFile(path.basename(root), spec.format);
    walker.found.push({ absPath: root, source: path.basename(root), compression: 'compression' in kind ? kind.compression : null });
  }
  const files: CorpusFile[] = [];
  for (const f of walker.found) {
    try {
      await access(f.absPath, constants.R_OK);
    } catch (e) {
      throw unreadable(f.absPath, e);
    }
    const s = await stat(f.absPath);
    // A single file still takes its stage from its own parent folders.
    const stageProbe = rootStat.isDirectory() ? f.source : f.absPath;
    files.push({ ...f, stage: stageForPath(stageProbe, spec.stage), size: s.size, mtimeMs: Math.trunc(s.mtimeMs) });
  }
  return { files, skipped: walker.skipped };
}

/** "3 not read: 2 not a .jsonl/.ndjson/.json file (README.md, notes.txt), 1 hidden (.git)". */
export function describeSkipped(skipped: readonly SkippedEntry[], examples = 3): string {
  const byReason = new Map<string, string[]>();
  for (const s of skipped) byReason.set(s.reason, [...(byReason.get(s.reason) ?? []), s.source]);
  const parts = [...byReason].map(([reason, list]) => {
    const shown = list.slice(0, examples).join(', ') + (list.length > examples ? `, … ${list.length - examples} more` : '');
    return `${list.length} ${reason} (${shown})`;
  });
  return `${skipped.length} not read: ${parts.join('; ')}`;
}

/** Identity of the corpus for run addressing: file names, sizes and mtimes (contents are not re-read). */
export function corpusFingerprint(files: CorpusFile[]): string {
  return hashValue(files.map((f) => [f.source, f.stage, f.size, f.mtimeMs]));
}
