/** Adjusted Rand index of two labelings (Hubert & Arabie 1985): 1 = identical partitions, ≈ 0 = chance. */
export function adjustedRandIndex(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const pairs = new Map<string, number>();
  const ca = new Map<number, number>();
  const cb = new Map<number, number>();
  for (let i = 0; i < a.length; i++) {
    const key = `${a[i]}|${b[i]}`;
    pairs.set(key, (pairs.get(key) ?? 0) + 1);
    ca.set(a[i], (ca.get(a[i]) ?? 0) + 1);
    cb.set(b[i], (cb.get(b[i]) ?? 0) + 1);
  }
  const c2 = (x: number) => (x * (x - 1)) / 2;
  const sum = (m: Map<unknown, number>) => [...m.values()].reduce((s, x) => s + c2(x), 0);
  const expected = (sum(ca) * sum(cb)) / c2(a.length);
  const max = (sum(ca) + sum(cb)) / 2;
  return max === expected ? 1 : (sum(pairs) - expected) / (max - expected);
}

/**
 * Normalized mutual information of two labelings, I(a; b) / ((H(a) + H(b)) / 2) (the arithmetic normalization,
 * scikit-learn's default): 1 = identical partitions, 0 = independent. Two single-cluster labelings give 1.
 */
export function normalizedMutualInfo(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  const joint = new Map<string, number>();
  const ca = new Map<number, number>();
  const cb = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const key = `${a[i]}|${b[i]}`;
    joint.set(key, (joint.get(key) ?? 0) + 1);
    ca.set(a[i], (ca.get(a[i]) ?? 0) + 1);
    cb.set(b[i], (cb.get(b[i]) ?? 0) + 1);
  }
  const entropy = (m: Map<unknown, number>) => [...m.values()].reduce((h, c) => h - (c / n) * Math.log(c / n), 0);
  let mi = 0;
  for (const [key, c] of joint) {
    const [x, y] = key.split('|').map(Number);
    mi += (c / n) * Math.log((c * n) / (ca.get(x)! * cb.get(y)!));
  }
  const ha = entropy(ca);
  const hb = entropy(cb);
  if (ha === 0 && hb === 0) return 1;
  return (ha + hb) / 2 > 0 ? Math.max(0, mi / ((ha + hb) / 2)) : 0;
}
