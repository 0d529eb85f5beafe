import { randomUUID } from 'node:crypto';
import type { Database } from '@recgraph/db';
import type { InteractionEventV1 } from '@recgraph/events';

/** Creates users and products with fresh ids; returns the ids in creation order. */
export async function seedCatalog(
  db: Database,
  users: number,
  products: number,
): Promise<{ users: string[]; products: string[] }> {
  const tag = randomUUID().slice(0, 8);
  const u = Array.from({ length: users }, () => randomUUID());
  const p = Array.from({ length: products }, () => randomUUID());
  await db.prisma.user.createMany({ data: u.map((id, i) => ({ id, externalId: `u-${tag}-${i}` })) });
  await db.prisma.product.createMany({
    data: p.map((id, i) => ({ id, sku: `sku-${tag}-${i}`, title: `Product ${i}`, priceCents: 1000 + i })),
  });
  return { users: u, products: p };
}

/** Every test event happens at the same moment, so decayed popularity equals the summed weights exactly. */
export const EVENT_TIME = new Date(Date.now() - 60_000).toISOString();

export function interaction(
  userId: string,
  productId: string,
  over: Partial<InteractionEventV1> = {},
): InteractionEventV1 {
  return {
    schema: 'recgraph.interaction.v1',
    eventId: randomUUID(),
    type: 'VIEW',
    userId,
    productId,
    value: 1,
    occurredAt: EVENT_TIME,
    source: 'test',
    ...over,
  };
}

export async function count(db: Database, sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await db.pool.query<{ n: string }>(sql, params);
  return Number(rows[0]!.n);
}
