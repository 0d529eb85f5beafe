import DataLoader from 'dataloader';
import type { PrismaClient } from '@recgraph/db';
import { coVisitedNeighbours, MAX_RELATED, type FactsSource, type ProductFacts } from '@recgraph/ranking';

export { MAX_RELATED };

export interface RecommendLoaders {
  /** Key: seed product id; value: co-interacted product ids, strongest first (up to MAX_RELATED). */
  relatedIds: DataLoader<string, string[]>;
  /** Key: product id; value: its catalog facts (null when there is no such product). */
  facts: DataLoader<string, ProductFacts | null>;
}

/** `facts` is the engine's source: the in-memory table when serving with caches, else the database. */
export function createRecommendLoaders(prisma: PrismaClient, facts: FactsSource): RecommendLoaders {
  return {
    facts: new DataLoader(async (ids) => {
      const byId = await facts(ids);
      return ids.map((id) => byId.get(id) ?? null);
    }),
    // One round for every product on the page.
    relatedIds: new DataLoader(async (seeds) => {
      const bySeed = await coVisitedNeighbours(prisma, seeds);
      return seeds.map((s) => (bySeed.get(s) ?? []).map((n) => n.id));
    }),
  };
}
