/**
 * Recommendation poisoning (issue 12): a PURCHASE a client only claimed through trackEvent
 * is stored with a claimed: source and must weigh CLAIMED_PURCHASE in training too, not
 * what a purchase checkout recorded weighs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '@recgraph/db';
import { claimedSource, confidenceTable, DEFAULT_INTERACTION_WEIGHTS } from '@recgraph/interactions';
import { buildInteractionMatrix } from '@recgraph/recsys';
import { loadTrainingData } from '../src/load-training-data.ts';

describe('recommendation poisoning: training weighs a client-claimed purchase as CLAIMED_PURCHASE', () => {
  let db: Database;
  beforeAll(async () => {
    db = await openDatabase({});
  }, 60_000);
  afterAll(() => db?.close());

  it('a checkout purchase weighs PURCHASE, a claimed one CLAIMED_PURCHASE, in the training matrix', async () => {
    const user = await db.prisma.user.create({ data: { externalId: 'claimed-training' } });
    const [recorded, claimed] = await Promise.all(
      ['recorded', 'claimed'].map((sku) => db.prisma.product.create({ data: { sku, title: sku, priceCents: 100 } })),
    );
    await db.prisma.interaction.createMany({
      data: [
        {
          eventId: 'checkout-1',
          userId: user.id,
          productId: recorded!.id,
          type: 'PURCHASE',
          source: 'checkout',
          occurredAt: new Date(),
        },
        {
          eventId: 'claim-1',
          userId: user.id,
          productId: claimed!.id,
          type: 'PURCHASE',
          source: claimedSource('web'),
          occurredAt: new Date(),
        },
      ],
    });
    const data = await loadTrainingData(db);
    const m = buildInteractionMatrix(data.interactions, {
      nUsers: data.users.size,
      nItems: data.items.size,
      confidence: confidenceTable(DEFAULT_INTERACTION_WEIGHTS),
    }).userItems;
    const u = data.users.index(user.id)!;
    const weightOf = (productId: string) => {
      const i = data.items.index(productId)!;
      for (let k = m.indptr[u]!; k < m.indptr[u + 1]!; k++) if (m.indices[k] === i) return m.data[k];
      return undefined;
    };
    expect(weightOf(recorded!.id)).toBe(DEFAULT_INTERACTION_WEIGHTS.PURCHASE);
    expect(weightOf(claimed!.id)).toBe(DEFAULT_INTERACTION_WEIGHTS.CLAIMED_PURCHASE);
    expect(DEFAULT_INTERACTION_WEIGHTS.CLAIMED_PURCHASE).toBeLessThan(DEFAULT_INTERACTION_WEIGHTS.PURCHASE!);
  });
});
