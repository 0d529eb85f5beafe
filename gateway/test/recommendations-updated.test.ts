/**
 * `recommendationsUpdated` is `recommendations` pushed: on every update
 * announced on the bus the gateway runs the query with the subscription's
 * arguments and items selection through its own executor, as the
 * subscriber. Checked on both pairings of bus and database the streaming
 * tests use, against the query itself asked right after the push.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { format, resolveConfig } from 'prettier';
import { signDevToken, type DevTokenOptions } from '@recgraph/auth';
import { DEV_JWT_SECRET } from '@recgraph/config';
import { generateStore, seedStore } from '@recgraph/data';
import { openDatabase, type Database } from '@recgraph/db';
import { createEventBus, STREAMING_TOPICS, type EventBus } from '@recgraph/events';
import { promote, runTraining } from '@recgraph/training';
import { createTestDatabase, realPostgresUrl } from '../../packages/db/test/real-postgres.ts';
import { realKafkaBrokers } from '../../packages/events/test/real-kafka.ts';
import { API_SCHEMA_FILE, printApiSchema } from '../src/apiSchemaFile.ts';
import { composeSupergraph } from '../src/composeSupergraph.ts';
import type { ProtectionOptions } from '../src/protection/options.ts';
import { startStack, type RunningStack } from '../src/stack.ts';
import {
  clientsFor,
  Live,
  publishRecs,
  recsEnvelope,
  routesBecome,
  subscriptionsOf,
} from './support/subscriptionClient.ts';
import { startTestStack, TEST_SECRET, type GraphQLResponse, type TestStack } from './support/testStack.ts';

const REC_FIELDS =
  'fragment Rec on Recommendation { score source reason modelVersionId product { id title category { id } } }';

interface Rec {
  score: number;
  source: string;
  reason: string;
  modelVersionId: string | null;
  product: { id: string; title: string; category: { id: string } | null };
}
type Pushed = { recommendationsUpdated: { userId: string; at: string; modelVersionId: string | null; items: Rec[] } };

const token = (o: DevTokenOptions) => signDevToken(DEV_JWT_SECRET, o);
const run = () => `${Date.now().toString(36)}${randomUUID().slice(0, 6)}`;

interface Backend {
  name: string;
  available: boolean;
  createBus(): EventBus;
  databaseUrl(): Promise<string | undefined>;
  protection?: Partial<ProtectionOptions>;
  timeoutMs: number;
}

const brokers = realKafkaBrokers();
const pgUrl = await realPostgresUrl();
/** Small enough to exhaust in a test; each token subject has a budget of its own. */
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
  // A generated store (120 products, 150 users) with a trained ALS model, so lists are long and
  // MIXED really blends CF with popularity; served by the real gateway and every subgraph.
  describe.skipIf(!backend.available)(
    `recommendationsUpdated pushes what recommendations returns (${backend.name})`,
    () => {
      let db: Database;
      let t: { stack: RunningStack };
      let bus: EventBus;
      let modelDir: string;
      /** Users with the most history, most first. */
      let heavy: string[];
      let topCategory: string;
      const clients = clientsFor(() => t);

      const gql = async <T>(query: string, variables: Record<string, unknown>, bearer: string) => {
        const res = await fetch(t.stack.gateway.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
          body: JSON.stringify({ query, variables }),
        });
        return { ...((await res.json()) as GraphQLResponse<T>), status: res.status };
      };

      beforeAll(async () => {
        bus = backend.createBus();
        await bus.ensureTopics(STREAMING_TOPICS);
        const databaseUrl = await backend.databaseUrl();
        db = await openDatabase(databaseUrl ? { url: databaseUrl, poolSize: 4 } : {});
        await seedStore(db, generateStore({ seed: 5, products: 120, users: 150 }));
        modelDir = mkdtempSync(join(tmpdir(), 'recgraph-recs-updated-'));
        const trained = await runTraining(db, {
          algorithm: 'als',
          params: { factors: 16, iterations: 8 },
          modelDir,
          margin: 0,
          threads: 1,
        });
        if (!trained.decision?.promoted) await promote(db, trained.version.id);
        const stack = await startStack({
          prisma: db.prisma,
          secret: TEST_SECRET,
          logLevel: 'silent',
          bus,
          ...(backend.protection ? { protection: backend.protection } : {}),
        });
        t = { stack };
        const rows = await db.prisma.$queryRaw<{ user_id: string }[]>`
          SELECT user_id::text FROM interactions GROUP BY user_id ORDER BY count(*) DESC, user_id LIMIT 3`;
        heavy = rows.map((r) => r.user_id);
        // The top-level category with the most products (descendants included).
        const roots = await db.prisma.category.findMany({ where: { parentId: null }, orderBy: { slug: 'asc' } });
        const paths = (await db.prisma.product.findMany({ select: { category: { select: { path: true } } } })).map(
          (p) => p.category?.path ?? '',
        );
        const size = (path: string) => paths.filter((p) => p === path || p.startsWith(`${path}/`)).length;
        topCategory = roots.reduce((a, b) => (size(b.path) > size(a.path) ? b : a)).id;
      }, 240_000);

      afterEach(async () => {
        await clients.closeAll();
        await routesBecome(t, 0);
      });

      afterAll(async () => {
        await t?.stack.stop();
        await db?.close();
        await bus?.close();
        if (modelDir) rmSync(modelDir, { recursive: true, force: true });
      }, 60_000);

      /**
       * Subscribes with `args`, announces an update for the user as the
       * updater would (its items play no part), and takes the push.
       */
      async function push(subscriberToken: string, args: string, variables: Record<string, unknown>, defs: string) {
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

      /** The query with the same arguments, asked right after the push. */
      const ask = (bearer: string, args: string, variables: Record<string, unknown>, defs: string) =>
        gql<{ recommendations: Rec[] }>(
          `query Recs${defs} { recommendations(${args}) { ...Rec } } ${REC_FIELDS}`,
          variables,
          bearer,
        );

      it('equals the query with first 5, MIXED, alpha 0.3, diversity 0.5: ids, order, scores, sources, reasons', async () => {
        const userId = heavy[0]!;
        const bearer = await token({ sub: userId, role: 'customer' });
        const args = 'userId: $u, first: 5, strategy: MIXED, alpha: 0.3, diversity: 0.5';
        const { pushed, envelope, modelVersionId } = await push(bearer, args, { u: userId }, '($u: ID!)');
        const asked = await ask(bearer, args, { u: userId }, '($u: ID!)');
        expect(pushed.errors).toBeUndefined();
        expect(asked.errors).toBeUndefined();
        const update = pushed.data!.recommendationsUpdated;
        expect(update).toMatchObject({ userId, at: envelope.at, modelVersionId });
        expect(update.items).toHaveLength(5);
        expect(update.items).toEqual(asked.data!.recommendations);
        // The API's source enum (CF here: there is a model), not the updater's internal strings.
        expect(update.items.map((i) => i.source)).toContain('CF');
        // Not the defaults: they would rank differently.
        const defaults = await ask(bearer, 'userId: $u, first: 5', { u: userId }, '($u: ID!)');
        expect(defaults.data!.recommendations).not.toEqual(update.items);
      });

      it('equals the query with a categoryId (and the defaults for everything else)', async () => {
        const userId = heavy[1]!;
        const bearer = await token({ sub: userId, role: 'customer' });
        const variables = { u: userId, c: topCategory };
        const { pushed } = await push(bearer, 'userId: $u, categoryId: $c', variables, '($u: ID!, $c: ID)');
        const asked = await ask(bearer, 'userId: $u, categoryId: $c', variables, '($u: ID!, $c: ID)');
        expect(pushed.errors).toBeUndefined();
        expect(asked.errors).toBeUndefined();
        const items = pushed.data!.recommendationsUpdated.items;
        expect(items).toHaveLength(10);
        expect(items).toEqual(asked.data!.recommendations);
      });

      // Only the in-process stack is given a budget small enough to spend here.
      if (backend.protection)
        it('a subscriber whose HTTP rate limit is spent still gets full pushes (executions are not charged)', async () => {
          const userId = heavy[2]!;
          const bearer = await token({ sub: userId, role: 'customer' });
          for (let i = 0; i < RATE_POINTS; i++) await gql('{ __typename }', {}, bearer);
          const limited = await gql('{ __typename }', {}, bearer);
          expect(limited.status).toBe(429);
          expect(limited.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');

          const args = 'userId: $u, first: 4';
          const { pushed } = await push(bearer, args, { u: userId }, '($u: ID!)');
          expect(pushed.errors).toBeUndefined();
          // The subscriber cannot ask any more; an admin asks the same question about them.
          const asked = await ask(await token({ sub: 'admin-1', role: 'admin' }), args, { u: userId }, '($u: ID!)');
          expect(asked.errors).toBeUndefined();
          expect(pushed.data!.recommendationsUpdated.items).toHaveLength(4);
          expect(pushed.data!.recommendationsUpdated.items).toEqual(asked.data!.recommendations);
          // Still limited: pushes neither spend nor refund the budget.
          expect((await gql('{ __typename }', {}, bearer)).status).toBe(429);
        });
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
      __typename: string;
      __schema: { subscriptionType: { name: string; fields: Field[] }; queryType: { fields: Field[] } };
    }>(`{ __typename __schema { subscriptionType { name fields ${ARGS} } queryType { fields ${ARGS} } } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data!.__typename).toBe('Query');
    const { subscriptionType, queryType } = res.data!.__schema;
    expect(subscriptionType.name).toBe('Subscription');
    expect(subscriptionType.fields.map((f) => f.name).sort()).toEqual([
      'assistantReplies',
      'modelPromoted',
      'recommendationsUpdated',
    ]);
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
