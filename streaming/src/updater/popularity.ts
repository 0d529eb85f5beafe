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

interface Weighted {
  e: FeatureEvent;
  w: number;
}

const utcDay = (d: Date) => d.toISOString().slice(0, 10);

/**
 * Caps what one account moves popularity by: each (user, UTC day of the event)
 * is granted at most `cap` weight in all, first come first served across
 * batches (popularity_user_budget remembers what was granted, in the batch's
 * transaction, so a redelivery changes nothing). Beyond it a user's events
 * still count as theirs (history, training) but no longer lift a product for
 * everyone. Interactions are keyed by user on the bus, so one updater at a
 * time grants a given user's budget; FOR UPDATE covers a rebalance.
 */
async function grantWithinDailyCap(client: pg.PoolClient, items: Weighted[], cap: number): Promise<Weighted[]> {
  const keys = [...new Set(items.map((x) => `${x.e.event.userId} ${utcDay(x.e.occurredAt)}`))].sort();
  const users = keys.map((k) => k.split(' ')[0]!);
  const days = keys.map((k) => k.split(' ')[1]!);
  const { rows } = await client.query<{ user_id: string; day: string; used: number }>(
    `SELECT b.user_id::text, to_char(b.day, 'YYYY-MM-DD') AS day, b.used FROM popularity_user_budget b
     JOIN unnest($1::uuid[], $2::date[]) AS k(user_id, day) ON b.user_id = k.user_id AND b.day = k.day
     ORDER BY b.user_id, b.day FOR UPDATE OF b`,
    [users, days],
  );
  const used = new Map(rows.map((r) => [`${r.user_id} ${r.day}`, r.used]));
  const granted = new Map<string, number>();
  const out: Weighted[] = [];
  for (const x of items) {
    const key = `${x.e.event.userId} ${utcDay(x.e.occurredAt)}`;
    const spent = (used.get(key) ?? 0) + (granted.get(key) ?? 0);
    const w = Math.min(x.w, Math.max(0, cap - spent));
    if (w <= 0) continue;
    granted.set(key, (granted.get(key) ?? 0) + w);
    out.push({ e: x.e, w });
  }
  if (granted.size) {
    const g = [...granted.entries()];
    await client.query(
      `INSERT INTO popularity_user_budget AS b (user_id, day, used)
       SELECT * FROM unnest($1::uuid[], $2::date[], $3::float8[])
       ON CONFLICT (user_id, day) DO UPDATE SET used = b.used + EXCLUDED.used`,
      [g.map(([k]) => k.split(' ')[0]!), g.map(([k]) => k.split(' ')[1]!), g.map(([, w]) => w)],
    );
  }
  return out;
}

/**
 * Folds newly stored events into time-decayed popularity, one statement per batch:
 * per product, the batch's events are summed at their latest time first (so the
 * statement touches each row once), then merged with the stored score.
 * Rows go in product order so concurrent updaters lock them in the same order.
 * A client-claimed purchase weighs CLAIMED_PURCHASE (packages/interactions), and
 * with `userDailyCap` > 0 no user moves popularity by more than that per day.
 */
export async function updatePopularity(
  client: pg.PoolClient,
  events: readonly FeatureEvent[],
  userDailyCap = 0,
): Promise<number> {
  const halfLifeSeconds = HALF_LIFE_S;
  const byProduct = new Map<string, { at: number; parts: { t: number; w: number }[] }>();
  const weights = deploymentWeights();
  let weighted: Weighted[] = [];
  for (const e of events) {
    const w = weightOf(weights, e.event.type, e.event.value, e.event.source);
    if (w !== null) weighted.push({ e, w });
  }
  if (userDailyCap > 0 && weighted.length) weighted = await grantWithinDailyCap(client, weighted, userDailyCap);
  for (const { e, w } of weighted) {
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
