import type { ReviewRecord } from '../records.ts';
import type { InsertCounts } from './counts.ts';
import { assertRecords, type RecordProblem } from './errors.ts';
import { IdCache } from './id-cache.ts';
import { inTransaction, type WriteTarget } from './transaction.ts';
import { firstProblem, lastByKey, nonEmpty, optionalText, validDate } from './validate.ts';

function checkReview(r: ReviewRecord): string | undefined {
  return firstProblem(
    nonEmpty(r.sku, 'sku', 200),
    optionalText(r.userExternalId, 'userExternalId', 200),
    Number.isInteger(r.rating) && r.rating >= 1 && r.rating <= 5
      ? undefined
      : `rating ${r.rating} is not an integer 1..5`,
    optionalText(r.title, 'title', 500),
    typeof r.body === 'string' && !r.body.includes('\u0000') ? undefined : 'body is not text',
    validDate(r.createdAt, 'createdAt'),
  );
}

/** Natural key: one review per (product, user); anonymous reviews are keyed by their text and time. */
const reviewKey = (r: ReviewRecord) =>
  r.userExternalId
    ? `${r.sku}\u0000${r.userExternalId}`
    : `${r.sku}\u0000\u0000${r.body}\u0000${r.createdAt.toISOString()}`;

/**
 * Writes reviews in one transaction: a (product, user) pair already reviewed is
 * updated when its rating/title/body changed, otherwise counted as skipped.
 * Anonymous reviews are inserted unless an identical one (same body and time) exists.
 */
export async function insertReviews(
  db: WriteTarget,
  records: readonly ReviewRecord[],
  cache: IdCache = new IdCache(),
): Promise<InsertCounts & { updated: number }> {
  assertRecords('review', records, (r) => `${r.sku}/${r.userExternalId ?? 'anonymous'}`, checkReview);
  const { unique } = lastByKey(records, reviewKey);
  if (unique.length === 0) return { inserted: 0, updated: 0, skipped: records.length, rejected: [] };
  return inTransaction(db, async (client) => {
    await cache.resolve(
      client,
      unique.flatMap((r) => (r.userExternalId ? [r.userExternalId] : [])),
      unique.map((r) => r.sku),
    );
    const rejected: RecordProblem[] = [];
    const rows: { r: ReviewRecord; userId: string | null; productId: string }[] = [];
    unique.forEach((r) => {
      const index = records.lastIndexOf(r);
      const key = `${r.sku}/${r.userExternalId ?? 'anonymous'}`;
      const productId = cache.products.get(r.sku);
      const userId = r.userExternalId ? cache.users.get(r.userExternalId) : null;
      if (!productId) rejected.push({ index, key, reason: `product ${r.sku} does not exist` });
      else if (userId === undefined) rejected.push({ index, key, reason: `user ${r.userExternalId} does not exist` });
      else rows.push({ r, userId, productId });
    });
    if (rows.length === 0) return { inserted: 0, updated: 0, skipped: records.length - rejected.length, rejected };
    const res = await client.query<{ inserted: boolean }>(
      `INSERT INTO reviews (id, product_id, user_id, rating, title, body, created_at)
       SELECT gen_random_uuid(), e.product_id, e.user_id, e.rating, e.title, e.body, e.created_at
       FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::text[], $5::text[], $6::timestamptz[])
            AS e(product_id, user_id, rating, title, body, created_at)
       WHERE e.user_id IS NOT NULL OR NOT EXISTS (
         SELECT 1 FROM reviews r WHERE r.product_id = e.product_id AND r.user_id IS NULL AND r.body = e.body AND r.created_at = e.created_at)
       ON CONFLICT (product_id, user_id) DO UPDATE SET rating = EXCLUDED.rating, title = EXCLUDED.title, body = EXCLUDED.body
         WHERE (reviews.rating, reviews.title, reviews.body) IS DISTINCT FROM (EXCLUDED.rating, EXCLUDED.title, EXCLUDED.body)
       RETURNING (xmax = 0) AS inserted`,
      [
        rows.map((x) => x.productId),
        rows.map((x) => x.userId),
        rows.map((x) => x.r.rating),
        rows.map((x) => x.r.title ?? null),
        rows.map((x) => x.r.body),
        rows.map((x) => x.r.createdAt.toISOString()),
      ],
    );
    const inserted = res.rows.filter((r) => r.inserted).length;
    const updated = res.rows.length - inserted;
    return { inserted, updated, skipped: records.length - rejected.length - inserted - updated, rejected };
  });
}
