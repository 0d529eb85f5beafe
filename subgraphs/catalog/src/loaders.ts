import DataLoader from 'dataloader';
import type { PrismaClient } from '@recgraph/db';
import type { Category, Product, Review } from '@recgraph/db/generated/prisma/client';

export interface RatingStats {
  average: number | null;
  count: number;
}

export interface ReviewPageKey {
  productId: string;
  offset: number;
  limit: number;
}

/**
 * Per-request batch loaders: every field that fans out over a list of
 * products (category, ratingSummary, reviews, entity references) goes through
 * one of these, so a page of N products costs a constant number of queries.
 */
export interface CatalogLoaders {
  productById: DataLoader<string, Product | null>;
  categoryById: DataLoader<string, Category | null>;
  childrenByParentId: DataLoader<string, Category[]>;
  ratingByProductId: DataLoader<string, RatingStats>;
  reviewPage: DataLoader<ReviewPageKey, Review[], string>;
}

function byKey<T, K>(rows: T[], key: (row: T) => K): Map<K, T> {
  return new Map(rows.map((r) => [key(r), r]));
}

export function createCatalogLoaders(prisma: PrismaClient): CatalogLoaders {
  return {
    productById: new DataLoader(async (ids) => {
      const rows = await prisma.product.findMany({ where: { id: { in: [...ids] } } });
      const map = byKey(rows, (r) => r.id);
      return ids.map((id) => map.get(id) ?? null);
    }),
    categoryById: new DataLoader(async (ids) => {
      const rows = await prisma.category.findMany({ where: { id: { in: [...ids] } } });
      const map = byKey(rows, (r) => r.id);
      return ids.map((id) => map.get(id) ?? null);
    }),
    childrenByParentId: new DataLoader(async (ids) => {
      const rows = await prisma.category.findMany({ where: { parentId: { in: [...ids] } }, orderBy: { name: 'asc' } });
      return ids.map((id) => rows.filter((r) => r.parentId === id));
    }),
    ratingByProductId: new DataLoader(async (ids) => {
      const rows = await prisma.review.groupBy({
        by: ['productId'],
        where: { productId: { in: [...ids] } },
        _avg: { rating: true },
        _count: { _all: true },
      });
      const map = byKey(rows, (r) => r.productId);
      return ids.map((id) => {
        const row = map.get(id);
        return row ? { average: row._avg.rating, count: row._count._all } : { average: null, count: 0 };
      });
    }),
    reviewPage: new DataLoader(
      async (keys) => {
        // Pages for many products in one statement: number each product's
        // reviews newest-first and keep the requested window of each.
        const ids = [...new Set(keys.map((k) => k.productId))];
        const maxEnd = Math.max(...keys.map((k) => k.offset + k.limit));
        const rows = await prisma.$queryRaw<(Review & { rn: bigint })[]>`
          SELECT id, product_id AS "productId", user_id AS "userId", rating, title, body, created_at AS "createdAt", rn
          FROM (
            SELECT r.*, row_number() OVER (PARTITION BY product_id ORDER BY created_at DESC, id DESC) AS rn
            FROM reviews r WHERE product_id = ANY(${ids}::uuid[])
          ) ranked
          WHERE rn <= ${maxEnd}
          ORDER BY product_id, rn`;
        return keys.map((k) =>
          rows.filter(
            (r) => r.productId === k.productId && Number(r.rn) > k.offset && Number(r.rn) <= k.offset + k.limit,
          ),
        );
      },
      { cacheKeyFn: (k) => `${k.productId}:${k.offset}:${k.limit}` },
    ),
  };
}
