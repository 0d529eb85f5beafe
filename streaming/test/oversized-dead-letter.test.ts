/**
 * Issue 12, finding "a malformed message near 1 MB makes a dead letter bigger than the broker's
 * limit and its batch retries forever": on the real broker, such messages are dead-lettered with
 * their first bytes, length and SHA-256, and the updater moves on to the events behind them.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openDatabase, type Database } from '@recgraph/db';
import {
  createEventBus,
  deadLetterPayload,
  deadLetters,
  interactionEvents,
  MAX_DEAD_LETTER_BYTES,
  STREAMING_TOPIC,
  STREAMING_TOPICS,
  type DeadLetterV1,
  type EventBus,
  type Subscription,
} from '@recgraph/events';
import { createOnlineFeatureUpdater, type OnlineFeatureUpdater } from '../src/index.ts';
import { createTestDatabase, realPostgresUrl } from '../../packages/db/test/real-postgres.ts';
import { realKafkaBrokers } from '../../packages/events/test/real-kafka.ts';
import { count, interaction, seedCatalog } from './fixtures.ts';

const brokers = realKafkaBrokers();
const pgUrl = await realPostgresUrl();
const prefix = `st.bigdl.${Date.now().toString(36)}${randomUUID().slice(0, 6)}.`;
const tuning = { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 300, rebalanceTimeoutMs: 6_000, maxWaitTimeMs: 100 };

describe.skipIf(!brokers || !pgUrl)('oversized dead letter retries forever (issue 12), real Kafka', () => {
  let db: Database;
  let bus: EventBus;
  let updater: OnlineFeatureUpdater | undefined;
  let watcher: Subscription;
  const letters: { letter: DeadLetterV1; bytes: number }[] = [];

  beforeAll(async () => {
    db = await openDatabase({ url: await createTestDatabase(pgUrl!), poolSize: 4 });
    bus = createEventBus({ brokers: brokers!, clientId: 'bigdl-test', topicPrefix: prefix, kafka: tuning });
    await bus.ensureTopics(STREAMING_TOPICS);
    watcher = await bus.subscribe({
      groupId: 'watch-dead-letters',
      topics: [STREAMING_TOPIC.deadLetter],
      fromBeginning: true,
      handleBatch: async (b) => {
        for (const m of b) {
          const r = deadLetters.decode(m.value);
          if (!r.ok) throw r.error;
          letters.push({ letter: r.value, bytes: m.value.length });
        }
      },
    });
  });

  afterAll(async () => {
    await updater?.stop();
    await watcher?.stop();
    await bus?.close();
    await db?.close();
  });

  it('dead-letters three ~1 MB malformed messages within the limit, then stores the event behind them', async () => {
    const { users, products } = await seedCatalog(db, 1, 1);
    const alice = users[0]!;
    // Binary (base64 in the letter: 4/3 larger) and escaped text (\u0001 → 6 bytes): both outgrow 1 MB.
    const junk = [randomBytes(1_000_000), randomBytes(990_000), Buffer.alloc(1_000_000, 1)];
    const good = interaction(alice, products[0]!);
    // One key: one partition, so the good event waits behind the junk, and one consumed batch holds all three.
    await bus.publish(STREAMING_TOPIC.interactions, [
      ...junk.map((value) => ({ key: alice, value })),
      { key: alice, value: interactionEvents.encode(good) },
    ]);

    updater = createOnlineFeatureUpdater({ bus, db, groupId: 'updater', batchSize: 50 });
    await updater.start();
    await vi.waitFor(
      async () =>
        expect(await count(db, 'SELECT count(*) AS n FROM interactions WHERE event_id = $1', [good.eventId])).toBe(1),
      { timeout: 60_000, interval: 200 },
    );
    await vi.waitFor(() => expect(letters).toHaveLength(3), { timeout: 30_000, interval: 100 });
    for (const [i, { letter, bytes }] of letters.entries()) {
      expect(bytes).toBeLessThanOrEqual(MAX_DEAD_LETTER_BYTES);
      expect(letter).toMatchObject({
        originalTopic: STREAMING_TOPIC.interactions,
        payloadTruncated: true,
        payloadBytes: junk[i]!.length,
        payloadSha256: createHash('sha256').update(junk[i]!).digest('hex'),
      });
      const kept = deadLetterPayload(letter);
      expect(kept.length).toBeGreaterThan(1000);
      expect(kept.equals(junk[i]!.subarray(0, kept.length))).toBe(true);
    }
  });
});
