import type { Identity } from '@recgraph/auth';
import type { PrismaClient } from '@recgraph/db';
import { isUuid, requirePageSize } from '@recgraph/subgraph-kit';
import { hybridSearch, suggest, type SearchMode, type SearchSettings } from './hybrid.ts';
import type { SearchLoaders } from './loaders.ts';
import type { QueryEncoder } from './semantic.ts';
import { requireQuery, validateFilter, type SearchFilter } from './textSearch.ts';

export interface SearchContext {
  /** The caller, as verified by the gateway. */
  identity: Identity;
  prisma: PrismaClient;
  loaders: SearchLoaders;
  encoder: QueryEncoder;
  settings: SearchSettings;
}

interface SearchArgs {
  query: string;
  first?: number | null;
  after?: string | null;
  filter?: SearchFilter | null;
  mode?: SearchMode | null;
}

export const resolvers = {
  Query: {
    search: async (_: unknown, args: SearchArgs, ctx: SearchContext) => {
      const first = requirePageSize(args.first, 20);
      const filter = validateFilter(args.filter);
      const page = await hybridSearch(
        ctx.prisma,
        ctx.encoder,
        args.query,
        { first, after: args.after ?? null, filter, mode: args.mode ?? 'HYBRID' },
        ctx.settings,
      );
      for (const h of page.hits) {
        const lexical = h.retrievers.find((r) => r.retriever === 'LEXICAL');
        if (lexical) ctx.loaders.score.prime({ productId: h.id, query: page.query }, lexical.score);
      }
      return {
        query: page.query,
        totalCount: page.totalCount,
        encoder: page.encoder,
        facets: page.facets,
        pageInfo: { endCursor: page.endCursor, hasNextPage: page.hasNextPage },
        // Products are references; the gateway fetches their fields from the catalog.
        hits: page.hits.map((h) => ({ product: { id: h.id }, score: h.score, retrievers: h.retrievers })),
      };
    },
    suggest: (_: unknown, args: { prefix: string; first?: number | null }, ctx: SearchContext) =>
      suggest(ctx.prisma, args.prefix, requirePageSize(args.first, 8)),
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
