/**
 * Category similarity of two products from their category lineages (own
 * category first): the same category 1, siblings under one parent 0.5, else 0.
 */
export function categorySimilarity(a: readonly string[], b: readonly string[]): number {
  if (!a.length || !b.length) return 0;
  if (a[0] === b[0]) return 1;
  if (a.length > 1 && b.length > 1 && a[1] === b[1]) return 0.5;
  return 0;
}

/**
 * Maximal Marginal Relevance (Carbonell & Goldstein 1998) over categories:
 * repeatedly picks the item maximising λ·relevance − (1−λ)·max similarity to
 * what is already picked. Relevance is the score min-max scaled over `items`,
 * so λ trades like for like. O(k · n).
 */
export function mmrRerank<T extends { score: number; lineage: readonly string[] }>(
  items: readonly T[],
  k: number,
  lambda: number,
): T[] {
  if (lambda >= 1 || items.length <= 1) return items.slice(0, k);
  let lo = Infinity;
  let hi = -Infinity;
  for (const it of items) {
    lo = Math.min(lo, it.score);
    hi = Math.max(hi, it.score);
  }
  const rel = items.map((it) => (hi > lo ? (it.score - lo) / (hi - lo) : 1));
  const maxSim = new Float64Array(items.length);
  const taken = new Uint8Array(items.length);
  const out: T[] = [];
  while (out.length < Math.min(k, items.length)) {
    let best = -1;
    let bestValue = -Infinity;
    for (let i = 0; i < items.length; i++) {
      if (taken[i]) continue;
      const v = lambda * rel[i]! - (1 - lambda) * maxSim[i]!;
      if (v > bestValue) {
        bestValue = v;
        best = i;
      }
    }
    taken[best] = 1;
    const chosen = items[best]!;
    out.push(chosen);
    for (let i = 0; i < items.length; i++)
      if (!taken[i]) maxSim[i] = Math.max(maxSim[i]!, categorySimilarity(items[i]!.lineage, chosen.lineage));
  }
  return out;
}
