import type { PrismaClient } from '@recgraph/db';
import {
  deploymentWeights,
  weightOf,
  type InteractionTypeName as EventTypeName,
  type InteractionWeights,
} from '@recgraph/interactions';

/** How strongly each kind of event says "I wanted this", for choosing the reason shown. */
const STRENGTH: Record<EventTypeName, number> = {
  PURCHASE: 6,
  ADD_TO_CART: 5,
  LIKE: 4,
  RATE: 3,
  CLICK: 2,
  VIEW: 1,
  DISLIKE: 0,
};

export interface HistoryItem {
  productId: string;
  /** Summed weight, as training weighs the pair (packages/interactions). */
  weight: number;
  /** The strongest thing the user did with it, for the reason text. */
  strongest: EventTypeName;
}

export interface UserHistory {
  /** Positive pairs (none of them disliked), strongest weight first. */
  positives: HistoryItem[];
  /** Everything the user interacted with, dislikes included. */
  seen: Set<string>;
  disliked: Set<string>;
  /** Newest event time; null without events. */
  latestAt: Date | null;
  /** The positive products, most recent first (the learned re-ranker's "last items"); absent in states stored before it. */
  recent?: string[];
}

export const EMPTY_HISTORY: UserHistory = { positives: [], seen: new Set(), disliked: new Set(), latestAt: null };

/** Enough to fold in any real shopper; a bot's millionth view adds nothing the first thousand did not. */
export const HISTORY_LIMIT = 1000;

/**
 * The user's most recent events in one indexed query (interactions by
 * user_id, occurred_at), aggregated per product the way training does: a
 * disliked pair loses all its events, the rest sum their confidence under
 * `weights` — the served model's own table (ServingModel.eventWeights), so the
 * fold-in weighs events exactly as that model's training did.
 */
export async function loadUserHistory(
  prisma: PrismaClient,
  userId: string,
  weights: InteractionWeights = deploymentWeights(),
): Promise<UserHistory> {
  const rows = await prisma.$queryRaw<HistoryEvent[]>`
    SELECT product_id::text AS product_id, type::text AS type, value, source, occurred_at
    FROM interactions WHERE user_id = ${userId}::uuid
    ORDER BY occurred_at DESC LIMIT ${HISTORY_LIMIT}`;
  return historyFromEvents(rows, weights);
}

/** One stored interaction as the history reads it (newest first). */
export interface HistoryEvent {
  product_id: string;
  type: EventTypeName;
  value: number;
  source: string;
  occurred_at: Date;
}

/** Events (newest first) aggregated per product: dislikes drop a product, the rest sum their weight under `weights`. */
export function historyFromEvents(rows: readonly HistoryEvent[], weights: InteractionWeights): UserHistory {
  if (!rows.length) return EMPTY_HISTORY;
  const disliked = new Set<string>();
  for (const r of rows) if (r.type === 'DISLIKE') disliked.add(r.product_id);
  const byProduct = new Map<string, HistoryItem>();
  for (const r of rows) {
    if (disliked.has(r.product_id)) continue;
    // A purchase the client only claimed weighs CLAIMED_PURCHASE here too, as in training.
    const w = weightOf(weights, r.type, r.value, r.source);
    if (w === null) continue;
    const h = byProduct.get(r.product_id);
    if (!h) byProduct.set(r.product_id, { productId: r.product_id, weight: w, strongest: r.type });
    else {
      h.weight += w;
      if (STRENGTH[r.type] > STRENGTH[h.strongest]) h.strongest = r.type;
    }
  }
  return {
    positives: [...byProduct.values()].sort((a, b) => b.weight - a.weight),
    seen: new Set(rows.map((r) => r.product_id)),
    disliked,
    latestAt: rows[0]!.occurred_at,
    // Rows come newest first, so a product's first row is its latest: the map's order is recency.
    recent: [...byProduct.keys()],
  };
}

/** The user's dislikes only, for lists that are not personal (similar products). */
export async function loadDislikes(prisma: PrismaClient, userId: string): Promise<Set<string>> {
  const rows = await prisma.$queryRaw<{ product_id: string }[]>`
    SELECT DISTINCT product_id::text AS product_id FROM interactions
    WHERE user_id = ${userId}::uuid AND type = 'DISLIKE'`;
  return new Set(rows.map((r) => r.product_id));
}

export interface StatedPreferences {
  categoryIds: string[];
  brands: string[];
  likedProductIds: string[];
  priceMinCents: number | null;
  priceMaxCents: number | null;
}

export async function loadPreferences(prisma: PrismaClient, userId: string): Promise<StatedPreferences | null> {
  const p = await prisma.userPreference.findUnique({ where: { userId } });
  if (!p) return null;
  return {
    categoryIds: p.categoryIds,
    brands: p.brands,
    likedProductIds: p.likedProductIds,
    priceMinCents: p.priceMinCents,
    priceMaxCents: p.priceMaxCents,
  };
}
