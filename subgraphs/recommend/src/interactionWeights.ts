import { Prisma } from '@recgraph/db';

/**
 * How much one user's interaction says "I wanted this", as SQL over an
 * interactions row aliased `alias`. Purchases outweigh browsing; a low rating
 * still shows interest but little; dislikes are filtered out by callers.
 */
export function interactionWeight(alias: string): Prisma.Sql {
  const t = Prisma.raw(`${alias}.type`);
  const v = Prisma.raw(`${alias}.value`);
  return Prisma.sql`CASE ${t}
    WHEN 'PURCHASE' THEN 5
    WHEN 'ADD_TO_CART' THEN 3
    WHEN 'LIKE' THEN 2
    WHEN 'RATE' THEN CASE WHEN ${v} >= 4 THEN 2 ELSE 0.5 END
    ELSE 1 END`;
}
