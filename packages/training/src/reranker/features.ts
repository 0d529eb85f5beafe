import type { Interactions } from '@recgraph/recsys';

/**
 * The learned re-ranker's features for one (user, candidate) pair, computed here
 * and only here: the trainer builds its LambdaMART rows with these functions and
 * serving scores its top-N candidates with the same ones, so the model never sees
 * a feature computed two ways. Order matters: it is the ONNX model's input order.
 */
export const BASE_FEATURES = [
  /** The candidate's position in the generator's list (0 = first). */
  'generator_rank',
  /** log of the item's share of users ((users + 1) / (all users + 1)) in the data the generator was fitted on. */
  'popularity_log',
  /** log((recent events + 1) / (expected recent events + 1)): > 0 when the item is rising. */
  'popularity_trend',
  /** Share of the user's items in the candidate's category (0 without categories). */
  'category_affinity',
  /** log(candidate price / the user's median price); 0 when either is unknown. */
  'price_ratio',
  /** Days between the item's last event and the data's last event. */
  'item_idle_days',
  /** Largest co-visitation (cosine of co-occurrence) of the candidate with the user's last items. */
  'covisit_last_items',
  /** log(1 + the user's distinct items): how much the generator's scores can be trusted. */
  'user_items_log',
] as const;

/** Feature names: one score per candidate-generator part, then BASE_FEATURES. */
export function featureNames(partNames: readonly string[]): string[] {
  return [...partNames.map((p) => `score_${p}`), ...BASE_FEATURES];
}

/** Share of a window's events that counts as "recent" for the trend. */
const RECENT_SHARE = 0.1;
/** Items of the user's latest history co-visitation is measured against. */
export const LAST_ITEMS = 5;

/** Per-item facts from the interactions the candidate generator was fitted on. */
export interface ItemStats {
  nItems: number;
  popularityLog: Float32Array;
  trend: Float32Array;
  idleDays: Float32Array;
  /** Category index per item (−1: none). */
  categories: Int32Array;
  /** Price per item (NaN: unknown). */
  prices: Float64Array | undefined;
  /** Users per item (ascending), for co-visitation. */
  itemUsers: Int32Array[];
}

/**
 * Popularity (distinct users), its trend (events in the last RECENT_SHARE of the
 * time window against what an even rate would give) and idleness, from `x`.
 */
export function itemStats(x: Interactions, nItems: number, categories: Int32Array, prices?: Float64Array): ItemStats {
  let lo = Infinity;
  let hi = -Infinity;
  for (const t of x.timestamp) {
    if (t < lo) lo = t;
    if (t > hi) hi = t;
  }
  const cut = hi - (hi - lo) * RECENT_SHARE;
  const users: Set<number>[] = Array.from({ length: nItems }, () => new Set<number>());
  const events = new Float64Array(nItems);
  const recent = new Float64Array(nItems);
  const last = new Float64Array(nItems).fill(-Infinity);
  for (let e = 0; e < x.item.length; e++) {
    const i = x.item[e]!;
    users[i]!.add(x.user[e]!);
    events[i]! += 1;
    const t = x.timestamp[e]!;
    if (t >= cut) recent[i]! += 1;
    if (t > last[i]!) last[i] = t;
  }
  const allUsers = new Set(x.user).size;
  const popularityLog = new Float32Array(nItems);
  const trend = new Float32Array(nItems);
  const idleDays = new Float32Array(nItems);
  const itemUsers: Int32Array[] = [];
  for (let i = 0; i < nItems; i++) {
    popularityLog[i] = Math.log((users[i]!.size + 1) / (allUsers + 1));
    trend[i] = Math.log((recent[i]! + 1) / (events[i]! * RECENT_SHARE + 1));
    idleDays[i] = Number.isFinite(last[i]!) ? (hi - last[i]!) / 86400 : 3650;
    itemUsers.push(Int32Array.from([...users[i]!].sort((a, b) => a - b)));
  }
  return { nItems, popularityLog, trend, idleDays, categories, prices, itemUsers };
}

/** What the features need of one user: their items, latest first. */
export interface UserContext {
  /** The user's distinct items, most recent first. */
  items: readonly number[];
}

/** The first index in ascending `a` at or after `from` whose value is ≥ v (binary search). */
function lowerBound(a: Int32Array, v: number, from: number): number {
  let lo = from;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * |A ∩ B| of two ascending lists: a merge, or — when one is far longer (a best seller's users
 * against a niche item's, on the serving hot path) — a binary search of the long one for each
 * of the short one's, O(short · log long) instead of O(short + long).
 */
export function intersect(a: Int32Array, b: Int32Array): number {
  if (a.length > b.length) [a, b] = [b, a];
  if (a.length * 16 < b.length) {
    let n = 0;
    let at = 0;
    for (const v of a) {
      at = lowerBound(b, v, at);
      if (at === b.length) break;
      if (b[at] === v) n++;
    }
    return n;
  }
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length && j < b.length) {
    if (a[i]! < b[j]!) i++;
    else if (a[i]! > b[j]!) j++;
    else {
      n++;
      i++;
      j++;
    }
  }
  return n;
}

/**
 * Feature rows (row-major, candidates × featureNames) for one user's candidates:
 * `partScores[p][j]` is generator part p's score for candidates[j], candidates in
 * the generator's order.
 */
export function candidateFeatures(
  stats: ItemStats,
  user: UserContext,
  candidates: readonly number[],
  partScores: readonly ArrayLike<number>[],
): Float32Array {
  const nParts = partScores.length;
  const width = nParts + BASE_FEATURES.length;
  const out = new Float32Array(candidates.length * width);
  // The user's category shares and median price.
  const catCount = new Map<number, number>();
  const prices: number[] = [];
  for (const i of user.items) {
    const c = stats.categories[i] ?? -1;
    if (c >= 0) catCount.set(c, (catCount.get(c) ?? 0) + 1);
    const p = stats.prices?.[i];
    if (p !== undefined && Number.isFinite(p) && p > 0) prices.push(p);
  }
  prices.sort((a, b) => a - b);
  const median = prices.length ? prices[Math.floor(prices.length / 2)]! : NaN;
  const lastItems = user.items.slice(0, LAST_ITEMS);
  for (let j = 0; j < candidates.length; j++) {
    const i = candidates[j]!;
    const row = j * width;
    for (let p = 0; p < nParts; p++) {
      const s = partScores[p]![j]!;
      out[row + p] = Number.isFinite(s) ? s : 0;
    }
    const b = row + nParts;
    out[b] = j;
    out[b + 1] = stats.popularityLog[i]!;
    out[b + 2] = stats.trend[i]!;
    const c = stats.categories[i] ?? -1;
    out[b + 3] = c >= 0 && user.items.length ? (catCount.get(c) ?? 0) / user.items.length : 0;
    const price = stats.prices?.[i];
    out[b + 4] = price !== undefined && price > 0 && median > 0 ? Math.log(price / median) : 0;
    out[b + 5] = stats.idleDays[i]!;
    let covisit = 0;
    const ui = stats.itemUsers[i]!;
    for (const l of lastItems) {
      const ul = stats.itemUsers[l]!;
      if (!ui.length || !ul.length) continue;
      covisit = Math.max(covisit, intersect(ui, ul) / Math.sqrt(ui.length * ul.length));
    }
    out[b + 6] = covisit;
    out[b + 7] = Math.log1p(user.items.length);
  }
  return out;
}

/** Each user's distinct items in `x`, most recent first (ties: later events first). */
export function itemsByRecency(x: Interactions, nUsers: number): number[][] {
  const latest: Map<number, number>[] = Array.from({ length: nUsers }, () => new Map());
  for (let e = 0; e < x.user.length; e++) {
    const m = latest[x.user[e]!]!;
    const t = x.timestamp[e]!;
    if ((m.get(x.item[e]!) ?? -Infinity) <= t) m.set(x.item[e]!, t);
  }
  return latest.map((m) => [...m.entries()].sort((a, b) => b[1] - a[1] || b[0] - a[0]).map(([i]) => i));
}

/**
 * The generator's scores as the served re-ranker's one `score_generator` feature: divided by
 * their largest magnitude over the candidates, so a user's trained vector and a fold-in of
 * the same user (whose scores differ in scale, not in order) give the ranker the same input.
 */
export function generatorScoreFeature(scores: ArrayLike<number>): Float64Array {
  let max = 0;
  for (let j = 0; j < scores.length; j++) if (Number.isFinite(scores[j]!)) max = Math.max(max, Math.abs(scores[j]!));
  return Float64Array.from({ length: scores.length }, (_, j) => (max > 0 ? scores[j]! / max : 0));
}

/** The one generator part a served re-ranker sees: the served model's own score (generatorScoreFeature). */
export const SERVED_GENERATOR_PARTS = ['generator'] as const;

/** ItemStats as artifact arrays (the users of each item as CSR), so serving computes features from the very same facts. */
export function itemStatsToArrays(s: ItemStats): Record<string, Float32Array | Float64Array | Int32Array> {
  const indptr = new Int32Array(s.nItems + 1);
  for (let i = 0; i < s.nItems; i++) indptr[i + 1] = indptr[i]! + s.itemUsers[i]!.length;
  const indices = new Int32Array(indptr[s.nItems]!);
  for (let i = 0; i < s.nItems; i++) indices.set(s.itemUsers[i]!, indptr[i]!);
  return {
    popularityLog: s.popularityLog,
    trend: s.trend,
    idleDays: s.idleDays,
    categories: s.categories,
    prices: s.prices ?? new Float64Array(s.nItems).fill(Number.NaN),
    itemUsersIndptr: indptr,
    itemUsersIndices: indices,
  };
}

/** The inverse of itemStatsToArrays; throws a RangeError when an array is missing or of the wrong length. */
export function itemStatsFromArrays(a: Record<string, unknown>): ItemStats {
  const get = <T>(name: string, type: new (n: number) => T): T => {
    const v = a[name];
    if (!(v instanceof (type as unknown as typeof Float32Array)))
      throw new RangeError(`re-ranker item stats lack ${name}`);
    return v as T;
  };
  const popularityLog = get('popularityLog', Float32Array);
  const nItems = popularityLog.length;
  const indptr = get('itemUsersIndptr', Int32Array);
  const indices = get('itemUsersIndices', Int32Array);
  const stats: ItemStats = {
    nItems,
    popularityLog,
    trend: get('trend', Float32Array),
    idleDays: get('idleDays', Float32Array),
    categories: get('categories', Int32Array),
    prices: get('prices', Float64Array),
    itemUsers: Array.from({ length: nItems }, (_, i) => indices.subarray(indptr[i]!, indptr[i + 1]!)),
  };
  for (const k of ['trend', 'idleDays', 'categories', 'prices'] as const)
    if (stats[k]!.length !== nItems) throw new RangeError(`re-ranker item stats: ${k} has the wrong length`);
  if (indptr.length !== nItems + 1 || indptr[nItems] !== indices.length)
    throw new RangeError('re-ranker item stats: the item users are inconsistent');
  return stats;
}
