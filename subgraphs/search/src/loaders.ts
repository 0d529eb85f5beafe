import DataLoader from 'dataloader';
import type { PrismaClient } from '@recgraph/db';
import { scoreProducts } from './textSearch.ts';

export interface ScoreKey {
  productId: string;
  query: string;
}

export interface SearchLoaders {
  score: DataLoader<ScoreKey, number, string>;
}

export function createSearchLoaders(prisma: PrismaClient): SearchLoaders {
  return {
    // A page usually asks for one query's score on every product: one statement per distinct query.
    score: new DataLoader(
      async (keys) => {
        const byQuery = new Map<string, string[]>();
        for (const k of keys) (byQuery.get(k.query) ?? byQuery.set(k.query, []).get(k.query)!).push(k.productId);
        const scores = new Map<string, Map<string, number>>();
        for (const [query, ids] of byQuery) scores.set(query, await scoreProducts(prisma, query, [...new Set(ids)]));
        return keys.map((k) => scores.get(k.query)?.get(k.productId) ?? 0);
      },
      { cacheKeyFn: (k) => `${k.query}\u0000${k.productId}` },
    ),
  };
}
