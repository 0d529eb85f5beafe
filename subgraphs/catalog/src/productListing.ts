import { Prisma, type PrismaClient } from '@recgraph/db';
import type { Product } from '@recgraph/db/generated/prisma/client';
import {
  badUserInput,
  decodeCursor,
  notFound,
  requirePageSize,
  requireUuid,
  scopeOf,
  toConnection,
  type Connection,
} from '@recgraph/subgraph-kit';
import type { CatalogLoaders } from './loaders.ts';

export type ProductSort = 'RELEVANCE' | 'PRICE_ASC' | 'PRICE_DESC' | 'NEWEST' | 'RATING';
const SORTS = new Set<string>(['RELEVANCE', 'PRICE_ASC', 'PRICE_DESC', 'NEWEST', 'RATING']);
const AVAILABILITY = new Set<string>(['IN_STOCK', 'LOW_STOCK', 'OUT_OF_STOCK', 'PREORDER', 'DISCONTINUED']);

export interface ProductFilterInput {
  categoryId?: string | null;
  minPrice?: number | null;
  maxPrice?: number | null;
  availability?: string[] | null;
  brand?: string | null;
  search?: string | null;
}

export interface ProductListArgs {
  first?: number | null;
  after?: string | null;
  filter?: ProductFilterInput | null;
  sort?: ProductSort | null;
}

const MAX_TEXT = 200;

function priceCents(value: number | null | undefined, argument: string): number | undefined {
  if (value === null || value === undefined) return undefined;
  if (!Number.isFinite(value) || value < 0 || value > 1e9)
    throw badUserInput(`${argument} must be between 0 and 1e9`, argument);
  return Math.round(value * 100);
}

function text(value: string | null | undefined, argument: string): string | undefined {
  if (value === null || value === undefined) return undefined;
  const t = value.trim();
  if (!t) throw badUserInput(`${argument} must not be blank`, argument);
  if (t.length > MAX_TEXT) throw badUserInput(`${argument} must be at most ${MAX_TEXT} characters`, argument);
  return t;
}

/** Validated, normalised listing arguments; also what a cursor is bound to. */
interface ListingQuery {
  first: number;
  offset: number;
  sort: ProductSort;
  categoryPath?: string | undefined;
  minCents?: number | undefined;
  maxCents?: number | undefined;
  availability?: string[] | undefined;
  brand?: string | undefined;
  search?: string | undefined;
}

// `first` is left out so a client may change its page size mid-walk.
const cursorScope = (q: Omit<ListingQuery, 'offset'>): string =>
  scopeOf([q.sort, q.categoryPath, q.minCents, q.maxCents, q.availability, q.brand, q.search]);

async function normalise(args: ProductListArgs, loaders: CatalogLoaders): Promise<ListingQuery> {
  const first = requirePageSize(args.first, 20);
  const sort = args.sort ?? 'RELEVANCE';
  if (!SORTS.has(sort)) throw badUserInput(`unknown sort ${sort}`, 'sort');
  const f = args.filter ?? {};
  const minCents = priceCents(f.minPrice, 'filter.minPrice');
  const maxCents = priceCents(f.maxPrice, 'filter.maxPrice');
  if (minCents !== undefined && maxCents !== undefined && minCents > maxCents) {
    throw badUserInput('filter.minPrice must not exceed filter.maxPrice', 'filter.minPrice');
  }
  const availability = f.availability ?? undefined;
  if (availability?.some((a) => !AVAILABILITY.has(a)))
    throw badUserInput('unknown availability', 'filter.availability');
  let categoryPath: string | undefined;
  if (f.categoryId !== null && f.categoryId !== undefined) {
    const category = await loaders.categoryById.load(requireUuid(f.categoryId, 'filter.categoryId'));
    if (!category) throw notFound(`No category with id ${f.categoryId}`);
    categoryPath = category.path;
  }
  const q: Omit<ListingQuery, 'offset'> = {
    first,
    sort,
    categoryPath,
    minCents,
    maxCents,
    availability: availability?.length ? [...new Set(availability)].sort() : undefined,
    brand: text(f.brand, 'filter.brand'),
    search: text(f.search, 'filter.search'),
  };
  const offset = decodeCursor(args.after, cursorScope(q));
  return { ...q, offset };
}

const document = Prisma.sql`to_tsvector('english', p.title || ' ' || p.description || ' ' || coalesce(p.brand, ''))`;

function whereClause(q: ListingQuery): Prisma.Sql {
  const parts: Prisma.Sql[] = [Prisma.sql`p.status = 'ACTIVE'`];
  if (q.categoryPath !== undefined) {
    // Descendants share the ancestor's path as a "/"-terminated prefix.
    parts.push(Prisma.sql`p.category_id IN (
      SELECT c.id FROM categories c WHERE c.path = ${q.categoryPath} OR starts_with(c.path, ${q.categoryPath + '/'}))`);
  }
  if (q.minCents !== undefined) parts.push(Prisma.sql`p.price_cents >= ${q.minCents}`);
  if (q.maxCents !== undefined) parts.push(Prisma.sql`p.price_cents <= ${q.maxCents}`);
  if (q.availability) parts.push(Prisma.sql`p.availability::text = ANY(${q.availability}::text[])`);
  if (q.brand !== undefined) parts.push(Prisma.sql`lower(p.brand) = lower(${q.brand})`);
  if (q.search !== undefined) parts.push(Prisma.sql`${document} @@ websearch_to_tsquery('english', ${q.search})`);
  return Prisma.join(parts, ' AND ');
}

function orderClause(q: ListingQuery): Prisma.Sql {
  switch (q.sort) {
    case 'PRICE_ASC':
      return Prisma.sql`p.price_cents ASC, p.id ASC`;
    case 'PRICE_DESC':
      return Prisma.sql`p.price_cents DESC, p.id ASC`;
    case 'NEWEST':
      return Prisma.sql`p.created_at DESC, p.id ASC`;
    case 'RATING':
      return Prisma.sql`(SELECT avg(r.rating) FROM reviews r WHERE r.product_id = p.id) DESC NULLS LAST, p.id ASC`;
    case 'RELEVANCE':
      return q.search !== undefined
        ? Prisma.sql`ts_rank(${document}, websearch_to_tsquery('english', ${q.search})) DESC, p.id ASC`
        : Prisma.sql`(SELECT count(*) FROM reviews r WHERE r.product_id = p.id) DESC, p.created_at DESC, p.id ASC`;
  }
}

/**
 * One page of products: a count, the page's ids in order, then the rows via
 * the product loader (which also primes it for entity lookups in the same request).
 */
export async function listProducts(
  prisma: PrismaClient,
  loaders: CatalogLoaders,
  args: ProductListArgs,
): Promise<Connection<Product>> {
  const q = await normalise(args, loaders);
  const where = whereClause(q);
  const [{ total }] = (await prisma.$queryRaw<
    { total: number }[]
  >`SELECT count(*)::int AS total FROM products p WHERE ${where}`) as [{ total: number }];
  const page =
    q.offset >= total
      ? []
      : await prisma.$queryRaw<{ id: string }[]>`
          SELECT p.id FROM products p WHERE ${where} ORDER BY ${orderClause(q)} LIMIT ${q.first} OFFSET ${q.offset}`;
  const products = await loaders.productById.loadMany(page.map((r) => r.id));
  const nodes = products.filter((p): p is Product => p !== null && !(p instanceof Error));
  return toConnection(nodes, q.offset, total, cursorScope(q));
}
