import { readFileSync } from 'node:fs';
import path from 'node:path';

const round = (x: number) => Math.round(x * 1000) / 1000;

/**
 * The naive reference of the issue: exact cosine k-NN over plain TF-IDF of the index's chunks (lower-cased words, no
 * stopword removal, no sublinear tf), stage from rank 1 and from a similarity-weighted vote over the top 5.
 */
export function naiveReference(indexDir: string, queries: ReadonlyArray<{ text: string; stage: string | null }>) {
  const read = (f: string) =>
    readFileSync(path.join(indexDir, f), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { text: string; corpus_stage: string | null });
  const texts = read('chunks.jsonl').map((c) => c.text);
  const stages = read('metadata.jsonl').map((m) => m.corpus_stage);
  const words = (t: string) => t.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? [];
  const df = new Map<string, number>();
  const tfs = texts.map((t) => {
    const tf = new Map<string, number>();
    for (const w of words(t)) tf.set(w, (tf.get(w) ?? 0) + 1);
    for (const w of tf.keys()) df.set(w, (df.get(w) ?? 0) + 1);
    return tf;
  });
  const idf = (w: string) => Math.log((texts.length + 1) / ((df.get(w) ?? 0) + 1)) + 1;
  const unit = (tf: Map<string, number>) => {
    const v = new Map([...tf].map(([w, n]) => [w, n * idf(w)] as const));
    const norm = Math.sqrt([...v.values()].reduce((s, x) => s + x * x, 0)) || 1;
    for (const [w, x] of v) v.set(w, x / norm);
    return v;
  };
  const postings = new Map<string, Array<[number, number]>>();
  tfs.forEach((tf, c) => {
    for (const [w, x] of unit(tf)) (postings.get(w) ?? postings.set(w, []).get(w)!).push([c, x]);
  });
  let rank1 = 0;
  let vote5 = 0;
  for (const q of queries) {
    const tf = new Map<string, number>();
    for (const w of words(q.text)) tf.set(w, (tf.get(w) ?? 0) + 1);
    const scores = new Map<number, number>();
    for (const [w, x] of unit(tf)) for (const [c, y] of postings.get(w) ?? []) scores.set(c, (scores.get(c) ?? 0) + x * y);
    const top = [...scores].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, 5);
    if (top[0] && stages[top[0][0]] === q.stage) rank1++;
    const byStage = new Map<string | null, number>();
    for (const [c, sim] of top) byStage.set(stages[c], (byStage.get(stages[c]) ?? 0) + sim);
    if ([...byStage].sort((a, b) => b[1] - a[1])[0]?.[0] === q.stage) vote5++;
  }
  return { stage_rank1: round(rank1 / queries.length), stage_vote5: round(vote5 / queries.length) };
}
