import type { Identity } from '@recgraph/auth';
import type { PrismaClient } from '@recgraph/db';
import { isUuid, requirePageSize } from '@recgraph/subgraph-kit';
import { hybridSearch, suggest, type SearchMode, type SearchSettings } from './hybrid.ts';
import { searchByImage, visuallySimilar, type ImageHit, type ImageQueryEncoder } from './imageSearch.ts';
import type { SearchLoaders } from './loaders.ts';
import type { QueryEncoder } from './semantic.ts';
import { requireQuery, validateFilter, type SearchFilter } from './textSearch.ts';

export interface SearchContext {
  /** The caller, as verified by the gateway. */
  identity: Identity;
  prisma: PrismaClient;
  loaders: SearchLoaders;
  encoder: QueryEncoder;
  imageEncoder: ImageQueryEncoder;
  settings: SearchSettings;
}

/** Image neighbours as search hits: one IMAGE retriever rank each, the cosine similarity as the score. */
const imageHits = (hits: readonly ImageHit[]) =>
  hits.map((h, i) => ({
    product: { id: h.id },
    score: h.score,
    retrievers: [{ retriever: 'IMAGE', rank: i + 1, score: h.score }],
  }));

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
        ctx.imageEncoder,
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

    searchByImage: async (
      _: unknown,
      args: { imageBase64: string; first?: number | null; filter?: SearchFilter | null },
      ctx: SearchContext,
    ) => {
      const first = requirePageSize(args.first, 20);
      const filter = validateFilter(args.filter);
      const r = await searchByImage(ctx.prisma, ctx.imageEncoder, args.imageBase64, first, filter);
      return { encoder: r.encoder, hits: imageHits(r.hits) };
    },
  },
  Product: {
    __resolveReference: (reference: { id: string }) => reference,
    searchScore: async (product: { id: string }, args: { query: string }, ctx: SearchContext) => {
      const query = requireQuery(args.query);
      if (!isUuid(product.id)) return 0;
      return ctx.loaders.score.load({ productId: product.id.toLowerCase(), query });
    },
    visuallySimilar: async (product: { id: string }, args: { first?: number | null }, ctx: SearchContext) => {
      const first = requirePageSize(args.first, 10);
      if (!isUuid(product.id)) return [];
      return imageHits(await visuallySimilar(ctx.prisma, ctx.imageEncoder, product.id.toLowerCase(), first));
    },
  },
};
