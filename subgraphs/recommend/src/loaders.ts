import DataLoader from 'dataloader';
import type { PrismaClient } from '@recgraph/db';
import { Prisma } from '@recgraph/db';
import { interactionWeight } from './interactionWeights.ts';

export interface RecommendLoaders {
  /** Key: seed product id; value: co-interacted product ids, strongest first (up to MAX_RELATED). */
  relatedIds: DataLoader<string, string[]>;
}

export const MAX_RELATED = 50;

export function createRecommendLoaders(prisma: PrismaClient): RecommendLoaders {
  return {
    // One statement for every product on the page: users who touched a seed,
    // what else those users touched, ranked per seed.
    relatedIds: new DataLoader(async (seeds) => {
      const rows = await prisma.$queryRaw<{ seed: string; target: string }[]>`
        WITH seeders AS (
          SELECT DISTINCT user_id, product_id AS seed FROM interactions
          WHERE product_id = ANY(${[...seeds]}::uuid[]) AND type <> 'DISLIKE'
        ), co AS (
          SELECT s.seed, i.product_id AS target, i.user_id, max(${interactionWeight('i')}) AS w
          FROM seeders s
          JOIN interactions i ON i.user_id = s.user_id AND i.product_id <> s.seed AND i.type <> 'DISLIKE'
          GROUP BY s.seed, i.product_id, i.user_id
        ), ranked AS (
          SELECT co.seed, co.target,
                 row_number() OVER (PARTITION BY co.seed ORDER BY sum(co.w) DESC, co.target) AS rn
          FROM co JOIN products p ON p.id = co.target AND p.status = 'ACTIVE'
          GROUP BY co.seed, co.target
        )
        SELECT seed::text AS seed, target::text AS target FROM ranked WHERE rn <= ${MAX_RELATED} ORDER BY seed, rn`;
      const bySeed = new Map<string, string[]>();
      for (const r of rows) (bySeed.get(r.seed) ?? bySeed.set(r.seed, []).get(r.seed)!).push(r.target);
      return seeds.map((s) => bySeed.get(s) ?? []);
    }),
  };
}

/**
 * The window ends at the newest recorded interaction (never in the future),
 * not at the wall clock: an imported history or the demo store, whose events
 * stop at some past date, still has a "last 30 days".
 */
export async function popularProductIds(
  prisma: PrismaClient,
  opts: { first: number; categoryPath?: string | undefined; days?: number },
): Promise<string[]> {
  const days = opts.days ?? 30;
  const inCategory =
    opts.categoryPath === undefined
      ? Prisma.empty
      : Prisma.sql`AND p.category_id IN (SELECT c.id FROM categories c
          WHERE c.path = ${opts.categoryPath} OR starts_with(c.path, ${opts.categoryPath + '/'}))`;
  const rows = await prisma.$queryRaw<{ id: string }[]>`
    SELECT p.id::text AS id
    FROM interactions i JOIN products p ON p.id = i.product_id AND p.status = 'ACTIVE'
    WHERE i.occurred_at >= (SELECT least(max(occurred_at), now()) FROM interactions) - make_interval(days => ${days})
      AND i.type <> 'DISLIKE' ${inCategory}
    GROUP BY p.id
    ORDER BY sum(${interactionWeight('i')}) DESC, p.id
    LIMIT ${opts.first}`;
  return rows.map((r) => r.id);
}
