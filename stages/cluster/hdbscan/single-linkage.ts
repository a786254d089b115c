/**
 * From a minimum spanning tree to HDBSCAN clusters: the single-linkage hierarchy, the condensed tree for
 * `min_cluster_size`, cluster stability, excess-of-mass (or leaf) selection with `cluster_selection_epsilon`,
 * and per-point labels, membership strengths and GLOSH outlier scores.
 * Follows Campello, Moulavi & Sander (2013) and the reference implementation's tree code
 * (https://hdbscan.readthedocs.io/en/latest/how_hdbscan_works.html). Typed arrays only.
 */

/** MST edges: endpoints and mutual-reachability weights, any order. */
export interface SpanningTree {
  a: Int32Array;
  b: Int32Array;
  w: Float64Array;
}

export interface CondensedTree {
  /** Cluster ids are n, n+1, …; the root is n. Points are 0…n−1. */
  parent: Int32Array;
  child: Int32Array;
  lambda: Float64Array;
  childSize: Int32Array;
  n: number;
  clusters: number;
}

export interface SelectionOptions {
  minClusterSize: number;
  method: 'eom' | 'leaf';
  /** Clusters born below this distance are merged into their ancestor born at or above it. */
  epsilon: number;
  allowSingleCluster: boolean;
}

export interface HdbscanLabels {
  /** −1 = noise; clusters 0…k−1 in order of their condensed-tree id. */
  labels: Int32Array;
  /** Membership strength in [0, 1] (0 for noise). */
  probabilities: Float64Array;
  /** GLOSH outlier score in [0, 1]. */
  outlierScores: Float64Array;
  clusters: number;
}

/** Single-linkage merges (scipy-style): merge i joins `left[i]` and `right[i]` at `dist[i]` into node n+i. */
export function singleLinkage(tree: SpanningTree, n: number) {
  const order = Array.from(tree.w.keys()).sort((x, y) => tree.w[x] - tree.w[y] || x - y);
  const parent = new Int32Array(2 * n - 1).map((_, i) => i);
  const size = new Int32Array(2 * n - 1).fill(1);
  const find = (x: number) => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  };
  const merges = order.length;
  const left = new Int32Array(merges);
  const right = new Int32Array(merges);
  const dist = new Float64Array(merges);
  for (let i = 0; i < merges; i++) {
    const e = order[i];
    const ra = find(tree.a[e]);
    const rb = find(tree.b[e]);
    const node = n + i;
    left[i] = ra;
    right[i] = rb;
    dist[i] = tree.w[e];
    parent[ra] = node;
    parent[rb] = node;
    size[node] = size[ra] + size[rb];
  }
  return { left, right, dist, size, merges };
}

export function condenseTree(tree: SpanningTree, n: number, minClusterSize: number): CondensedTree {
  const sl = singleLinkage(tree, n);
  if (sl.merges !== n - 1) throw new Error(`spanning tree has ${sl.merges} edges for ${n} points`);
  const parent: number[] = [];
  const child: number[] = [];
  const lambda: number[] = [];
  const childSize: number[] = [];
  const root = 2 * n - 2;
  const relabel = new Int32Array(2 * n - 1).fill(-1);
  relabel[root] = n;
  let next = n + 1;
  const sizeOf = (node: number) => (node < n ? 1 : sl.size[node]);
  const pointsUnder = (node: number, out: number[]) => {
    const stack = [node];
    while (stack.length) {
      const x = stack.pop()!;
      if (x < n) out.push(x);
      else stack.push(sl.left[x - n], sl.right[x - n]);
    }
  };
  const stack = n > 1 ? [root] : [];
  while (stack.length) {
    const node = stack.pop()!;
    const i = node - n;
    const d = sl.dist[i];
    const lam = d > 0 ? 1 / d : Infinity;
    const cluster = relabel[node];
    const l = sl.left[i];
    const r = sl.right[i];
    const ls = sizeOf(l);
    const rs = sizeOf(r);
    const fallOut = (side: number) => {
      const pts: number[] = [];
      pointsUnder(side, pts);
      for (const p of pts) {
        parent.push(cluster);
        child.push(p);
        lambda.push(lam);
        childSize.push(1);
      }
    };
    if (ls >= minClusterSize && rs >= minClusterSize) {
      for (const [side, s] of [
        [l, ls],
        [r, rs],
      ] as const) {
        relabel[side] = next++;
        parent.push(cluster);
        child.push(relabel[side]);
        lambda.push(lam);
        childSize.push(s);
        stack.push(side);
      }
    } else {
      for (const [side, s] of [
        [l, ls],
        [r, rs],
      ] as const) {
        if (s >= minClusterSize) {
          relabel[side] = cluster; // the cluster continues through this side
          stack.push(side);
        } else fallOut(side);
      }
    }
  }
  if (n === 1) {
    parent.push(n);
    child.push(0);
    lambda.push(Infinity);
    childSize.push(1);
  }
  return {
    parent: Int32Array.from(parent),
    child: Int32Array.from(child),
    lambda: Float64Array.from(lambda),
    childSize: Int32Array.from(childSize),
    n,
    clusters: next - n,
  };
}

/** Stability of each cluster (index = id − n): Σ (λ_child − λ_birth) · size over the cluster's entries. */
export function stabilities(t: CondensedTree): { stability: Float64Array; birth: Float64Array } {
  const birth = new Float64Array(t.clusters); // root is born at λ = 0
  for (let e = 0; e < t.child.length; e++) if (t.child[e] >= t.n) birth[t.child[e] - t.n] = t.lambda[e];
  const stability = new Float64Array(t.clusters);
  for (let e = 0; e < t.child.length; e++) {
    const c = t.parent[e] - t.n;
    const lam = Number.isFinite(t.lambda[e]) ? t.lambda[e] : birth[c];
    stability[c] += (lam - birth[c]) * t.childSize[e];
  }
  return { stability, birth };
}

export function selectClusters(t: CondensedTree, opts: SelectionOptions): Set<number> {
  const { stability, birth } = stabilities(t);
  const children: number[][] = Array.from({ length: t.clusters }, () => []);
  const parentOf = new Int32Array(t.clusters).fill(-1);
  for (let e = 0; e < t.child.length; e++) {
    if (t.child[e] >= t.n) {
      children[t.parent[e] - t.n].push(t.child[e] - t.n);
      parentOf[t.child[e] - t.n] = t.parent[e] - t.n;
    }
  }
  const selected = new Set<number>();
  const descendants = (c: number): number[] => children[c].flatMap((k) => [k, ...descendants(k)]);
  if (opts.method === 'leaf') {
    for (let c = 1; c < t.clusters; c++) if (children[c].length === 0) selected.add(c);
    if (selected.size === 0 && opts.allowSingleCluster) selected.add(0);
  } else {
    const value = Float64Array.from(stability);
    const chosen = new Uint8Array(t.clusters).fill(1);
    // Children have larger ids than their parents, so a descending sweep is bottom-up. The root takes part only
    // when a single cluster is allowed (as in the reference implementation).
    const last = opts.allowSingleCluster ? 0 : 1;
    for (let c = t.clusters - 1; c >= last; c--) {
      const sub = children[c].reduce((s, k) => s + value[k], 0);
      if (children[c].length && sub > value[c]) {
        chosen[c] = 0;
        value[c] = sub;
      } else {
        for (const d of descendants(c)) chosen[d] = 0;
      }
    }
    for (let c = last; c < t.clusters; c++) if (chosen[c]) selected.add(c);
  }
  if (opts.epsilon > 0) {
    // A cluster born closer than ε is replaced by its nearest ancestor born at distance ≥ ε (not the root unless allowed).
    const out = new Set<number>();
    for (const c of selected) {
      let x = c;
      while (x !== 0 && 1 / birth[x] < opts.epsilon && (parentOf[x] !== 0 || opts.allowSingleCluster)) x = parentOf[x];
      out.add(x);
    }
    for (const c of [...out]) for (const d of descendants(c)) out.delete(d);
    return out;
  }
  return selected;
}

export function labelPoints(t: CondensedTree, selected: Set<number>): HdbscanLabels {
  const { n } = t;
  const parentOf = new Int32Array(t.clusters).fill(-1);
  for (let e = 0; e < t.child.length; e++) if (t.child[e] >= n) parentOf[t.child[e] - n] = t.parent[e] - n;
  // The selected cluster each condensed cluster belongs to (itself or an ancestor), −1 if none.
  const owner = new Int32Array(t.clusters).fill(-1);
  for (let c = 0; c < t.clusters; c++) owner[c] = selected.has(c) ? c : parentOf[c] >= 0 ? owner[parentOf[c]] : -1;
  const ids = [...selected].sort((x, y) => x - y);
  const labelOf = new Map(ids.map((c, i) => [c, i]));
  // Deepest λ of any point inside each cluster's subtree (for strengths and GLOSH).
  const maxLambda = new Float64Array(t.clusters);
  const pointLambda = new Float64Array(n);
  const pointParent = new Int32Array(n);
  for (let e = 0; e < t.child.length; e++) {
    if (t.child[e] >= n) continue;
    const c = t.parent[e] - n;
    pointLambda[t.child[e]] = t.lambda[e];
    pointParent[t.child[e]] = c;
    const lam = Number.isFinite(t.lambda[e]) ? t.lambda[e] : 0;
    for (let x = c; x >= 0; x = parentOf[x]) {
      if (maxLambda[x] >= lam) break;
      maxLambda[x] = lam;
    }
  }
  const labels = new Int32Array(n).fill(-1);
  const probabilities = new Float64Array(n);
  const outlierScores = new Float64Array(n);
  for (let p = 0; p < n; p++) {
    const c = pointParent[p];
    const lam = Number.isFinite(pointLambda[p]) ? pointLambda[p] : maxLambda[c];
    const glosh = maxLambda[c] > 0 ? (maxLambda[c] - lam) / maxLambda[c] : 0;
    outlierScores[p] = Math.max(0, glosh);
    const o = owner[c];
    if (o < 0 || (o === 0 && !selected.has(0))) continue;
    labels[p] = labelOf.get(o)!;
    probabilities[p] = maxLambda[o] > 0 ? Math.min(lam, maxLambda[o]) / maxLambda[o] : 1;
  }
  return { labels, probabilities, outlierScores, clusters: ids.length };
}
