import { randomUUID } from 'node:crypto';
import { createClient, type Client, type ClientOptions, type FormattedExecutionResult } from 'graphql-ws';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { signDevToken } from '@recgraph/auth';
import { DEV_JWT_SECRET } from '@recgraph/config';
import {
  createEventBus,
  modelEvents,
  recommendationsUpdatedEvents,
  STREAMING_TOPIC,
  STREAMING_TOPICS,
  type EventBus,
  type ModelEventV1,
  type RecommendationsUpdatedV1,
} from '@recgraph/events';
import { realKafkaBrokers } from '../../packages/events/test/real-kafka.ts';
import { startTestStack, type TestStack } from './support/testStack.ts';

/** One client-side subscription: everything the server sent for it, in order. */
class Live<T = Record<string, unknown>> {
  readonly results: FormattedExecutionResult<T, unknown>[] = [];
  failure: unknown;
  completed = false;
  readonly stop: () => void;

  constructor(client: Client, query: string, variables?: Record<string, unknown>) {
    this.stop = client.subscribe<T>(
      { query, ...(variables ? { variables } : {}) },
      {
        next: (r) => void this.results.push(r),
        error: (e) => void (this.failure = e),
        complete: () => void (this.completed = true),
      },
    );
  }

  async nth(n: number, timeout = 10_000): Promise<FormattedExecutionResult<T, unknown>> {
    await vi.waitFor(
      () => {
        if (this.failure) throw new Error(`subscription failed: ${JSON.stringify(this.failure)}`);
        expect(this.results.length).toBeGreaterThanOrEqual(n);
      },
      { timeout, interval: 20 },
    );
    return this.results[n - 1]!;
  }

  /** The `error` message's errors (an array), or the close event that ended the subscription. */
  async refusal(): Promise<{ message: string; extensions?: { code?: string } }[]> {
    await vi.waitFor(() => expect(this.failure).toBeDefined(), { timeout: 10_000, interval: 20 });
    return this.failure as { message: string; extensions?: { code?: string } }[];
  }
}

const RECS_QUERY = `subscription ($userId: ID!) {
  recommendationsUpdated(userId: $userId) {
    userId modelVersionId at
    items { productId score source product { title price { amount } } }
  }
}`;

type RecsPayload = {
  recommendationsUpdated: {
    userId: string;
    modelVersionId: string | null;
    at: string;
    items: {
      productId: string;
      score: number;
      source: string;
      product: { title: string; price: { amount: string } } | null;
    }[];
  };
};

function recsEnvelope(userId: string, productIds: string[], modelVersionId?: string): RecommendationsUpdatedV1 {
  return {
    schema: 'recgraph.recommendations-updated.v1',
    userId,
    ...(modelVersionId ? { modelVersionId } : {}),
    items: productIds.map((productId, i) => ({ productId, score: 1 - i / 10, source: 'model' })),
    at: new Date().toISOString(),
  };
}

async function publishRecs(bus: EventBus, envelope: RecommendationsUpdatedV1): Promise<void> {
  await bus.publish(STREAMING_TOPIC.recommendationUpdates, [recommendationsUpdatedEvents.toMessage(envelope)]);
}

async function publishModelEvent(bus: EventBus, event: ModelEventV1): Promise<void> {
  await bus.publish(STREAMING_TOPIC.modelEvents, [modelEvents.toMessage(event)]);
}

/** Clients of one stack; closed (and the server's bookkeeping checked) after every test. */
function clientsFor(getStack: () => TestStack) {
  const open: Client[] = [];
  const wsUrl = () => getStack().stack.gateway.url.replace(/^http/, 'ws');
  return {
    connect(token?: string, options: Partial<ClientOptions> = {}): Client {
      const client = createClient({
        url: wsUrl(),
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        connectionParams: token ? { authorization: `Bearer ${token}` } : {},
        ...options,
      });
      open.push(client);
      return client;
    },
    async closeAll(): Promise<void> {
      await Promise.all(open.splice(0).map((c) => c.dispose()));
    },
  };
}

function subscriptionsOf(t: TestStack) {
  const subs = t.stack.gateway.subscriptions;
  if (!subs) throw new Error('the gateway serves no subscriptions');
  return subs;
}

async function routesBecome(t: TestStack, n: number): Promise<void> {
  await vi.waitFor(() => expect(subscriptionsOf(t).routeCount()).toBe(n), { timeout: 10_000, interval: 10 });
}

/** Subscribe → publish → receive with federated catalog fields: the flow both buses must serve. */
async function mainFlow(t: TestStack, connect: (token?: string) => Client, timeout = 10_000): Promise<void> {
  const { u1, u2 } = t.fixture.users;
  const { headphones, speaker } = t.fixture.products;
  const token = await signDevToken(DEV_JWT_SECRET, { sub: u1.id, role: 'customer' });
  const live = new Live<RecsPayload>(connect(token), RECS_QUERY, { userId: u1.id });
  await routesBecome(t, 1);

  const modelVersionId = randomUUID();
  const missing = randomUUID();
  // Another user's update first: it must not reach u1.
  await publishRecs(t.stack.bus, recsEnvelope(u2.id, [speaker.id]));
  await publishRecs(t.stack.bus, recsEnvelope(u1.id, [headphones.id, speaker.id, missing], modelVersionId));

  const first = await live.nth(1, timeout);
  expect(first.errors).toBeUndefined();
  expect(first.data!.recommendationsUpdated).toMatchObject({
    userId: u1.id,
    modelVersionId,
    items: [
      {
        productId: headphones.id,
        score: 1,
        source: 'model',
        product: { title: 'Studio Headphones', price: { amount: '199.99' } },
      },
      {
        productId: speaker.id,
        score: 0.9,
        source: 'model',
        product: { title: 'Bluetooth Speaker', price: { amount: '49.50' } },
      },
      // A product that no longer exists is null, as in a query.
      { productId: missing, product: null },
    ],
  });
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

  it('delivers a customer their own update with catalog fields resolved through the gateway', async () => {
    await mainFlow(t, connect);
  });

  it('keeps fragments, aliases, variables and directives of the product selection', async () => {
    const { u1 } = t.fixture.users;
    const { headphones, tv } = t.fixture.products;
    const live = new Live(
      connect(await token({ sub: u1.id, role: 'customer' })),
      `subscription Recs($u: ID!, $n: Int!, $withSku: Boolean!) {
        recs: recommendationsUpdated(userId: $u) { list: items { ...Item } }
      }
      fragment Item on RecommendedItemUpdate {
        id: productId
        product { ...Details name: title sku @include(if: $withSku) }
        again: product { price { cents } }
      }
      fragment Details on Product { reviews(first: $n) { totalCount edges { node { rating } } } }`,
      { u: u1.id, n: 1, withSku: false },
    );
    await routesBecome(t, 1);
    await publishRecs(t.stack.bus, recsEnvelope(u1.id, [headphones.id, tv.id]));
    const result = await live.nth(1);
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({
      recs: {
        list: [
          {
            id: headphones.id,
            product: { name: 'Studio Headphones', reviews: { totalCount: 3, edges: [{ node: { rating: 3 } }] } },
            again: { price: { cents: 19999 } },
          },
          {
            id: tv.id,
            product: { name: 'Smart TV', reviews: { totalCount: 1, edges: [{ node: { rating: 5 } }] } },
            again: { price: { cents: 89900 } },
          },
        ],
      },
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
    const got = await allowed.nth(1);
    expect(got.data!.recommendationsUpdated.items[0]!.product!.title).toBe('Ceramic Mug');

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
    expect((await live.nth(1)).data!.recommendationsUpdated.items[0]!.product!.title).toBe('Smart TV');
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

  it('splits the product lookup of a long list to stay within the gateway alias limit', async () => {
    const { u1 } = t.fixture.users;
    // More items than the default alias limit (15), each product selection with an alias of its own.
    const bulk = t.fixture.bulk.slice(0, 20);
    const live = new Live<{ recommendationsUpdated: { items: { product: { sku: string; name: string } }[] } }>(
      connect(await token({ sub: u1.id, role: 'customer' })),
      'subscription ($u: ID!) { recommendationsUpdated(userId: $u) { items { product { sku name: title } } } }',
      { u: u1.id },
    );
    await routesBecome(t, 1);
    await publishRecs(
      t.stack.bus,
      recsEnvelope(
        u1.id,
        bulk.map((p) => p.id),
      ),
    );
    const result = await live.nth(1);
    expect(result.errors).toBeUndefined();
    expect(result.data!.recommendationsUpdated.items.map((i) => i.product)).toEqual(
      bulk.map((p) => ({ sku: p.sku, name: p.title })),
    );
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

  it('delivers a customer their own update with catalog fields, and cleans up', async () => {
    await mainFlow(t, clients.connect, 60_000);
    await clients.closeAll();
    await vi.waitFor(() => expect(subscriptionsOf(t).connectionCount()).toBe(0), { timeout: 5_000 });
  });
});
