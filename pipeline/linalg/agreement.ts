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
