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
 * The table's keys: every interaction type, plus CLAIMED_PURCHASE — a PURCHASE
 * a client reported through trackEvent(s), which the server never saw happen.
 * Only checkout (and trusted importers) record real purchases; a claim weighs
 * like a view by default, so one account cannot buy its way up the lists.
 */
export const WEIGHT_KEYS = [...INTERACTION_TYPE_NAMES, 'CLAIMED_PURCHASE'] as const;
export type WeightKey = (typeof WEIGHT_KEYS)[number];

/**
 * Confidence one event adds, per type. RATE's weight multiplies the rating
 * (1–5 stars → 1–5 at weight 1). `null`: not a positive signal at all
 * (DISLIKE by default — a dislike is an exclusion, never a weak like).
 */
export type InteractionWeights = Readonly<Record<WeightKey, number | null>>;

export const DEFAULT_INTERACTION_WEIGHTS: InteractionWeights = Object.freeze({
  VIEW: 1,
  CLICK: 2,
  ADD_TO_CART: 4,
  PURCHASE: 8,
  LIKE: 6,
  RATE: 1,
  DISLIKE: null,
  CLAIMED_PURCHASE: 1,
});

/**
 * Client-reported purchases are stored with their source under this prefix
 * (`claimed:web`). Client sources cannot contain ":", so no client can make
 * its claim look server-recorded; the prefix is how every role tells them apart.
 */
export const CLAIMED_SOURCE_PREFIX = 'claimed:';

/** The stored source of a client-reported purchase. */
export const claimedSource = (source: string): string => `${CLAIMED_SOURCE_PREFIX}${source}`;

export const isClaimedSource = (source: string | undefined | null): boolean =>
  typeof source === 'string' && source.startsWith(CLAIMED_SOURCE_PREFIX);

/** The defaults with a deployment's overrides (INTERACTION_WEIGHTS) applied. */
export function interactionWeights(overrides: Partial<Record<WeightKey, number | null>> = {}): InteractionWeights {
  const out = { ...DEFAULT_INTERACTION_WEIGHTS };
  for (const type of WEIGHT_KEYS) {
    const w = overrides[type];
    if (w === undefined) continue;
    if (w !== null && !(Number.isFinite(w) && w > 0))
      throw new RangeError(`interaction weight of ${type} must be a positive number or null, got ${w}`);
    out[type] = w;
  }
  return Object.freeze(out);
}

/**
 * Weight of one event, or null when the type is not a positive signal (or a
 * rating of 0). `source` tells a client-claimed PURCHASE from a recorded one.
 */
export function weightOf(
  weights: InteractionWeights,
  type: InteractionTypeName,
  value: number,
  source?: string | null,
): number | null {
  const w = type === 'PURCHASE' && isClaimedSource(source) ? weights.CLAIMED_PURCHASE : weights[type];
  if (w === null || w === undefined) return null;
  const out = type === 'RATE' ? w * value : w;
  return out > 0 ? out : null;
}

/**
 * The same table as recsys's confidence table (a number per type, RATE a function of the
 * rating, null excluded), for buildInteractionMatrix & co. Training loads a client-claimed
 * PURCHASE as the CLAIMED_PURCHASE type, so it weighs what it weighs everywhere else.
 */
export function confidenceTable(
  weights: InteractionWeights,
): Record<(typeof WEIGHT_KEYS)[number], number | null | ((value: number) => number)> {
  const { RATE: rate, ...byType } = weights;
  return { ...byType, RATE: rate === null ? null : (rating: number) => rate * rating };
}

/**
 * Candidate weight tables the trainer may choose between (TRAINER_ALGORITHM=auto),
 * each derived from the deployment's table so a deployment's choices (a type it
 * excludes, its RATE scale, its claimed-purchase weight) carry through:
 *   deployment  the table as configured;
 *   uniform     every positive type counts 1 (an interaction is an interaction);
 *   intent      steeper: the further down the funnel, the much stronger;
 *   conversion  views and clicks barely count, carts and purchases do.
 * The chosen profile's table travels with the model, and serving folds a user in
 * with it, so a model is always served with the weights it was trained with.
 */
export const EVENT_WEIGHT_PROFILES = ['deployment', 'uniform', 'intent', 'conversion'] as const;
export type EventWeightProfile = (typeof EVENT_WEIGHT_PROFILES)[number];

const PROFILE_TABLES: Record<Exclude<EventWeightProfile, 'deployment'>, Partial<Record<WeightKey, number>>> = {
  uniform: { VIEW: 1, CLICK: 1, ADD_TO_CART: 1, PURCHASE: 1, LIKE: 1 },
  intent: { VIEW: 1, CLICK: 3, ADD_TO_CART: 10, PURCHASE: 30, LIKE: 10 },
  conversion: { VIEW: 0.25, CLICK: 0.5, ADD_TO_CART: 4, PURCHASE: 8, LIKE: 6 },
};

export function isEventWeightProfile(name: unknown): name is EventWeightProfile {
  return typeof name === 'string' && (EVENT_WEIGHT_PROFILES as readonly string[]).includes(name);
}

/** The weight table of `profile` over `base` (the deployment's table); types `base` excludes stay excluded. */
export function profileWeights(profile: EventWeightProfile, base: InteractionWeights): InteractionWeights {
  if (profile === 'deployment') return base;
  const out: Record<WeightKey, number | null> = { ...base };
  for (const [type, w] of Object.entries(PROFILE_TABLES[profile]) as [WeightKey, number][])
    if (out[type] !== null) out[type] = w;
  return Object.freeze(out);
}

/** A weight table as stored with a model; throws RangeError when it is not one. */
export function parseInteractionWeights(value: unknown): InteractionWeights {
  if (typeof value !== 'object' || value === null) throw new RangeError('interaction weights must be an object');
  const v = value as Record<string, unknown>;
  const out: Partial<Record<WeightKey, number | null>> = {};
  for (const type of WEIGHT_KEYS) {
    const w = v[type];
    if (w === undefined) continue;
    if (w !== null && typeof w !== 'number')
      throw new RangeError(`interaction weight of ${type} must be a number or null`);
    out[type] = w;
  }
  return interactionWeights(out);
}
