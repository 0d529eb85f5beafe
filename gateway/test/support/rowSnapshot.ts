import type { PrismaClient } from '@recgraph/db';

/**
 * A fingerprint of everything the catalog's mutations can write, so a test can
 * assert that a refused request wrote nothing. The outbox is left out: the
 * relay drains it in the background, independently of the request under test.
 */
export async function rowSnapshot(prisma: PrismaClient): Promise<Record<string, unknown>> {
  const [row] = await prisma.$queryRaw<Record<string, unknown>[]>`
    SELECT
      (SELECT count(*) FROM interactions)::int AS interactions,
      (SELECT count(*) FROM carts)::int AS carts,
      (SELECT md5(coalesce(string_agg(id::text || status || coalesce(checked_out_at::text, ''), ',' ORDER BY id), '')) FROM carts) AS carts_hash,
      (SELECT md5(coalesce(string_agg(cart_id::text || product_id::text || quantity, ',' ORDER BY cart_id, product_id), '')) FROM cart_items) AS cart_items_hash,
      (SELECT md5(coalesce(string_agg(id::text || rating || coalesce(title, '') || body, ',' ORDER BY id), '')) FROM reviews) AS reviews_hash,
      (SELECT md5(string_agg(id::text || sku || title || price_cents || stock || status || availability || coalesce(category_id::text, ''), ',' ORDER BY id)) FROM products) AS products_hash,
      (SELECT md5(string_agg(id::text || coalesce(email, '') || coalesce(display_name, ''), ',' ORDER BY id)) FROM users) AS users_hash,
      (SELECT md5(coalesce(string_agg(user_id::text || category_ids::text || brands::text || liked_product_ids::text
         || coalesce(price_min_cents, -1) || coalesce(price_max_cents, -1), ',' ORDER BY user_id), '')) FROM user_preferences) AS preferences_hash`;
  return row!;
}
