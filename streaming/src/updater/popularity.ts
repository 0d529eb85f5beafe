import type pg from 'pg';
import { deploymentWeights, ONLINE_POPULARITY_WINDOW, POPULARITY_HALF_LIFE_S, weightOf } from '@recgraph/interactions';

/** The table holds the online window's decay (packages/interactions defines it for every role). */
const HALF_LIFE_S = POPULARITY_HALF_LIFE_S[ONLINE_POPULARITY_WINDOW];
import type { FeatureEvent } from './feature-event.ts';

/**
 * Decay factors below 2^-1000 are clamped: Postgres raises "underflow" instead of
 * returning 0, and by then the old score no longer matters anyway.
 */
const decay = (fromExpr: string, toExpr: string) =>
  `power(2::float8, -LEAST(GREATEST(extract(epoch FROM ${toExpr} - ${fromExpr})::float8, 0) / $5, 1000))`;

// score is referenced to updated_at: moving it to a later reference multiplies it by
// 2^(-Δt/halfLife); an event older than the reference is decayed instead of the score.
const MERGED_SCORE = `pp.score * ${decay('pp.updated_at', 'EXCLUDED.updated_at')} + EXCLUDED.score * ${decay('EXCLUDED.updated_at', 'pp.updated_at')}`;
const LATEST = 'GREATEST(pp.updated_at, EXCLUDED.updated_at)';

const UPSERT = `
INSERT INTO product_popularity AS pp (product_id, score, rank_key, event_count, updated_at)
SELECT b.product_id, b.score, ln(b.score) / ln(2) + extract(epoch FROM b.at)::float8 / $5, b.n, b.at
FROM unnest($1::uuid[], $2::float8[], $3::bigint[], $4::timestamptz[]) AS b(product_id, score, n, at)
ON CONFLICT (product_id) DO UPDATE SET
  score = ${MERGED_SCORE},
  rank_key = ln(${MERGED_SCORE}) / ln(2) + extract(epoch FROM ${LATEST})::float8 / $5,
  event_count = pp.event_count + EXCLUDED.event_count,
  updated_at = ${LATEST}`;

/**
 * Folds newly stored events into time-decayed popularity, one statement per batch:
 * per product, the batch's events are summed at their latest time first (so the
 * statement touches each row once), then merged with the stored score.
 * Rows go in product order so concurrent updaters lock them in the same order.
 */
export async function updatePopularity(client: pg.PoolClient, events: readonly FeatureEvent[]): Promise<number> {
  const halfLifeSeconds = HALF_LIFE_S;
  const byProduct = new Map<string, { at: number; parts: { t: number; w: number }[] }>();
  const weights = deploymentWeights();
  for (const e of events) {
    const w = weightOf(weights, e.event.type, e.event.value);
    if (w === null) continue;
    const t = e.occurredAt.getTime();
    let p = byProduct.get(e.event.productId);
    if (!p) byProduct.set(e.event.productId, (p = { at: t, parts: [] }));
    p.at = Math.max(p.at, t);
    p.parts.push({ t, w });
  }
  if (byProduct.size === 0) return 0;
  const ids = [...byProduct.keys()].sort();
  const rows = ids.map((id) => {
    const p = byProduct.get(id)!;
    const score = p.parts.reduce((s, x) => s + x.w * 2 ** (-(p.at - x.t) / 1000 / halfLifeSeconds), 0);
    return { id, score, n: p.parts.length, at: new Date(p.at).toISOString() };
  });
  await client.query(UPSERT, [
    rows.map((r) => r.id),
    rows.map((r) => r.score),
    rows.map((r) => r.n),
    rows.map((r) => r.at),
    halfLifeSeconds,
  ]);
  return rows.length;
}

export interface PopularProduct {
  productId: string;
  /** Decayed to `now`. */
  score: number;
}

/**
 * The most popular active products right now. rank_key = log2(score) + t/halfLife
 * orders by decayed score at any moment, so this is an index scan.
 */
export async function mostPopular(
  db: Pick<pg.Pool, 'query'>,
  limit: number,
  now: number = Date.now(),
): Promise<PopularProduct[]> {
  const { rows } = await db.query<{ product_id: string; rank_key: number }>(
    `SELECT pp.product_id, pp.rank_key FROM product_popularity pp
     JOIN products p ON p.id = pp.product_id AND p.status = 'ACTIVE'
     ORDER BY pp.rank_key DESC, pp.product_id LIMIT $1`,
    [limit],
  );
  return rows.map((r) => ({ productId: r.product_id, score: 2 ** (r.rank_key - now / 1000 / HALF_LIFE_S) }));
}
