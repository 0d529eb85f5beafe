/**
 * The whole streaming loop, end to end, on both pairings of bus and database:
 * a customer's events go in through the gateway (trackEvent / addToCart →
 * catalog transaction + outbox → relay → interactions topic), the online
 * feature updater folds them into popularity and republishes the customer's
 * top-k, and the gateway pushes that over graphql-ws with the product fields
 * resolved through the federated catalog.
 */
import { randomUUID } from 'node:crypto';
import { createClient, type Client, type FormattedExecutionResult } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { signDevToken } from '@recgraph/auth';
import { DEV_JWT_SECRET } from '@recgraph/config';
import {
  createEventBus,
  publishInteractions,
  STREAMING_TOPICS,
  type EventBus,
  type InteractionEventV1,
} from '@recgraph/events';
import { createOnlineFeatureUpdater, type OnlineFeatureUpdater } from '@recgraph/streaming';
import { createTestDatabase, realPostgresUrl } from '../../packages/db/test/real-postgres.ts';
import { realKafkaBrokers } from '../../packages/events/test/real-kafka.ts';
import { startTestStack, type TestStack } from './support/testStack.ts';

const TRACK = `mutation ($i: TrackEventInput!) { trackEvent(input: $i) { eventId status } }`;
const TRACK_MANY = `mutation ($i: [TrackEventInput!]!) { trackEvents(inputs: $i) { recorded duplicates } }`;
const ADD_TO_CART = `mutation ($p: ID!, $q: Int!) { addToCart(productId: $p, quantity: $q) { id } }`;
const RECS_QUERY = `subscription ($userId: ID!) {
  recommendationsUpdated(userId: $userId) {
    userId
    items { score source reason product { id title price { amount } } }
  }
}`;
const RECS_AS_QUERY = `query ($userId: ID!) {
  recommendations(userId: $userId) { score source reason product { id title price { amount } } }
}`;

type Item = {
  score: number;
  source: string;
  reason: string;
  product: { id: string; title: string; price: { amount: string } };
};
type RecsPayload = { recommendationsUpdated: { userId: string; items: Item[] } };

const run = () => `${Date.now().toString(36)}${randomUUID().slice(0, 6)}`;
const amount = (cents: number) => (cents / 100).toFixed(2);

interface Backend {
  name: string;
  available: boolean;
  createBus(): EventBus;
  databaseUrl(): Promise<string | undefined>;
  timeoutMs: number;
}

const brokers = realKafkaBrokers();
const pgUrl = await realPostgresUrl();

const backends: Backend[] = [
  {
    name: 'in-process bus + embedded PGlite',
    available: true,
    createBus: () => createEventBus({ clientId: 'streaming-e2e', topicPrefix: `e2e.${run()}.` }),
    databaseUrl: async () => undefined,
    timeoutMs: 15_000,
  },
  {
    name: 'real Kafka + real Postgres',
    available: Boolean(brokers && pgUrl),
    createBus: () =>
      createEventBus({
        brokers: brokers!,
        clientId: 'streaming-e2e',
        topicPrefix: `e2e.${run()}.`,
        // Short group timings: joins dominate a Kafka suite's run time.
        kafka: { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 300, rebalanceTimeoutMs: 6_000, maxWaitTimeMs: 100 },
      }),
    databaseUrl: () => createTestDatabase(pgUrl!),
    timeoutMs: 60_000,
  },
];

for (const backend of backends) {
  describe.skipIf(!backend.available)(`streaming end to end (${backend.name})`, () => {
    let t: TestStack;
    let bus: EventBus;
    let updater: OnlineFeatureUpdater;
    let client: Client | undefined;
    let shopperToken: string;
    let otherToken: string;

    const eventCount = async (productId: string): Promise<number> => {
      const row = await t.db.prisma.productPopularity.findUnique({ where: { productId } });
      return Number(row?.eventCount ?? 0);
    };
    const interactionsWith = (eventIds: string[]) =>
      t.db.prisma.interaction.count({ where: { eventId: { in: eventIds } } });
    const waitUntil = (what: string, check: () => Promise<void> | void) =>
      vi.waitFor(check, { timeout: backend.timeoutMs, interval: 50 }).catch((err: unknown) => {
        throw new Error(`timed out waiting for ${what}: ${err instanceof Error ? err.message : String(err)}`);
      });

    beforeAll(async () => {
      bus = backend.createBus();
      await bus.ensureTopics(STREAMING_TOPICS);
      const databaseUrl = await backend.databaseUrl();
      t = await startTestStack({ bus, ...(databaseUrl ? { databaseUrl } : {}) });
      updater = createOnlineFeatureUpdater({
        bus,
        db: t.db,
        groupId: `e2e-updater-${run()}`,
        batchSize: 50,
        k: 5,
      });
      await updater.start();
      shopperToken = await signDevToken(DEV_JWT_SECRET, { sub: t.fixture.users.shopper.id, role: 'customer' });
      otherToken = await signDevToken(DEV_JWT_SECRET, { sub: t.fixture.users.otherShopper.id, role: 'customer' });
    }, 120_000);

    afterAll(async () => {
      await client?.dispose();
      await updater?.stop();
      await t?.stop();
      await bus?.close();
    }, 60_000);

    it('a customer subscribed over graphql-ws is pushed the recommendations their own gateway events moved', async () => {
      const { shopper } = t.fixture.users;
      const { tv, headphones, speaker } = t.fixture.products;
      // The fixture's history was inserted without the bus, so popularity starts empty: every
      // score below comes from events that went gateway → outbox → bus → updater.
      expect(await t.db.prisma.productPopularity.count()).toBe(0);

      // Another customer makes the TV (twice) and the speaker popular.
      const other = await t.gql<{ trackEvents: { recorded: number } }>(
        TRACK_MANY,
        {
          i: [
            { eventId: `e2e-other-tv-1-${run()}`, type: 'VIEW', productId: tv.id },
            { eventId: `e2e-other-tv-2-${run()}`, type: 'LIKE', productId: tv.id },
            { eventId: `e2e-other-sp-1-${run()}`, type: 'VIEW', productId: speaker.id },
          ],
        },
        { token: otherToken },
      );
      expect(other.errors).toBeUndefined();
      expect(other.data!.trackEvents.recorded).toBe(3);
      await waitUntil('the other customer’s events to be folded into popularity', async () => {
        expect(await eventCount(tv.id)).toBe(2);
        expect(await eventCount(speaker.id)).toBe(1);
      });

      client = createClient({
        url: t.stack.gateway.url.replace(/^http/, 'ws'),
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        connectionParams: { authorization: `Bearer ${shopperToken}` },
      });
      const results: FormattedExecutionResult<RecsPayload, unknown>[] = [];
      let failure: unknown;
      client.subscribe<RecsPayload>(
        { query: RECS_QUERY, variables: { userId: shopper.id } },
        { next: (r) => void results.push(r), error: (e) => void (failure = e), complete: () => {} },
      );
      await waitUntil('the subscription to be routed', () =>
        expect(t.stack.gateway.subscriptions?.routeCount()).toBe(1),
      );

      // The shopper views the headphones and puts the speaker in the cart: both become "seen",
      // so the popularity fallback recommends the TV first and never those two.
      const viewId = `e2e-view-${run()}`;
      const view = await t.gql(
        TRACK,
        { i: { eventId: viewId, type: 'VIEW', productId: headphones.id } },
        { token: shopperToken },
      );
      expect(view.data).toEqual({ trackEvent: { eventId: viewId, status: 'RECORDED' } });
      const cart = await t.gql<{ addToCart: { id: string } }>(
        ADD_TO_CART,
        { p: speaker.id, q: 1 },
        { token: shopperToken },
      );
      expect(cart.errors).toBeUndefined();
      const cartEventIds = (
        await t.db.prisma.interaction.findMany({
          where: { userId: shopper.id, eventId: { startsWith: `cart.${cart.data!.addToCart.id}.` } },
        })
      ).map((i) => i.eventId);
      expect(cartEventIds).toHaveLength(1);

      // Wait for an update whose list reflects both of the shopper's events.
      const expected = {
        source: 'POPULAR',
        product: { id: tv.id, title: 'Smart TV', price: { amount: amount(tv.priceCents) } },
      };
      await waitUntil('a recommendations update reflecting both events', async () => {
        if (failure) throw new Error(`subscription failed: ${JSON.stringify(failure)}`);
        expect(await eventCount(speaker.id)).toBe(2);
        const last = results.at(-1);
        expect(last?.errors).toBeUndefined();
        const items = last?.data?.recommendationsUpdated.items ?? [];
        expect(items[0]).toMatchObject(expected);
        // Seen items are filtered out: the update after the cart event no longer has the speaker.
        expect(items.map((i) => i.product.id)).not.toContain(headphones.id);
        expect(items.map((i) => i.product.id)).not.toContain(speaker.id);
      });
      const last = results.at(-1)!.data!.recommendationsUpdated;
      expect(last.userId).toBe(shopper.id);
      for (const item of last.items) expect(item.score).toBeGreaterThan(0);
      // The push is what the query answers with the same arguments (nothing has moved since).
      const asked = await t.gql<{ recommendations: Item[] }>(
        RECS_AS_QUERY,
        { userId: shopper.id },
        { token: shopperToken },
      );
      expect(asked.errors).toBeUndefined();
      expect(last.items).toEqual(asked.data!.recommendations);
      // Every update only ever concerned this shopper.
      for (const r of results) expect(r.data?.recommendationsUpdated.userId).toBe(shopper.id);

      // Recorded exactly once, and folded into popularity exactly once.
      expect(await interactionsWith([viewId, ...cartEventIds])).toBe(2);
      expect(await eventCount(headphones.id)).toBe(1);
      expect(await eventCount(speaker.id)).toBe(2);
      expect(await eventCount(tv.id)).toBe(2);
      await waitUntil('the outbox to drain', async () => expect(await t.db.prisma.interactionOutbox.count()).toBe(0));
    });

    it('the same eventId sent twice is one interaction and counts once in popularity, even redelivered on the bus', async () => {
      const { outletCable, mug } = t.fixture.products;
      expect(await eventCount(outletCable.id)).toBe(0);
      const eventId = `e2e-dup-${run()}`;
      const input = { eventId, type: 'CLICK', productId: outletCable.id, source: 'ios' };
      const first = await t.gql(TRACK, { i: input }, { token: shopperToken });
      expect(first.data).toEqual({ trackEvent: { eventId, status: 'RECORDED' } });
      const second = await t.gql(TRACK, { i: input }, { token: shopperToken });
      expect(second.data).toEqual({ trackEvent: { eventId, status: 'DUPLICATE' } });
      expect(await interactionsWith([eventId])).toBe(1);
      await waitUntil('the event to be folded', async () => expect(await eventCount(outletCable.id)).toBe(1));

      // At-least-once delivery: the relay may publish a row again (a crash between publish
      // and delete). Redeliver the stored envelope, then a later event of the same user
      // (same key, same partition, so consumed after it) as a sentinel.
      const stored = await t.db.prisma.interaction.findFirstOrThrow({ where: { eventId } });
      const envelope: InteractionEventV1 = {
        schema: 'recgraph.interaction.v1',
        eventId,
        type: 'CLICK',
        userId: stored.userId,
        productId: outletCable.id,
        value: stored.value,
        occurredAt: stored.occurredAt.toISOString(),
        source: 'ios',
      };
      await publishInteractions(bus, [envelope, envelope]);
      const sentinel = `e2e-sentinel-${run()}`;
      const sent = await t.gql(
        TRACK,
        { i: { eventId: sentinel, type: 'VIEW', productId: mug.id } },
        { token: shopperToken },
      );
      expect(sent.data).toEqual({ trackEvent: { eventId: sentinel, status: 'RECORDED' } });
      await waitUntil('the sentinel to be folded', async () => expect(await eventCount(mug.id)).toBe(1));

      expect(await interactionsWith([eventId])).toBe(1);
      expect(await eventCount(outletCable.id)).toBe(1);
    });
  });
}
