import type pg from 'pg';
import type { InteractionType } from '@recgraph/events';
import type { HistoryEvent, RecommendationList, RecommendedItem } from './recommendation-refresher.ts';

/** The most recent events of each user, newest first (bounded, so one heavy user cannot stall a batch). */
export async function recentHistories(
  db: Pick<pg.Pool, 'query'>,
  userIds: readonly string[],
  perUser: number,
): Promise<Map<string, HistoryEvent[]>> {
  const { rows } = await db.query<{ user_id: string; product_id: string; type: InteractionType; value: number }>(
    `SELECT u.user_id, h.product_id, h.type, h.value
     FROM unnest($1::uuid[]) AS u(user_id)
     CROSS JOIN LATERAL (
       SELECT i.product_id, i.type::text AS type, i.value FROM interactions i
       WHERE i.user_id = u.user_id ORDER BY i.occurred_at DESC, i.id DESC LIMIT $2
     ) h`,
    [userIds, perUser],
  );
  const out = new Map<string, HistoryEvent[]>(userIds.map((u) => [u, []]));
  for (const r of rows) out.get(r.user_id)!.push({ productId: r.product_id, type: r.type, value: r.value });
  return out;
}

/** The lists last published for these users. */
export async function publishedLists(
  db: Pick<pg.Pool, 'query'>,
  userIds: readonly string[],
): Promise<Map<string, RecommendationList>> {
  const { rows } = await db.query<{ user_id: string; model_version_id: string | null; items: RecommendedItem[] }>(
    `SELECT user_id, model_version_id, items FROM user_recommendations WHERE user_id = ANY($1::uuid[])`,
    [userIds],
  );
  return new Map(
    rows.map((r) => [
      r.user_id,
      { ...(r.model_version_id ? { modelVersionId: r.model_version_id } : {}), items: r.items },
    ]),
  );
}

/**
 * Remembers what was published. Called only after the publish resolved: a crash in
 * between republishes (at-least-once) rather than silently skipping an update.
 */
export async function savePublishedLists(
  db: Pick<pg.Pool, 'query'>,
  lists: readonly { userId: string; list: RecommendationList }[],
): Promise<void> {
  if (lists.length === 0) return;
  const sorted = [...lists].sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
  await db.query(
    `INSERT INTO user_recommendations AS r (user_id, model_version_id, items, updated_at)
     SELECT x.u, mv.id, x.i, now() FROM unnest($1::uuid[], $2::uuid[], $3::jsonb[]) AS x(u, m, i)
     -- A user or model deleted meanwhile must not turn into a foreign-key error redelivered forever.
     JOIN users ON users.id = x.u
     LEFT JOIN model_versions mv ON mv.id = x.m
     ON CONFLICT (user_id) DO UPDATE SET model_version_id = EXCLUDED.model_version_id, items = EXCLUDED.items, updated_at = now()`,
    [
      sorted.map((l) => l.userId),
      sorted.map((l) => l.list.modelVersionId ?? null),
      sorted.map((l) => JSON.stringify(l.list.items)),
    ],
  );
}

/**
 * Products that must not be recommended: archived, out of stock or discontinued
 * (the popularity fallback already reads ACTIVE products only). Read per batch, so
 * a product archived a second ago stops appearing in the next published list; the
 * (status, availability) index keeps it cheap while such products are few.
 */
export async function unavailableProducts(db: Pick<pg.Pool, 'query'>): Promise<Set<string>> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM products WHERE status <> 'ACTIVE' OR availability IN ('OUT_OF_STOCK', 'DISCONTINUED')`,
  );
  return new Set(rows.map((r) => r.id));
}
