import { randomUUID } from 'node:crypto';
import kafkajs from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { attachWhenReachable, createEventBus, EventBusError, type ConsumedMessage } from '../src/index.ts';
import { brokerDoor } from './broker-door.ts';
import { realKafkaBrokers } from './real-kafka.ts';

const brokers = realKafkaBrokers();
const prefix = `test.attach.${Date.now().toString(36)}.`;
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const topics = [{ name: 'events', partitions: 2 }];

describe.skipIf(!brokers)('a bus that attaches when the broker answers (real broker)', () => {
  afterAll(async () => {
    const admin = new kafkajs.Kafka({ brokers: brokers!, logLevel: kafkajs.logLevel.NOTHING }).admin();
    const ours = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (ours.length) await admin.deleteTopics({ topics: ours });
    await admin.disconnect();
  });

  it('starts with no broker, subscribes at once, fails publishes fast, then delivers once the broker appears', async () => {
    const door = await brokerDoor(brokers![0]!);
    const inner = createEventBus({
      brokers: [door.address],
      clientId: 'attach-test',
      topicPrefix: prefix,
      log: quiet,
      kafka: {
        retries: 1,
        sessionTimeoutMs: 6_000,
        heartbeatIntervalMs: 300,
        rebalanceTimeoutMs: 6_000,
        maxWaitTimeMs: 100,
      },
    });
    const bus = attachWhenReachable(inner, topics, quiet, { minDelayMs: 200, maxDelayMs: 1_000 });
    try {
      const received: ConsumedMessage[] = [];
      const started = performance.now();
      // Neither returns later than a moment: nothing at start-up waits for the broker.
      await bus.ensureTopics(topics);
      const subscription = await bus.subscribe({
        groupId: `g-${randomUUID()}`,
        topics: ['events'],
        fromBeginning: true,
        handleBatch: async (messages) => void received.push(...messages),
      });
      expect(performance.now() - started).toBeLessThan(500);
      expect(bus.attached()).toBe(false);
      await expect(bus.publish('events', [{ key: 'k', value: Buffer.from('early') }])).rejects.toMatchObject({
        code: 'BROKER_ERROR',
      });
      // Arguments are still checked at once.
      await expect(
        bus.subscribe({ groupId: '', topics: ['events'], handleBatch: async () => {} }),
      ).rejects.toBeInstanceOf(EventBusError);

      await door.open();
      await bus.whenAttached();
      await expect
        .poll(
          async () => {
            await bus.publish('events', [{ key: 'k', value: Buffer.from('late') }]).catch(() => undefined);
            return received.map((m) => m.value.toString());
          },
          { timeout: 30_000, interval: 1_000 },
        )
        .toContain('late');
      await subscription.stop();
    } finally {
      await bus.close();
      await door.close();
    }
  }, 60_000);

  it('closing before the broker ever answered ends cleanly', async () => {
    const door = await brokerDoor(brokers![0]!);
    const inner = createEventBus({
      brokers: [door.address],
      clientId: 'attach-test',
      topicPrefix: prefix,
      log: quiet,
      kafka: { retries: 0 },
    });
    const bus = attachWhenReachable(inner, topics, quiet, { minDelayMs: 100 });
    await bus.subscribe({ groupId: 'never', topics: ['events'], handleBatch: async () => {} });
    await bus.close();
    expect(bus.attached()).toBe(false);
  });
});
