// Sustained interaction ingestion: producer → bus → online feature updater → durable
// Postgres writes (interactions, decayed popularity, co-visitation) + top-k updates.
// Run: npm run infra:up && set -a && . .infra/env && set +a && npm run bench -- streaming-ingest
import { randomUUID } from 'node:crypto';
import { availableParallelism, cpus } from 'node:os';
import { openDatabase, type Database } from '@recgraph/db';
import {
  createEventBus,
  publishInteractions,
  STREAMING_TOPICS,
  type EventBus,
  type InteractionEventV1,
} from '@recgraph/events';
import { createOnlineFeatureUpdater, type BatchSummary } from '@recgraph/streaming';
import type { Benchmark } from '../benchmark.ts';

interface Target {
  label: string;
  openDb: () => Promise<Database>;
  createBus: () => EventBus;
}

const INTERACTION_TYPES: InteractionEventV1['type'][] = [
  'VIEW',
  'VIEW',
  'VIEW',
  'CLICK',
  'ADD_TO_CART',
  'PURCHASE',
  'LIKE',
];
const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function seed(db: Database, nUsers: number, nProducts: number) {
  const tag = randomUUID().slice(0, 8);
  const users = Array.from({ length: nUsers }, () => randomUUID());
  const products = Array.from({ length: nProducts }, () => randomUUID());
  await db.prisma.user.createMany({ data: users.map((id, i) => ({ id, externalId: `bench-${tag}-${i}` })) });
  await db.prisma.product.createMany({
    data: products.map((id, i) => ({ id, sku: `bench-${tag}-${i}`, title: `P${i}`, priceCents: 100 + i })),
  });
  return { users, products };
}

async function measure(target: Target, events: number, chunk: number, log: (m: string) => void) {
  const db = await target.openDb();
  const bus = target.createBus();
  const batches: BatchSummary[] = [];
  let inserted = 0;
  let allStored: () => void = () => {};
  const done = new Promise<void>((r) => (allStored = r));
  const updater = createOnlineFeatureUpdater({
    bus,
    db,
    groupId: 'bench-updater',
    batchSize: 500,
    onBatchHandled: (b) => {
      batches.push(b);
      inserted += b.inserted;
      if (inserted >= events) allStored();
    },
  });
  try {
    const { users, products } = await seed(db, 2_000, 5_000);
    await bus.ensureTopics(STREAMING_TOPICS);
    await updater.start();
    // Skewed product choice (a few hits, a long tail), as in real catalogs.
    const pick = (n: number) => Math.floor(n * Math.random() ** 2);
    const t0 = performance.now();
    for (let sent = 0; sent < events; sent += chunk) {
      const now = new Date().toISOString();
      await publishInteractions(
        bus,
        Array.from({ length: Math.min(chunk, events - sent) }, () => ({
          schema: 'recgraph.interaction.v1' as const,
          eventId: randomUUID(),
          type: INTERACTION_TYPES[pick(INTERACTION_TYPES.length)]!,
          userId: users[Math.floor(Math.random() * users.length)]!,
          productId: products[pick(products.length)]!,
          value: 1,
          occurredAt: now,
          source: 'bench',
        })),
      );
    }
    const publishSeconds = (performance.now() - t0) / 1000;
    await done;
    const seconds = (performance.now() - t0) / 1000;
    const durable = batches.flatMap((b) => b.publishedAt.map((t) => b.durableAt - t)).sort((a, b) => a - b);
    const updated = batches.flatMap((b) => b.publishedAt.map((t) => b.doneAt - t)).sort((a, b) => a - b);
    const stored = Number((await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM interactions')).rows[0]!.n);
    if (stored !== events) throw new Error(`${target.label}: ${stored} interactions stored, ${events} sent`);
    log(`${target.label}: ${events} events in ${seconds.toFixed(1)} s (${Math.round(events / seconds)}/s)`);
    return [
      target.label,
      events,
      Math.round(events / publishSeconds),
      Math.round(events / seconds),
      batches.length,
      Math.round(pct(durable, 50)),
      Math.round(pct(durable, 99)),
      Math.round(pct(updated, 50)),
      Math.round(pct(updated, 99)),
    ];
  } finally {
    await updater.stop();
    await bus.close();
    await db.close();
  }
}

export const benchmark: Benchmark = {
  name: 'streaming-ingest',
  description:
    'Interaction ingestion throughput (events/s) and publish→durable / publish→top-k-published latency through the online feature updater: in-process bus + PGlite, and Kafka + real Postgres when TEST_KAFKA_BROKERS/TEST_DATABASE_URL are set',
  async run(ctx) {
    const events = ctx.quick ? 5_000 : 50_000;
    const chunk = 500;
    const run = () => `bench.${Date.now().toString(36)}.`;
    const targets: Target[] = [
      {
        label: 'in-process bus + embedded PGlite',
        openDb: () => openDatabase({}),
        createBus: () => createEventBus({ clientId: 'bench', topicPrefix: run() }),
      },
    ];
    const pgUrl = process.env.TEST_DATABASE_URL;
    const brokers = process.env.TEST_KAFKA_BROKERS?.split(',')
      .map((b) => b.trim())
      .filter(Boolean);
    if (pgUrl) {
      const { createTestDatabase } = await import('../../../packages/db/test/real-postgres.ts');
      const realDb = async () => openDatabase({ url: await createTestDatabase(pgUrl), poolSize: 4 });
      targets.push({
        label: 'in-process bus + real Postgres',
        openDb: realDb,
        createBus: () => createEventBus({ clientId: 'bench', topicPrefix: run() }),
      });
      if (brokers?.length)
        targets.push({
          label: 'Kafka + real Postgres',
          openDb: realDb,
          createBus: () => createEventBus({ brokers, clientId: 'bench', topicPrefix: run() }),
        });
    }
    const rows: (string | number)[][] = [];
    for (const t of targets) rows.push(await measure(t, events, chunk, ctx.log));
    return [
      {
        title: 'Streaming ingestion: producer → bus → online feature updater → Postgres',
        columns: [
          'pipeline',
          'events',
          'publish events/s',
          'sustained events/s',
          'batches',
          'p50 ms to durable',
          'p99 ms to durable',
          'p50 ms to top-k published',
          'p99 ms to top-k published',
        ],
        rows,
        notes: [
          `${cpus()[0]?.model ?? 'cpu'} × ${availableParallelism()} cores, Node ${process.version}; one updater instance, batches of ≤ 500, producer sends ${chunk} events per publish as fast as the bus accepts them.`,
          'Sustained = events / (first publish → last event durably stored with its popularity and co-visitation updates). Latencies are per event under that saturating load, so they include queueing behind the backlog.',
          'Reproduce: npm run infra:up && set -a && . .infra/env && set +a && npm run bench -- streaming-ingest (add --quick for 5,000 events)',
        ],
      },
    ];
  },
};
