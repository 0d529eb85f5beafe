import kafkajs from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { createEventBus, type EventBusLogger } from '../src/index.ts';
import { eventBusContract } from './event-bus-contract.ts';
import { realKafkaBrokers } from './real-kafka.ts';

const brokers = realKafkaBrokers();
const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const prefix = `test.${run}.`;

/** Keeps kafkajs's own reports out of the test output but available when a test fails. */
const logged: { level: string; msg: string; fields: Record<string, unknown> }[] = [];
const log: EventBusLogger = {
  debug: () => {},
  info: (fields, msg) => void logged.push({ level: 'info', msg, fields }),
  warn: (fields, msg) => void logged.push({ level: 'warn', msg, fields }),
  error: (fields, msg) => void logged.push({ level: 'error', msg, fields }),
};

// Short group timings: joins and leaves dominate this suite's run time.
const tuning = { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 300, rebalanceTimeoutMs: 6_000, maxWaitTimeMs: 100 };

describe.skipIf(!brokers)('Kafka event bus (real broker from TEST_KAFKA_BROKERS)', () => {
  eventBusContract({
    createBus: () =>
      createEventBus({ brokers, clientId: `recgraph-test-${run}`, topicPrefix: prefix, log, kafka: tuning }),
    deliveryTimeoutMs: 20_000,
    quietPeriodMs: 1_000,
  });

  const admin = new kafkajs.Kafka({
    brokers: brokers ?? [],
    clientId: 'recgraph-test-admin',
    logLevel: kafkajs.logLevel.NOTHING,
  }).admin();
  afterAll(async () => {
    // Leave the shared broker as we found it.
    const ours = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (ours.length) await admin.deleteTopics({ topics: ours });
    await admin.disconnect();
  });

  it('creates topics under the configured prefix with the requested config', async () => {
    const bus = createEventBus({ brokers, clientId: `recgraph-test-${run}`, topicPrefix: prefix, log, kafka: tuning });
    await bus.ensureTopics([{ name: 'compacted', partitions: 2, cleanupPolicy: 'compact', retentionMs: 3_600_000 }]);
    await bus.close();
    await admin.connect();
    const meta = await admin.fetchTopicMetadata({ topics: [`${prefix}compacted`] });
    expect(meta.topics[0]?.partitions).toHaveLength(2);
    const configs = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [
        {
          type: kafkajs.ConfigResourceTypes.TOPIC,
          name: `${prefix}compacted`,
          configNames: ['cleanup.policy', 'retention.ms'],
        },
      ],
    });
    const entries = Object.fromEntries(configs.resources[0]!.configEntries.map((e) => [e.configName, e.configValue]));
    expect(entries).toEqual({ 'cleanup.policy': 'compact', 'retention.ms': '3600000' });
    expect(logged.filter((l) => l.level === 'error')).toEqual([]);
  });
});
