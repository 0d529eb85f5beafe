import type pg from 'pg';
import type { PushedItem, PushedList } from './pushed-list.ts';

/**
 * user_recommendations.updated_at is the user's "ranked as of" mark: the database time
 * just before the last ranking of the user read anything (whether or not the list
 * changed). An interaction folded after that mark may not be reflected in the list, so
 * "folded_at > updated_at" is the durable form of the updater's in-memory dirty set:
 * after a crash it is recovered from it (dirtyUsersAfterCrash).
 */

/** The lists last published for these users, and the database time the read happened (the next mark). */
export async function publishedLists(
  db: Pick<pg.Pool, 'query'>,
  userIds: readonly string[],
): Promise<{ asOf: Date; lists: Map<string, PushedList> }> {
  const { rows } = await db.query<{
    as_of: Date;
    user_id: string | null;
    model_version_id: string | null;
    items: PushedItem[] | null;
  }>(
    `SELECT statement_timestamp() AS as_of, r.user_id, r.model_version_id, r.items
     FROM (SELECT 1) one LEFT JOIN user_recommendations r ON r.user_id = ANY($1::uuid[])`,
    [userIds],
  );
  const lists = new Map<string, PushedList>();
  for (const r of rows)
    if (r.user_id && r.items)
      lists.set(r.user_id, { ...(r.model_version_id ? { modelVersionId: r.model_version_id } : {}), items: r.items });
  return { asOf: rows[0]!.as_of, lists };
}

/**
 * Remembers what was published, and marks every ranked user (changed or not) as ranked
 * as of `asOf`. Called only after the publish resolved: a crash in between republishes
 * (at-least-once) rather than silently skipping an update. The mark never moves back.
 */
export async function savePublishedLists(
  db: Pick<pg.Pool, 'query'>,
  asOf: Date,
  lists: readonly { userId: string; list: PushedList }[],
  unchanged: readonly string[] = [],
  states: ReadonlyMap<string, Buffer> = new Map(),
): Promise<void> {
  // The serving state goes with the mark: a user ranked without one gets none (never an older one under a newer mark).
  const stateOf = (userId: string) => states.get(userId) ?? null;
  if (lists.length > 0) {
    const sorted = [...lists].sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
    await db.query(
      `INSERT INTO user_recommendations AS r (user_id, model_version_id, items, serving_state, updated_at)
       SELECT x.u, mv.id, x.i, x.s, $5 FROM unnest($1::uuid[], $2::uuid[], $3::jsonb[], $4::bytea[]) AS x(u, m, i, s)
       -- A user or model deleted meanwhile must not turn into a foreign-key error redelivered forever.
       JOIN users ON users.id = x.u
       LEFT JOIN model_versions mv ON mv.id = x.m
       ON CONFLICT (user_id) DO UPDATE SET model_version_id = EXCLUDED.model_version_id, items = EXCLUDED.items,
         serving_state = CASE WHEN EXCLUDED.updated_at >= r.updated_at THEN EXCLUDED.serving_state ELSE r.serving_state END,
         updated_at = GREATEST(r.updated_at, EXCLUDED.updated_at)`,
      [
        sorted.map((l) => l.userId),
        sorted.map((l) => l.list.modelVersionId ?? null),
        sorted.map((l) => JSON.stringify(l.list.items)),
        sorted.map((l) => stateOf(l.userId)),
        asOf,
      ],
    );
  }
  if (unchanged.length > 0) {
    const sorted = [...unchanged].sort();
    await db.query(
      `UPDATE user_recommendations r SET updated_at = $3, serving_state = x.s
       FROM unnest($1::uuid[], $2::bytea[]) AS x(u, s)
       WHERE r.user_id = x.u AND r.updated_at < $3`,
      [sorted, sorted.map(stateOf), asOf],
    );
  }
}

/**
 * Users whose list may not reflect every folded interaction: an interaction folded
 * after the user's mark (or a user never ranked). `slackSeconds` covers a batch whose
 * transaction started (folded_at = its start) before a ranking's read but committed
 * after it. Over-approximating only costs a ranking; the list is published only if it changed.
 */
export async function dirtyUsersAfterCrash(db: Pick<pg.Pool, 'query'>, slackSeconds: number): Promise<string[]> {
  const { rows } = await db.query<{ user_id: string }>(
    `SELECT i.user_id FROM interactions i
     LEFT JOIN user_recommendations r ON r.user_id = i.user_id
     WHERE i.folded_at IS NOT NULL
       AND (r.updated_at IS NULL OR i.folded_at > r.updated_at - make_interval(secs => $1))
     GROUP BY i.user_id`,
    [slackSeconds],
  );
  return rows.map((r) => r.user_id);
}

/**
 * Up to `limit` users after `afterUserId` (in id order) last ranked before `since`: the
 * promotion sweep's next chunk. Walks the primary key, so a whole sweep reads the table once.
 */
export async function rankedBefore(
  db: Pick<pg.Pool, 'query'>,
  since: Date,
  afterUserId: string,
  limit: number,
): Promise<string[]> {
  const { rows } = await db.query<{ user_id: string }>(
    `SELECT user_id FROM user_recommendations WHERE user_id > $1::uuid AND updated_at < $2 ORDER BY user_id LIMIT $3`,
    [afterUserId, since, limit],
  );
  return rows.map((r) => r.user_id);
}
