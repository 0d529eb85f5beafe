/**
 * recgraph_updater_consumer_lag_messages from the real updater on the real broker and database:
 * while the updater is held up (its database table locked, so its batch cannot commit), N events
 * published read as a lag of N over the interactions topic's partitions; released, it consumes
 * them and the lag returns to 0 on every partition. The ranking engine's own group is reported too.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openDatabase, type Database } from '@recgraph/db';
import { createEventBus, interactionEvents, STREAMING_TOPIC, STREAMING_TOPICS, type EventBus } from '@recgraph/events';
import { createOnlineFeatureUpdater, createUpdaterMetrics, type OnlineFeatureUpdater } from '../src/index.ts';
import { createTestDatabase, realPostgresUrl } from '../../packages/db/test/real-postgres.ts';
import { realKafkaBrokers } from '../../packages/events/test/real-kafka.ts';
import { count, interaction, seedCatalog } from './fixtures.ts';

const brokers = realKafkaBrokers();
const pgUrl = await realPostgresUrl();
const prefix = `st.lag.${Date.now().toString(36)}${randomUUID().slice(0, 6)}.`;
// Production's session timeout: the held-up batch must not cost the member its partitions.
const tuning = { heartbeatIntervalMs: 300, maxWaitTimeMs: 100 };
const GROUP = 'updater';

describe.skipIf(!brokers || !pgUrl)('the updater’s consumer lag in messages (real Kafka)', () => {
  let db: Database;
  let bus: EventBus;
  let updater: OnlineFeatureUpdater;
  const metrics = createUpdaterMetrics();

  /** The gauge's values for our group, by partition, after a fresh sample. */
  const lagByPartition = async (): Promise<Map<string, number>> => {
    await metrics.consumerLag.sample();
    const gauge = await metrics.service.registry.getSingleMetric('recgraph_updater_consumer_lag_messages')!.get();
    return new Map(
      gauge.values
        .filter((v) => v.labels.group === GROUP && v.labels.topic === STREAMING_TOPIC.interactions)
        .map((v) => [String(v.labels.partition), v.value]),
    );
  };
  const total = (lags: Map<string, number>) => [...lags.values()].reduce((a, b) => a + b, 0);

  beforeAll(async () => {
    db = await openDatabase({ url: await createTestDatabase(pgUrl!), poolSize: 4 });
    bus = createEventBus({ brokers: brokers!, clientId: 'streaming-lag-test', topicPrefix: prefix, kafka: tuning });
    await bus.ensureTopics(STREAMING_TOPICS);
  });

  afterAll(async () => {
    await updater?.stop();
    await bus?.close();
    await db?.close();
  });

  it('reads N while the updater is held up, and 0 once it has consumed them', async () => {
    const { users, products } = await seedCatalog(db, 6, 2);
    const publish = (events: ReturnType<typeof interaction>[]) =>
      bus.publish(
        STREAMING_TOPIC.interactions,
        events.map((e) => ({ key: e.userId, value: interactionEvents.encode(e) })),
      );
    const stored = () => count(db, 'SELECT count(*) AS n FROM interactions');

    updater = createOnlineFeatureUpdater({ bus, db, groupId: GROUP, batchSize: 50, metrics });
    await updater.start();
    await publish([interaction(users[0]!, products[0]!)]);
    await vi.waitFor(async () => expect(await stored()).toBe(1), { timeout: 60_000, interval: 100 });
    const partitions = STREAMING_TOPICS.find((t) => t.name === STREAMING_TOPIC.interactions)!.partitions;
    await vi.waitFor(
      async () => {
        const lags = await lagByPartition();
        expect(lags.size).toBe(partitions);
        expect(total(lags)).toBe(0);
      },
      { timeout: 30_000, interval: 200 },
    );

    // The updater's ranking engine follows model events in a group of its own, reported by its stable name.
    const engineGroups = (
      await metrics.service.registry.getSingleMetric('recgraph_updater_consumer_lag_messages')!.get()
    ).values.filter((v) => v.labels.group === 'recommend-serving');
    expect(engineGroups.map((v) => v.labels.topic)).toContain(STREAMING_TOPIC.modelEvents);

    // Hold the updater up: its next batch waits on this lock and commits nothing.
    const holder = await db.pool.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE interactions IN ACCESS EXCLUSIVE MODE');
      const late = users.slice(1).map((u) => interaction(u, products[1]!));
      await publish(late);
      await vi.waitFor(async () => expect(total(await lagByPartition())).toBe(late.length), {
        timeout: 30_000,
        interval: 200,
      });
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
    }

    await vi.waitFor(async () => expect(await stored()).toBe(users.length), { timeout: 60_000, interval: 100 });
    await vi.waitFor(
      async () => {
        const lags = await lagByPartition();
        expect([...lags.values()].every((n) => n === 0)).toBe(true);
        expect(lags.size).toBe(partitions);
      },
      { timeout: 30_000, interval: 200 },
    );
  }, 180_000);
});
