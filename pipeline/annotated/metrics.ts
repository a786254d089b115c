/**
 * File-level metrics over an annotated file (what `check` gates on and `compare` differences): each row is reduced
 * to a few counts (RowFacts), and every metric is a ratio of sums over rows, so a bootstrap can resample rows and
 * recompute it exactly.
 *
 * Metrics (names as `check --max/--min` takes them):
 * - `book_fraction`: words inside book spans ÷ all words;
 * - `rows_with_book_spans`: share of rows with at least one book span;
 * - `novel_fraction`: share of sentences whose verdict is `novel`;
 * - `mean_distance`: mean distance of the sentences to their supporting chunks;
 * - `stage:<name>`: share of all sentences (novel ones included) voted to that stage;
 * - `rows`: the number of rows.
 */

export interface RowFacts {
  words: number;
  bookWords: number;
  spans: number;
  sentences: number;
  novel: number;
  distanceSum: number;
  /** Sentences per voted stage (novel sentences have none). */
  stages: Map<string, number>;
  /** Sentences per voted cluster id (novel sentences have none). */
  clusters: Map<string, number>;
}

export interface Metrics {
  rows: number;
  sentences: number;
  words: number;
  book_fraction: number;
  rows_with_book_spans: number;
  novel_fraction: number;
  mean_distance: number;
  /** Share of all sentences per voted stage. */
  stages: Record<string, number>;
  /** Share of all sentences per voted cluster id. */
  clusters: Record<string, number>;
}

export const SCALAR_METRICS = ['book_fraction', 'rows_with_book_spans', 'novel_fraction', 'mean_distance', 'rows'] as const;
export type ScalarMetric = (typeof SCALAR_METRICS)[number];

const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);

/** The metrics of the rows, each row counted `weight[i]` times (a bootstrap resample), or once. */
export function aggregate(facts: readonly RowFacts[], weight?: ArrayLike<number>): Metrics {
  let rows = 0;
  let words = 0;
  let bookWords = 0;
  let withSpans = 0;
  let sentences = 0;
  let novel = 0;
  let distanceSum = 0;
  const stages = new Map<string, number>();
  const clusters = new Map<string, number>();
  facts.forEach((f, i) => {
    const w = weight ? weight[i] : 1;
    if (!w) return;
    rows += w;
    words += w * f.words;
    bookWords += w * f.bookWords;
    if (f.spans > 0) withSpans += w;
    sentences += w * f.sentences;
    novel += w * f.novel;
    distanceSum += w * f.distanceSum;
    for (const [s, c] of f.stages) stages.set(s, (stages.get(s) ?? 0) + w * c);
    for (const [s, c] of f.clusters) clusters.set(s, (clusters.get(s) ?? 0) + w * c);
  });
  const shares = (m: Map<string, number>) => Object.fromEntries([...m].sort((a, b) => b[1] - a[1]).map(([k, c]) => [k, ratio(c, sentences)]));
  return {
    rows,
    sentences,
    words,
    book_fraction: ratio(bookWords, words),
    rows_with_book_spans: ratio(withSpans, rows),
    novel_fraction: ratio(novel, sentences),
    mean_distance: ratio(distanceSum, sentences),
    stages: shares(stages),
    clusters: shares(clusters),
  };
}

/**
 * A metric's value by name: a scalar metric, `stage:<name>` or `cluster:<id>` (0 when no sentence has it), or
 * undefined for an unknown name.
 */
export function metricValue(m: Metrics, name: string): number | undefined {
  if (name.startsWith('stage:')) return m.stages[name.slice('stage:'.length)] ?? 0;
  if (name.startsWith('cluster:')) return m.clusters[name.slice('cluster:'.length)] ?? 0;
  if ((SCALAR_METRICS as readonly string[]).includes(name)) return m[name as ScalarMetric];
  return undefined;
}

/** Every metric of the file, by the names `check` takes: the scalars, then one `stage:<name>` per stage seen. */
export function metricTable(m: Metrics): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of SCALAR_METRICS) out[k] = m[k];
  for (const [s, v] of Object.entries(m.stages)) out[`stage:${s}`] = v;
  return out;
}
