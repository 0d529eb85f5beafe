import type { CatalogChanges } from './catalogChanges.ts';
import type { Identity } from '@recgraph/auth';
import type { Category, Product, Review } from '@recgraph/db/generated/prisma/client';
import type { PrismaClient } from '@recgraph/db';
import {
  badUserInput,
  decodeCursor,
  isUuid,
  money,
  requirePageSize,
  requireUuid,
  scopeOf,
  toConnection,
} from '@recgraph/subgraph-kit';
import { cartFields, cartMutations, cartQueries } from './carts.ts';
import { checkout } from './checkout.ts';
import type { CatalogLoaders } from './loaders.ts';
import type { OutboxNotifier } from '@recgraph/interactions';
import type { RateLimiterAbstract } from '@recgraph/subgraph-kit/rateLimits';
import { productAdminMutations } from './productAdmin.ts';
import { createReview } from './reviews.ts';
import { trackingMutations } from './tracking.ts';
import { userFields, userMutations, userQueries } from './users.ts';
import { listProducts, type ProductListArgs, type ProductSort } from './productListing.ts';
import { specs } from './productFields.ts';

export interface CatalogContext {
  /** The caller, as verified by the gateway. */
  identity: Identity;
  prisma: PrismaClient;
  loaders: CatalogLoaders;
  /** Wakes the outbox relay after a commit that queued interaction events. */
  outbox: OutboxNotifier;
  /** Announces product and preference changes to serving caches. */
  changes: CatalogChanges;
  /** Tracked events per user per window, shared by every catalog replica (TRACK_EVENTS_PER_MINUTE). */
  eventRate?: RateLimiterAbstract;
  /** The caller's users.id once resolved (and their row ensured) in this request. */
  caller?: Promise<string>;
}

type Args<T> = T;

export const resolvers = {
  Query: {
    product: (_: unknown, { id }: Args<{ id: string }>, ctx: CatalogContext) =>
      ctx.loaders.productById.load(requireUuid(id, 'id')),
    productBySku: async (_: unknown, { sku }: Args<{ sku: string }>, ctx: CatalogContext) => {
      const key = sku.trim();
      if (!key || key.length > 200) throw badUserInput('sku must be 1..200 characters', 'sku');
      const product = await ctx.prisma.product.findUnique({ where: { sku: key } });
      if (product) ctx.loaders.productById.prime(product.id, product);
      return product;
    },
    products: (_: unknown, args: ProductListArgs, ctx: CatalogContext) => listProducts(ctx.prisma, ctx.loaders, args),
    categories: (_: unknown, __: unknown, ctx: CatalogContext) =>
      ctx.prisma.category.findMany({ where: { parentId: null }, orderBy: { name: 'asc' } }),
    category: async (
      _: unknown,
      { id, slug }: Args<{ id?: string | null; slug?: string | null }>,
      ctx: CatalogContext,
    ) => {
      if ((id == null) === (slug == null))
        throw badUserInput('Pass exactly one of id or slug', id == null ? 'id' : 'slug');
      if (id != null) return ctx.loaders.categoryById.load(requireUuid(id, 'id'));
      return ctx.prisma.category.findUnique({ where: { slug: slug! } });
    },
    ...userQueries,
    ...cartQueries,
  },

  Mutation: {
    ...userMutations,
    ...cartMutations,
    checkout,
    createReview,
    ...productAdminMutations,
    ...trackingMutations,
  },

  ...userFields,
  ...cartFields,

  Product: {
    // References come from other subgraphs, which only ever hold ids we issued;
    // a malformed one resolves to null instead of failing the whole plan.
    __resolveReference: (ref: { id: string }, ctx: CatalogContext) =>
      isUuid(ref.id) ? ctx.loaders.productById.load(ref.id.toLowerCase()) : null,
    category: (p: Product, _: unknown, ctx: CatalogContext) =>
      p.categoryId ? ctx.loaders.categoryById.load(p.categoryId) : null,
    price: (p: Product) => money(p.priceCents, p.currency),
    specs: (p: Product) => specs(p),
    ratingSummary: (p: Product, _: unknown, ctx: CatalogContext) => ctx.loaders.ratingByProductId.load(p.id),
    reviews: async (p: Product, args: Args<{ first?: number | null; after?: string | null }>, ctx: CatalogContext) => {
      const limit = requirePageSize(args.first, 10);
      const scope = scopeOf(['reviews', p.id]);
      const offset = decodeCursor(args.after, scope);
      const [page, stats] = await Promise.all([
        ctx.loaders.reviewPage.load({ productId: p.id, offset, limit }),
        ctx.loaders.ratingByProductId.load(p.id),
      ]);
      return toConnection(page, offset, stats.count, scope);
    },
    createdAt: (p: Product) => p.createdAt.toISOString(),
  },

  Review: {
    product: (r: Review, _: unknown, ctx: CatalogContext) => ctx.loaders.productById.load(r.productId),
    createdAt: (r: Review) => new Date(r.createdAt).toISOString(),
  },

  Category: {
    __resolveReference: (ref: { id: string }, ctx: CatalogContext) =>
      isUuid(ref.id) ? ctx.loaders.categoryById.load(ref.id.toLowerCase()) : null,
    parent: (c: Category, _: unknown, ctx: CatalogContext) =>
      c.parentId ? ctx.loaders.categoryById.load(c.parentId) : null,
    children: (c: Category, _: unknown, ctx: CatalogContext) => ctx.loaders.childrenByParentId.load(c.id),
    products: (
      c: Category,
      args: Args<{ first?: number | null; after?: string | null; sort?: ProductSort | null }>,
      ctx: CatalogContext,
    ) => listProducts(ctx.prisma, ctx.loaders, { ...args, filter: { categoryId: c.id } }),
  },
};
