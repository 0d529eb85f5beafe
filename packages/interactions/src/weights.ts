/**
 * What one interaction says about a shopper's interest in a product: the one
 * table every role reads (training's confidence matrix, online and offline
 * popularity, co-visitation, fold-in at serving time, stated likes). Without
 * it, a purchase could count 8 in the model and 5 in "popular this week", and
 * the lists would change with whichever path computed them.
 *
 * This module has no dependencies, so the algorithms library (packages/recsys)
 * can take its defaults from it too.
 */

export const INTERACTION_TYPE_NAMES = ['VIEW', 'CLICK', 'ADD_TO_CART', 'PURCHASE', 'RATE', 'LIKE', 'DISLIKE'] as const;
export type InteractionTypeName = (typeof INTERACTION_TYPE_NAMES)[number];

/**
 * Confidence one event adds, per type. RATE's weight multiplies the rating
 * (1–5 stars → 1–5 at weight 1). `null`: not a positive signal at all
 * (DISLIKE by default — a dislike is an exclusion, never a weak like).
 */
export type InteractionWeights = Readonly<Record<InteractionTypeName, number | null>>;

export const DEFAULT_INTERACTION_WEIGHTS: InteractionWeights = Object.freeze({
  VIEW: 1,
  CLICK: 2,
  ADD_TO_CART: 4,
  PURCHASE: 8,
  LIKE: 6,
  RATE: 1,
  DISLIKE: null,
});

/** The defaults with a deployment's overrides (INTERACTION_WEIGHTS) applied. */
export function interactionWeights(
  overrides: Partial<Record<InteractionTypeName, number | null>> = {},
): InteractionWeights {
  const out = { ...DEFAULT_INTERACTION_WEIGHTS };
  for (const type of INTERACTION_TYPE_NAMES) {
    const w = overrides[type];
    if (w === undefined) continue;
    if (w !== null && !(Number.isFinite(w) && w > 0))
      throw new RangeError(`interaction weight of ${type} must be a positive number or null, got ${w}`);
    out[type] = w;
  }
  return Object.freeze(out);
}

/** Weight of one event, or null when the type is not a positive signal (or a rating of 0). */
export function weightOf(weights: InteractionWeights, type: InteractionTypeName, value: number): number | null {
  const w = weights[type];
  if (w === null || w === undefined) return null;
  const out = type === 'RATE' ? w * value : w;
  return out > 0 ? out : null;
}

/**
 * The same table as recsys's confidence table (a number per type, RATE a
 * function of the rating, null excluded), for buildInteractionMatrix & co.
 */
export function confidenceTable(
  weights: InteractionWeights,
): Record<InteractionTypeName, number | null | ((value: number) => number)> {
  const rate = weights.RATE;
  return { ...weights, RATE: rate === null ? null : (rating: number) => rate * rating };
}
