/**
 * Issue 12, "trust in signals": one regression test per finding, through the
 * real gateway, the catalog's outbox and the online updater on the real Postgres.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDevToken } from '@recgraph/auth';
import { DEV_JWT_SECRET } from '@recgraph/config';
import { feedbackEventId } from '@recgraph/subgraph-recommend/feedback';
import { createOnlineFeatureUpdater, type OnlineFeatureUpdater } from '@recgraph/streaming';
import { createTestDatabase, realPostgresUrl } from '../../packages/db/test/real-postgres.ts';
import { startTestStack, type GraphQLResponse, type TestStack } from './support/testStack.ts';

const pgUrl = await realPostgresUrl();

const TRACK = `mutation ($i: TrackEventInput!) { trackEvent(input: $i) { eventId status } }`;
const TRACK_MANY = `mutation ($i: [TrackEventInput!]!) { trackEvents(inputs: $i) { recorded duplicates } }`;
/** What the attacker may send per minute in this suite: exactly their 10 calls of 100. */
const EVENTS_PER_MINUTE = 1000;
const DAILY_CAP = 50;

const codeOf = (a: GraphQLResponse) => a.errors?.[0]?.extensions?.code;
const customer = async () => {
  const sub = randomUUID();
  return { sub, token: await signDevToken(DEV_JWT_SECRET, { sub, role: 'customer' }) };
};

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!pgUrl)('trust in signals (real gateway, updater, real Postgres)', () => {
  let t: TestStack;
  let updater: OnlineFeatureUpdater;

  beforeAll(async () => {
    t = await startTestStack({
      databaseUrl: await createTestDatabase(pgUrl!),
      catalog: { eventRate: { points: EVENTS_PER_MINUTE, durationS: 60 } },
    });
    updater = createOnlineFeatureUpdater({
      bus: t.stack.bus,
      db: t.db,
      groupId: `signal-trust-${randomUUID()}`,
      popularityUserDailyCap: DAILY_CAP,
    });
    await updater.start();
  });

  afterAll(async () => {
    await updater?.stop();
    await t?.stop();
  });

  it('recommendation poisoning: one account sending 100 claimed PURCHASEs × 10 calls cannot top popularProducts', async () => {
    const { headphones } = t.fixture.products;
    const target = t.fixture.bulk[0]!;
    // Six honest shoppers buy the headphones through checkout: ADD_TO_CART 4 + PURCHASE 8 each.
    const honest = await Promise.all(Array.from({ length: 6 }, customer));
    for (const h of honest) {
      const add = await t.gql(
        `mutation ($p: ID!) { addToCart(productId: $p, quantity: 1) { id } }`,
        { p: headphones.id },
        { token: h.token },
      );
      expect(codeOf(add)).toBeUndefined();
      expect(codeOf(await t.gql(`mutation { checkout { id } }`, {}, { token: h.token }))).toBeUndefined();
    }
    // One attacker claims 1000 purchases of another product (weight 8 each, before).
    const attacker = await customer();
    for (let call = 0; call < 10; call++) {
      const inputs = Array.from({ length: 100 }, (_, i) => ({
        eventId: `poison-${call}-${String(i).padStart(3, '0')}`,
        type: 'PURCHASE',
        productId: target.id,
        value: 1,
      }));
      const r = await t.gql<{ trackEvents: { recorded: number } }>(
        TRACK_MANY,
        { i: inputs },
        { token: attacker.token },
      );
      expect(r.data?.trackEvents.recorded).toBe(100);
    }
    // Per-user event-rate cap: the account has spent its budget for the minute.
    const more = await t.gql(
      TRACK,
      { i: { eventId: 'poison-extra-1', type: 'VIEW', productId: target.id } },
      { token: attacker.token },
    );
    expect([more.status, codeOf(more)]).toEqual([200, 'RATE_LIMITED']);

    const users = [attacker, ...honest].map((u) => u.sub);
    await waitUntil('every event to be folded', async () => {
      const folded = await t.db.prisma.interaction.count({ where: { userId: { in: users }, foldedAt: { not: null } } });
      return folded === 1000 + honest.length * 2;
    });
    // Stored as claims; checkout's purchases as purchases.
    expect(await t.db.prisma.interaction.count({ where: { userId: attacker.sub, source: 'claimed:web' } })).toBe(1000);
    expect(
      await t.db.prisma.interaction.count({
        where: { userId: { in: honest.map((h) => h.sub) }, type: 'PURCHASE', source: 'checkout' },
      }),
    ).toBe(honest.length);

    const score = async (productId: string) =>
      (await t.db.prisma.productPopularity.findUniqueOrThrow({ where: { productId } })).score;
    // Claimed purchases weigh CLAIMED_PURCHASE (1), and the daily cap stops the account at 50.
    expect(await score(target.id)).toBeLessThanOrEqual(DAILY_CAP + 1e-9);
    expect(await score(headphones.id)).toBeGreaterThan(await score(target.id));
    const budget = await t.db.prisma.popularityUserBudget.findMany({ where: { userId: attacker.sub } });
    expect(budget.reduce((s, b) => s + b.used, 0)).toBeCloseTo(DAILY_CAP, 9);

    // Both the updater's table (WEEK) and the interaction log (MONTH) rank the honest purchases first.
    for (const window of ['WEEK', 'MONTH']) {
      const r = await t.gql<{ popularProducts: { id: string }[] }>(
        `{ popularProducts(window: ${window}, first: 3) { id } }`,
      );
      expect(r.errors).toBeUndefined();
      expect(r.data!.popularProducts[0]!.id).toBe(headphones.id);
    }
  });

  describe('one global event-id namespace chosen by clients', () => {
    it("another user's id collision no longer blocks or reveals: ids are unique per user", async () => {
      const [a, b] = [await customer(), await customer()];
      const event = { eventId: 'view:short-01', type: 'VIEW', productId: t.fixture.products.mug.id };
      const first = await t.gql<{ trackEvent: { status: string } }>(TRACK, { i: event }, { token: a.token });
      expect(first.data?.trackEvent.status).toBe('RECORDED');
      // B's answer says nothing about A: B's own first use of the id is RECORDED, and stored.
      const second = await t.gql<{ trackEvent: { status: string } }>(TRACK, { i: event }, { token: b.token });
      expect(second.data?.trackEvent.status).toBe('RECORDED');
      const again = await t.gql<{ trackEvent: { status: string } }>(TRACK, { i: event }, { token: b.token });
      expect(again.data?.trackEvent.status).toBe('DUPLICATE');
      expect(await t.db.prisma.interaction.count({ where: { eventId: 'view:short-01' } })).toBe(2);
      await waitUntil(
        'both to be folded',
        async () =>
          (await t.db.prisma.interaction.count({ where: { eventId: 'view:short-01', foldedAt: { not: null } } })) === 2,
      );
    });

    it("a customer cannot pre-empt another's feedback id: internal ids are refused from clients", async () => {
      const [attacker, victim] = [await customer(), await customer()];
      const { mug } = t.fixture.products;
      // The victim needs a users row, as any store user has by then.
      await t.gql(TRACK, { i: { eventId: 'victim-view-1', type: 'VIEW', productId: mug.id } }, { token: victim.token });
      for (const eventId of [
        feedbackEventId(victim.sub, mug.id, 'LIKE', new Date()),
        `checkout.${randomUUID()}.${mug.id}`.replaceAll('.', ':'),
        'cart:anything-at-all',
      ]) {
        const r = await t.gql(TRACK, { i: { eventId, type: 'LIKE', productId: mug.id } }, { token: attacker.token });
        expect([r.status, codeOf(r)]).toEqual([200, 'BAD_USER_INPUT']);
        expect(r.errors?.[0]?.message).toMatch(/reserved/);
      }
      const liked = await t.gql<{ feedback: { recorded: boolean } }>(
        `mutation ($p: ID!) { feedback(productId: $p, kind: LIKE) { recorded } }`,
        { p: mug.id },
        { token: victim.token },
      );
      expect(liked.errors).toBeUndefined();
      expect(liked.data?.feedback.recorded).toBe(true);
    });
  });
});
