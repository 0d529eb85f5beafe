import kafkajs from 'kafkajs';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { KAFKA_CODECS, setKafkaCodecs } from '../src/compression.ts';
import {
  createEventBus,
  interactionEvents,
  type ConsumedMessage,
  type EventBus,
  type EventBusLogger,
  type InteractionEventV1,
  type UndecodableBatch,
} from '../src/index.ts';
import { javaProduce, type JavaCodec } from './java-producer.ts';
import { librdkafkaProduce as librdkafkaProduceTo } from './librdkafka.ts';
import { realKafkaBrokers, realKafkaJavaClasspath, realKafkaPython } from './real-kafka.ts';

const brokers = realKafkaBrokers();
const python = realKafkaPython();
const javaClasspath = realKafkaJavaClasspath();
const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const prefix = `test.codecs.${run}.`;
const tuning = { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 300, rebalanceTimeoutMs: 6_000, maxWaitTimeMs: 100 };

const logged: { level: string; msg: string; fields: Record<string, unknown> }[] = [];
const log: EventBusLogger = {
  debug: () => {},
  info: (fields, msg) => void logged.push({ level: 'info', msg, fields }),
  warn: (fields, msg) => void logged.push({ level: 'warn', msg, fields }),
  error: (fields, msg) => void logged.push({ level: 'error', msg, fields }),
};

type Codec = (typeof KAFKA_CODECS)[number];
const librdkafkaProduce = (topic: string, groups: { codec: Codec; messages: { key: string; value: string }[] }[]) =>
  librdkafkaProduceTo(python!, brokers!, prefix + topic, groups);

const users = Array.from({ length: 12 }, (_, i) => `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`);
function envelope(eventId: string, n: number): InteractionEventV1 {
  return {
    schema: 'recgraph.interaction.v1',
    eventId,
    type: (['VIEW', 'CLICK', 'ADD_TO_CART', 'PURCHASE'] as const)[n % 4]!,
    userId: users[n % users.length]!,
    productId: `10000000-0000-4000-8000-${String(n + 1).padStart(12, '0')}`,
    value: 1,
    occurredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
    source: 'librdkafka',
  };
}
const asMessage = (e: InteractionEventV1) => ({ key: e.userId, value: interactionEvents.encode(e).toString('utf8') });
const eventIdOf = (m: ConsumedMessage) => {
  const r = interactionEvents.decode(m.value);
  if (!r.ok) throw r.error;
  return r.value.eventId;
};

describe.skipIf(!brokers || !python)('Kafka bus and batches compressed by librdkafka (confluent-kafka)', () => {
  const buses: EventBus[] = [];
  const newBus = () => {
    const bus = createEventBus({ brokers, clientId: `recgraph-test-${run}`, topicPrefix: prefix, log, kafka: tuning });
    buses.push(bus);
    return bus;
  };
  const admin = new kafkajs.Kafka({
    brokers: brokers ?? [],
    clientId: 'recgraph-test-admin',
    logLevel: kafkajs.logLevel.NOTHING,
  }).admin();
  afterAll(async () => {
    await Promise.all(buses.map((b) => b.close()));
    await admin.connect();
    const ours = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (ours.length) await admin.deleteTopics({ topics: ours });
    await admin.disconnect();
  });

  it('consumes interaction envelopes compressed with gzip, snappy, lz4 and zstd, in order per key', async () => {
    const bus = newBus();
    await bus.ensureTopics([{ name: 'interactions', partitions: 3 }]);
    const groups = KAFKA_CODECS.map((codec) => ({
      codec,
      events: Array.from({ length: 150 }, (_, i) => envelope(`${codec}-${i}`, i)),
    }));
    const placed = await librdkafkaProduce(
      'interactions',
      groups.map((g) => ({ codec: g.codec, messages: g.events.map(asMessage) })),
    );
    expect(placed).toHaveLength(600);

    const got: ConsumedMessage[] = [];
    await bus.subscribe({
      groupId: `codecs-${run}`,
      topics: ['interactions'],
      fromBeginning: true,
      handleBatch: async (batch) => void got.push(...batch),
    });
    await vi.waitFor(() => expect(got).toHaveLength(600), { timeout: 30_000, interval: 50 });

    // Every envelope arrives intact, and each user's events in the order they were produced.
    const sent = groups.flatMap((g) => g.events);
    expect(got.map(eventIdOf).sort()).toEqual(sent.map((e) => e.eventId).sort());
    for (const user of users) {
      const received = got.filter((m) => m.key === user).map(eventIdOf);
      expect(received).toEqual(sent.filter((e) => e.userId === user).map((e) => e.eventId));
    }
    expect(got.every((m) => m.headers.schema === 'recgraph.interaction.v1')).toBe(true);
    expect(logged.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('skips a batch it cannot decode with an alert, and processes the messages after it', async () => {
    // An honest undecodable batch: librdkafka writes real zstd batches while this process
    // decodes only gzip, snappy and lz4 (setKafkaCodecs is process-wide, like kafkajs's codec
    // registry, and vitest runs each test file in its own process). A corrupt batch cannot be
    // written through the broker (it decompresses batches to validate them on produce); the
    // same placeholder path is covered with a corrupt batch in compression.test.ts.
    setKafkaCodecs(['gzip', 'snappy', 'lz4']);
    try {
      const bus = newBus();
      await bus.ensureTopics([{ name: 'mixed', partitions: 1 }]);
      const events = Array.from({ length: 20 }, (_, i) => envelope(`mixed-${i}`, i));
      const order: Codec[] = ['zstd', 'gzip', 'zstd', 'lz4'];
      const placed = await librdkafkaProduce(
        'mixed',
        order.map((codec, g) => ({ codec, messages: events.slice(g * 5, g * 5 + 5).map(asMessage) })),
      );
      expect(placed.map((p) => p.offset)).toEqual(events.map((_, i) => i));

      const got: ConsumedMessage[] = [];
      const skipped: UndecodableBatch[] = [];
      let hookCalls = 0;
      const groupId = `skip-${run}`;
      // Subscribing succeeds with an undecodable batch at the head of the partition (no failed start-up).
      const sub = await bus.subscribe({
        groupId,
        topics: ['mixed'],
        fromBeginning: true,
        handleBatch: async (batch) => void got.push(...batch),
        onUndecodableBatch: async (batch) => {
          // A failing hook (say, the dead-letter publish) is retried before the bus moves on.
          if (hookCalls++ === 0) throw new Error('dead-letter topic unavailable');
          skipped.push(batch);
        },
      });
      await vi.waitFor(() => expect(got).toHaveLength(10), { timeout: 30_000, interval: 50 });
      await vi.waitFor(() => expect(skipped).toHaveLength(2), { timeout: 5_000, interval: 50 });

      expect(got.map((m) => m.offset)).toEqual(['5', '6', '7', '8', '9', '15', '16', '17', '18', '19']);
      expect(got.map(eventIdOf)).toEqual([...events.slice(5, 10), ...events.slice(15, 20)].map((e) => e.eventId));
      expect(skipped.map(({ raw, ...s }) => ({ ...s, bytes: raw.length > 61 }))).toEqual([
        expect.objectContaining({
          topic: 'mixed',
          partition: 0,
          firstOffset: '0',
          lastOffset: '4',
          records: 5,
          codec: 'zstd',
          bytes: true,
        }),
        expect.objectContaining({
          topic: 'mixed',
          partition: 0,
          firstOffset: '10',
          lastOffset: '14',
          records: 5,
          codec: 'zstd',
          bytes: true,
        }),
      ]);
      expect(skipped[0]!.reason).toContain('zstd decompression is disabled in this process');
      expect(hookCalls).toBe(3);

      const alerts = logged.filter((l) => l.msg === 'skipping a Kafka record batch that cannot be decompressed');
      expect(alerts.map((a) => a.level)).toEqual(['error', 'error']);
      expect(alerts.map((a) => a.fields)).toEqual([
        expect.objectContaining({
          groupId,
          topic: 'mixed',
          partition: 0,
          firstOffset: '0',
          lastOffset: '4',
          codec: 'zstd',
        }),
        expect.objectContaining({
          groupId,
          topic: 'mixed',
          partition: 0,
          firstOffset: '10',
          lastOffset: '14',
          codec: 'zstd',
        }),
      ]);
      // No crash, no restart, and the group's position is past everything.
      expect(logged.filter((l) => /crashed|restarting/.test(l.msg))).toEqual([]);
      await sub.stop();
      await admin.connect();
      const [committed] = await admin.fetchOffsets({ groupId: prefix + groupId, topics: [prefix + 'mixed'] });
      expect(committed!.partitions).toEqual([expect.objectContaining({ partition: 0, offset: '20' })]);
    } finally {
      setKafkaCodecs(KAFKA_CODECS);
    }
  });
});

/** The first bytes of every payload the codecs decompress, and how large it came out: which formats really went by. */
function spyOnDecompression() {
  const codecs = kafkajs.CompressionCodecs as unknown as Record<
    number,
    () => { decompress(b: Buffer): Promise<Buffer>; compress(e: unknown): Promise<Buffer> }
  >;
  const seen: { type: number; head: Buffer; bytes: number }[] = [];
  const originals = new Map<number, (typeof codecs)[number]>();
  for (const type of [kafkajs.CompressionTypes.Snappy, kafkajs.CompressionTypes.LZ4, kafkajs.CompressionTypes.ZSTD]) {
    const registered = codecs[type]!;
    originals.set(type, registered);
    codecs[type] = () => {
      const codec = registered();
      return {
        ...codec,
        decompress: async (b: Buffer) => {
          const out = await codec.decompress(b);
          seen.push({ type, head: Buffer.from(b.subarray(0, 16)), bytes: out.length });
          return out;
        },
      };
    };
  }
  return { seen, restore: () => originals.forEach((c, type) => (codecs[type] = c)) };
}

describe.skipIf(!brokers || !javaClasspath)(
  'Kafka bus and batches compressed by the Java client (kafka-clients)',
  () => {
    const bus = brokers
      ? createEventBus({ brokers, clientId: `recgraph-test-${run}`, topicPrefix: `${prefix}java.`, log, kafka: tuning })
      : undefined;
    afterAll(async () => {
      await bus?.close();
    });

    it('consumes snappy in xerial framing, lz4 frames and zstd frames without a content size (over 1 MiB)', async () => {
      const loggedBefore = logged.length;
      await bus!.ensureTopics([{ name: 'interactions', partitions: 1 }]);
      const plan: [JavaCodec, number][] = [
        ['gzip', 300],
        ['snappy', 300],
        ['lz4', 300],
        ['zstd', 6000],
      ];
      const sent = plan.flatMap(([codec, n]) =>
        Array.from({ length: n }, (_, i) => ({ codec, event: envelope(`java-${codec}-${i}`, i) })),
      );
      const placed = await javaProduce(
        javaClasspath!,
        brokers!,
        `${prefix}java.interactions`,
        sent.map(({ codec, event }) => ({ codec, ...asMessage(event) })),
      );
      expect(placed.map((p) => p.offset)).toEqual(sent.map((_, i) => i));

      const spy = spyOnDecompression();
      try {
        const got: ConsumedMessage[] = [];
        const sub = await bus!.subscribe({
          groupId: `java-${run}`,
          topics: ['interactions'],
          fromBeginning: true,
          maxBatchSize: 1_000,
          handleBatch: async (batch) => void got.push(...batch),
        });
        await vi.waitFor(() => expect(got).toHaveLength(sent.length), { timeout: 60_000, interval: 50 });
        await sub.stop();
        // One partition: everything in production order, intact.
        expect(got.map(eventIdOf)).toEqual(sent.map((s) => s.event.eventId));

        const { Snappy, LZ4, ZSTD } = kafkajs.CompressionTypes;
        const xerial = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
        expect(spy.seen.some((s) => s.type === Snappy && s.head.subarray(0, 8).equals(xerial))).toBe(true);
        expect(spy.seen.some((s) => s.type === LZ4 && s.head.readUInt32LE(0) === 0x184d2204)).toBe(true);
        // Frame header descriptor: no Frame_Content_Size field (size flag 0, not single-segment).
        const sizeless = spy.seen.filter((s) => s.type === ZSTD && (s.head[4]! & 0xe0) === 0);
        expect(sizeless.length).toBeGreaterThan(0);
        expect(Math.max(...sizeless.map((s) => s.bytes))).toBeGreaterThan(1 << 20);
      } finally {
        spy.restore();
      }
      expect(logged.slice(loggedBefore).filter((l) => l.level === 'error')).toEqual([]);
    });
  },
);
