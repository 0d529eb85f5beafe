/**
 * "Popular this week" ranks the same whether the recommend engine reads the
 * updater's online table or the interaction log: both decay with the one
 * half-life packages/interactions defines, and the weights are one table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '@recgraph/db';
import { popularityFromLog, popularityFromOnlineTable } from '@recgraph/ranking/popularity';
import { rebuildOnlineFeatures } from '../src/index.ts';
import { inProcess, realServers } from './backends.ts';
import { seedCatalog } from './fixtures.ts';

const TYPES = ['VIEW', 'CLICK', 'ADD_TO_CART', 'PURCHASE', 'LIKE', 'RATE', 'DISLIKE'] as const;

for (const backend of [inProcess, realServers]) {
  describe.skipIf(!backend.available)(`WEEK popularity, online table vs log (${backend.name})`, () => {
    let db: Database;
    beforeAll(async () => {
      db = await backend.openDb();
    });
    afterAll(() => db?.close());

    it('orders products identically, with the same relative scores', async () => {
      const { users, products } = await seedCatalog(db, 30, 40);
      // Events spread over three weeks, of every type: an old purchase must weigh what decay says.
      const now = Date.now();
      const rows = Array.from({ length: 600 }, (_, i) => {
        const type = TYPES[(i * 7) % TYPES.length]!;
        return {
          eventId: `pw-${i}`,
          userId: users[(i * 13) % users.length]!,
          productId: products[(i * 17 + Math.floor(i / 40)) % products.length]!,
          type,
          value: type === 'RATE' ? 1 + (i % 5) : 1,
          occurredAt: new Date(now - ((i * 7919) % (21 * 86_400)) * 1000),
        };
      });
      await db.prisma.interaction.createMany({ data: rows });
      await rebuildOnlineFeatures(db);

      const online = (await popularityFromOnlineTable(db.prisma))!;
      const log = await popularityFromLog(db.prisma, 'WEEK');
      expect(online.length).toBeGreaterThan(20);
      expect(online.map((r) => r.id)).toEqual(log.map((r) => r.id));
      const top = (r: { score: number }[]) => r[0]!.score;
      online.forEach((r, i) => expect(r.score / top(online)).toBeCloseTo(log[i]!.score / top(log), 9));
    });
  });
}
