/**
 * The Kafka broker restarts while customers keep tracking events: nothing is
 * lost and nothing is counted twice. The producer side is the product's own:
 * trackEvents through the gateway stores each event with an outbox row in one
 * transaction, and the catalog's outbox relay retries publishing (with backoff)
 * for as long as the broker refuses. The online feature updater consumes
 * through the outage and must fold every event into popularity exactly once.
 *
 * Real Kafka + real Postgres only (the in-process bus has no broker to restart).
 * It stops and starts the shared test broker (scripts/infra), and always leaves
 * it running, so later test files still have it.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { signDevToken } from '@recgraph/auth';
import { DEV_JWT_SECRET } from '@recgraph/config';
import {
  createEventBus,
  interactionEvents,
  STREAMING_TOPIC,
  STREAMING_TOPICS,
  type EventBus,
  type Subscription,
} from '@recgraph/events';
import { createOnlineFeatureUpdater, type OnlineFeatureUpdater } from '@recgraph/streaming';
import { createTestDatabase, realPostgresUrl } from '../../packages/db/test/real-postgres.ts';
import { realKafkaBrokers } from '../../packages/events/test/real-kafka.ts';
import { startTestStack, type TestStack } from './support/testStack.ts';

const TRACK_MANY = `mutation ($i: [TrackEventInput!]!) { trackEvents(inputs: $i) { recorded duplicates } }`;
const N = 300;
const PER_CALL = 5;

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const exec = promisify(execFile);

/** scripts/infra/{up,down}.sh kafka, from the repo root with this process's environment (INFRA_KAFKA_PORT…). */
async function infra(action: 'up' | 'down'): Promise<void> {
  await exec('bash', [`scripts/infra/${action}.sh`, 'kafka'], {
    cwd: repoRoot,
    env: process.env,
    timeout: 150_000,
  });
}

const stamp = () => new Date().toISOString().slice(11, 23);
const debugLog = {
  debug() {},
  info: (f: Record<string, unknown>, m: string) => console.log(stamp(), 'INFO', m, JSON.stringify(f).slice(0, 300)),
  warn: (f: Record<string, unknown>, m: string) => console.log(stamp(), 'WARN', m, JSON.stringify(f).slice(0, 300)),
  error: (f: Record<string, unknown>, m: string) => console.log(stamp(), 'ERROR', m, JSON.stringify(f).slice(0, 300)),
};

const brokers = realKafkaBrokers();
const pgUrl = await realPostgresUrl();
const run = `${Date.now().toString(36)}${randomUUID().slice(0, 6)}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!(brokers && pgUrl))('a Kafka broker restart while producing (real Kafka + real Postgres)', () => {
  let t: TestStack;
  let bus: EventBus;
  let updater: OnlineFeatureUpdater;
  let observer: Subscription | undefined;
  /** Every interaction event id seen on the topic by an independent consumer group (at least once). */
  const onTheBus = new Map<string, number>();

  beforeAll(async () => {
    bus = createEventBus({
      brokers: brokers!,
      clientId: 'kafka-restart-test',
      topicPrefix: `restart.${run}.`,
      kafka: { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 300, rebalanceTimeoutMs: 6_000, maxWaitTimeMs: 100 },
      ...(process.env.RESTART_TEST_LOG ? { log: debugLog } : {}),
    });
    await bus.ensureTopics(STREAMING_TOPICS);
    t = await startTestStack({ bus, databaseUrl: await createTestDatabase(pgUrl!) });
    updater = createOnlineFeatureUpdater({
      bus,
      db: t.db,
      groupId: 'restart-updater',
      batchSize: 50,
      k: 5,
      ...(process.env.RESTART_TEST_LOG ? { log: debugLog } : {}),
    });
    await updater.start();
    observer = await bus.subscribe({
      groupId: 'restart-observer',
      topics: [STREAMING_TOPIC.interactions],
      fromBeginning: true,
      handleBatch: async (messages) => {
        for (const m of messages) {
          const decoded = interactionEvents.decode(m.value);
          if (decoded.ok) onTheBus.set(decoded.value.eventId, (onTheBus.get(decoded.value.eventId) ?? 0) + 1);
        }
      },
    });
  }, 120_000);

  afterAll(async () => {
    // Whatever happened above, later test files need the broker.
    await infra('up');
    await observer?.stop();
    await updater?.stop();
    await t?.stop();
    await bus?.close();
  }, 240_000);

  it(`records and folds all ${N} events exactly once across the restart`, { timeout: 300_000 }, async () => {
    const token = await signDevToken(DEV_JWT_SECRET, { sub: t.fixture.users.shopper.id, role: 'customer' });
    // Bulk products have no popularity yet: their event_count sum is exactly what the updater folded.
    const products = t.fixture.bulk.slice(0, 20).map((p) => p.id);
    expect(await t.db.prisma.productPopularity.count({ where: { productId: { in: products } } })).toBe(0);
    const eventIds = Array.from({ length: N }, (_, i) => `restart-${run}-${String(i).padStart(4, '0')}`);
    let sent = 0;
    async function sendNext(): Promise<void> {
      const chunk = eventIds.slice(sent, sent + PER_CALL);
      const res = await t.gql<{ trackEvents: { recorded: number; duplicates: number } }>(
        TRACK_MANY,
        {
          i: chunk.map((eventId, j) => ({
            eventId,
            type: 'VIEW',
            productId: products[(sent + j) % products.length],
          })),
        },
        { token },
      );
      expect(res.errors).toBeUndefined();
      expect(res.data!.trackEvents).toEqual({ recorded: chunk.length, duplicates: 0 });
      sent += chunk.length;
    }

    let restarting: Promise<void> | undefined;
    let brokerDown = false;
    let sentWhileDown = 0;
    let failedAttempts = 0;
    try {
      // A steady stream: a call every 100 ms before the restart…
      while (sent < N / 5) {
        await sendNext();
        await sleep(100);
      }
      restarting = (async () => {
        await infra('down');
        brokerDown = true;
        // Down until the relay has failed to publish (recorded on the rows it could not publish).
        const deadline = Date.now() + 60_000;
        while (failedAttempts === 0 && Date.now() < deadline) {
          await sleep(500);
          failedAttempts = await t.db.prisma.interactionOutbox.count({ where: { attempts: { gt: 0 } } });
        }
        await infra('up');
        brokerDown = false;
      })();
      let restarted = false;
      void restarting.then(
        () => (restarted = true),
        () => (restarted = true),
      );
      // …while it goes down and comes back (each call writes the database, the relay retries)…
      while (!restarted && sent < N - 10 * PER_CALL) {
        const down = brokerDown;
        await sendNext();
        if (down) sentWhileDown += PER_CALL;
        await sleep(250);
      }
      await restarting;
      // …and the rest once it is back.
      while (sent < N) {
        await sendNext();
        await sleep(100);
      }
    } finally {
      // Never leave the shared broker down, whatever failed above.
      await restarting?.catch(() => undefined);
      await infra('up');
    }
    // The test is only worth something if events really were produced into the outage and
    // the relay really failed to publish them.
    expect(sentWhileDown).toBeGreaterThanOrEqual(5 * PER_CALL);
    expect(failedAttempts).toBeGreaterThan(0);

    // Everything recorded once by the catalog, published (outbox drained), seen on the bus,
    // and folded into popularity exactly once by the updater.
    await vi.waitFor(
      async () => {
        expect(await t.db.prisma.interactionOutbox.count()).toBe(0);
        expect(eventIds.filter((id) => !onTheBus.has(id))).toEqual([]);
        const folded = await t.db.prisma.interaction.count({
          where: { eventId: { in: eventIds }, foldedAt: { not: null } },
        });
        expect(folded).toBe(N);
      },
      { timeout: 120_000, interval: 250 },
    );
    expect(await t.db.prisma.interaction.count({ where: { eventId: { in: eventIds } } })).toBe(N);
    const popularity = await t.db.prisma.productPopularity.findMany({ where: { productId: { in: products } } });
    expect(popularity.reduce((sum, p) => sum + Number(p.eventCount), 0)).toBe(N);
    // 300 VIEWs round-robin over 20 products: 15 each, none lost or doubled on any product.
    expect(popularity.map((p) => Number(p.eventCount))).toEqual(Array(products.length).fill(N / products.length));
    // Redelivery (at least once) may show an id on the bus more than once; the database never does.
    const redelivered = [...onTheBus.values()].filter((n) => n > 1).length;
    console.info(
      `kafka-restart: ${sentWhileDown} events produced while the broker was down, ` +
        `${failedAttempts} outbox rows with failed publish attempts, ${redelivered} ids delivered more than once`,
    );
  });
});
