import { Prisma } from '@recgraph/db';
import { CLAIMED_SOURCE_PREFIX, INTERACTION_TYPE_NAMES, type InteractionWeights } from './weights.ts';

/**
 * weightOf() as SQL over an interactions row aliased `alias` (type, value and
 * source: a client-claimed PURCHASE weighs CLAIMED_PURCHASE): the weight, or
 * NULL for a type that is not a positive signal (sum() skips NULLs; callers
 * that need rows filter with `IS NOT NULL`). Weights are bound as parameters.
 */
export function weightSql(weights: InteractionWeights, alias: string): Prisma.Sql {
  const t = Prisma.raw(`${alias}.type`);
  const v = Prisma.raw(`${alias}.value`);
  const src = Prisma.raw(`${alias}.source`);
  const arms = INTERACTION_TYPE_NAMES.map((type) => {
    const w = weights[type];
    if (type === 'PURCHASE') {
      const claimed = weights.CLAIMED_PURCHASE;
      return Prisma.sql`WHEN ${type} THEN (CASE WHEN starts_with(${src}, ${CLAIMED_SOURCE_PREFIX}) THEN ${claimed}::float8 ELSE ${w}::float8 END)`;
    }
    if (w === null) return Prisma.sql`WHEN ${type} THEN NULL::float8`;
    return type === 'RATE'
      ? Prisma.sql`WHEN ${type} THEN nullif(greatest(${w}::float8 * ${v}, 0), 0)`
      : Prisma.sql`WHEN ${type} THEN ${w}::float8`;
  });
  return Prisma.sql`(CASE ${t}::text ${Prisma.join(arms, ' ')} END)`;
}
