import type { PrismaClient } from '@recgraph/db';
import { deploymentWeights, weightSql } from '@recgraph/interactions';

/** Most neighbours one seed keeps. */
export const MAX_RELATED = 50;

export interface Neighbour {
  id: string;
  weight: number;
}

/**
 * Whether the streaming updater's co_visitation table exists (migration
 * 20261123100000_online_features). Asked once per process: tables do not
 * disappear under a running service.
 */
let coVisitationTable: Promise<boolean> | undefined;
function hasCoVisitationTable(prisma: PrismaClient): Promise<boolean> {
  coVisitationTable ??= prisma.$queryRaw<{ t: string | null }[]>`SELECT to_regclass('co_visitation')::text AS t`
    .then((r) => Boolean(r[0]?.t))
    .catch(() => {
      coVisitationTable = undefined;
      return false;
    });
  return coVisitationTable;
}

/**
 * Neighbours of each seed by co-visitation: the online table where it has the
 * seed (maintained per event, so it is fresh), otherwise computed from the
 * interaction history in one statement for all remaining seeds: users who
 * touched a seed, what else those users touched, each user once per product
 * with their strongest interaction's weight. Active products only.
 */
export async function coVisitedNeighbours(
  prisma: PrismaClient,
  seeds: readonly string[],
  limit = MAX_RELATED,
): Promise<Map<string, Neighbour[]>> {
  const bySeed = new Map<string, Neighbour[]>();
  const push = (seed: string, n: Neighbour) => (bySeed.get(seed) ?? bySeed.set(seed, []).get(seed)!).push(n);
  if (!seeds.length) return bySeed;
  if (await hasCoVisitationTable(prisma)) {
    const rows = await prisma.$queryRaw<{ seed: string; target: string; weight: number }[]>`
      SELECT seed, target, weight FROM (
        SELECT cv.product_a::text AS seed, cv.product_b::text AS target, cv.weight,
               row_number() OVER (PARTITION BY cv.product_a ORDER BY cv.weight DESC, cv.product_b) AS rn
        FROM co_visitation cv JOIN products p ON p.id = cv.product_b AND p.status = 'ACTIVE'
        WHERE cv.product_a = ANY(${[...seeds]}::uuid[])
      ) ranked WHERE rn <= ${limit} ORDER BY seed, rn`;
    for (const r of rows) push(r.seed, { id: r.target, weight: r.weight });
  }
  const rest = seeds.filter((s) => !bySeed.has(s));
  if (rest.length) {
    const weights = deploymentWeights();
    const rows = await prisma.$queryRaw<{ seed: string; target: string; weight: number }[]>`
      WITH seeders AS (
        SELECT DISTINCT x.user_id, x.product_id AS seed FROM interactions x
        WHERE x.product_id = ANY(${rest}::uuid[]) AND ${weightSql(weights, 'x')} IS NOT NULL
      ), co AS (
        SELECT s.seed, i.product_id AS target, i.user_id, max(${weightSql(weights, 'i')}) AS w
        FROM seeders s
        JOIN interactions i ON i.user_id = s.user_id AND i.product_id <> s.seed AND ${weightSql(weights, 'i')} IS NOT NULL
        GROUP BY s.seed, i.product_id, i.user_id
      ), ranked AS (
        SELECT co.seed, co.target, sum(co.w)::float8 AS weight,
               row_number() OVER (PARTITION BY co.seed ORDER BY sum(co.w) DESC, co.target) AS rn
        FROM co JOIN products p ON p.id = co.target AND p.status = 'ACTIVE'
        GROUP BY co.seed, co.target
      )
      SELECT seed::text AS seed, target::text AS target, weight FROM ranked WHERE rn <= ${limit} ORDER BY seed, rn`;
    for (const r of rows) push(r.seed, { id: r.target, weight: r.weight });
  }
  return bySeed;
}
