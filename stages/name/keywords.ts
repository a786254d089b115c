/**
 * The offline `keywords` namer, a class-based TF-IDF (c-TF-IDF, as in BERTopic:
 * https://maartengr.github.io/BERTopic/api/ctfidf.html) where the "IDF" is measured against the parent cluster:
 * score(t, c) = p(t|c) · log(p(t|c) / p(t|parent)). Plain c-TF-IDF over two or three siblings ranked words like
 * "government" and "states" first for every cluster of the demo corpus; the parent contrast ranks what sets a
 * cluster apart from where it sits. Terms are content words and two-word phrases; the top few become a title-cased
 * label, unique among siblings. Counts are chunk frequencies (see chunkTerms).
 */
import { STOPWORDS } from '../../pipeline/text/stopwords.js';
import { words } from '../../pipeline/text/tokenize.js';

export type TermCounts = Map<string, number>;

function keep(w: string): boolean {
  return w.length >= 3 && !STOPWORDS.has(w) && !/^\d/.test(w);
}

/**
 * The content words and adjacent content-word pairs of one chunk, each once: counting chunks rather than
 * occurrences keeps one speech that says "applause" forty times from naming its cluster.
 */
export function chunkTerms(text: string): Set<string> {
  const terms = new Set<string>();
  let prev: string | null = null;
  for (const w of words(text)) {
    if (!keep(w)) {
      prev = null;
      continue;
    }
    terms.add(w);
    if (prev !== null) terms.add(`${prev} ${w}`);
    prev = w;
  }
  return terms;
}

/** A term must occur in at least this share of a cluster's chunks (and in two of them) to name it. */
const MIN_SHARE = 0.2;
const total = (c: TermCounts) => {
  let s = 0;
  for (const n of c.values()) s += n;
  return s;
};

/** Terms of `cluster` ranked by p(t|c)·log(p(t|c)/p(t|parent)); only terms over-represented in the cluster. */
export interface CorpusTerms {
  /** Chunk frequency of every term in the whole corpus (the root's counts). */
  counts: TermCounts;
  chunks: number;
}

export function rankTerms(cluster: TermCounts, parent: TermCounts, chunks: number, corpus?: CorpusTerms, minShare = MIN_SHARE): Array<[string, number]> {
  const nc = Math.max(1, total(cluster));
  const np = Math.max(1, total(parent));
  const minChunks = Math.max(minShare > 0 ? 2 : 1, Math.ceil(chunks * minShare));
  const out: Array<[string, number]> = [];
  for (const [t, n] of cluster) {
    if (n < minChunks) continue;
    const pc = n / nc;
    const pp = Math.max(n, parent.get(t) ?? 0) / np;
    // Deep clusters differ from their parent by small margins, where corpus-wide words ("government", "good")
    // win on frequency alone; weighting by corpus IDF keeps labels on what is specific.
    const idf = corpus ? Math.log(1 + corpus.chunks / Math.max(1, corpus.counts.get(t) ?? n)) : 1;
    const score = pc * Math.log(pc / pp) * idf;
    if (score > 0) out.push([t, score]);
  }
  return out.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
}

const singular = (w: string) =>
  w.length > 4 && w.endsWith('ies') ? `${w.slice(0, -3)}y` : w.length > 3 && w.endsWith('s') && !w.endsWith('ss') ? w.slice(0, -1) : w;

const titleCase = (t: string) => t.replace(/(^|[\s-])(\p{L})/gu, (_, sep: string, ch: string) => sep + ch.toUpperCase());

/** The top terms, skipping words already covered by a chosen phrase (and phrases whose words are all chosen). */
export function pickTerms(ranked: Array<[string, number]>, count: number): string[] {
  const chosen: string[] = [];
  const covered = new Set<string>();
  for (const [term] of ranked) {
    // "indians" is covered by "indian": plural forms count as the same word.
    const parts = term.split(' ').map(singular);
    if (parts.every((p) => covered.has(p))) continue;
    if (parts.length > 1) {
      // A phrase replaces the single words it contains.
      for (let i = chosen.length - 1; i >= 0; i--) if (parts.includes(singular(chosen[i]))) chosen.splice(i, 1);
    }
    chosen.push(term);
    parts.forEach((p) => covered.add(p));
    if (chosen.length === count) break;
  }
  return chosen;
}

/** How a label was made: distinctive terms (`keywords`), the cluster's most frequent ones, or words of its sample texts. */
export type LabelSource = 'keywords' | 'frequent' | 'sample';

export interface Sibling {
  id: string;
  counts: TermCounts;
  chunks: number;
  /** A few member texts: the last resort when the members have no content word at all (numbers, symbols). */
  samples?: readonly string[];
}

/**
 * The cluster's terms, best first: over-represented against the parent in ≥ 20% of its chunks, then over-represented
 * in fewer, then every other term by chunk frequency × corpus IDF. Every term occurs in the cluster's own chunks.
 */
function candidateTerms(s: Sibling, parent: TermCounts, corpus?: CorpusTerms): { terms: () => Array<[string, number]>; distinctive: Array<[string, number]> } {
  const strict = rankTerms(s.counts, parent, s.chunks, corpus);
  const seen = new Set(strict.map(([t]) => t));
  const loose = strict.length ? [] : rankTerms(s.counts, parent, s.chunks, corpus, 0);
  loose.forEach(([t]) => seen.add(t));
  const distinctive = [...strict, ...loose];
  const idf = (t: string) => (corpus ? Math.log(1 + corpus.chunks / Math.max(1, corpus.counts.get(t) ?? 1)) : 1);
  // The full list (sorting every term of the cluster) only when the distinctive terms do not make a unique label.
  const terms = () => {
    const rest = strict.length ? rankTerms(s.counts, parent, s.chunks, corpus, 0).filter(([t]) => !seen.has(t)) : [];
    rest.forEach(([t]) => seen.add(t));
    const frequent = [...s.counts]
      .filter(([t]) => !seen.has(t))
      .map(([t, n]): [string, number] => [t, n * idf(t)])
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    return [...distinctive, ...rest, ...frequent];
  };
  return { terms, distinctive };
}

/** The most frequent words of the sample texts, content words first: for members with no content word at all. */
function sampleTerms(samples: readonly string[]): Array<[string, number]> {
  const n = new Map<string, number>();
  for (const text of samples) for (const w of words(text)) n.set(w, (n.get(w) ?? 0) + (keep(w) ? 1000 : 1));
  return [...n].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
}

/**
 * Labels for one sibling group, unique (case-insensitively) within the group. Every label is made of terms that
 * occur in the cluster's own chunks, never of its id: the distinctive terms when there are any, else its most
 * frequent ones; a label a sibling already has grows by the cluster's next terms until it is its own.
 */
export function labelSiblings(siblings: Sibling[], parent: TermCounts, terms: number, corpus?: CorpusTerms): Array<{ label: string; source: LabelSource }> {
  const used = new Set<string>();
  return siblings.map((s) => {
    const candidates = candidateTerms(s, parent, corpus);
    let source: LabelSource = candidates.distinctive.length ? 'keywords' : 'frequent';
    let ranked = candidates.distinctive.length ? candidates.distinctive : candidates.terms();
    if (!ranked.length) {
      ranked = sampleTerms(s.samples ?? []);
      source = 'sample';
    }
    const take = (label: string) => {
      used.add(label.toLowerCase());
      return { label, source };
    };
    let label = '';
    for (let extra = 0; extra <= 3; extra++) {
      const picked = pickTerms(ranked, terms + extra);
      if (picked.length === 0) break;
      label = picked.map(titleCase).join(', ');
      if (!used.has(label.toLowerCase())) return take(label);
    }
    // Still a sibling's label (or nothing picked): add the cluster's further terms one at a time.
    if (source === 'keywords') ranked = candidates.terms();
    for (const [t] of ranked) {
      const longer = label ? `${label}, ${titleCase(t)}` : titleCase(t);
      if (!label.toLowerCase().split(', ').includes(t) && !used.has(longer.toLowerCase())) return take(longer);
    }
    // Members without a single word (only punctuation): say so, with their count.
    const base = `${label || 'No words'} (${s.chunks} chunks)`;
    let last = base;
    for (let i = 2; used.has(last.toLowerCase()); i++) last = `${base} #${i}`;
    return take(last);
  });
}
