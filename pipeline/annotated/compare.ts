/**
 * Two annotated runs of the same prompts (e.g. two checkpoints), compared: rows are paired by order or by a key
 * field (plus `choice_index` where rows carry one); every metric's change head − base gets a 95% interval from a
 * paired bootstrap (row pairs resampled with replacement, the metric recomputed on both sides from the same
 * resample; percentile interval); stages and clusters are ranked by how much share they gained or lost; rows whose
 * book spans appeared or disappeared are listed.
 */
import { CproxError, inputError } from '../errors.js';
import { getPath } from '../json-path.js';
import { createRng } from '../linalg/random.js';
import { aggregate, metricValue, SCALAR_METRICS, type Metrics, type RowFacts } from './metrics.js';
import type { ReadRow } from './read.js';

export interface Pair {
  base: number;
  head: number;
  /** The key value (with `#choice` when rows carry choice_index), or the row number when paired by order. */
  key: string;
}

export interface Pairing {
  by: 'order' | 'key';
  pairs: Pair[];
  /** Keys present on one side only (paired by key). */
  onlyBase: string[];
  onlyHead: string[];
}

function keysOf(rows: readonly ReadRow[], name: string, key: string): Map<string, number> {
  const out = new Map<string, number>();
  rows.forEach((r, i) => {
    const v = getPath(r.row, key);
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')
      throw inputError(
        name,
        r.line,
        `row has no scalar value at --key ${key}`,
        'pass a --key every row has (e.g. id), or leave --key out to pair rows by order',
      );
    const choice = r.row.choice_index;
    const k = typeof choice === 'number' ? `${String(v)}#${choice}` : String(v);
    if (out.has(k))
      throw inputError(
        name,
        r.line,
        `--key ${key} value "${k}" also appears on row ${out.get(k)! + 1}`,
        'pair by a field that is unique per row (and choice_index)',
      );
    out.set(k, i);
  });
  return out;
}

export function pairRows(base: readonly ReadRow[], head: readonly ReadRow[], names: { base: string; head: string }, key?: string): Pairing {
  if (!key) {
    if (base.length !== head.length)
      throw new CproxError('BAD_INPUT', `${names.base} has ${base.length} row(s) and ${names.head} has ${head.length}: rows cannot be paired by order`, {
        hint: 'annotate the same prompts in both runs, or pair rows by a field with --key (e.g. --key id)',
      });
    return { by: 'order', pairs: base.map((_, i) => ({ base: i, head: i, key: String(i) })), onlyBase: [], onlyHead: [] };
  }
  const b = keysOf(base, names.base, key);
  const h = keysOf(head, names.head, key);
  const pairs: Pair[] = [];
  for (const [k, i] of b) if (h.has(k)) pairs.push({ base: i, head: h.get(k)!, key: k });
  if (!pairs.length)
    throw new CproxError('BAD_INPUT', `no --key ${key} value of ${names.base} appears in ${names.head}`, {
      hint: 'check that both files annotate the same prompts',
    });
  return { by: 'key', pairs, onlyBase: [...b.keys()].filter((k) => !h.has(k)), onlyHead: [...h.keys()].filter((k) => !b.has(k)) };
}

export interface Delta {
  metric: string;
  base: number;
  head: number;
  delta: number;
  /** 95% bootstrap interval of the delta; null for `rows`, which a resample cannot change. */
  ci: [number, number] | null;
}

export interface SpanChange {
  key: string;
  baseLine: number;
  headLine: number;
  /** The book spans of the side that has them. */
  spans: string[];
}

export interface Comparison {
  pairing: Pairing;
  resamples: number;
  /** The scalar metrics and one `stage:<name>` per stage of either run. */
  metrics: Delta[];
  /** Clusters by |delta| of their share of sentences, largest first (at most `topClusters`). */
  clusters: Array<Delta & { name: string | null }>;
  appeared: SpanChange[];
  disappeared: SpanChange[];
}

const quantile = (sorted: Float64Array, q: number) => {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  return sorted[lo] + (sorted[Math.ceil(pos)] - sorted[lo]) * (pos - lo);
};

const valueOf = (m: Metrics, name: string): number => metricValue(m, name) ?? 0;

export function compareRuns(
  base: readonly ReadRow[],
  head: readonly ReadRow[],
  pairing: Pairing,
  opts: { resamples: number; seed?: number; topClusters?: number },
): Comparison {
  const b: RowFacts[] = pairing.pairs.map((p) => base[p.base].facts);
  const h: RowFacts[] = pairing.pairs.map((p) => head[p.head].facts);
  const mb = aggregate(b);
  const mh = aggregate(h);
  const stages = [...new Set([...Object.keys(mb.stages), ...Object.keys(mh.stages)])].sort();
  const names = [...SCALAR_METRICS, ...stages.map((s) => `stage:${s}`)];
  const clusterIds = [...new Set([...Object.keys(mb.clusters), ...Object.keys(mh.clusters)])]
    .sort((x, y) => Math.abs((mh.clusters[y] ?? 0) - (mb.clusters[y] ?? 0)) - Math.abs((mh.clusters[x] ?? 0) - (mb.clusters[x] ?? 0)) || (x < y ? -1 : 1))
    .filter((c) => (mh.clusters[c] ?? 0) !== (mb.clusters[c] ?? 0))
    .slice(0, opts.topClusters ?? 15);
  const tracked = [...names.filter((n) => n !== 'rows'), ...clusterIds.map((c) => `cluster:${c}`)];

  // Paired bootstrap: the same resampled pairs on both sides.
  const n = pairing.pairs.length;
  const rng = createRng(opts.seed ?? 1);
  const draws = tracked.map(() => new Float64Array(opts.resamples));
  const weight = new Uint32Array(n);
  for (let r = 0; r < opts.resamples; r++) {
    weight.fill(0);
    for (let i = 0; i < n; i++) weight[Math.floor(rng.next() * n)]++;
    const rb = aggregate(b, weight);
    const rh = aggregate(h, weight);
    tracked.forEach((t, j) => (draws[j][r] = valueOf(rh, t) - valueOf(rb, t)));
  }
  const ci = new Map<string, [number, number]>(
    tracked.map((t, j) => {
      const sorted = draws[j].sort();
      return [t, [quantile(sorted, 0.025), quantile(sorted, 0.975)]];
    }),
  );
  const delta = (name: string): Delta => {
    const x = valueOf(mb, name);
    const y = valueOf(mh, name);
    return { metric: name, base: x, head: y, delta: y - x, ci: ci.get(name) ?? null };
  };

  const clusterName = new Map<string, string>();
  for (const rows of [base, head])
    for (const r of rows) for (const s of r.row.sentences) if (s.cluster_id !== null && s.cluster_name) clusterName.set(s.cluster_id, s.cluster_name);

  const appeared: SpanChange[] = [];
  const disappeared: SpanChange[] = [];
  for (const p of pairing.pairs) {
    const rb = base[p.base];
    const rh = head[p.head];
    const texts = (r: ReadRow) => r.row.book_spans.map((s) => (typeof s.text === 'string' ? s.text : '')).filter(Boolean);
    if (!rb.facts.spans && rh.facts.spans) appeared.push({ key: p.key, baseLine: rb.line, headLine: rh.line, spans: texts(rh) });
    if (rb.facts.spans && !rh.facts.spans) disappeared.push({ key: p.key, baseLine: rb.line, headLine: rh.line, spans: texts(rb) });
  }
  return {
    pairing,
    resamples: opts.resamples,
    metrics: names.map(delta),
    clusters: clusterIds.map((c) => ({ ...delta(`cluster:${c}`), name: clusterName.get(c) ?? null })),
    appeared,
    disappeared,
  };
}
