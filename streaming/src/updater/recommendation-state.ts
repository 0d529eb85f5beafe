import type pg from 'pg';
import type { PushedItem, PushedList } from './pushed-list.ts';

/** The lists last published for these users. */
export async function publishedLists(
  db: Pick<pg.Pool, 'query'>,
  userIds: readonly string[],
): Promise<Map<string, PushedList>> {
  const { rows } = await db.query<{ user_id: string; model_version_id: string | null; items: PushedItem[] }>(
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
  lists: readonly { userId: string; list: PushedList }[],
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
