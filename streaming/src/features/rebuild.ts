import { withTransaction, type Database } from '@recgraph/db';
import type { InteractionType } from '@recgraph/events';
import { updateCoVisitation, DEFAULT_CO_VISITATION, type CoVisitationOptions } from '../updater/co-visitation.ts';
import type { FeatureEvent } from '../updater/feature-event.ts';
import { updatePopularity } from '../updater/popularity.ts';

export interface RebuildOptions {
  coVisitation?: CoVisitationOptions;
  /** Interactions per transaction (default 5 000). */
  pageSize?: number;
  onProgress?: (done: number, total: number) => void;
  /**
   * The online updater's per-user daily popularity cap (0, the default: none). A rebuild
   * mostly replays imported or seeded history, which is trusted and would be clipped.
   */
  popularityUserDailyCap?: number;
}

export interface RebuildReport {
  interactions: number;
  products: number;
  pairs: number;
  seconds: number;
}

/**
 * Recomputes product_popularity and co_visitation from the whole interactions
 * table, replaying every interaction in (occurred_at, id) order through the
 * very functions the online updater applies per event — so the result is what
 * the updater would hold had it seen every event. Needed after data arrives
 * without going through the bus (seeding, importers); the live updater keeps
 * the tables fresh afterwards. The tables are emptied in the same transaction
 * as the first page is applied; later pages commit one by one.
 */
export async function rebuildOnlineFeatures(db: Database, o: RebuildOptions = {}): Promise<RebuildReport> {
  const started = performance.now();
  const pageSize = o.pageSize ?? 5000;
  const userDailyCap = o.popularityUserDailyCap ?? 0;
  const total = Number((await db.pool.query<{ n: string }>('SELECT count(*)::text AS n FROM interactions')).rows[0]!.n);
  let after: { at: Date; id: string } | undefined;
  let done = 0;
  let first = true;
  for (;;) {
    const { rows } = await db.pool.query<{
      id: string;
      user_id: string;
      product_id: string;
      type: InteractionType;
      value: number;
      occurred_at: Date;
      source: string;
    }>(
      `SELECT id::text, user_id::text, product_id::text, type::text AS type, value, occurred_at, source FROM interactions
       WHERE $1::timestamptz IS NULL OR (occurred_at, id) > ($1::timestamptz, $2::bigint)
       ORDER BY occurred_at, id LIMIT $3`,
      [after?.at ?? null, after?.id ?? '0', pageSize],
    );
    if (rows.length === 0 && !first) break;
    const events: FeatureEvent[] = rows.map((r) => ({
      id: r.id,
      occurredAt: r.occurred_at,
      event: {
        type: r.type,
        value: r.value,
        userId: r.user_id,
        productId: r.product_id,
        occurredAt: r.occurred_at.toISOString(),
        source: r.source,
      },
    }));
    const isFirst = first;
    await withTransaction(db.pool, async (client) => {
      if (isFirst) await client.query('TRUNCATE product_popularity, co_visitation, popularity_user_budget');
      await updatePopularity(client, events, userDailyCap);
      await updateCoVisitation(client, events, o.coVisitation ?? DEFAULT_CO_VISITATION);
      // Folded now: the updater must not fold them again when they arrive on the bus later.
      if (rows.length)
        await client.query(
          'UPDATE interactions SET folded_at = now() WHERE id = ANY($1::bigint[]) AND folded_at IS NULL',
          [rows.map((r) => r.id)],
        );
    });
    first = false;
    if (rows.length === 0) break;
    done += rows.length;
    o.onProgress?.(done, total);
    const last = rows[rows.length - 1]!;
    after = { at: last.occurred_at, id: last.id };
  }
  const counts = await db.pool.query<{ products: string; pairs: string }>(
    'SELECT (SELECT count(*) FROM product_popularity)::text AS products, (SELECT count(*) FROM co_visitation)::text AS pairs',
  );
  return {
    interactions: done,
    products: Number(counts.rows[0]!.products),
    pairs: Number(counts.rows[0]!.pairs),
    seconds: (performance.now() - started) / 1000,
  };
}
