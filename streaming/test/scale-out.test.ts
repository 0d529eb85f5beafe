// The updater at scale on the real broker and server: two instances splitting the six
// interactions partitions, and a standalone updater process killed (SIGKILL) mid-stream
// and restarted. Both are checked by counts: every event recorded and folded exactly
// once, popularity's event counts and score sums exact, every user's list refreshed.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { openDatabase, type Database } from '@recgraph/db';
import { createEventBus, publishInteractions, STREAMING_TOPICS, type InteractionEventV1 } from '@recgraph/events';
import { deploymentWeights, weightOf } from '@recgraph/interactions';
import { createTestDatabase, realPostgresUrl } from '../../packages/db/test/real-postgres.ts';
import { realKafkaBrokers } from '../../packages/events/test/real-kafka.ts';
import { createOnlineFeatureUpdater, type OnlineFeatureUpdater } from '../src/index.ts';
import { count, interaction, seedCatalog } from './fixtures.ts';

const brokers = realKafkaBrokers();
const pgUrl = await realPostgresUrl();
const tuning = { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 300, rebalanceTimeoutMs: 6_000, maxWaitTimeMs: 100 };
const TYPES: InteractionEventV1['type'][] = ['VIEW', 'VIEW', 'CLICK', 'ADD_TO_CART', 'PURCHASE', 'LIKE'];

/** A stream over many users (so every partition gets some) and a skewed product choice. */
function stream(users: string[], products: string[], n: number): InteractionEventV1[] {
  return Array.from({ length: n }, (_, i) =>
    interaction(users[(i * 7) % users.length]!, products[Math.floor(products.length * ((i * 0.618) % 1) ** 2)]!, {
      type: TYPES[i % TYPES.length]!,
    }),
  );
}

async function publishAll(bus: ReturnType<typeof createEventBus>, events: InteractionEventV1[]): Promise<void> {
  for (let i = 0; i < events.length; i += 250) await publishInteractions(bus, events.slice(i, i + 250));
}

const expectedScore = (events: InteractionEventV1[]) =>
  events.reduce((s, e) => s + (weightOf(deploymentWeights(), e.type, e.value) ?? 0), 0);

async function popularity(db: Database, products: string[]) {
  const { rows } = await db.pool.query<{ product_id: string; score: number; event_count: string }>(
    'SELECT product_id, score, event_count FROM product_popularity WHERE product_id = ANY($1) ORDER BY product_id',
    [products],
  );
  return rows;
}

/** Sums over these events' rows: how many stored, how many distinct, how many folded. */
async function stored(db: Database, eventIds: string[]) {
  const { rows } = await db.pool.query<{ n: string; d: string; f: string }>(
    `SELECT count(*) AS n, count(DISTINCT event_id) AS d, count(folded_at) AS f FROM interactions WHERE event_id = ANY($1)`,
    [eventIds],
  );
  return { rows: Number(rows[0]!.n), distinct: Number(rows[0]!.d), folded: Number(rows[0]!.f) };
}

/** Users whose list is not ranked as of their last folded interaction (the durable dirty set). */
const staleUsers = (db: Database, users: string[]) =>
  count(
    db,
    `SELECT count(*) AS n FROM (
       SELECT i.user_id FROM interactions i LEFT JOIN user_recommendations r ON r.user_id = i.user_id
       WHERE i.user_id = ANY($1) GROUP BY i.user_id, r.updated_at
       HAVING r.updated_at IS NULL OR max(i.folded_at) > r.updated_at) s`,
    [users],
  );

describe.skipIf(!brokers || !pgUrl)('online feature updater at scale (real Kafka + real Postgres)', () => {
  const closers: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  });
  const until = (check: () => unknown, timeout = 90_000) => vi.waitFor(check, { timeout, interval: 200 });

  async function setUp(nUsers: number, nProducts: number) {
    const dbUrl = await createTestDatabase(pgUrl!);
    const db = await openDatabase({ url: dbUrl, poolSize: 6 });
    const prefix = `so.${Date.now().toString(36)}${randomUUID().slice(0, 6)}.`;
    const bus = createEventBus({ brokers: brokers!, clientId: 'scale-out-test', topicPrefix: prefix, kafka: tuning });
    closers.push(
      () => db.close(),
      () => bus.close(),
    );
    await bus.ensureTopics(STREAMING_TOPICS);
    const catalog = await seedCatalog(db, nUsers, nProducts);
    return { db, dbUrl, bus, prefix, ...catalog };
  }

  it('two instances in one group split the partitions and fold every event exactly once, as one instance does', async () => {
    const two = await setUp(60, 40);
    const events = stream(two.users, two.products, 3_000);
    const got = [0, 0];
    const updaters: OnlineFeatureUpdater[] = [0, 1].map((i) =>
      createOnlineFeatureUpdater({
        bus: two.bus,
        db: two.db,
        groupId: 'scale-out',
        batchSize: 200,
        k: 5,
        onBatchHandled: (b) => void (got[i]! += b.inserted),
      }),
    );
    for (const u of updaters) closers.push(() => u.stop());
    await Promise.all(updaters.map((u) => u.start()));
    await publishAll(two.bus, events);
    const ids = events.map((e) => e.eventId);
    await until(async () => expect(await stored(two.db, ids)).toEqual({ rows: 3_000, distinct: 3_000, folded: 3_000 }));
    await Promise.all(updaters.map((u) => u.stop()));
    // Both instances got partitions (and every batch's lists were refreshed before stop returned).
    expect(got[0]).toBeGreaterThan(0);
    expect(got[1]).toBeGreaterThan(0);
    expect(got[0]! + got[1]!).toBe(3_000);
    expect(await staleUsers(two.db, two.users)).toBe(0);

    // The same events (same ids, users, products) through a single instance on its own database.
    const one = await setUp(0, 0);
    await one.db.prisma.user.createMany({ data: two.users.map((id, i) => ({ id, externalId: `one-u-${id}-${i}` })) });
    await one.db.prisma.product.createMany({
      data: two.products.map((id, i) => ({ id, sku: `one-p-${id}`, title: `Product ${i}`, priceCents: 1000 + i })),
    });
    const single = createOnlineFeatureUpdater({ bus: one.bus, db: one.db, groupId: 'single', batchSize: 200, k: 5 });
    closers.push(() => single.stop());
    await single.start();
    await publishAll(one.bus, events);
    await until(async () => expect(await stored(one.db, ids)).toEqual({ rows: 3_000, distinct: 3_000, folded: 3_000 }));
    await single.stop();

    const [a, b] = [await popularity(two.db, two.products), await popularity(one.db, two.products)];
    expect(a.map((r) => [r.product_id, Number(r.event_count)])).toEqual(
      b.map((r) => [r.product_id, Number(r.event_count)]),
    );
    a.forEach((r, i) => expect(r.score).toBeCloseTo(b[i]!.score, 6));
    expect(a.reduce((s, r) => s + Number(r.event_count), 0)).toBe(3_000);
    expect(a.reduce((s, r) => s + r.score, 0)).toBeCloseTo(expectedScore(events), 4);
    // Co-visitation depends only on each user's own history, which one partition orders: identical too.
    const pairs = async (db: Database) =>
      (
        await db.pool.query<{ a: string; b: string; w: number }>(
          'SELECT product_a AS a, product_b AS b, weight AS w FROM co_visitation ORDER BY 1, 2',
        )
      ).rows.map((r) => `${r.a}>${r.b}:${r.w}`);
    expect(await pairs(two.db)).toEqual(await pairs(one.db));
  }, 240_000);

  it('a standalone updater killed (SIGKILL) mid-stream and restarted loses and double-counts nothing, and refreshes every list', async () => {
    const env = await setUp(80, 30);
    const events = stream(env.users, env.products, 4_000);
    const ids = events.map((e) => e.eventId);
    const children: ChildProcess[] = [];
    const startUpdater = () => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'streaming/src/updater/index.ts'], {
        env: {
          ...process.env,
          DATABASE_URL: env.dbUrl,
          DATABASE_POOL_SIZE: '4',
          KAFKA_BROKERS: brokers!.join(','),
          KAFKA_TOPIC_PREFIX: env.prefix,
          UPDATER_GROUP_ID: 'crash-updater',
          UPDATER_BATCH_SIZE: '100',
          UPDATER_PORT: String(20_000 + Math.floor(Math.random() * 20_000)),
          RECOMMENDATIONS_K: '5',
          // 50 events per user here: the per-user daily popularity cap would (rightly) withhold some,
          // and this test counts that every event is folded exactly once.
          POPULARITY_USER_DAILY_CAP: '0',
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      children.push(child);
      return child;
    };
    closers.push(async () => children.forEach((c) => c.exitCode === null && c.kill('SIGKILL')));

    await publishAll(env.bus, events);
    const first = startUpdater();
    await until(async () => expect((await stored(env.db, ids)).rows).toBeGreaterThanOrEqual(800));
    first.kill('SIGKILL');
    await once(first, 'exit');
    const atKill = await stored(env.db, ids);
    expect(atKill.rows).toBeLessThan(4_000);
    expect(atKill.folded).toBe(atKill.rows);

    const second = startUpdater();
    await until(async () => expect(await stored(env.db, ids)).toEqual({ rows: 4_000, distinct: 4_000, folded: 4_000 }));
    // Popularity: Σ event_count is the number of distinct positive events, Σ score their summed weights
    // (every event happens at EVENT_TIME, so decay cancels out): nothing lost, nothing counted twice.
    const pop = await popularity(env.db, env.products);
    expect(pop.reduce((s, r) => s + Number(r.event_count), 0)).toBe(4_000);
    expect(pop.reduce((s, r) => s + r.score, 0)).toBeCloseTo(expectedScore(events), 4);
    // Lists the kill left stale (dirty in memory only) are recovered from durable state.
    await until(async () => expect(await staleUsers(env.db, env.users)).toBe(0));
    expect(
      await count(env.db, 'SELECT count(*) AS n FROM user_recommendations WHERE user_id = ANY($1)', [env.users]),
    ).toBe(env.users.length);
    second.kill('SIGTERM');
    await once(second, 'exit');
    expect(second.exitCode).toBe(0);

    // A crash right after a commit, before any ranking: the durable state alone says who is stale.
    const [user, product] = [env.users[0]!, env.products[0]!];
    await env.db.pool.query(
      `INSERT INTO interactions (event_id, user_id, product_id, type, value, occurred_at, source, folded_at)
       VALUES ($1, $2, $3, 'VIEW', 1, now(), 'test', now())`,
      [randomUUID(), user, product],
    );
    expect(await staleUsers(env.db, env.users)).toBe(1);
    const third = startUpdater();
    await until(async () => expect(await staleUsers(env.db, env.users)).toBe(0));
    third.kill('SIGTERM');
    await once(third, 'exit');
  }, 240_000);
});
