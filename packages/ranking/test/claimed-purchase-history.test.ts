/**
 * Recommendation poisoning (issue 12): a purchase a client only claimed weighs
 * CLAIMED_PURCHASE in the history serving folds a user in from, as it does in training.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '@recgraph/db';
import { claimedSource, DEFAULT_INTERACTION_WEIGHTS } from '@recgraph/interactions';
import { loadUserHistory } from '../src/userHistory.ts';

describe('recommendation poisoning: a claimed purchase weighs CLAIMED_PURCHASE in the serving history', () => {
  let db: Database;
  beforeAll(async () => {
    db = await openDatabase({});
  }, 60_000);
  afterAll(() => db?.close());

  it('a checkout purchase weighs PURCHASE, a claimed one CLAIMED_PURCHASE', async () => {
    const user = await db.prisma.user.create({ data: { externalId: 'claimed-history' } });
    const [recorded, claimed] = await Promise.all(
      ['h-recorded', 'h-claimed'].map((sku) =>
        db.prisma.product.create({ data: { sku, title: sku, priceCents: 100 } }),
      ),
    );
    const at = new Date();
    await db.prisma.interaction.createMany({
      data: [
        {
          eventId: 'checkout-h1',
          userId: user.id,
          productId: recorded!.id,
          type: 'PURCHASE',
          source: 'checkout',
          occurredAt: at,
        },
        {
          eventId: 'claim-h1',
          userId: user.id,
          productId: claimed!.id,
          type: 'PURCHASE',
          source: claimedSource('web'),
          occurredAt: at,
        },
      ],
    });
    const history = await loadUserHistory(db.prisma, user.id);
    const weight = (id: string) => history.positives.find((p) => p.productId === id)?.weight;
    expect(weight(recorded!.id)).toBe(DEFAULT_INTERACTION_WEIGHTS.PURCHASE);
    expect(weight(claimed!.id)).toBe(DEFAULT_INTERACTION_WEIGHTS.CLAIMED_PURCHASE);
  });
});
