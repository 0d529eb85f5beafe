import type { ProductRecord } from '../records.ts';
import { countUpserts, type UpsertCounts } from './counts.ts';
import { assertRecords, InvalidRecordError } from './errors.ts';
import { inTransaction, type WriteTarget } from './transaction.ts';
import {
  AVAILABILITY,
  firstProblem,
  lastByKey,
  MAX_INT4,
  nonEmpty,
  optionalText,
  SLUG_RE,
  validDate,
} from './validate.ts';

export interface UpsertProductsOptions {
  /** 'update' (default) rewrites a stored product that differs; 'keep' leaves stored products alone. */
  onExisting?: 'update' | 'keep';
}

function checkProduct(r: ProductRecord): string | undefined {
  return firstProblem(
    nonEmpty(r.sku, 'sku', 200),
    nonEmpty(r.title, 'title', 1000),
    typeof r.description === 'string'
      ? optionalText(r.description || undefined, 'description', 100_000)
      : 'description is not text',
    optionalText(r.brand, 'brand', 200),
    r.categorySlug === undefined || (typeof r.categorySlug === 'string' && SLUG_RE.test(r.categorySlug))
      ? undefined
      : `categorySlug ${JSON.stringify(r.categorySlug)} is not a slug`,
    Number.isInteger(r.priceCents) && r.priceCents >= 0 && r.priceCents <= MAX_INT4
      ? undefined
      : `priceCents ${r.priceCents} is not a non-negative integer`,
    typeof r.currency === 'string' && /^[A-Z]{3}$/.test(r.currency)
      ? undefined
      : `currency ${JSON.stringify(r.currency)} is not an ISO 4217 code`,
    r.attributes !== null && typeof r.attributes === 'object' && !Array.isArray(r.attributes)
      ? undefined
      : 'attributes is not an object',
    optionalText(r.imageUrl, 'imageUrl', 2000),
    AVAILABILITY.includes(r.availability)
      ? undefined
      : `availability ${JSON.stringify(r.availability)} is not one of ${AVAILABILITY.join(', ')}`,
    Number.isInteger(r.stock) && r.stock >= 0 && r.stock <= MAX_INT4
      ? undefined
      : `stock ${r.stock} is not a non-negative integer`,
    nonEmpty(r.source, 'source', 200),
    r.createdAt === undefined ? undefined : validDate(r.createdAt, 'createdAt'),
  );
}

/**
 * Upserts products by sku in one transaction; the category is resolved by
 * slug and must already exist. Rows whose stored values are identical are not
 * rewritten (updated_at stays), so re-imports report them as unchanged.
 */
export async function upsertProducts(
  db: WriteTarget,
  records: readonly ProductRecord[],
  options: UpsertProductsOptions = {},
): Promise<UpsertCounts> {
  assertRecords('product', records, (r) => r.sku, checkProduct);
  const { unique, duplicates } = lastByKey(records, (r) => r.sku);
  if (unique.length === 0) return countUpserts([], 0, duplicates);
  const onConflict =
    options.onExisting === 'keep'
      ? 'DO NOTHING'
      : `DO UPDATE SET title = EXCLUDED.title, description = EXCLUDED.description, brand = EXCLUDED.brand,
           category_id = EXCLUDED.category_id, price_cents = EXCLUDED.price_cents, currency = EXCLUDED.currency,
           attributes = EXCLUDED.attributes, image_url = EXCLUDED.image_url, availability = EXCLUDED.availability,
           stock = EXCLUDED.stock, source = EXCLUDED.source, updated_at = now()
         WHERE (products.title, products.description, products.brand, products.category_id, products.price_cents,
                products.currency, products.attributes, products.image_url, products.availability, products.stock, products.source)
           IS DISTINCT FROM (EXCLUDED.title, EXCLUDED.description, EXCLUDED.brand, EXCLUDED.category_id, EXCLUDED.price_cents,
                EXCLUDED.currency, EXCLUDED.attributes, EXCLUDED.image_url, EXCLUDED.availability, EXCLUDED.stock, EXCLUDED.source)`;

  return inTransaction(db, async (client) => {
    const wanted = [...new Set(unique.map((r) => r.categorySlug).filter((s): s is string => !!s))];
    const known = wanted.length
      ? new Set(
          (
            await client.query<{ slug: string }>('SELECT slug FROM categories WHERE slug = ANY($1::text[])', [wanted])
          ).rows.map((r) => r.slug),
        )
      : new Set<string>();
    const missing = unique
      .map((r, index) => ({ r, index }))
      .filter(({ r }) => r.categorySlug && !known.has(r.categorySlug));
    if (missing.length) {
      throw new InvalidRecordError(
        'product',
        missing.map(({ r, index }) => ({ index, key: r.sku, reason: `category ${r.categorySlug} does not exist` })),
      );
    }
    const res = await client.query<{ inserted: boolean }>(
      `INSERT INTO products (id, sku, title, description, brand, category_id, price_cents, currency, attributes,
                             image_url, availability, stock, source, created_at, updated_at)
       SELECT gen_random_uuid(), e.sku, e.title, e.description, e.brand, c.id, e.price_cents, e.currency, e.attributes::jsonb,
              e.image_url, e.availability::"Availability", e.stock, e.source, coalesce(e.created_at, now()), now()
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::text[], $8::text[],
                   $9::text[], $10::text[], $11::int[], $12::text[], $13::timestamptz[])
            AS e(sku, title, description, brand, category_slug, price_cents, currency, attributes, image_url, availability, stock, source, created_at)
       LEFT JOIN categories c ON c.slug = e.category_slug
       ON CONFLICT (sku) ${onConflict}
       RETURNING (xmax = 0) AS inserted`,
      [
        unique.map((r) => r.sku),
        unique.map((r) => r.title.trim()),
        unique.map((r) => r.description ?? ''),
        unique.map((r) => r.brand ?? null),
        unique.map((r) => r.categorySlug ?? null),
        unique.map((r) => r.priceCents),
        unique.map((r) => r.currency),
        unique.map((r) => JSON.stringify(r.attributes)),
        unique.map((r) => r.imageUrl ?? null),
        unique.map((r) => r.availability),
        unique.map((r) => r.stock),
        unique.map((r) => r.source),
        unique.map((r) => r.createdAt?.toISOString() ?? null),
      ],
    );
    return countUpserts(res.rows, unique.length, duplicates);
  });
}
