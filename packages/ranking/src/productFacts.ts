import { Prisma, type PrismaClient } from '@recgraph/db';

export interface ProductFacts {
  id: string;
  title: string;
  brand: string | null;
  categoryId: string | null;
  priceCents: number;
  currency: string;
  imageUrl: string | null;
  status: 'ACTIVE' | 'ARCHIVED';
  availability: 'IN_STOCK' | 'LOW_STOCK' | 'OUT_OF_STOCK' | 'PREORDER' | 'DISCONTINUED';
}

/** Products that can be recommended right now: listed and obtainable. */
export function isServable(p: ProductFacts): boolean {
  return p.status === 'ACTIVE' && p.availability !== 'OUT_OF_STOCK' && p.availability !== 'DISCONTINUED';
}

/** A products row as the facts queries select it (FACTS_COLUMNS). */
export interface FactsRow {
  id: string;
  title: string;
  brand: string | null;
  category_id: string | null;
  price_cents: number;
  currency: string;
  image_url: string | null;
  status: ProductFacts['status'];
  availability: ProductFacts['availability'];
}

/** The columns every facts query selects, named as FactsRow. */
export const FACTS_COLUMNS = Prisma.raw(
  `id::text AS id, title, brand, category_id::text AS category_id, price_cents, currency, image_url, status::text AS status, availability::text AS availability`,
);

// A store prices in a handful of currencies: one string each, not one per product.
const currencies = new Map<string, string>();
const intern = (c: string) => currencies.get(c) ?? (currencies.set(c, c), c);

export function toFacts(r: FactsRow): ProductFacts {
  return {
    id: r.id,
    title: r.title,
    brand: r.brand,
    categoryId: r.category_id,
    priceCents: r.price_cents,
    currency: intern(r.currency),
    imageUrl: r.image_url,
    status: r.status,
    availability: r.availability,
  };
}

/**
 * Current catalog facts for a whole candidate list in one statement: the model
 * and popularity snapshots may be minutes old, stock and status must not be.
 */
export async function fetchProductFacts(
  prisma: PrismaClient,
  ids: Iterable<string>,
): Promise<Map<string, ProductFacts>> {
  const list = [...new Set(ids)];
  if (!list.length) return new Map();
  const rows = await prisma.$queryRaw<FactsRow[]>`
    SELECT ${FACTS_COLUMNS} FROM products WHERE id = ANY(${list}::uuid[])`;
  return new Map(rows.map((r) => [r.id, toFacts(r)]));
}
