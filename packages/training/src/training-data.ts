import { EventType, IdMap, subsetInteractions, type Interactions } from '@recgraph/recsys';

/**
 * Everything a training run needs, in dense indices. Built from the database
 * (load-training-data.ts) or from rating files (the eval CLI).
 */
export interface TrainingData {
  /** Positive events only: every event of a DISLIKEd (user, item) pair is removed. */
  readonly interactions: Interactions;
  /** User uuid (or file user id) ⇄ dense index. */
  readonly users: IdMap;
  /** Product uuid (or file item id) ⇄ dense index. */
  readonly items: IdMap;
  /** Category index per item (into `categories`), −1 when the item has none. */
  readonly itemCategories: Int32Array;
  readonly categories: IdMap;
  /** Per user, the items they disliked: never trained on, never recommended. */
  readonly dislikes: Map<number, Set<number>>;
  /**
   * Items that must never be recommended (archived products). Their events stay
   * in `interactions`: what a user bought last season still says what they like.
   */
  readonly unavailableItems: Set<number>;
  /** Time of the first and last loaded event; null when the source has no timestamps. */
  readonly from: Date | null;
  readonly to: Date | null;
  /** Where the data came from ("database", "file:ratings.csv"), for reports. */
  readonly source: string;
}

/**
 * Splits DISLIKE events off: a pair with any DISLIKE loses all its events, since
 * an earlier view of something the user then rejected is not a positive signal.
 */
export function separateDislikes(x: Interactions): { positives: Interactions; dislikes: Map<number, Set<number>> } {
  const dislikes = new Map<number, Set<number>>();
  for (let e = 0; e < x.type.length; e++) {
    if (x.type[e] !== EventType.DISLIKE) continue;
    let s = dislikes.get(x.user[e]!);
    if (!s) dislikes.set(x.user[e]!, (s = new Set()));
    s.add(x.item[e]!);
  }
  if (dislikes.size === 0) return { positives: x, dislikes };
  const keep: number[] = [];
  for (let e = 0; e < x.type.length; e++) if (!dislikes.get(x.user[e]!)?.has(x.item[e]!)) keep.push(e);
  return { positives: subsetInteractions(x, keep), dislikes };
}

/** Event time range of columnar interactions (seconds → Date); null without timestamps. */
export function timeRange(x: Interactions): { from: Date | null; to: Date | null } {
  let lo = Infinity;
  let hi = -Infinity;
  for (const t of x.timestamp) {
    if (t < lo) lo = t;
    if (t > hi) hi = t;
  }
  if (!(hi > 0)) return { from: null, to: null };
  return { from: new Date(lo * 1000), to: new Date(hi * 1000) };
}

/** TrainingData for interactions that come without a catalog (rating files). */
export function trainingDataFromInteractions(
  all: Interactions,
  users: IdMap,
  items: IdMap,
  source: string,
): TrainingData {
  const { positives, dislikes } = separateDislikes(all);
  return {
    interactions: positives,
    users,
    items,
    itemCategories: new Int32Array(items.size).fill(-1),
    categories: new IdMap(),
    dislikes,
    unavailableItems: new Set(),
    ...timeRange(positives),
    source,
  };
}
