import { signDevToken } from '@recgraph/auth';
import { DEV_JWT_SECRET } from '@recgraph/config';
import { openDatabase, type Database } from '@recgraph/db';
import {
  createEventBus,
  interactionEvents,
  STREAMING_TOPIC,
  STREAMING_TOPICS,
  type EventBus,
  type InteractionEventV1,
  type Subscription,
} from '@recgraph/events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type RunningStack } from '../src/stack.ts';
import { seedFixture, type Fixture } from './support/fixture.ts';
import { rowSnapshot } from './support/rowSnapshot.ts';
import { startTestStack, TEST_SECRET, type GraphQLResponse, type TestStack } from './support/testStack.ts';

const TRACK = `mutation ($i: TrackEventInput!) { trackEvent(input: $i) { eventId status } }`;
const TRACK_MANY = `mutation ($i: [TrackEventInput!]!) { trackEvents(inputs: $i) { recorded duplicates results { eventId status } } }`;
const UNKNOWN = '00000000-0000-4000-8000-000000000000';
const codeOf = (res: GraphQLResponse) => res.errors?.[0]?.extensions?.code;

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Everything published on the interactions topic (from now on, unless fromBeginning), decoded. */
async function collectInteractions(bus: EventBus, groupId: string, fromBeginning = false) {
  const seen: InteractionEventV1[] = [];
  const subscription: Subscription = await bus.subscribe({
    groupId,
    fromBeginning,
    topics: [STREAMING_TOPIC.interactions],
    handleBatch: async (messages) => {
      for (const m of messages) {
        const decoded = interactionEvents.decode(m.value);
        if (!decoded.ok) throw decoded.error;
        expect(m.key).toBe(decoded.value.userId);
        seen.push(decoded.value);
      }
    },
  });
  return { seen, subscription, count: (eventId: string) => seen.filter((e) => e.eventId === eventId).length };
}

describe('trackEvent through the gateway', () => {
  let t: TestStack;
  let customer: string;
  let admin: string;
  let published: Awaited<ReturnType<typeof collectInteractions>>;
  const outboxSize = () => t.db.prisma.interactionOutbox.count();

  beforeAll(async () => {
    t = await startTestStack();
    customer = await signDevToken(DEV_JWT_SECRET, { sub: t.fixture.users.shopper.id, role: 'customer' });
    admin = await signDevToken(DEV_JWT_SECRET, { sub: t.fixture.users.admin.id, role: 'admin' });
    published = await collectInteractions(t.stack.bus, 'tracking-test');
  });
  afterAll(async () => {
    await published?.subscription.stop();
    await t?.stop();
  });

  it('is idempotent on eventId: one interaction and one bus message for two identical calls', async () => {
    const { headphones } = t.fixture.products;
    const input = { eventId: 'view:abc-00001', type: 'VIEW', productId: headphones.id, source: 'ios' };
    const first = await t.gql(TRACK, { i: input }, { token: customer });
    expect(first.data).toEqual({ trackEvent: { eventId: 'view:abc-00001', status: 'RECORDED' } });
    const second = await t.gql(TRACK, { i: input }, { token: customer });
    expect(second.data).toEqual({ trackEvent: { eventId: 'view:abc-00001', status: 'DUPLICATE' } });
    expect(await t.db.prisma.interaction.count({ where: { eventId: 'view:abc-00001' } })).toBe(1);

    // Messages for one user are delivered in publish order, so once a later event
    // has arrived, a duplicate of the earlier one would have too.
    const sentinel = { eventId: 'view:abc-sentinel', type: 'VIEW', productId: headphones.id };
    expect(codeOf(await t.gql(TRACK, { i: sentinel }, { token: customer }))).toBeUndefined();
    await waitFor('the sentinel on the bus', () => published.count('view:abc-sentinel') === 1);
    expect(published.count('view:abc-00001')).toBe(1);
    expect(published.seen.find((e) => e.eventId === 'view:abc-00001')).toMatchObject({
      schema: 'recgraph.interaction.v1',
      type: 'VIEW',
      userId: t.fixture.users.shopper.id,
      productId: headphones.id,
      value: 1,
      source: 'ios',
    });
    await waitFor('the outbox to drain', async () => (await outboxSize()) === 0);
  });

  it('trackEvents stores a batch once, reporting duplicates within it and against earlier calls', async () => {
    const { speaker, tv } = t.fixture.products;
    const at = new Date(Date.now() - 3600_000).toISOString();
    const res = await t.gql<{ trackEvents: unknown }>(
      TRACK_MANY,
      {
        i: [
          { eventId: 'batch-0001', type: 'RATE', productId: speaker.id, value: 4.5, occurredAt: at },
          { eventId: 'batch-0002', type: 'ADD_TO_CART', productId: tv.id, value: 2 },
          { eventId: 'batch-0001', type: 'RATE', productId: speaker.id, value: 4.5, occurredAt: at },
          { eventId: 'view:abc-00001', type: 'VIEW', productId: t.fixture.products.headphones.id },
        ],
      },
      { token: customer },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.trackEvents).toEqual({
      recorded: 2,
      duplicates: 2,
      results: [
        { eventId: 'batch-0001', status: 'RECORDED' },
        { eventId: 'batch-0002', status: 'RECORDED' },
        { eventId: 'batch-0001', status: 'DUPLICATE' },
        { eventId: 'view:abc-00001', status: 'DUPLICATE' },
      ],
    });
    const rate = await t.db.prisma.interaction.findFirstOrThrow({ where: { eventId: 'batch-0001' } });
    expect(rate).toMatchObject({ type: 'RATE', value: 4.5, occurredAt: new Date(at) });
    await waitFor('the batch on the bus', () => published.count('batch-0002') === 1);
    expect(published.count('batch-0001')).toBe(1);
  });

  it('admins may record for another user; the event carries that user', async () => {
    const { u2 } = t.fixture.users;
    const input = { eventId: 'admin-import-1', type: 'LIKE', productId: t.fixture.products.tv.id, userId: u2.id };
    expect((await t.gql(TRACK, { i: input }, { token: admin })).data).toEqual({
      trackEvent: { eventId: 'admin-import-1', status: 'RECORDED' },
    });
    expect((await t.db.prisma.interaction.findFirstOrThrow({ where: { eventId: 'admin-import-1' } })).userId).toBe(
      u2.id,
    );
    const unknownUser = await t.gql(
      TRACK,
      { i: { ...input, eventId: 'admin-import-2', userId: UNKNOWN } },
      { token: admin },
    );
    expect(codeOf(unknownUser)).toBe('NOT_FOUND');
  });

  const minutesFromNow = (m: number) => new Date(Date.now() + m * 60_000).toISOString();
  const view = (over: Record<string, unknown> = {}) => ({
    eventId: `bad-${Math.random().toString(36).slice(2, 12)}`,
    type: 'VIEW',
    productId: t.fixture.products.headphones.id,
    ...over,
  });

  it.each([
    ['eventId too short', 'BAD_USER_INPUT', () => view({ eventId: 'short' })],
    ['eventId with a space', 'BAD_USER_INPUT', () => view({ eventId: 'has a space' })],
    ['eventId too long', 'BAD_USER_INPUT', () => view({ eventId: 'x'.repeat(129) })],
    ['malformed productId', 'BAD_USER_INPUT', () => view({ productId: 'HP-1' })],
    ['unknown product', 'NOT_FOUND', () => view({ productId: UNKNOWN })],
    ['occurredAt in the future', 'BAD_USER_INPUT', () => view({ occurredAt: minutesFromNow(60) })],
    ['occurredAt 31 days ago', 'BAD_USER_INPUT', () => view({ occurredAt: minutesFromNow(-31 * 24 * 60) })],
    ['occurredAt without a zone', 'BAD_USER_INPUT', () => view({ occurredAt: '2026-01-01T10:00:00' })],
    ['RATE 6', 'BAD_USER_INPUT', () => view({ type: 'RATE', value: 6 })],
    ['RATE without a value', 'BAD_USER_INPUT', () => view({ type: 'RATE' })],
    ['PURCHASE of 1.5', 'BAD_USER_INPUT', () => view({ type: 'PURCHASE', value: 1.5 })],
    ['ADD_TO_CART of -1', 'BAD_USER_INPUT', () => view({ type: 'ADD_TO_CART', value: -1 })],
    ['VIEW with a value', 'BAD_USER_INPUT', () => view({ value: 3 })],
    ['bad source', 'BAD_USER_INPUT', () => view({ source: 'web app' })],
  ])('%s → %s, nothing stored or published', async (_name, code, input) => {
    const before = await rowSnapshot(t.db.prisma);
    const res = await t.gql(TRACK, { i: input() }, { token: customer });
    expect(codeOf(res), JSON.stringify(res.errors)).toBe(code);
    expect(await rowSnapshot(t.db.prisma)).toEqual(before);
    expect(await outboxSize()).toBe(0);
  });

  it('a batch with one bad event, an empty batch and 101 events are refused whole', async () => {
    const before = await rowSnapshot(t.db.prisma);
    const mixed = await t.gql(
      TRACK_MANY,
      { i: [view(), view(), view({ type: 'RATE', value: 9 })] },
      { token: customer },
    );
    expect(codeOf(mixed)).toBe('BAD_USER_INPUT');
    expect(mixed.errors?.[0]?.extensions?.argument).toBe('inputs.2.value');
    const unknown = await t.gql(TRACK_MANY, { i: [view(), view({ productId: UNKNOWN })] }, { token: customer });
    expect(codeOf(unknown)).toBe('NOT_FOUND');
    expect(codeOf(await t.gql(TRACK_MANY, { i: [] }, { token: customer }))).toBe('BAD_USER_INPUT');
    const tooMany = Array.from({ length: 101 }, () => view());
    expect(codeOf(await t.gql(TRACK_MANY, { i: tooMany }, { token: customer }))).toBe('BAD_USER_INPUT');
    expect(await rowSnapshot(t.db.prisma)).toEqual(before);
    // 100 is the limit, not 99.
    const hundred = await t.gql<{ trackEvents: { recorded: number } }>(
      TRACK_MANY,
      { i: tooMany.slice(0, 100) },
      { token: customer },
    );
    expect(hundred.data?.trackEvents.recorded).toBe(100);
  });

  it('cart and checkout publish ADD_TO_CART and PURCHASE with deterministic ids', async () => {
    const { headphones } = t.fixture.products;
    const add = await t.gql<{ addToCart: { id: string } }>(
      `mutation ($p: ID!) { addToCart(productId: $p, quantity: 2) { id } }`,
      { p: headphones.id },
      { token: customer },
    );
    const cartId = add.data!.addToCart.id;
    expect(codeOf(await t.gql(`mutation { checkout { id } }`, {}, { token: customer }))).toBeUndefined();
    const purchaseId = `checkout.${cartId}.${headphones.id}`;
    await waitFor('the purchase on the bus', () => published.count(purchaseId) === 1);
    const ofCart = published.seen.filter((e) => e.eventId.startsWith(`cart.${cartId}.`));
    expect(ofCart.map((e) => [e.type, e.value])).toEqual([['ADD_TO_CART', 2]]);
    expect(published.seen.find((e) => e.eventId === purchaseId)).toMatchObject({
      type: 'PURCHASE',
      value: 2,
      source: 'checkout',
      userId: t.fixture.users.shopper.id,
    });
  });
});

describe('when the bus refuses to publish', () => {
  let db: Database;
  let bus: EventBus;
  let stack: RunningStack;
  let fixture: Fixture;

  beforeAll(async () => {
    db = await openDatabase();
    fixture = await seedFixture(db.prisma);
    // A real bus without the interactions topic yet: every publish fails with UNKNOWN_TOPIC
    // (the other topics exist for whoever subscribes to them at start-up).
    bus = createEventBus({ clientId: 'recgraph-test', topicPrefix: 'outage.' });
    await bus.ensureTopics(STREAMING_TOPICS.filter((topic) => topic.name !== STREAMING_TOPIC.interactions));
    stack = await startStack({ prisma: db.prisma, secret: TEST_SECRET, logLevel: 'silent', bus });
  });
  afterAll(async () => {
    await stack?.stop();
    await bus?.close();
    await db?.close();
  });

  it('keeps the event in the outbox and publishes it once the bus recovers', async () => {
    const token = await signDevToken(DEV_JWT_SECRET, { sub: fixture.users.shopper.id, role: 'customer' });
    const res = await fetch(stack.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        query: TRACK,
        variables: { i: { eventId: 'outage-00001', type: 'CLICK', productId: fixture.products.tv.id } },
      }),
    });
    expect(await res.json()).toEqual({ data: { trackEvent: { eventId: 'outage-00001', status: 'RECORDED' } } });
    expect(await db.prisma.interaction.count({ where: { eventId: 'outage-00001' } })).toBe(1);
    await waitFor('a failed publish attempt', async () => {
      const row = await db.prisma.interactionOutbox.findFirst({ where: { eventId: 'outage-00001' } });
      return (row?.attempts ?? 0) > 0;
    });
    const row = await db.prisma.interactionOutbox.findFirstOrThrow({ where: { eventId: 'outage-00001' } });
    expect(row.lastError).toContain('does not exist');

    await bus.ensureTopics(STREAMING_TOPICS);
    // From the beginning: the relay may retry between ensureTopics and subscribe.
    const published = await collectInteractions(bus, 'outage-test', true);
    try {
      await waitFor('the retried event on the bus', () => published.count('outage-00001') === 1, 20_000);
      await waitFor('the outbox to drain', async () => (await db.prisma.interactionOutbox.count()) === 0);
    } finally {
      await published.subscription.stop();
    }
  });
});
