import type { Recommendation } from '@recgraph/ranking';

/** One item of a pushed list, as the recommendations-updated envelope carries it. */
export interface PushedItem {
  productId: string;
  score: number;
  /** The `recommendations` query's source: CF, POPULAR, PREFERENCE, … */
  source: string;
  reason: string;
}

/** What the updater last pushed for a user: the model that ranked it (when one did) and its items. */
export interface PushedList {
  modelVersionId?: string;
  items: PushedItem[];
}

/** The engine's answer as a pushed list; the list's model is the one that ranked any of its items. */
export function pushedList(recommendations: readonly Recommendation[]): PushedList {
  const modelVersionId = recommendations.find((r) => r.modelVersionId)?.modelVersionId;
  return {
    ...(modelVersionId ? { modelVersionId } : {}),
    items: recommendations.map((r) => ({
      productId: r.productId,
      score: r.score,
      source: r.source,
      reason: r.reason,
    })),
  };
}

/** Same products in the same order from the same model: scores alone drifting is not a change worth publishing. */
export function sameList(a: PushedList | undefined, b: PushedList): boolean {
  if (!a || a.modelVersionId !== b.modelVersionId || a.items.length !== b.items.length) return false;
  return a.items.every((x, i) => x.productId === b.items[i]!.productId);
}
