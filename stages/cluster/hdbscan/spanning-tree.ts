/**
 * Minimum spanning tree of the mutual-reachability graph. Up to EXACT_MST_MAX points: exact, by Prim on the dense
 * graph (O(n²), no edge list). Above: Kruskal over the k-NN edges weighted max(core(a), core(b), d(a, b)), then
 * Borůvka rounds that join the components the k-NN graph left apart with their cheapest connecting edge, found
 * among sampled members' wider neighbourhoods, falling back to a scan of all points. Measured against the exact
 * tree at n = 1,000 (test/unit/hdbscan.test.ts) the k-NN tree changes the label of 0–2 points in 1,000.
 */
import type { Matrix } from '../../../pipeline/linalg/matrix.js';
import type { KnnGraph } from './knn.js';
import type { SpanningTree } from './single-linkage.js';

export const EXACT_MST_MAX = 5000;
const EXACT_JOIN_MAX = 5000;
const JOIN_SAMPLE = 256;

function dist(p: Matrix, a: number, b: number): number {
  let s = 0;
  const oa = a * p.dims;
  const ob = b * p.dims;
  for (let j = 0; j < p.dims; j++) {
    const d = p.data[oa + j] - p.data[ob + j];
    s += d * d;
  }
  return Math.sqrt(s);
}

/** Distance to the min_samples-th nearest point, the point itself included (as in the reference implementation). */
export function coreDistances(g: KnnGraph, n: number, minSamples: number): Float64Array {
  const core = new Float64Array(n);
  if (minSamples <= 1) return core;
  const j = Math.min(minSamples - 2, g.k - 1);
  for (let i = 0; i < n; i++) core[i] = g.distances[i * g.k + j];
  return core;
}

class UnionFind {
  readonly parent: Int32Array;
  constructor(n: number) {
    this.parent = Int32Array.from({ length: n }, (_, i) => i);
  }
  find(x: number): number {
    const p = this.parent;
    while (p[x] !== x) {
      p[x] = p[p[x]];
      x = p[x];
    }
    return x;
  }
  union(a: number, b: number): boolean {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return false;
    this.parent[Math.max(ra, rb)] = Math.min(ra, rb);
    return true;
  }
}

/** Prim's algorithm on the complete mutual-reachability graph. */
export function denseMst(p: Matrix, core: Float64Array): SpanningTree {
  const n = p.rows;
  const inTree = new Uint8Array(n);
  const best = new Float64Array(n).fill(Infinity);
  const from = new Int32Array(n).fill(-1);
  const a = new Int32Array(Math.max(0, n - 1));
  const b = new Int32Array(Math.max(0, n - 1));
  const w = new Float64Array(Math.max(0, n - 1));
  let cur = 0;
  inTree[0] = 1;
  for (let step = 0; step < n - 1; step++) {
    let next = -1;
    for (let j = 0; j < n; j++) {
      if (inTree[j]) continue;
      const mr = Math.max(core[cur], core[j], dist(p, cur, j));
      if (mr < best[j]) {
        best[j] = mr;
        from[j] = cur;
      }
      if (next < 0 || best[j] < best[next]) next = j;
    }
    inTree[next] = 1;
    a[step] = from[next];
    b[step] = next;
    w[step] = best[next];
    cur = next;
  }
  return { a, b, w };
}

export function mutualReachabilityMst(p: Matrix, g: KnnGraph, core: Float64Array): SpanningTree {
  if (p.rows <= EXACT_MST_MAX) return denseMst(p, core);
  return knnMst(p, g, core);
}

/** Kruskal over the k-NN graph's edges, then Borůvka joins of what it left apart. */
export function knnMst(p: Matrix, g: KnnGraph, core: Float64Array): SpanningTree {
  const n = p.rows;
  const m = n * g.k;
  const w = new Float64Array(m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < g.k; j++) {
      const e = i * g.k + j;
      const b = g.indices[e];
      w[e] = b < 0 ? Infinity : Math.max(core[i], core[b], g.distances[e]);
    }
  }
  const order = Uint32Array.from({ length: m }, (_, i) => i).sort((x, y) => w[x] - w[y] || x - y);
  const uf = new UnionFind(n);
  const a: number[] = [];
  const b: number[] = [];
  const wt: number[] = [];
  for (const e of order) {
    if (!Number.isFinite(w[e])) break;
    const i = Math.floor(e / g.k);
    const j = g.indices[e];
    if (uf.union(i, j)) {
      a.push(i);
      b.push(j);
      wt.push(w[e]);
      if (a.length === n - 1) break;
    }
  }
  while (a.length < n - 1) joinComponents(p, core, uf, a, b, wt, g.wider);
  return { a: Int32Array.from(a), b: Int32Array.from(b), w: Float64Array.from(wt) };
}

/** One Borůvka round: every component but the largest adds its cheapest edge to another component. */
function joinComponents(
  p: Matrix,
  core: Float64Array,
  uf: UnionFind,
  a: number[],
  b: number[],
  wt: number[],
  neighbours?: (ids: number[], k: number) => number[][],
): void {
  const n = p.rows;
  const members = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const r = uf.find(i);
    const list = members.get(r);
    if (list) list.push(i);
    else members.set(r, [i]);
  }
  const comps = [...members.values()].sort((x, y) => y.length - x.length || x[0] - y[0]);
  const mr = (x: number, y: number) => Math.max(core[x], core[y], dist(p, x, y));
  const best: Array<[number, number, number]> = [];
  // Exact: every component finds its cheapest edge. Large: all but the largest search (each round still merges).
  const searchFrom = n <= EXACT_JOIN_MAX ? comps : comps.slice(1);
  for (const comp of searchFrom) {
    const root = uf.find(comp[0]);
    let edge: [number, number, number] = [Infinity, -1, -1];
    const consider = (x: number, y: number) => {
      if (uf.find(y) === root) return;
      const d = mr(x, y);
      if (d < edge[0] || (d === edge[0] && (x < edge[1] || (x === edge[1] && y < edge[2])))) edge = [d, x, y];
    };
    if (n <= EXACT_JOIN_MAX) {
      for (const x of comp) for (let y = 0; y < n; y++) consider(x, y);
    } else {
      const sample = comp.length <= JOIN_SAMPLE ? comp : comp.filter((_, i) => i % Math.ceil(comp.length / JOIN_SAMPLE) === 0);
      for (let k = 64; edge[1] < 0 && neighbours && k <= 1024; k *= 4) {
        neighbours(sample, k).forEach((ns, s) => ns.forEach((y) => consider(sample[s], y)));
      }
      if (edge[1] < 0) for (const x of sample) for (let y = 0; y < n; y++) consider(x, y);
    }
    if (edge[1] >= 0) best.push(edge);
  }
  best.sort((x, y) => x[0] - y[0] || x[1] - y[1] || x[2] - y[2]);
  for (const [d, x, y] of best) {
    if (uf.union(x, y)) {
      a.push(x);
      b.push(y);
      wt.push(d);
    }
  }
}
