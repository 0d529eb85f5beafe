import type { InteractionRecord } from '../records.ts';
import type { InsertCounts } from './counts.ts';
import { assertRecords, type RecordProblem } from './errors.ts';
import { IdCache } from './id-cache.ts';
import { inTransaction, type WriteTarget } from './transaction.ts';
import { firstProblem, INTERACTION_TYPES, nonEmpty, validDate } from './validate.ts';

function checkInteraction(r: InteractionRecord): string | undefined {
  return firstProblem(
    nonEmpty(r.eventId, 'eventId', 500),
    nonEmpty(r.userExternalId, 'userExternalId', 200),
    nonEmpty(r.sku, 'sku', 200),
    INTERACTION_TYPES.includes(r.type)
      ? undefined
      : `type ${JSON.stringify(r.type)} is not one of ${INTERACTION_TYPES.join(', ')}`,
    typeof r.value === 'number' && Number.isFinite(r.value) ? undefined : `value ${r.value} is not a finite number`,
    r.type === 'RATE' && !(r.value >= 0.5 && r.value <= 5) ? `rating ${r.value} is outside 0.5..5` : undefined,
    validDate(r.occurredAt, 'occurredAt'),
    nonEmpty(r.source, 'source', 200),
  );
}

/**
 * Inserts interactions in one transaction; an eventId already stored is
 * skipped (ON CONFLICT DO NOTHING), which makes every replay idempotent.
 * Records naming an unknown user or product are returned as rejected and not
 * written. Pass the same `cache` across batches of one import.
 */
export async function insertInteractions(
  db: WriteTarget,
  records: readonly InteractionRecord[],
  cache: IdCache = new IdCache(),
): Promise<InsertCounts> {
  assertRecords('interaction', records, (r) => r.eventId, checkInteraction);
  if (records.length === 0) return { inserted: 0, skipped: 0, rejected: [] };
  return inTransaction(db, async (client) => {
    await cache.resolve(
      client,
      records.map((r) => r.userExternalId),
      records.map((r) => r.sku),
    );
    const rejected: RecordProblem[] = [];
    const rows: { r: InteractionRecord; userId: string; productId: string }[] = [];
    records.forEach((r, index) => {
      const userId = cache.users.get(r.userExternalId);
      const productId = cache.products.get(r.sku);
      if (!userId) rejected.push({ index, key: r.eventId, reason: `user ${r.userExternalId} does not exist` });
      else if (!productId) rejected.push({ index, key: r.eventId, reason: `product ${r.sku} does not exist` });
      else rows.push({ r, userId, productId });
    });
    if (rows.length === 0) return { inserted: 0, skipped: 0, rejected };
    const res = await client.query(
      `INSERT INTO interactions (event_id, user_id, product_id, type, value, occurred_at, source)
       SELECT * FROM unnest($1::text[], $2::uuid[], $3::uuid[], $4::"InteractionType"[], $5::float8[], $6::timestamptz[], $7::text[])
       ON CONFLICT (user_id, event_id) DO NOTHING`,
      [
        rows.map((x) => x.r.eventId),
        rows.map((x) => x.userId),
        rows.map((x) => x.productId),
        rows.map((x) => x.r.type),
        rows.map((x) => x.r.value),
        rows.map((x) => x.r.occurredAt.toISOString()),
        rows.map((x) => x.r.source),
      ],
    );
    const inserted = res.rowCount ?? 0;
    return { inserted, skipped: rows.length - inserted, rejected };
  });
}
