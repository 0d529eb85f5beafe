import { csrFromTriplets, type IdMap, type RecommendOptions, type Recommender } from '@recgraph/recsys';
import type { InteractionType } from '@recgraph/events';
import { interactionWeight } from './event-weight.ts';
import type { PopularProduct } from './popularity.ts';

/** The serving model: what packages/training's loadActiveModel yields, reduced to what ranking needs. */
export interface ActiveModel {
  modelVersionId: string;
  model: Recommender;
  /** Product id ⇄ the model's item index. */
  items: IdMap;
}

export interface HistoryEvent {
  productId: string;
  type: InteractionType;
  value: number;
}

export interface RecommendedItem {
  productId: string;
  score: number;
  /** "popularity", or the model kind ("als", "ease", …) that ranked it. */
  source: string;
}

export interface RecommendationList {
  /** Set when the active model ranked the list; absent for the popularity fallback. */
  modelVersionId?: string;
  items: RecommendedItem[];
}

/** Same products in the same order from the same model: scores alone drifting is not a change worth publishing. */
export function sameRecommendations(a: RecommendationList | undefined, b: RecommendationList): boolean {
  if (!a || a.modelVersionId !== b.modelVersionId || a.items.length !== b.items.length) return false;
  return a.items.every((x, i) => x.productId === b.items[i]!.productId);
}

/**
 * Ranks one user's top-k from their recent history: with an active model, their
 * vector is folded in against the model's fixed item factors (ALS's exact user
 * update, so no retraining is needed for a new event); without a model, or when
 * none of their products is known to it (cold start), the most popular products
 * they have not interacted with yet.
 */
export class RecommendationRefresher {
  readonly k: number;
  readonly model: ActiveModel | null;
  /** Model item indices never to recommend (archived or out-of-stock products). */
  private readonly blocked: Set<number>;

  constructor(o: { k: number; model?: ActiveModel | null; unavailable?: ReadonlySet<string> }) {
    if (!Number.isInteger(o.k) || o.k < 1) throw new RangeError(`k must be a positive integer, got ${o.k}`);
    this.k = o.k;
    this.model = o.model ?? null;
    this.blocked = new Set();
    if (this.model && o.unavailable)
      for (const id of o.unavailable) {
        const i = this.model.items.index(id);
        if (i !== undefined) this.blocked.add(i);
      }
  }

  recommend(history: readonly HistoryEvent[], popular: readonly PopularProduct[]): RecommendationList {
    return this.fromModel(history) ?? this.fromPopularity(history, popular);
  }

  private fromModel(history: readonly HistoryEvent[]): RecommendationList | undefined {
    const active = this.model;
    if (!active) return undefined;
    const weights = new Map<number, number>();
    // Excluded inside the model's top-k search, so the list still fills to k.
    const excluded = new Set<number>(this.blocked);
    for (const h of history) {
      const i = active.items.index(h.productId);
      if (i === undefined || i >= active.model.nItems) continue;
      const w = interactionWeight(h.type, h.value);
      if (w === null) excluded.add(i);
      else weights.set(i, (weights.get(i) ?? 0) + w);
    }
    if (weights.size === 0) return undefined;
    const cols = [...weights.keys()];
    const row = csrFromTriplets(
      1,
      active.model.nItems,
      cols.map(() => 0),
      cols,
      cols.map((c) => weights.get(c)!),
    );
    // recalculateUser makes ALS fold this row in instead of reading a trained user vector.
    const options: RecommendOptions & { recalculateUser: boolean } = { exclude: excluded, recalculateUser: true };
    const top = active.model.recommend(0, row, this.k, options);
    const items: RecommendedItem[] = [];
    for (let j = 0; j < top.items.length; j++) {
      const score = top.scores[j]!;
      if (Number.isFinite(score))
        items.push({ productId: active.items.id(top.items[j]!), score, source: active.model.kind });
    }
    return { modelVersionId: active.modelVersionId, items };
  }

  private fromPopularity(history: readonly HistoryEvent[], popular: readonly PopularProduct[]): RecommendationList {
    const seen = new Set(history.map((h) => h.productId));
    const items: RecommendedItem[] = [];
    for (const p of popular) {
      if (items.length === this.k) break;
      if (!seen.has(p.productId)) items.push({ productId: p.productId, score: p.score, source: 'popularity' });
    }
    return { items };
  }
}
