import type { Identity } from '@recgraph/auth';
import type { PrismaClient } from '@recgraph/db';
import { isUuid, notFound, requirePageSize, requireUuid, badUserInput } from '@recgraph/subgraph-kit';
import { MAX_RELATED, popularProductIds, type RecommendLoaders } from './loaders.ts';

export interface RecommendContext {
  /** The caller, as verified by the gateway. */
  identity: Identity;
  prisma: PrismaClient;
  loaders: RecommendLoaders;
}

/** Products are returned as references; the gateway fetches their fields from the catalog. */
const ref = (id: string) => ({ id });

export const resolvers = {
  Query: {
    popularProducts: async (
      _: unknown,
      args: { first?: number | null; categoryId?: string | null },
      ctx: RecommendContext,
    ) => {
      const first = requirePageSize(args.first, 10);
      let categoryPath: string | undefined;
      if (args.categoryId != null) {
        const id = requireUuid(args.categoryId, 'categoryId');
        const category = await ctx.prisma.category.findUnique({ where: { id }, select: { path: true } });
        if (!category) throw notFound(`No category with id ${args.categoryId}`);
        categoryPath = category.path;
      }
      return (await popularProductIds(ctx.prisma, { first, categoryPath })).map(ref);
    },
  },
  Product: {
    __resolveReference: (reference: { id: string }) => reference,
    recommendedWith: async (product: { id: string }, args: { first?: number | null }, ctx: RecommendContext) => {
      const first = args.first ?? 10;
      if (!Number.isInteger(first) || first <= 0 || first > MAX_RELATED) {
        throw badUserInput(`first must be between 1 and ${MAX_RELATED} (got ${first})`, 'first');
      }
      if (!isUuid(product.id)) return [];
      return (await ctx.loaders.relatedIds.load(product.id.toLowerCase())).slice(0, first).map(ref);
    },
  },
};
