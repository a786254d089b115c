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

export function rankTerms(cluster: TermCounts, parent: TermCounts, chunks: number, corpus?: CorpusTerms): Array<[string, number]> {
  const nc = Math.max(1, total(cluster));
  const np = Math.max(1, total(parent));
  const minChunks = Math.max(2, Math.ceil(chunks * MIN_SHARE));
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

/** Labels for one sibling group, unique (case-insensitively) within the group; `Cluster <id>` when no term qualifies. */
export function labelSiblings(
  siblings: Array<{ id: string; counts: TermCounts; chunks: number }>,
  parent: TermCounts,
  terms: number,
  corpus?: CorpusTerms,
): string[] {
  const used = new Set<string>();
  return siblings.map(({ id, counts, chunks }) => {
    const ranked = rankTerms(counts, parent, chunks, corpus);
    for (let extra = 0; extra <= 3; extra++) {
      const picked = pickTerms(ranked, terms + extra);
      if (picked.length === 0) break;
      const label = picked.map(titleCase).join(', ');
      if (!used.has(label.toLowerCase())) {
        used.add(label.toLowerCase());
        return label;
      }
    }
    const fallback = `Cluster ${id}`;
    used.add(fallback.toLowerCase());
    return fallback;
  });
}
