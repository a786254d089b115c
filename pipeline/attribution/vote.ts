/**
 * The answer for one sentence from its neighbourhood, not from its single nearest chunk: the evidence for a
 * sentence's stage and topic is spread over its top neighbours (bench/attribution.ts measures rank-1 against the
 * vote per N and weighting).
 *
 * Rules (documented in the README's "Output format"):
 * - Each of the top N neighbours votes with weight similarity^VOTE_POWER (similarity ≤ 0 votes nothing).
 * - Verbatim dominates: when a book span covers most of the sentence, only the chunks of its spans vote; otherwise,
 *   when some neighbours contain the whole sentence, only those vote.
 * - `stage_probs`: each stage's share of the weight; unless verbatim evidence votes, multiplied by the stage model's
 *   P(stage | words) (stage-model.ts) after adding SHARE_FLOOR to each share, and renormalised. `stage`: the largest.
 * - Cluster: every vote counts for its cluster and each ancestor. From the top level down, the vote follows the
 *   child with the most weight while that child holds at least half of the total; at the top level it always takes
 *   the plurality. `cluster_prob` is the chosen node's share.
 * - The supporting chunk is the best-ranked neighbour that agrees with both the voted stage and the voted cluster
 *   (its cluster is the voted one or below it), else the best that agrees with the stage, else rank 1.
 */
import { lineage } from '../corpus-index/tree.js';
import type { Attribution } from './attribute.js';
import { UNSTAGED } from './stage-model.js';

export const VOTE_POWER = 2;

/** What the vote reads of a neighbour (an Attribution has it all). */
export interface Voter {
  chunk: number;
  similarity: number;
  verbatim: boolean;
  corpusStage: string | null;
  cluster: { id: string };
}

export interface Vote<A extends Voter = Attribution> {
  stage: string | null;
  stageProbs: Record<string, number>;
  clusterId: string | null;
  clusterProb: number;
  /** The neighbour that supports the voted answer (null when no neighbour has positive similarity). */
  support: A | null;
}

export interface VoteOptions {
  /** Weight exponent on similarity (default VOTE_POWER). */
  power?: number;
  /** When set, weights also fall as exp(−(best − similarity)/tau): the tail of the neighbourhood counts less. */
  tau?: number;
  /** Chunks that alone vote, with their weights (the chunks of the book spans covering the sentence). */
  book?: ReadonlyMap<number, number>;
  /** P(stage | words) of the stage model (stage-model.ts); multiplies the neighbours' shares unless verbatim evidence votes. */
  stageModel?: Readonly<Record<string, number>>;
  /** Added to each neighbour share before the stage model multiplies it (default SHARE_FLOOR). */
  shareFloor?: number;
}

/** Added to each stage's neighbour share before the stage model multiplies it, so a stage no neighbour named can still win on strong language evidence. */
export const SHARE_FLOOR = 0.05;

export function voteOn<A extends Voter = Attribution>(neighbours: readonly A[], opts: VoteOptions = {}): Vote<A> {
  const power = opts.power ?? VOTE_POWER;
  let voters: Array<{ a: A; w: number }>;
  const book = opts.book && opts.book.size ? opts.book : null;
  if (book) {
    voters = neighbours.filter((a) => book.has(a.chunk)).map((a) => ({ a, w: book.get(a.chunk)! }));
  } else {
    const verbatim = neighbours.filter((a) => a.verbatim);
    const pool = verbatim.length ? verbatim : neighbours;
    const top = Math.max(0, ...pool.map((a) => a.similarity));
    const decay = (s: number) => (opts.tau ? Math.exp(-(top - s) / opts.tau) : 1);
    voters = pool.map((a) => ({ a, w: Math.max(0, a.similarity) ** power * decay(a.similarity) }));
  }
  voters = voters.filter((v) => v.w > 0);
  const total = voters.reduce((s, v) => s + v.w, 0);
  if (!(total > 0)) return { stage: null, stageProbs: {}, clusterId: null, clusterProb: 0, support: null };

  const byStage = new Map<string, number>();
  for (const { a, w } of voters) byStage.set(a.corpusStage ?? UNSTAGED, (byStage.get(a.corpusStage ?? UNSTAGED) ?? 0) + w / total);
  const verbatimEvidence = book !== null || voters.some((v) => v.a.verbatim);
  const model = !verbatimEvidence && opts.stageModel && Object.keys(opts.stageModel).length ? opts.stageModel : null;
  if (model) {
    for (const st of Object.keys(model)) if (!byStage.has(st)) byStage.set(st, 0);
    let z = 0;
    const floor = opts.shareFloor ?? SHARE_FLOOR;
    for (const [st, share] of byStage) z += (model[st] ?? 0) * (share + floor);
    if (z > 0) for (const [st, share] of byStage) byStage.set(st, ((model[st] ?? 0) * (share + floor)) / z);
  }
  let stage: string | null = null;
  for (const [s, w] of byStage) if (stage === null || w > byStage.get(stage)!) stage = s;
  const stageProbs = Object.fromEntries(
    [...byStage]
      .filter(([, w]) => w >= 5e-5)
      .sort((a, b) => b[1] - a[1])
      .map(([s, w]) => [s, Math.round(w * 1e4) / 1e4]),
  );

  const byNode = new Map<string, number>();
  for (const { a, w } of voters) for (const id of lineage(a.cluster.id)) byNode.set(id, (byNode.get(id) ?? 0) + w);
  let clusterId: string | null = null;
  let clusterWeight = 0;
  for (let depth = 2; ; depth++) {
    let best: string | null = null;
    for (const [id, w] of byNode) {
      if (id.split('.').length !== depth || (clusterId !== null && !id.startsWith(clusterId + '.'))) continue;
      if (best === null || w > byNode.get(best)! || (w === byNode.get(best)! && id < best)) best = id;
    }
    if (best === null || (clusterId !== null && byNode.get(best)! < total / 2)) break;
    clusterId = best;
    clusterWeight = byNode.get(best)!;
  }

  const stageOf = (a: A) => a.corpusStage ?? UNSTAGED;
  const inCluster = (a: A) => clusterId !== null && (a.cluster.id === clusterId || a.cluster.id.startsWith(clusterId + '.'));
  const ranked = voters.map((v) => v.a);
  const support = ranked.find((a) => stageOf(a) === stage && inCluster(a)) ?? ranked.find((a) => stageOf(a) === stage) ?? ranked[0] ?? neighbours[0] ?? null;
  return {
    stage: stage === UNSTAGED ? null : stage,
    stageProbs,
    clusterId,
    clusterProb: Math.round((clusterWeight / total) * 1e4) / 1e4,
    support,
  };
}
