import type { Identity } from '@recgraph/auth';
import type { PrismaClient } from '@recgraph/db';
import { isUuid, requirePageSize } from '@recgraph/subgraph-kit';
import type { SearchLoaders } from './loaders.ts';
import { requireQuery, searchProducts } from './textSearch.ts';

export interface SearchContext {
  /** The caller, as verified by the gateway. */
  identity: Identity;
  prisma: PrismaClient;
  loaders: SearchLoaders;
}

export const resolvers = {
  Query: {
    search: async (_: unknown, args: { query: string; first?: number | null }, ctx: SearchContext) => {
      const query = requireQuery(args.query);
      const first = requirePageSize(args.first, 20);
      const { totalCount, hits } = await searchProducts(ctx.prisma, query, first);
      for (const h of hits) ctx.loaders.score.prime({ productId: h.id, query }, h.score);
      // Products are references; the gateway fetches their fields from the catalog.
      return { query, totalCount, hits: hits.map((h) => ({ product: { id: h.id }, score: h.score })) };
    },
  },
  Product: {
    __resolveReference: (reference: { id: string }) => reference,
    searchScore: async (product: { id: string }, args: { query: string }, ctx: SearchContext) => {
      const query = requireQuery(args.query);
      if (!isUuid(product.id)) return 0;
      return ctx.loaders.score.load({ productId: product.id.toLowerCase(), query });
    },
  },
};
