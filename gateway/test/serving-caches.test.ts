/**
 * Lists served from memory: a known user's second request runs no SQL at all
 * (history and model query cached, product facts in memory, popularity
 * snapshot shared), and every change made through the API reaches the caches
 * over the bus: the user's own interactions, product changes, stated
 * preferences.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { signDevToken } from '@recgraph/auth';
import { DEV_JWT_SECRET } from '@recgraph/config';
import { startTestStack, type TestStack } from './support/testStack.ts';

const RECS = `query ($first: Int) { recommendations(first: $first) { listId product { id } } }`;
type Recs = { recommendations: { listId: string; product: { id: string } }[] };

describe('recommendation serving caches (in-process bus + embedded PGlite)', () => {
  let t: TestStack;
  let admin: string;
  beforeAll(async () => {
    t = await startTestStack();
    admin = await signDevToken(DEV_JWT_SECRET, { sub: 'admin-1', role: 'admin' });
    // History behind the fixture's back, before the first request computes popularity: other
    // customers viewed 15 of the bulk products (all in "home"), so lists have room to change.
    const { u1, u2 } = t.fixture.users;
    await t.db.prisma.interaction.createMany({
      data: t.fixture.bulk.slice(0, 15).flatMap((p, i) =>
        [u1, u2].map((u) => ({
          eventId: `cache-history-${u.id}-${i}`,
          userId: u.id,
          productId: p.id,
          type: 'VIEW' as const,
          occurredAt: new Date(Date.now() - (i + 1) * 60_000),
        })),
      ),
    });
  }, 120_000);
  afterAll(() => t?.stop());

  const idsFor = async (token: string, first = 20) => {
    const res = await t.gql<Recs>(RECS, { first }, { token });
    expect(res.errors).toBeUndefined();
    return res.data!.recommendations.map((r) => r.product.id);
  };

  it('a user with no history gets their newly stated preferences at once', async () => {
    const fresh = await t.db.prisma.user.create({ data: { externalId: `cache-cold-${Date.now()}` } });
    const token = await signDevToken(DEV_JWT_SECRET, { sub: fresh.id, role: 'customer' });
    // Three: the stated category has that many popular products, so the cold start keeps to it.
    const before = await idsFor(token, 3);
    const scope = t.fixture.categories.electronics;
    const set = await t.gql(
      `mutation ($i: PreferencesInput!) { setPreferences(input: $i) { id } }`,
      { i: { categoryIds: [scope.id] } },
      { token },
    );
    expect(set.errors).toBeUndefined();
    const inScope = new Set(
      (
        await t.db.prisma.product.findMany({
          where: { category: { path: { startsWith: scope.path } } },
          select: { id: true },
        })
      ).map((p) => p.id),
    );
    await vi.waitFor(
      async () => {
        const after = await idsFor(token, 3);
        expect(after).not.toEqual(before);
        expect(inScope.has(after[0]!)).toBe(true);
      },
      { timeout: 3_000, interval: 50 },
    );
  });
  it('a known user’s repeat request runs no SQL; their own event and a product change show at once', async () => {
    const { shopper } = t.fixture.users;
    const token = await signDevToken(DEV_JWT_SECRET, { sub: shopper.id, role: 'customer' });
    const first = await idsFor(token);
    expect(first.length).toBeGreaterThan(10);
    // Let the first request's impression batch be written, then count.
    await new Promise((r) => setTimeout(r, 400));
    t.sql.reset();
    expect(await idsFor(token)).toEqual(first);
    expect(t.sql.count, t.sql.statements.join('\n')).toBe(0);

    // The shopper views the top product: with excludeSeen it leaves their list on the next request.
    const seen = first[0]!;
    const view = await t.gql(
      `mutation ($i: TrackEventInput!) { trackEvent(input: $i) { status } }`,
      { i: { eventId: `cache-view-${Date.now()}`, type: 'VIEW', productId: seen } },
      { token },
    );
    expect(view.errors).toBeUndefined();
    await vi.waitFor(async () => expect(await idsFor(token)).not.toContain(seen), { timeout: 3_000, interval: 50 });

    // An admin archives the next one: gone from every list.
    const archived = (await idsFor(token))[0]!;
    const archive = await t.gql(
      `mutation ($id: ID!) { archiveProduct(id: $id) { status } }`,
      { id: archived },
      {
        token: admin,
      },
    );
    expect(archive.errors).toBeUndefined();
    await vi.waitFor(async () => expect(await idsFor(token)).not.toContain(archived), { timeout: 3_000, interval: 50 });
  });

  it('product cards on a recommendation row come from the recommend subgraph’s facts: no catalog hop, no SQL, a price change shows at once', async () => {
    const { shopper } = t.fixture.users;
    const token = await signDevToken(DEV_JWT_SECRET, { sub: shopper.id, role: 'customer' });
    const CARDS = `{ recommendations(first: 10) { product { id title brand imageUrl price { amount currency cents } } } }`;
    type Cards = {
      recommendations: {
        product: {
          id: string;
          title: string;
          brand: string | null;
          imageUrl: string | null;
          price: { amount: string; currency: string; cents: number };
        };
      }[];
    };
    const cards = async () => {
      const res = await t.gql<Cards>(CARDS, {}, { token });
      expect(res.errors).toBeUndefined();
      return res.data!.recommendations.map((r) => r.product);
    };
    const first = await cards();
    expect(first.length).toBeGreaterThan(0);
    // The same values the catalog answers.
    const rows = await t.db.prisma.product.findMany({ where: { id: { in: first.map((p) => p.id) } } });
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const p of first) {
      const r = byId.get(p.id)!;
      expect(p).toMatchObject({ title: r.title, brand: r.brand, imageUrl: r.imageUrl });
      expect(p.price).toEqual({ amount: (r.priceCents / 100).toFixed(2), currency: r.currency, cents: r.priceCents });
    }
    await new Promise((r) => setTimeout(r, 400));
    t.sql.reset();
    expect(await cards()).toEqual(first);
    // The catalog would have read the products: zero statements means it was never asked.
    expect(t.sql.count, t.sql.statements.join('\n')).toBe(0);

    const target = first[0]!;
    const update = await t.gql(
      `mutation ($id: ID!, $i: UpdateProductInput!) { updateProduct(id: $id, input: $i) { id } }`,
      { id: target.id, i: { priceCents: target.price.cents + 101, title: `${target.title} (new)` } },
      { token: admin },
    );
    expect(update.errors).toBeUndefined();
    await vi.waitFor(
      async () => {
        const card = (await cards()).find((p) => p.id === target.id);
        expect(card).toMatchObject({ title: `${target.title} (new)`, price: { cents: target.price.cents + 101 } });
      },
      { timeout: 3_000, interval: 50 },
    );
  });

  it('a raw SQL write no event announced still reaches the in-memory facts within seconds (updated_at pass)', async () => {
    const { shopper } = t.fixture.users;
    const token = await signDevToken(DEV_JWT_SECRET, { sub: shopper.id, role: 'customer' });
    const victim = (await idsFor(token))[0]!;
    // Behind the platform's back: no catalog-changes event; the trigger stamps updated_at.
    await t.db.prisma.$executeRaw`UPDATE products SET availability = 'OUT_OF_STOCK' WHERE id = ${victim}::uuid`;
    await vi.waitFor(async () => expect(await idsFor(token)).not.toContain(victim), { timeout: 8_000, interval: 200 });
  });
});
