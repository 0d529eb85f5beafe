/**
 * Decode throughput of realistic record batches: librdkafka (confluent-kafka) writes 500
 * interaction envelopes per codec to the local broker; the batches the bus fetches back are
 * then decoded repeatedly, decompression alone (the codec registered with kafkajs) and
 * decompression plus kafkajs's record decoding (what a fetch costs per batch).
 *
 *   bash scripts/infra/up.sh && set -a && . .infra/env && set +a
 *   npx tsx packages/events/bench/decode-throughput.ts
 */
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import kafkajs from 'kafkajs';
import { createEventBus, interactionEvents, type ConsumedMessage, type InteractionEventV1 } from '../src/index.ts';
import { librdkafkaProduce, type LibrdkafkaCodec } from '../test/librdkafka.ts';
import { realKafkaBrokers, realKafkaPython } from '../test/real-kafka.ts';

const require = createRequire(import.meta.url);
const decodeBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder.js') as (decoder: unknown) => Promise<{
  records: unknown[];
}>;
const Decoder = require('kafkajs/src/protocol/decoder.js') as new (b: Buffer) => unknown;

const brokers = realKafkaBrokers();
const python = realKafkaPython();
if (!brokers || !python)
  throw new Error('needs TEST_KAFKA_BROKERS and TEST_KAFKA_PYTHON (scripts/infra/up.sh, .infra/env)');

const { CompressionCodecs, CompressionTypes } = kafkajs;
type Codec = { decompress(b: Buffer): Promise<Buffer> };
const codecs = CompressionCodecs as unknown as Record<number, () => Codec>;
const TYPES: Record<LibrdkafkaCodec, number> = {
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
};
const BATCH_HEADER = 61;
const RECORDS = 500;
const ITERATIONS = 1_000;

const prefix = `bench.codecs.${Date.now().toString(36)}.`;
const bus = createEventBus({ brokers, clientId: 'bench-codecs', topicPrefix: prefix });
const envelope = (n: number): InteractionEventV1 => ({
  schema: 'recgraph.interaction.v1',
  eventId: `bench-${n}-${Math.random().toString(36).slice(2)}`,
  type: (['VIEW', 'CLICK', 'ADD_TO_CART', 'PURCHASE'] as const)[n % 4]!,
  userId: crypto.randomUUID(),
  productId: crypto.randomUUID(),
  value: 1,
  occurredAt: new Date().toISOString(),
  source: 'web',
  traceparent: `00-${crypto.randomUUID().replaceAll('-', '')}-${crypto.randomUUID().replaceAll('-', '').slice(0, 16)}-01`,
});

// The whole record batch around each compressed payload kafkajs hands a codec (the same view the skip path reads).
const captured = new Map<number, Buffer[]>();
let capturing = true;
for (const type of Object.values(TYPES)) {
  const registered = codecs[type]!;
  codecs[type] = () => {
    const codec = registered();
    return {
      ...codec,
      decompress: (b: Buffer) => {
        const whole = Buffer.from(b.buffer, b.byteOffset - BATCH_HEADER, BATCH_HEADER + b.length);
        if (capturing) captured.set(type, [...(captured.get(type) ?? []), Buffer.from(whole)]);
        return codec.decompress(b);
      },
    };
  };
}

const rows: string[] = [];
for (const [codec, type] of Object.entries(TYPES) as [LibrdkafkaCodec, number][]) {
  capturing = true;
  await bus.ensureTopics([{ name: codec, partitions: 1 }]);
  const events = Array.from({ length: RECORDS }, (_, i) => envelope(i));
  await librdkafkaProduce(python, brokers, prefix + codec, [
    { codec, messages: events.map((e) => ({ key: e.userId, value: interactionEvents.encode(e).toString('utf8') })) },
  ]);
  const got: ConsumedMessage[] = [];
  const sub = await bus.subscribe({
    groupId: `bench-${codec}`,
    topics: [codec],
    fromBeginning: true,
    maxBatchSize: RECORDS,
    handleBatch: async (b) => void got.push(...b),
  });
  while (got.length < RECORDS) await new Promise((r) => setTimeout(r, 20));
  await sub.stop();
  capturing = false;

  const batches = captured.get(type) ?? [];
  const payloads = batches.map((b) => b.subarray(BATCH_HEADER));
  const records = batches.reduce((n, b) => n + b.readInt32BE(57), 0);
  const decompressed = (await Promise.all(payloads.map((p) => codecs[type]!().decompress(p)))).reduce(
    (n, b) => n + b.length,
    0,
  );
  const time = async (label: string, once: () => Promise<unknown>) => {
    for (let i = 0; i < 50; i++) await once();
    const elu0 = performance.eventLoopUtilization();
    const t0 = performance.now();
    for (let i = 0; i < ITERATIONS; i++) await once();
    const seconds = (performance.now() - t0) / 1000;
    const busy = performance.eventLoopUtilization(elu0).utilization;
    rows.push(
      [
        codec.padEnd(6),
        label.padEnd(30),
        `${batches.length} batch, ${records} records, ${payloads.reduce((n, p) => n + p.length, 0)} B -> ${decompressed} B`.padEnd(
          44,
        ),
        `${((seconds / ITERATIONS) * 1e6).toFixed(0).padStart(5)} µs/batch`,
        `${(decompressed / (seconds / ITERATIONS) / 1e6).toFixed(0).padStart(5)} MB/s`,
        `${((records * ITERATIONS) / seconds / 1e6).toFixed(2)} M records/s`,
        `event loop busy ${(busy * 100).toFixed(0)}%`,
      ].join(' | '),
    );
  };
  const codecImpl = codecs[type]!();
  await time('decompress', () => Promise.all(payloads.map((p) => codecImpl.decompress(p))));
  await time('decompress + kafkajs records', () => Promise.all(batches.map((b) => decodeBatch(new Decoder(b)))));
}
await bus.close();
const admin = new kafkajs.Kafka({ brokers, logLevel: kafkajs.logLevel.NOTHING }).admin();
await admin.connect();
await admin.deleteTopics({ topics: Object.keys(TYPES).map((c) => prefix + c) });
await admin.disconnect();
console.log(
  `node ${process.version}, ${RECORDS} interaction envelopes per librdkafka batch, ${ITERATIONS} decodes each`,
);
for (const row of rows) console.log(row);
