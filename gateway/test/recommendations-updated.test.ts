/**
 * `recommendationsUpdated` is `recommendations` pushed: on every update
 * announced on the bus the gateway runs the query with the subscription's
 * arguments and items selection through its own executor, as the
 * subscriber. Checked on both pairings of bus and database the streaming
 * tests use, against the query itself asked right after the push.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { signDevToken, type DevTokenOptions } from '@recgraph/auth';
import { DEV_JWT_SECRET } from '@recgraph/config';
import { createEventBus, STREAMING_TOPICS, type EventBus } from '@recgraph/events';
import { createTestDatabase, realPostgresUrl } from '../../packages/db/test/real-postgres.ts';
import { realKafkaBrokers } from '../../packages/events/test/real-kafka.ts';
import { API_SCHEMA_FILE, printApiSchema } from '../src/apiSchemaFile.ts';
import { composeSupergraph } from '../src/composeSupergraph.ts';
import {
  clientsFor,
  Live,
  publishRecs,
  recsEnvelope,
  routesBecome,
  subscriptionsOf,
} from './support/subscriptionClient.ts';
import { startTestStack, type TestStack, type TestStackOptions } from './support/testStack.ts';

const REC_FIELDS =
  'fragment Rec on Recommendation { score source reason modelVersionId product { id title price { amount } } }';

interface Rec {
  score: number;
  source: string;
  reason: string;
  modelVersionId: string | null;
  product: { id: string; title: string; price: { amount: string } };
}
type Pushed = { recommendationsUpdated: { userId: string; at: string; modelVersionId: string | null; items: Rec[] } };

const token = (o: DevTokenOptions) => signDevToken(DEV_JWT_SECRET, o);
const run = () => `${Date.now().toString(36)}${randomUUID().slice(0, 6)}`;

interface Backend {
  name: string;
  available: boolean;
  createBus(): EventBus;
  databaseUrl(): Promise<string | undefined>;
  protection?: TestStackOptions['protection'];
  timeoutMs: number;
}

const brokers = realKafkaBrokers();
const pgUrl = await realPostgresUrl();
/** Small enough to exhaust in a test; the per-subject budget is not shared between tokens. */
const RATE_POINTS = 8;

const backends: Backend[] = [
  {
    name: 'in-process bus + embedded PGlite',
    available: true,
    createBus: () => createEventBus({ clientId: 'recs-updated', topicPrefix: `recs-updated.${run()}.` }),
    databaseUrl: async () => undefined,
    protection: { rateLimit: { points: RATE_POINTS, durationS: 600 } },
    timeoutMs: 10_000,
  },
  {
    name: 'real Kafka + real Postgres',
    available: Boolean(brokers && pgUrl),
    createBus: () =>
      createEventBus({
        brokers: brokers!,
        clientId: 'recs-updated',
        topicPrefix: `recs-updated.${run()}.`,
        // Short group timings: joins dominate a Kafka suite's run time.
        kafka: { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 300, rebalanceTimeoutMs: 6_000, maxWaitTimeMs: 100 },
      }),
    databaseUrl: () => createTestDatabase(pgUrl!),
    timeoutMs: 60_000,
  },
];

for (const backend of backends) {
  describe.skipIf(!backend.available)(
    `recommendationsUpdated pushes what recommendations returns (${backend.name})`,
    () => {
      let t: TestStack;
      let bus: EventBus;
      const clients = clientsFor(() => t);

      beforeAll(async () => {
        bus = backend.createBus();
        await bus.ensureTopics(STREAMING_TOPICS);
        const databaseUrl = await backend.databaseUrl();
        t = await startTestStack({
          bus,
          ...(databaseUrl ? { databaseUrl } : {}),
          ...(backend.protection ? { protection: backend.protection } : {}),
        });
      }, 120_000);

      afterEach(async () => {
        await clients.closeAll();
        await routesBecome(t, 0);
      });

      afterAll(async () => {
        await t?.stop();
        await bus?.close();
      }, 60_000);

      /**
       * Subscribes with `args`, announces an update for the user (its items are
       * the updater's own and play no part), takes the push, then asks the
       * query with the same arguments and compares the two lists.
       */
      async function pushThenQuery(
        subscriberToken: string,
        args: string,
        variables: Record<string, unknown>,
        defs = '',
      ) {
        const userId = String(variables.u);
        const live = new Live<Pushed>(
          clients.connect(subscriberToken),
          `subscription Recs${defs} { recommendationsUpdated(${args}) { userId at modelVersionId items { ...Rec } } } ${REC_FIELDS}`,
          variables,
        );
        await routesBecome(t, 1, backend.timeoutMs);
        const modelVersionId = randomUUID();
        const envelope = recsEnvelope(userId, [randomUUID()], modelVersionId);
        await publishRecs(bus, envelope);
        const pushed = await live.nth(1, backend.timeoutMs);
        return { pushed, envelope, modelVersionId };
      }

      const query = (queryToken: string, args: string, variables: Record<string, unknown>, defs = '') =>
        t.gql<{ recommendations: Rec[] }>(
          `query Recs${defs} { recommendations(${args}) { ...Rec } } ${REC_FIELDS}`,
          variables,
          { token: queryToken },
        );

      it('equals the query with first 5, MIXED, alpha 0.3, diversity 0.5: ids, order, scores, sources, reasons', async () => {
        const { u1 } = t.fixture.users;
        const u1Token = await token({ sub: u1.id, role: 'customer' });
        const args = 'userId: $u, first: 5, strategy: MIXED, alpha: 0.3, diversity: 0.5';
        const { pushed, envelope, modelVersionId } = await pushThenQuery(u1Token, args, { u: u1.id }, '($u: ID!)');
        const asked = await query(u1Token, args, { u: u1.id }, '($u: ID!)');
        expect(pushed.errors).toBeUndefined();
        expect(asked.errors).toBeUndefined();
        const update = pushed.data!.recommendationsUpdated;
        expect(update).toMatchObject({ userId: u1.id, at: envelope.at, modelVersionId });
        expect(update.items.length).toBeGreaterThan(0);
        expect(update.items.length).toBeLessThanOrEqual(5);
        expect(update.items).toEqual(asked.data!.recommendations);
        // The API's source enum, not the updater's internal strings.
        for (const item of update.items)
          expect(['CF', 'POPULAR', 'CONTENT', 'CO_VISIT', 'PREFERENCE']).toContain(item.source);
      });

      it('equals the query with a categoryId (and the defaults for everything else)', async () => {
        const { u2 } = t.fixture.users;
        const { electronics } = t.fixture.categories;
        const u2Token = await token({ sub: u2.id, role: 'customer' });
        const variables = { u: u2.id, c: electronics.id };
        const args = 'userId: $u, categoryId: $c, excludeSeen: false';
        const { pushed } = await pushThenQuery(u2Token, args, variables, '($u: ID!, $c: ID)');
        const asked = await query(u2Token, args, variables, '($u: ID!, $c: ID)');
        expect(pushed.errors).toBeUndefined();
        expect(asked.errors).toBeUndefined();
        const items = pushed.data!.recommendationsUpdated.items;
        expect(items.length).toBeGreaterThan(0);
        expect(items).toEqual(asked.data!.recommendations);
      });

      it.runIf(backend.protection)(
        'a subscriber whose HTTP rate limit is spent still gets full pushes (executions are not charged)',
        async () => {
          const { u3, admin } = t.fixture.users;
          const u3Token = await token({ sub: u3.id, role: 'customer' });
          for (let i = 0; i < RATE_POINTS; i++) await t.gql('{ __typename }', {}, { token: u3Token });
          const limited = await t.gql('{ __typename }', {}, { token: u3Token });
          expect(limited.status).toBe(429);
          expect(limited.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');

          const args = 'userId: $u, first: 4';
          const { pushed } = await pushThenQuery(u3Token, args, { u: u3.id }, '($u: ID!)');
          expect(pushed.errors).toBeUndefined();
          // u3 cannot ask any more; an admin asks the same question about u3.
          const asked = await query(await token({ sub: admin.id, role: 'admin' }), args, { u: u3.id }, '($u: ID!)');
          expect(asked.errors).toBeUndefined();
          expect(pushed.data!.recommendationsUpdated.items.length).toBeGreaterThan(0);
          expect(pushed.data!.recommendationsUpdated.items).toEqual(asked.data!.recommendations);
          // Still limited: the push spent none of u3's budget, and none was refunded either.
          expect((await t.gql('{ __typename }', {}, { token: u3Token })).status).toBe(429);
        },
      );
    },
  );
}

describe('the Subscription type in the HTTP API schema', () => {
  let t: TestStack;

  beforeAll(async () => {
    t = await startTestStack();
  });

  afterAll(async () => {
    await t?.stop();
  });

  type Arg = {
    name: string;
    defaultValue: string | null;
    type: { kind: string; name: string | null; ofType: { name: string } | null };
  };
  type Field = { name: string; args: Arg[] };
  const ARGS = '{ name args { name defaultValue type { kind name ofType { name } } } }';

  it('introspection shows recommendationsUpdated with Query.recommendations’ arguments and defaults', async () => {
    const res = await t.gql<{
      __schema: { subscriptionType: { name: string; fields: Field[] }; queryType: { fields: Field[] } };
    }>(`{ __schema { subscriptionType { name fields ${ARGS} } queryType { fields ${ARGS} } } }`);
    expect(res.errors).toBeUndefined();
    const { subscriptionType, queryType } = res.data!.__schema;
    expect(subscriptionType.name).toBe('Subscription');
    expect(subscriptionType.fields.map((f) => f.name).sort()).toEqual(['modelPromoted', 'recommendationsUpdated']);
    const sub = subscriptionType.fields.find((f) => f.name === 'recommendationsUpdated')!;
    const q = queryType.fields.find((f) => f.name === 'recommendations')!;
    expect(sub.args[0]).toEqual({
      name: 'userId',
      defaultValue: null,
      type: { kind: 'NON_NULL', name: null, ofType: { name: 'ID' } },
    });
    expect(sub.args.slice(1)).toEqual(q.args.filter((a) => a.name !== 'userId'));
    expect(sub.args.map((a) => [a.name, a.defaultValue])).toEqual([
      ['userId', null],
      ['first', '10'],
      ['strategy', 'MIXED'],
      ['alpha', '0.7'],
      ['categoryId', null],
      ['excludeSeen', 'true'],
      ['diversity', '0'],
    ]);
  });

  it('introspection mixed with ordinary fields answers both; the items type is the query’s Recommendation', async () => {
    const res = await t.gql<{
      __type: { fields: { name: string; type: { ofType: { ofType: { ofType: { name: string } } } } }[] };
      recommendations: { score: number }[];
    }>(
      '{ __type(name: "RecommendationsUpdate") { fields { name type { ofType { ofType { ofType { name } } } } } } recommendations(first: 2) { score } }',
    );
    expect(res.errors).toBeUndefined();
    const items = res.data!.__type.fields.find((f) => f.name === 'items')!;
    expect(items.type.ofType.ofType.ofType.name).toBe('Recommendation');
    expect(Array.isArray(res.data!.recommendations)).toBe(true);
  });

  it('a subscription POSTed over HTTP is refused (400, BAD_USER_INPUT) with a pointer to WebSocket', async () => {
    const res = await t.gql(`subscription { recommendationsUpdated(userId: "${t.fixture.users.u1.id}") { userId } }`);
    expect(res.status).toBe(400);
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0]?.message).toMatch(/WebSocket/);
    expect(subscriptionsOf(t).routeCount()).toBe(0);
  });

  it('gateway/api-schema.graphql is what `npm run compose` writes (the API schema, subscriptions included)', async () => {
    const path = fileURLToPath(API_SCHEMA_FILE);
    const expected = await format(await printApiSchema(composeSupergraph().supergraphSdl), {
      ...(await resolveConfig(path)),
      filepath: path,
    });
    expect(readFileSync(API_SCHEMA_FILE, 'utf8')).toBe(expected);
  });
});
