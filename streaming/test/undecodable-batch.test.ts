import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openDatabase, type Database } from '@recgraph/db';
import {
  createEventBus,
  deadLetterPayload,
  deadLetters,
  interactionEvents,
  STREAMING_TOPIC,
  STREAMING_TOPICS,
  type DeadLetterV1,
  type EventBus,
  type Subscription,
} from '@recgraph/events';
import { KAFKA_CODECS, setKafkaCodecs } from '@recgraph/events/compression';
import { createOnlineFeatureUpdater, createUpdaterMetrics, type OnlineFeatureUpdater } from '../src/index.ts';
import { createTestDatabase, realPostgresUrl } from '../../packages/db/test/real-postgres.ts';
import { librdkafkaProduce } from '../../packages/events/test/librdkafka.ts';
import { realKafkaBrokers, realKafkaPython } from '../../packages/events/test/real-kafka.ts';
import { count, interaction, seedCatalog } from './fixtures.ts';

const brokers = realKafkaBrokers();
const python = realKafkaPython();
const pgUrl = await realPostgresUrl();
const prefix = `st.undecodable.${Date.now().toString(36)}${randomUUID().slice(0, 6)}.`;
const tuning = { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 300, rebalanceTimeoutMs: 6_000, maxWaitTimeMs: 100 };

describe.skipIf(!brokers || !python || !pgUrl)('online feature updater and an undecodable Kafka batch', () => {
  let db: Database;
  let bus: EventBus;
  let updater: OnlineFeatureUpdater;
  let watcher: Subscription;
  const letters: DeadLetterV1[] = [];
  const metrics = createUpdaterMetrics();

  beforeAll(async () => {
    // librdkafka writes real zstd batches; this process is told not to decode zstd, which
    // makes them undecodable for the bus exactly as a corrupt or unsupported batch would be.
    setKafkaCodecs(['gzip', 'snappy', 'lz4']);
    db = await openDatabase({ url: await createTestDatabase(pgUrl!), poolSize: 4 });
    bus = createEventBus({ brokers: brokers!, clientId: 'streaming-test', topicPrefix: prefix, kafka: tuning });
    await bus.ensureTopics(STREAMING_TOPICS);
    watcher = await bus.subscribe({
      groupId: 'watch-dead-letters',
      topics: [STREAMING_TOPIC.deadLetter],
      fromBeginning: true,
      handleBatch: async (b) => {
        for (const m of b) {
          const r = deadLetters.decode(m.value);
          if (!r.ok) throw r.error;
          letters.push(r.value);
        }
      },
    });
  });

  afterAll(async () => {
    setKafkaCodecs(KAFKA_CODECS);
    await updater?.stop();
    await watcher?.stop();
    await bus?.close();
    await db?.close();
  });

  it('dead-letters and counts the batch, and stores the events after it', async () => {
    const { users, products } = await seedCatalog(db, 1, 4);
    const alice = users[0]!;
    const lost = [interaction(alice, products[0]!), interaction(alice, products[1]!)];
    const kept = [interaction(alice, products[2]!), interaction(alice, products[3]!, { type: 'CLICK' })];
    const asMessages = (events: typeof lost) =>
      events.map((e) => ({ key: e.userId, value: interactionEvents.encode(e).toString('utf8') }));
    // One key, so one partition: the zstd batch sits right in front of the gzip one.
    const placed = await librdkafkaProduce(python!, brokers!, prefix + STREAMING_TOPIC.interactions, [
      { codec: 'zstd', messages: asMessages(lost) },
      { codec: 'gzip', messages: asMessages(kept) },
    ]);

    updater = createOnlineFeatureUpdater({ bus, db, groupId: 'updater', batchSize: 50, metrics });
    await updater.start();
    const stored = (events: typeof lost) =>
      count(db, 'SELECT count(*) AS n FROM interactions WHERE event_id = ANY($1)', [events.map((e) => e.eventId)]);
    await vi.waitFor(async () => expect(await stored(kept)).toBe(2), { timeout: 60_000, interval: 100 });
    expect(await stored(lost)).toBe(0);

    await vi.waitFor(() => expect(letters).toHaveLength(1), { timeout: 30_000, interval: 100 });
    const [letter] = letters;
    expect(letter).toMatchObject({
      code: 'UNDECODABLE_BATCH',
      originalTopic: STREAMING_TOPIC.interactions,
      partition: placed[0]!.partition,
      offset: String(placed[0]!.offset),
      payloadEncoding: 'base64',
    });
    expect(letter!.reason).toMatch(/^record batch at offsets \d+-\d+ \(2 records, zstd, \d+ bytes\) skipped: /);
    // The original record batch, zstd (codec 4) in its attributes, for whoever replays it.
    expect(deadLetterPayload(letter!).readInt16BE(21) & 0x07).toBe(4);

    const counter = await metrics.service.registry.getSingleMetricAsString(
      'recgraph_updater_undecodable_batches_total',
    );
    expect(counter).toContain('recgraph_updater_undecodable_batches_total{codec="zstd"} 1');
    expect(updater.readiness()).toBe(true);
  });
});
