/**
 * A reproducible multi-stage corpus of any size for bench/scale.ts, resampled from the demo text (the State of the
 * Union addresses, stage by era as in the demo). Each document takes one address and copies runs of 1–8 of its
 * consecutive sentences (paragraphs of 2–6 sentences), so a document keeps its address's topic and era, its length is
 * log-uniform between 3 and 400 sentences, and no two documents are alike. Documents go to pretrain/, midtrain/ and
 * sft/ JSONL files of at most 64 MB, until the corpus holds about `chunks` windows of `chunkTokens` words.
 *
 * Written once per (chunks, chunkTokens, seed) under DIR, with `DIR.json` beside it (not inside: it would be read as a corpus file); an existing complete
 * corpus with the same parameters is kept as it is (same files, same mtimes: the same run id).
 */
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { stageOfYear } from '../cli/demo/corpus.js';
import { createRng } from '../pipeline/linalg/random.js';
import { splitSentences } from '../pipeline/text/segment.js';
import { addressesForBench } from './sotu.js';

export interface ScaleCorpusSpec {
  chunks: number;
  chunkTokens: number;
  seed: number;
}

export interface ScaleCorpusFacts extends ScaleCorpusSpec {
  documents: number;
  words: number;
  /** Σ ceil(words / chunkTokens) over documents: about the chunks prepare will cut. */
  expected_chunks: number;
  bytes: number;
  files: number;
  per_stage: Record<string, { documents: number; words: number }>;
}

const FILE_BYTES = 64 * 1024 * 1024;

export async function writeScaleCorpus(dir: string, spec: ScaleCorpusSpec): Promise<ScaleCorpusFacts> {
  const metaFile = `${dir}.json`;
  if (existsSync(metaFile)) {
    const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as ScaleCorpusFacts;
    if (meta.chunks === spec.chunks && meta.chunkTokens === spec.chunkTokens && meta.seed === spec.seed) return meta;
  }
  rmSync(dir, { recursive: true, force: true });
  const addresses = addressesForBench().map((a) => ({
    stage: stageOfYear(a.year),
    year: a.year,
    sentences: splitSentences(a.text).map((s) => s.text),
  }));
  const rng = createRng(spec.seed);
  const facts: ScaleCorpusFacts = { ...spec, documents: 0, words: 0, expected_chunks: 0, bytes: 0, files: 0, per_stage: {} };
  const writers = new Map<string, { out: ReturnType<typeof createWriteStream>; bytes: number; part: number }>();
  const writerFor = async (stage: string) => {
    let w = writers.get(stage);
    if (w && w.bytes < FILE_BYTES) return w;
    if (w) {
      w.out.end();
      await once(w.out, 'finish');
    }
    const part = w ? w.part + 1 : 0;
    mkdirSync(path.join(dir, stage), { recursive: true });
    w = { out: createWriteStream(path.join(dir, stage, `part-${String(part).padStart(3, '0')}.jsonl`)), bytes: 0, part };
    writers.set(stage, w);
    facts.files++;
    return w;
  };

  while (facts.expected_chunks < spec.chunks) {
    const a = addresses[rng.int(addresses.length)];
    const want = Math.round(3 * Math.exp(rng.next() * Math.log(400 / 3)));
    const paragraphs: string[] = [];
    let paragraph: string[] = [];
    let paragraphLength = 2 + rng.int(5);
    let taken = 0;
    while (taken < want) {
      const run = 1 + rng.int(8);
      const start = rng.int(a.sentences.length);
      for (let s = start; s < Math.min(a.sentences.length, start + run) && taken < want; s++, taken++) {
        paragraph.push(a.sentences[s]);
        if (paragraph.length >= paragraphLength) {
          paragraphs.push(paragraph.join(' '));
          paragraph = [];
          paragraphLength = 2 + rng.int(5);
        }
      }
    }
    if (paragraph.length) paragraphs.push(paragraph.join(' '));
    const text = paragraphs.join('\n\n');
    const words = text.split(/\s+/).filter(Boolean).length;
    const line = JSON.stringify({ id: `doc-${facts.documents}-${a.year}`, text }) + '\n';
    const w = await writerFor(a.stage);
    if (!w.out.write(line)) await once(w.out, 'drain');
    w.bytes += Buffer.byteLength(line);
    facts.bytes += Buffer.byteLength(line);
    facts.documents++;
    facts.words += words;
    facts.expected_chunks += Math.ceil(words / spec.chunkTokens);
    const s = (facts.per_stage[a.stage] ??= { documents: 0, words: 0 });
    s.documents++;
    s.words += words;
  }
  for (const w of writers.values()) {
    w.out.end();
    await once(w.out, 'finish');
  }
  writeFileSync(metaFile, JSON.stringify(facts, null, 2) + '\n');
  return facts;
}
