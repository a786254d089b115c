/**
 * Attribution on a held-out check (the attribution issue's measure), per corpus (bench/corpora.ts): every 10th
 * document of each source is left out of the index. Query rows:
 * - held-out: a sentence of a left-out document (its stage and source are known, its document is not indexed);
 * - copied: a sentence of an indexed document;
 * - planted: a held-out sentence with a run of 10–30 words copied from an indexed document planted in its middle;
 * - off-topic: a sentence in another language (translated man pages).
 * Every row goes through `annotateRows`, the code `annotate` runs. A row is scored by its sentence with the smallest
 * distance. Reported: stage and source accuracy, verdict confusion, book-span coverage / precision / stage of
 * planted runs, AUC of held-out against off-topic by that distance, throughput; then the vote accuracy per N and
 * weighting (re-voted offline from the same neighbours), and a naive reference (exact TF-IDF k-NN over the same
 * chunks, no stopword removal) at rank 1 and voting over 5.
 *
 *   npm run bench:attribution [-- --queries 300 --corpus sotu-era|mixed --dump DIR]
 * (--dump writes each query with its best sentence to DIR/<corpus>.jsonl.)
 * Prints one JSON line per corpus and measure.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { annotateRows, DEFAULT_NEIGHBOURS, type SentenceAnnotation } from '../pipeline/attribution/annotate.js';
import { voteOn } from '../pipeline/attribution/vote.js';
import { isLexical } from '../pipeline/embedders/lexical.js';
import { buildIndex } from '../pipeline/build-index.js';
import { resolveConfig, resolveCorpusSpec } from '../pipeline/config.js';
import { loadIndex } from '../pipeline/corpus-index/load.js';
import { createRng } from '../pipeline/linalg/random.js';
import { consoleReporter } from '../pipeline/reporter.js';
import { openStore } from '../pipeline/store/open.js';
import { splitSentences } from '../pipeline/text/segment.js';
import type { BookSpan } from '../pipeline/verbatim/book-spans.js';
import { STAGES } from '../stages/table.js';
import { foreignSentences, mixed, sotuEra, type BenchDoc } from './corpora.js';
import { naiveReference } from './naive-tfidf.js';

const args = process.argv.slice(2);
const arg = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const QUERIES = Number(arg('--queries') ?? 300) || 300;
const CORPORA: Record<string, () => BenchDoc[]> = { 'sotu-era': sotuEra, mixed };
const chosen = arg('--corpus') ? [arg('--corpus')!] : Object.keys(CORPORA);
const round = (x: number) => Math.round(x * 1000) / 1000;
const print = (o: Record<string, unknown>) => console.log(JSON.stringify(o));

type Kind = 'held-out' | 'copied' | 'planted' | 'off-topic';
interface Query {
  kind: Kind;
  text: string;
  stage: string | null;
  source: string | null;
  /** planted: the run's character range, and the stage of the document it was copied from. */
  run?: { start: number; end: number; stage: string };
}

const foreign = foreignSentences(QUERIES / 3);

for (const name of chosen) {
  const docs = CORPORA[name]();
  const heldOut = (i: number) => i % 10 === 5;
  const root = path.resolve('.bench-cache/attribution', name);
  await rm(path.join(root, 'corpus'), { recursive: true, force: true });
  const files = new Map<string, string[]>();
  docs.forEach((d, i) => {
    if (heldOut(i)) return;
    const file = path.join(root, 'corpus', d.stage, `${d.source}.jsonl`);
    (files.get(file) ?? files.set(file, []).get(file)!).push(JSON.stringify({ id: d.id, text: d.text }));
  });
  for (const [file, lines] of files) {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, lines.join('\n') + '\n');
  }
  const indexDir = path.join(root, 'index');
  await buildIndex({
    corpus: resolveCorpusSpec({ path: path.join(root, 'corpus') }),
    config: resolveConfig({}),
    store: await openStore(path.join(root, 'store')),
    outputDir: indexDir,
    stages: STAGES,
    reporter: consoleReporter({ quiet: true }),
  });
  const index = await loadIndex(indexDir);

  // ── queries ─────────────────────────────────────────────────────────────────────────────────────────────────
  const rng = createRng(11);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng.next() * xs.length)];
  // A held-out sentence must not occur in the index (mailing lists repeat footers and whole messages): none of its
  // 8-word runs may appear in an indexed document.
  const gramKeys = (text: string) => {
    const w = text.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? [];
    const out: string[] = [];
    for (let i = 0; i + 8 <= w.length; i++) out.push(w.slice(i, i + 8).join(' '));
    return out;
  };
  const indexedGrams = new Set(docs.flatMap((d, i) => (heldOut(i) ? [] : gramKeys(d.text))));
  const unseen = (s: string) => !gramKeys(s).some((g) => indexedGrams.has(g));
  const sentencesOf = (text: string, fresh = false) =>
    splitSentences(text)
      .map((s) => s.text)
      .filter((s) => s.split(/\s+/).length >= 8 && s.split(/\s+/).length <= 60 && (!fresh || unseen(s)));
  const withSentences = (pred: (i: number) => boolean, fresh = false) => docs.filter((d, i) => pred(i) && sentencesOf(d.text, fresh).length > 0);
  const left = withSentences(heldOut, true);
  const kept = withSentences((i) => !heldOut(i));
  const queries: Query[] = [];
  for (let i = 0; i < QUERIES; i++) {
    const h = pick(left);
    queries.push({ kind: 'held-out', text: pick(sentencesOf(h.text, true)), stage: h.stage, source: h.source });
    const c = pick(kept);
    queries.push({ kind: 'copied', text: pick(sentencesOf(c.text)), stage: c.stage, source: c.source });
    // A run of 10–30 words of an indexed document, planted in the middle of a held-out sentence.
    const host = pick(sentencesOf(pick(left).text, true));
    const donor = pick(kept);
    const words = [...donor.text.matchAll(/\S+/g)];
    const n = 10 + Math.floor(rng.next() * 21);
    const from = Math.floor(rng.next() * Math.max(1, words.length - n));
    const run = donor.text.slice(words[from].index, words[Math.min(words.length, from + n) - 1].index + words[Math.min(words.length, from + n) - 1][0].length);
    const cut = host.indexOf(' ', Math.floor(host.length / 2));
    const at = cut < 0 ? host.length : cut;
    const text = `${host.slice(0, at)} ${run.replace(/\s+/g, ' ')} ${host.slice(at + 1)}`.trim();
    queries.push({
      kind: 'planted',
      text,
      stage: null,
      source: null,
      run: { start: at + 1, end: at + 1 + run.replace(/\s+/g, ' ').length, stage: donor.stage },
    });
  }
  for (const f of foreign.slice(0, Math.ceil(QUERIES / 3))) queries.push({ kind: 'off-topic', text: f, stage: null, source: null });

  // ── the annotate path ───────────────────────────────────────────────────────────────────────────────────────
  const t0 = performance.now();
  const rows = await annotateRows(
    index,
    queries.map((q) => ({ row: {}, text: q.text })),
    { k: 3, neighbours: DEFAULT_NEIGHBOURS, phraseLevel: true, indexPath: indexDir },
  );
  const seconds = (performance.now() - t0) / 1000;
  const sentencesOfRow = (r: Record<string, unknown>) => r.sentences as SentenceAnnotation[];
  const best = rows.map((r) => [...sentencesOfRow(r)].sort((a, b) => a.distance - b.distance)[0]);
  const of = (kind: Kind) => queries.flatMap((q, i) => (q.kind === kind ? [i] : []));
  const share = (idx: number[], ok: (i: number) => boolean) => round(idx.filter(ok).length / Math.max(1, idx.length));
  const chunkSource = (s: SentenceAnnotation | undefined) =>
    s?.source
      ?.split('/')
      .at(-1)
      ?.replace(/\.jsonl$/, '') ?? null;
  const summary: Record<string, unknown> = {
    bench: 'attribution',
    corpus: name,
    chunks: index.manifest.counts.chunks,
    rows: rows.length,
    sentences: rows.reduce((s, r) => s + sentencesOfRow(r).length, 0),
    annotate_seconds: round(seconds),
    sentences_per_s: round(rows.reduce((s, r) => s + sentencesOfRow(r).length, 0) / seconds),
    calibration: index.manifest.calibration?.cutoffs,
  };
  for (const kind of ['held-out', 'copied'] as const) {
    const idx = of(kind);
    summary[`${kind}_stage`] = share(idx, (i) => best[i]?.stage === queries[i].stage);
    summary[`${kind}_source`] = share(idx, (i) => chunkSource(best[i]) === queries[i].source);
    summary[`${kind}_rank1_stage`] = share(idx, (i) => (rows[i].annotations as Array<{ corpus_stage: string }>)[0]?.corpus_stage === queries[i].stage);
  }
  // A copied sentence that occurs in documents of several stages (or sources) may take any of them.
  const squash = (t: string) => t.replace(/\s+/g, ' ').trim();
  const indexedDocs = docs.filter((_, i) => !heldOut(i)).map((d) => ({ ...d, flat: squash(d.text) }));
  const holders = (text: string) => indexedDocs.filter((d) => d.flat.includes(squash(text)));
  const copied = of('copied').map((i) => ({ i, holders: holders(queries[i].text) }));
  summary.copied_stage_any_holder = round(copied.filter(({ i, holders: h }) => h.some((d) => d.stage === best[i]?.stage)).length / copied.length);
  summary.copied_source_any_holder = round(copied.filter(({ i, holders: h }) => h.some((d) => d.source === chunkSource(best[i]))).length / copied.length);
  summary.copied_in_several_stages = round(copied.filter(({ holders: h }) => new Set(h.map((d) => d.stage)).size > 1).length / copied.length);
  const planted = of('planted');
  const spansOf = (i: number) => rows[i].book_spans as BookSpan[];
  const covered = (i: number) => {
    const { start, end } = queries[i].run!;
    let inside = 0;
    for (let c = start; c < end; c++) if (spansOf(i).some((b) => b.char_start <= c && b.char_end > c)) inside++;
    return inside / (end - start);
  };
  let spanChars = 0;
  let spanCharsInRun = 0;
  let spanStageOk = 0;
  let spanCount = 0;
  for (const i of planted) {
    const { start, end, stage } = queries[i].run!;
    for (const b of spansOf(i)) {
      spanChars += b.char_end - b.char_start;
      spanCharsInRun += Math.max(0, Math.min(end, b.char_end) - Math.max(start, b.char_start));
      if (b.char_end > start && b.char_start < end) {
        spanCount++;
        if (b.stage === stage) spanStageOk++;
      }
    }
  }
  summary.planted_rows_run_covered_80 = share(planted, (i) => covered(i) >= 0.8);
  summary.planted_span_precision = round(spanCharsInRun / Math.max(1, spanChars));
  summary.planted_span_stage = round(spanStageOk / Math.max(1, spanCount));
  const off = of('off-topic');
  summary.offtopic_novel = share(off, (i) => best[i]?.verdict === 'novel' || best[i] === undefined);
  summary.offtopic_rows_with_book_spans = share(off, (i) => spansOf(i).length > 0);
  summary.heldout_novel = share(of('held-out'), (i) => best[i]?.verdict === 'novel');
  const unknownQ = (idx: number[], qs: number[]) => {
    const u = idx.map((i) => best[i]?.unknown_share ?? 1).sort((a, b) => a - b);
    return Object.fromEntries(qs.map((q) => [`p${q}`, round(u[Math.min(u.length - 1, Math.floor((q / 100) * u.length))] ?? 0)]));
  };
  summary.heldout_unknown_share = unknownQ(of('held-out'), [50, 90, 95, 99]);
  summary.offtopic_unknown_share = unknownQ(off, [5, 10, 25, 50]);
  const dist = (i: number) => best[i]?.distance ?? 1;
  let wins = 0;
  for (const p of off) for (const n of of('held-out')) wins += dist(p) > dist(n) ? 1 : dist(p) === dist(n) ? 0.5 : 0;
  summary.auc_offtopic_vs_heldout = round(wins / Math.max(1, off.length * of('held-out').length));
  summary.verdicts = Object.fromEntries(
    (['held-out', 'copied', 'planted', 'off-topic'] as const).map((kind) => {
      const counts: Record<string, number> = {};
      for (const i of of(kind)) counts[best[i]?.verdict ?? 'none'] = (counts[best[i]?.verdict ?? 'none'] ?? 0) + 1;
      return [kind, counts];
    }),
  );
  print(summary);
  if (arg('--dump')) {
    // Per-query rows for offline analysis: what the verdict and the vote saw.
    const file = path.resolve(arg('--dump')!, `${name}.jsonl`);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(
      file,
      queries.map((q, i) => JSON.stringify({ kind: q.kind, stage: q.stage, source: q.source, text: q.text, best: best[i] ?? null })).join('\n') + '\n',
    );
  }

  // ── the verdict cut-offs: held-out vs off-topic novel rates at other percentiles of the same calibration ──────
  const cal = index.manifest.calibration;
  if (cal) {
    const line: Record<string, unknown> = { bench: 'attribution-cutoffs', corpus: name };
    const at = (p: number) => cal.percentiles[Math.floor(p)] + (cal.percentiles[Math.ceil(p)] - cal.percentiles[Math.floor(p)]) * (p - Math.floor(p));
    for (const near of [95, 97.5, 99])
      for (const ucut of [0.5, 0.6, 0.7]) {
        const novel = (i: number) => !best[i] || best[i].distance > at(near) || best[i].unknown_share > ucut;
        line[`near_p${near}_unknown_${ucut}`] = { heldout_novel: share(of('held-out'), novel), offtopic_novel: share(off, novel) };
      }
    print(line);
  }

  // ── the vote per N and weighting, re-voted from the same neighbours ─────────────────────────────────────────
  const heldIdx = of('held-out');
  const neighbours = await index.attribute(
    heldIdx.map((i) => queries[i].text),
    { k: 50 },
  );
  const voteLine: Record<string, unknown> = { bench: 'attribution-vote', corpus: name, queries: heldIdx.length };
  const lexical = isLexical(index.embedder) ? index.embedder : null;
  const posterior = heldIdx.map((q) => {
    const t = lexical?.terms(queries[q].text, 'query');
    return t && index.stageModel ? index.stageModel.posterior(t.ids, t.counts) : {};
  });
  if (arg('--dump')) {
    const terms = heldIdx.map((q) => lexical?.terms(queries[q].text, 'query'));
    await writeFile(
      path.resolve(arg('--dump')!, `${name}-vote.jsonl`),
      heldIdx
        .map((q, j) =>
          JSON.stringify({
            stage: queries[q].stage,
            ids: terms[j]?.ids,
            counts: terms[j]?.counts,
            neighbours: neighbours[j].map((a) => [a.corpusStage, a.similarity, a.verbatim]),
          }),
        )
        .join('\n') + '\n',
    );
  }
  const argmax = (p: Record<string, number>) => Object.entries(p).sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
  voteLine.stage_model_alone = round(heldIdx.filter((q, j) => argmax(posterior[j]) === queries[q].stage).length / heldIdx.length);
  for (const n of [5, 10, 20]) {
    const ok = heldIdx.filter((q, j) => voteOn(neighbours[j].slice(0, n), { stageModel: posterior[j] }).stage === queries[q].stage).length;
    voteLine[`stage_p2_model_n${n}`] = round(ok / heldIdx.length);
  }
  const temper = (p: Record<string, number>, t: number) => {
    const e = Object.entries(p).map(([s, x]) => [s, x ** t] as const);
    const z = e.reduce((a, [, x]) => a + x, 0);
    return Object.fromEntries(e.map(([s, x]) => [s, z > 0 ? x / z : 0]));
  };
  for (const floor of [0.01, 0.05, 0.2, 1])
    for (const t of [0.25, 0.5, 1]) {
      const ok = heldIdx.filter(
        (q, j) => voteOn(neighbours[j].slice(0, 10), { stageModel: temper(posterior[j], t), shareFloor: floor }).stage === queries[q].stage,
      ).length;
      voteLine[`stage_model_n10_floor${floor}_t${t}`] = round(ok / heldIdx.length);
    }
  for (const [label, o] of [
    ['p1', { power: 1 }],
    ['p2', { power: 2 }],
    ['p4', { power: 4 }],
    ['p2_tau0.01', { power: 2, tau: 0.01 }],
    ['p2_tau0.03', { power: 2, tau: 0.03 }],
    ['p2_tau0.1', { power: 2, tau: 0.1 }],
  ] as const)
    for (const n of [1, 5, 10, 20, 50]) {
      const ok = heldIdx.filter((q, j) => voteOn(neighbours[j].slice(0, n), o).stage === queries[q].stage).length;
      voteLine[`stage_${label}_n${n}`] = round(ok / heldIdx.length);
    }
  voteLine.naive_reference = naiveReference(
    indexDir,
    heldIdx.map((q) => queries[q]),
  );
  print(voteLine);
  await index.close();
}
