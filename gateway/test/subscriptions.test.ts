import { randomUUID } from 'node:crypto';
import type { Client } from 'graphql-ws';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { signDevToken } from '@recgraph/auth';
import { DEV_JWT_SECRET } from '@recgraph/config';
import {
  createEventBus,
  modelEvents,
  STREAMING_TOPIC,
  STREAMING_TOPICS,
  type EventBus,
  type ModelEventV1,
} from '@recgraph/events';
import { realKafkaBrokers } from '../../packages/events/test/real-kafka.ts';
import {
  clientsFor,
  Live,
  publishRecs,
  recsEnvelope,
  routesBecome,
  subscriptionsOf,
} from './support/subscriptionClient.ts';
import { startTestStack, type TestStack } from './support/testStack.ts';

const RECS_QUERY = `subscription ($userId: ID!) {
  recommendationsUpdated(userId: $userId) {
    userId modelVersionId at
    items { score source reason product { id title price { amount } } }
  }
}`;

/** The same items selection, asked as a query. */
const RECS_AS_QUERY = `query ($userId: ID!) {
  recommendations(userId: $userId) { score source reason product { id title price { amount } } }
}`;

type Item = {
  score: number;
  source: string;
  reason: string;
  product: { id: string; title: string; price: { amount: string } };
};
type RecsPayload = {
  recommendationsUpdated: { userId: string; modelVersionId: string | null; at: string; items: Item[] };
};

async function publishModelEvent(bus: EventBus, event: ModelEventV1): Promise<void> {
  await bus.publish(STREAMING_TOPIC.modelEvents, [modelEvents.toMessage(event)]);
}

/**
 * Subscribe → publish → receive, the flow both buses must serve: the push is
 * the envelope's userId/at/model version and what `recommendations` returns.
 */
async function mainFlow(t: TestStack, connect: (token?: string) => Client, timeout = 10_000): Promise<void> {
  const { u1, u2 } = t.fixture.users;
  const { headphones, speaker } = t.fixture.products;
  const token = await signDevToken(DEV_JWT_SECRET, { sub: u1.id, role: 'customer' });
  const live = new Live<RecsPayload>(connect(token), RECS_QUERY, { userId: u1.id });
  await routesBecome(t, 1, timeout);

  const modelVersionId = randomUUID();
  // Another user's update first: it must not reach u1.
  await publishRecs(t.stack.bus, recsEnvelope(u2.id, [speaker.id]));
  const envelope = recsEnvelope(u1.id, [headphones.id, speaker.id, randomUUID()], modelVersionId);
  await publishRecs(t.stack.bus, envelope);

  const first = await live.nth(1, timeout);
  expect(first.errors).toBeUndefined();
  const asked = await t.gql<{ recommendations: Item[] }>(RECS_AS_QUERY, { userId: u1.id }, { token });
  expect(asked.errors).toBeUndefined();
  const update = first.data!.recommendationsUpdated;
  expect(update).toMatchObject({ userId: u1.id, modelVersionId, at: envelope.at });
  expect(update.items.length).toBeGreaterThan(0);
  // The envelope's own items (an unknown product among them) play no part.
  expect(update.items).toEqual(asked.data!.recommendations);
  live.stop();
  await routesBecome(t, 0);
}

describe('subscriptions over WebSocket (in-process bus)', () => {
  let t: TestStack;
  const clients = clientsFor(() => t);
  const connect = clients.connect;
  const token = (o: Parameters<typeof signDevToken>[1]) => signDevToken(DEV_JWT_SECRET, o);

  beforeAll(async () => {
    t = await startTestStack();
  });

  afterEach(async () => {
    await clients.closeAll();
    // Teardown: every routing entry and connection is released, nothing leaks.
    await vi.waitFor(
      () => {
        expect(subscriptionsOf(t).routeCount()).toBe(0);
        expect(subscriptionsOf(t).connectionCount()).toBe(0);
      },
      { timeout: 5_000, interval: 10 },
    );
  });

  afterAll(async () => {
    await t?.stop();
  });

  it('pushes a customer what recommendations returns them when their update arrives', async () => {
    await mainFlow(t, connect);
  });

  it('keeps fragments, aliases, variables and directives of the items selection', async () => {
    const { u1 } = t.fixture.users;
    const u1Token = await token({ sub: u1.id, role: 'customer' });
    const fragments = `fragment Item on Recommendation {
        why: reason
        product { ...Details name: title sku @include(if: $withSku) }
        again: product { price { cents } }
      }
      fragment Details on Product { reviews(first: $n) { totalCount edges { node { rating } } } }`;
    const variables = { u: u1.id, n: 1, withSku: false };
    const live = new Live<{ recs: { list: unknown[]; more: { score: number }[] } }>(
      connect(u1Token),
      `subscription Recs($u: ID!, $n: Int!, $withSku: Boolean!) {
        recs: recommendationsUpdated(userId: $u, first: 3) { list: items { ...Item } more: items { score } }
      }
      ${fragments}`,
      variables,
    );
    await routesBecome(t, 1);
    await publishRecs(t.stack.bus, recsEnvelope(u1.id, []));
    const result = await live.nth(1);
    expect(result.errors).toBeUndefined();
    const asked = await t.gql<{ list: unknown[]; more: { score: number }[] }>(
      `query Recs($u: ID!, $n: Int!, $withSku: Boolean!) {
        list: recommendations(userId: $u, first: 3) { ...Item }
        more: recommendations(userId: $u, first: 3) { score }
      }
      ${fragments}`,
      variables,
      { token: u1Token },
    );
    expect(asked.errors).toBeUndefined();
    expect(result.data!.recs).toEqual(asked.data);
    expect(result.data!.recs.list.length).toBeGreaterThan(0);
    expect(result.data!.recs.list[0]).toEqual({
      why: expect.any(String),
      product: { name: expect.any(String), reviews: { totalCount: expect.any(Number), edges: expect.any(Array) } },
      again: { price: { cents: expect.any(Number) } },
    });
  });

  it("refuses another customer's recommendations (FORBIDDEN) and anonymous callers (UNAUTHENTICATED)", async () => {
    const { u1, u2 } = t.fixture.users;
    const customer = connect(await token({ sub: u1.id, role: 'customer' }));
    const refused = await new Live(customer, RECS_QUERY, { userId: u2.id }).refusal();
    expect(refused.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);

    const anonymous = await new Live(connect(), RECS_QUERY, { userId: u1.id }).refusal();
    expect(anonymous.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    expect(subscriptionsOf(t).routeCount()).toBe(0);
  });

  it('lets a partner subscribe to the users in its token, with the "subscribe" scope only', async () => {
    const { u1, u2 } = t.fixture.users;
    const { mug } = t.fixture.products;
    const partner = connect(await token({ sub: 'partner-a', role: 'partner', scopes: ['subscribe'], users: [u1.id] }));
    const allowed = new Live<RecsPayload>(partner, RECS_QUERY, { userId: u1.id });
    const otherUser = await new Live(partner, RECS_QUERY, { userId: u2.id }).refusal();
    expect(otherUser.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    await routesBecome(t, 1);
    await publishRecs(t.stack.bus, recsEnvelope(u1.id, [mug.id]));
    // Computed as the partner: "subscribe" for u1 reads u1's recommendations, nobody else's.
    const got = await allowed.nth(1);
    expect(got.errors).toBeUndefined();
    expect(got.data!.recommendationsUpdated.items.length).toBeGreaterThan(0);
    for (const item of got.data!.recommendationsUpdated.items) expect(item.product.title).toEqual(expect.any(String));

    const readOnly = connect(await token({ sub: 'partner-b', role: 'partner', scopes: ['read'], users: [u1.id] }));
    const noScope = await new Live(readOnly, RECS_QUERY, { userId: u1.id }).refusal();
    expect(noScope.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
  });

  it('accepts the token from the upgrade request Authorization header', async () => {
    const { u1 } = t.fixture.users;
    const authorization = `Bearer ${await token({ sub: u1.id, role: 'customer' })}`;
    class HeaderWebSocket extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols, { headers: { authorization } });
      }
    }
    const client = connect(undefined, { webSocketImpl: HeaderWebSocket, connectionParams: {} });
    const live = new Live<RecsPayload>(client, RECS_QUERY, { userId: u1.id });
    await routesBecome(t, 1);
    await publishRecs(t.stack.bus, recsEnvelope(u1.id, [t.fixture.products.tv.id]));
    const pushed = await live.nth(1);
    expect(pushed.errors).toBeUndefined();
    expect(pushed.data!.recommendationsUpdated.userId).toBe(u1.id);
  });

  it.each([
    ['malformed', async () => 'not-a-jwt'],
    ['forged', async () => signDevToken('another-secret-of-at-least-32-bytes!!', { sub: 'x', role: 'admin' })],
    ['expired', async () => signDevToken(DEV_JWT_SECRET, { sub: 'x', role: 'customer', expiresIn: '-5m' })],
  ])('closes the connection with 4401 for a %s token', async (_kind, makeToken) => {
    let closedWith: number | undefined;
    const client = connect(await makeToken(), {
      on: { closed: (e) => void (closedWith = (e as { code: number }).code) },
    });
    const live = new Live(client, '{ __typename }');
    await vi.waitFor(() => expect(closedWith).toBe(4401), { timeout: 5_000, interval: 10 });
    expect(live.results).toEqual([]);
  });

  it('refuses the 21st subscription on one connection (RATE_LIMITED) and frees the slot on complete', async () => {
    const admin = connect(await token({ sub: t.fixture.users.admin.id, role: 'admin' }));
    const lives = Array.from(
      { length: 20 },
      () => new Live(admin, 'subscription { modelPromoted { modelVersionId } }'),
    );
    await routesBecome(t, 20);
    const refused = await new Live(admin, 'subscription { modelPromoted { modelVersionId } }').refusal();
    expect(refused.map((e) => e.extensions?.code)).toEqual(['RATE_LIMITED']);
    expect(subscriptionsOf(t).routeCount()).toBe(20);

    lives[0]!.stop();
    await routesBecome(t, 19);
    new Live(admin, 'subscription { modelPromoted { modelVersionId } }');
    await routesBecome(t, 20);
  });

  it('removes routing entries when the socket closes without completing its subscriptions', async () => {
    const { u1 } = t.fixture.users;
    const client = connect(await token({ sub: u1.id, role: 'customer' }));
    for (let i = 0; i < 3; i++) new Live(client, RECS_QUERY, { userId: u1.id });
    await routesBecome(t, 3);
    await client.dispose();
    await routesBecome(t, 0);
  });

  it('delivers promotions (not other model events) to admins; customers are refused', async () => {
    const admin = connect(await token({ sub: t.fixture.users.admin.id, role: 'admin' }));
    const live = new Live<{
      modelPromoted: { modelVersionId: string; at: string; metrics: { name: string; value: number }[] };
    }>(admin, 'subscription { modelPromoted { modelVersionId at metrics { name value } } }');
    const customer = connect(await token({ sub: t.fixture.users.u1.id, role: 'customer' }));
    const refused = await new Live(customer, 'subscription { modelPromoted { modelVersionId } }').refusal();
    expect(refused.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    await routesBecome(t, 1);

    const at = new Date().toISOString();
    await publishModelEvent(t.stack.bus, {
      schema: 'recgraph.model-event.v1',
      kind: 'training_failed',
      modelVersionId: randomUUID(),
      at,
    });
    const promoted = randomUUID();
    await publishModelEvent(t.stack.bus, {
      schema: 'recgraph.model-event.v1',
      kind: 'promoted',
      modelVersionId: promoted,
      at,
      metrics: { 'recall@10': 0.4, 'ndcg@10': 0.3 },
    });
    const got = await live.nth(1);
    expect(got.data).toEqual({
      modelPromoted: {
        modelVersionId: promoted,
        at,
        metrics: [
          { name: 'ndcg@10', value: 0.3 },
          { name: 'recall@10', value: 0.4 },
        ],
      },
    });
    // The failed-training event came first and was not delivered.
    await new Promise((r) => setTimeout(r, 100));
    expect(live.results).toHaveLength(1);
  });

  it('answers invalid documents and non-subscriptions with BAD_USER_INPUT', async () => {
    const client = connect(await token({ sub: t.fixture.users.u1.id, role: 'customer' }));
    const cases = [
      'subscription { recommendationsUpdated(userId: "x") { nope } }',
      '{ __typename }',
      'subscription {',
      'subscription { recommendationsUpdated(userId: "not-a-uuid") { userId } }',
    ];
    for (const query of cases) {
      const refused = await new Live(client, query).refusal();
      expect(refused.length, query).toBeGreaterThan(0);
      expect(new Set(refused.map((e) => e.extensions?.code)), query).toEqual(new Set(['BAD_USER_INPUT']));
    }
  });

  it('pushes the errors the query gives for arguments it refuses, as the query would answer them', async () => {
    const { u1 } = t.fixture.users;
    const client = connect(await token({ sub: u1.id, role: 'customer' }));
    const cases: [string, string][] = [
      ['first: 0', 'BAD_USER_INPUT'],
      ['alpha: 2', 'BAD_USER_INPUT'],
      [`categoryId: "${randomUUID()}"`, 'NOT_FOUND'],
    ];
    // No execution at subscribe time: a served list counts as an impression, so only pushes run the query.
    const lives = cases.map(
      ([args]) =>
        new Live(
          client,
          `subscription { recommendationsUpdated(userId: "${u1.id}", ${args}) { userId items { score } } }`,
        ),
    );
    await routesBecome(t, cases.length);
    await publishRecs(t.stack.bus, recsEnvelope(u1.id, []));
    for (const [i, [args, code]] of cases.entries()) {
      const pushed = await lives[i]!.nth(1);
      expect(pushed.data, args).toBeNull();
      expect(
        pushed.errors?.map((e) => [e.extensions?.code, e.path]),
        args,
      ).toEqual([[code, ['recommendationsUpdated', 'items']]]);
      const asked = await t.gql(
        `{ recommendations(userId: "${u1.id}", ${args}) { score } }`,
        {},
        {
          token: await token({ sub: u1.id, role: 'customer' }),
        },
      );
      expect(pushed.errors![0]!.message, args).toBe(asked.errors?.[0]?.message);
    }
  });

  it('coalesces updates that arrive while the query runs: one more push for the newest, not one per update', async () => {
    const { u1 } = t.fixture.users;
    const live = new Live<RecsPayload>(connect(await token({ sub: u1.id, role: 'customer' })), RECS_QUERY, {
      userId: u1.id,
    });
    await routesBecome(t, 1);
    const envelopes = Array.from({ length: 5 }, (_, i) => ({
      ...recsEnvelope(u1.id, []),
      at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
    }));
    // One batch: the first starts an execution, the other four arrive while it runs.
    await publishRecs(t.stack.bus, ...envelopes);
    await live.nth(2);
    await new Promise((r) => setTimeout(r, 300));
    expect(live.results.map((r) => r.data?.recommendationsUpdated.at)).toEqual([envelopes[0]!.at, envelopes[4]!.at]);
    expect(live.results[1]!.data!.recommendationsUpdated.items.length).toBeGreaterThan(0);
  });

  it('pushes without running any query when no items are selected', async () => {
    const { u1 } = t.fixture.users;
    const live = new Live<{ recommendationsUpdated: { userId: string; at: string } }>(
      connect(await token({ sub: u1.id, role: 'customer' })),
      'subscription ($u: ID!) { recommendationsUpdated(userId: $u, first: 0) { userId at } }',
      { u: u1.id },
    );
    await routesBecome(t, 1);
    const envelope = recsEnvelope(u1.id, []);
    await publishRecs(t.stack.bus, envelope);
    // first: 0 would be refused by the query; nothing ran it.
    expect((await live.nth(1)).data).toEqual({ recommendationsUpdated: { userId: u1.id, at: envelope.at } });
  });

  it('caps connections per signed-in client (4429) and closes a socket whose token expires (4401)', async () => {
    const { shopper } = t.fixture.users;
    const shopperToken = await token({ sub: shopper.id, role: 'customer' });
    const opened: Client[] = [];
    for (let i = 0; i < 20; i++) {
      const client = connect(shopperToken, { lazy: false });
      opened.push(client);
    }
    await vi.waitFor(() => expect(subscriptionsOf(t).connectionCount()).toBe(20), { timeout: 5_000, interval: 10 });
    let closedWith: number | undefined;
    connect(shopperToken, {
      lazy: false,
      // Asserted through `closed` below rather than logged.
      onNonLazyError: () => {},
      on: { closed: (e) => void (closedWith = (e as { code: number }).code) },
    });
    await vi.waitFor(() => expect(closedWith).toBe(4429), { timeout: 5_000, interval: 10 });
    await Promise.all(opened.map((c) => c.dispose()));
    await vi.waitFor(() => expect(subscriptionsOf(t).connectionCount()).toBe(0), { timeout: 5_000, interval: 10 });

    let expiredWith: number | undefined;
    const shortLived = connect(await token({ sub: shopper.id, role: 'customer', expiresIn: '2s' }), {
      on: { closed: (e) => void (expiredWith = (e as { code: number }).code) },
    });
    const live = new Live(shortLived, RECS_QUERY, { userId: shopper.id });
    await routesBecome(t, 1);
    await new Promise((r) => setTimeout(r, 2_100));
    await publishRecs(t.stack.bus, recsEnvelope(shopper.id, [t.fixture.products.tv.id]));
    await vi.waitFor(() => expect(expiredWith).toBe(4401), { timeout: 5_000, interval: 10 });
    expect(live.results).toEqual([]);
    await routesBecome(t, 0);
  });

  it('does not open WebSockets on other paths', async () => {
    const ws = new WebSocket(t.stack.gateway.origin.replace(/^http/, 'ws') + '/elsewhere', 'graphql-transport-ws');
    const status = await new Promise<number | undefined>((resolve) => {
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode));
      ws.on('open', () => resolve(101));
      ws.on('error', () => resolve(undefined));
    });
    ws.terminate();
    expect(status).toBe(404);
  });
});

const brokers = realKafkaBrokers();

describe.skipIf(!brokers)('subscriptions over WebSocket (real Kafka from TEST_KAFKA_BROKERS)', () => {
  let t: TestStack;
  let bus: EventBus;
  const clients = clientsFor(() => t);

  beforeAll(async () => {
    bus = createEventBus({
      brokers: brokers!,
      clientId: 'gateway-subscriptions-test',
      topicPrefix: `gw-subs.${Date.now().toString(36)}${randomUUID().slice(0, 6)}.`,
      // Short group timings: joins dominate a Kafka suite's run time.
      kafka: { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 300, rebalanceTimeoutMs: 6_000, maxWaitTimeMs: 100 },
    });
    await bus.ensureTopics(STREAMING_TOPICS);
    t = await startTestStack({ bus });
  });

  afterAll(async () => {
    await clients.closeAll();
    await t?.stop();
    await bus?.close();
  });

  it('pushes a customer what recommendations returns them, and cleans up', async () => {
    await mainFlow(t, clients.connect, 60_000);
    await clients.closeAll();
    await vi.waitFor(() => expect(subscriptionsOf(t).connectionCount()).toBe(0), { timeout: 5_000 });
  });
});
