import DataLoader from 'dataloader';
import type { PrismaClient } from '@recgraph/db';
import { coVisitedNeighbours, MAX_RELATED } from '@recgraph/ranking';

export { MAX_RELATED };

export interface RecommendLoaders {
  /** Key: seed product id; value: co-interacted product ids, strongest first (up to MAX_RELATED). */
  relatedIds: DataLoader<string, string[]>;
}

export function createRecommendLoaders(prisma: PrismaClient): RecommendLoaders {
  return {
    // One round for every product on the page.
    relatedIds: new DataLoader(async (seeds) => {
      const bySeed = await coVisitedNeighbours(prisma, seeds);
      return seeds.map((s) => (bySeed.get(s) ?? []).map((n) => n.id));
    }),
  };
}
