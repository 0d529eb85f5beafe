// Event-to-subscription latency under sustained load: a producer publishes interaction
// events for S subscribed customers at a fixed rate (publishInteractions straight onto the
// bus, not through the gateway's trackEvents) → online feature updater (durable write,
// popularity, co-visitation, fold-in against the active ALS model) → recommendation-updates
// topic → gateway → graphql-ws push with `product { title }` resolved through the catalog.
// Run: npm run infra:up && set -a && . .infra/env && set +a && npm run bench -- event-to-subscription
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { signDevToken } from '@recgraph/auth';
import { DEV_JWT_SECRET } from '@recgraph/config';
import { generateStore, seedStore } from '@recgraph/data';
import { openDatabase, type Database } from '@recgraph/db';
import {
  createEventBus,
  publishInteractions,
  STREAMING_TOPICS,
  type EventBus,
  type InteractionEventV1,
} from '@recgraph/events';
import { createOnlineFeatureUpdater, rebuildOnlineFeatures } from '@recgraph/streaming';
import { promote, runTraining } from '@recgraph/training';
import { startStack } from '../../../gateway/src/stack.ts';
import type { Benchmark } from '../benchmark.ts';

const SECRET = { bearer: 'bench-subgraph-secret-0123456789', identityKey: 'bench-identity-signing-key-0123456789' };
const RECS_QUERY = `subscription ($userId: ID!) {
  recommendationsUpdated(userId: $userId) { items { score product { id title } } }
}`;
const INTERACTION_TYPES: InteractionEventV1['type'][] = [
  'VIEW',
  'VIEW',
  'VIEW',
  'CLICK',
  'ADD_TO_CART',
  'PURCHASE',
  'LIKE',
];
const TICK_MS = 20;

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const machine = () => `${cpus()[0]?.model ?? 'cpu'} × ${availableParallelism()} cores, Node ${process.version}`;
const run = () => `${Date.now().toString(36)}${randomUUID().slice(0, 6)}`;

interface Target {
  label: string;
  openDb: () => Promise<Database>;
  createBus: () => EventBus;
}

interface Load {
  subscribers: number;
  rate: number;
  seconds: number;
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

async function measure(target: Target, load: Load, log: (m: string) => void): Promise<(string | number)[]> {
  const db = await target.openDb();
  const bus = target.createBus();
  const modelDir = mkdtempSync(join(tmpdir(), 'recgraph-bench-models-'));
  const clients: Client[] = [];
  let stack: Awaited<ReturnType<typeof startStack>> | undefined;
  let updater: ReturnType<typeof createOnlineFeatureUpdater> | undefined;
  try {
    log(`${target.label}: seeding generateStore({ seed: 42, products: 2000, users: 800 })`);
    const seeded = await seedStore(db, generateStore({ seed: 42, products: 2_000, users: 800 }));
    await rebuildOnlineFeatures(db);
    const trained = await runTraining(db, { algorithm: 'als', modelDir, margin: 0 });
    if (!trained.decision?.promoted) await promote(db, trained.version.id);
    log(`${target.label}: ${seeded.interactions.inserted} interactions seeded, model ${trained.version.id} active`);

    // A just-created Kafka topic can briefly be missing from the metadata (UNKNOWN_TOPIC_OR_PARTITION).
    for (let attempt = 1; ; attempt++) {
      try {
        await bus.ensureTopics(STREAMING_TOPICS);
        break;
      } catch (err) {
        if (attempt >= 5) throw err;
        log(`${target.label}: ensureTopics failed (${err instanceof Error ? err.message : String(err)}), retrying`);
        await sleep(1_000 * attempt);
      }
    }
    stack = await startStack({
      prisma: db.prisma,
      secret: SECRET,
      logLevel: 'error',
      bus,
      protection: { rateLimit: false },
    });
    let inserted = 0;
    updater = createOnlineFeatureUpdater({
      bus,
      db,
      groupId: `bench-e2s-${run()}`,
      onBatchHandled: (b) => void (inserted += b.inserted + b.duplicates + b.deadLettered),
    });
    await updater.start();

    const users = (
      await db.prisma.user.findMany({ select: { id: true }, take: load.subscribers, orderBy: { id: 'asc' } })
    ).map((u) => u.id);
    const products = (await db.prisma.product.findMany({ select: { id: true }, orderBy: { id: 'asc' } })).map(
      (p) => p.id,
    );

    // Per user: every event's send time in order, the index of the latest sent, and the
    // first event not yet covered by an update received (for the upper bound).
    const sent = new Map<string, number[]>(users.map((u) => [u, []]));
    const coveredUpTo = new Map<string, number>(users.map((u) => [u, 0]));
    const latest: number[] = [];
    const oldestPending: number[] = [];
    let updates = 0;
    const byQuarter: number[][] = [[], [], [], []]; // latest-event latency by quarter of the producing run
    let t0 = Infinity;
    const producing = new Set<string>(); // user:index of each event an update was attributed to
    let beforeAnyEvent = 0;
    let errors = 0;
    let lastReceipt = 0;

    const wsUrl = stack.gateway.url.replace(/^http/, 'ws');
    for (const userId of users) {
      const token = await signDevToken(DEV_JWT_SECRET, { sub: userId, role: 'customer' });
      const client = createClient({
        url: wsUrl,
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        connectionParams: { authorization: `Bearer ${token}` },
      });
      clients.push(client);
      client.subscribe(
        { query: RECS_QUERY, variables: { userId } },
        {
          next: (r) => {
            const at = performance.now();
            lastReceipt = at;
            if (r.errors) errors++;
            const times = sent.get(userId)!;
            if (!times.length) return void beforeAnyEvent++;
            updates++;
            latest.push(at - times[times.length - 1]!);
            byQuarter[Math.min(3, Math.floor(((at - t0) / 1000 / load.seconds) * 4))]?.push(
              at - times[times.length - 1]!,
            );
            producing.add(`${userId}:${times.length - 1}`);
            const from = coveredUpTo.get(userId)!;
            oldestPending.push(at - times[Math.min(from, times.length - 1)]!);
            coveredUpTo.set(userId, times.length);
          },
          error: () => void errors++,
          complete: () => {},
        },
      );
    }
    await waitFor(
      'every subscription to be routed',
      () => stack!.gateway.subscriptions?.routeCount() === users.length,
      30_000,
    );
    log(`${target.label}: ${users.length} subscribers routed; producing ${load.rate}/s for ${load.seconds} s`);

    const pick = (n: number) => Math.floor(n * Math.random() ** 2);
    const total = load.rate * load.seconds;
    let count = 0;
    t0 = performance.now();
    while (count < total) {
      const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * load.rate) + 1);
      if (due > count) {
        const batch: InteractionEventV1[] = [];
        const occurredAt = new Date().toISOString();
        for (; count < due; count++) {
          batch.push({
            schema: 'recgraph.interaction.v1',
            eventId: randomUUID(),
            type: INTERACTION_TYPES[pick(INTERACTION_TYPES.length)]!,
            userId: users[count % users.length]!,
            productId: products[pick(products.length)]!,
            value: 1,
            occurredAt,
            source: 'bench',
          });
        }
        const sendAt = performance.now();
        for (const e of batch) sent.get(e.userId)!.push(sendAt);
        await publishInteractions(bus, batch);
      }
      await sleep(Math.max(0, t0 + ((count + 1) / load.rate) * 1000 - performance.now(), TICK_MS));
    }
    const produceS = (performance.now() - t0) / 1000;
    await waitFor('the updater to handle every event', () => inserted >= total, 120_000);
    // The last updates: wait until the stream has been quiet for a second.
    await waitFor(
      'the subscription stream to go quiet',
      () => performance.now() - Math.max(lastReceipt, t0) > 1_000,
      30_000,
    );
    const drainS = (performance.now() - t0) / 1000;

    latest.sort((a, b) => a - b);
    for (const [i, q] of byQuarter.entries()) {
      q.sort((a, b) => a - b);
      log(
        `${target.label}: quarter ${i + 1}: ${q.length} updates, p50 ${Math.round(pct(q, 50))} ms, p99 ${Math.round(pct(q, 99))} ms`,
      );
    }
    oldestPending.sort((a, b) => a - b);
    const usersUpdated = users.filter((u) => coveredUpTo.get(u)! > 0).length;
    log(
      `${target.label}: ${count} events in ${produceS.toFixed(1)} s, ${updates} updates, p50 ${pct(latest, 50).toFixed(0)} ms, p99 ${pct(latest, 99).toFixed(0)} ms`,
    );
    return [
      target.label,
      count,
      Math.round((count / produceS) * 10) / 10,
      updates,
      `${usersUpdated}/${users.length}`,
      producing.size,
      Math.round((producing.size / count) * 1000) / 10,
      Math.round(pct(latest, 50)),
      Math.round(pct(latest, 99)),
      Math.round(latest[latest.length - 1] ?? NaN),
      Math.round(pct(oldestPending, 50)),
      Math.round(pct(oldestPending, 99)),
      Math.round(drainS * 10) / 10,
      errors + beforeAnyEvent,
    ];
  } finally {
    await Promise.all(clients.map((c) => c.dispose()));
    await updater?.stop();
    await stack?.stop();
    await bus.close();
    await db.close();
    rmSync(modelDir, { recursive: true, force: true });
  }
}

export const benchmark: Benchmark = {
  name: 'event-to-subscription',
  description:
    'Event → graphql-ws recommendationsUpdated latency p50/p99 under a fixed event rate: producer → bus → online feature updater (active ALS model) → gateway subscription, for S subscribed customers; in-process bus + PGlite, and Kafka + real Postgres when TEST_KAFKA_BROKERS/TEST_DATABASE_URL are set',
  async run(ctx) {
    const load: Load = ctx.quick
      ? { subscribers: 50, rate: 100, seconds: 5 }
      : { subscribers: 50, rate: 200, seconds: 20 };
    const targets: Target[] = [
      {
        label: 'in-process bus + embedded PGlite',
        openDb: () => openDatabase({}),
        createBus: () => createEventBus({ clientId: 'bench-e2s', topicPrefix: `bench-e2s.${run()}.` }),
      },
    ];
    const pgUrl = process.env.TEST_DATABASE_URL;
    const brokers = process.env.TEST_KAFKA_BROKERS?.split(',')
      .map((b) => b.trim())
      .filter(Boolean);
    if (pgUrl && brokers?.length) {
      const { createTestDatabase } = await import('../../../packages/db/test/real-postgres.ts');
      targets.push({
        label: 'Kafka + real Postgres',
        openDb: async () => openDatabase({ url: await createTestDatabase(pgUrl), poolSize: 4 }),
        createBus: () =>
          createEventBus({
            brokers,
            clientId: 'bench-e2s',
            topicPrefix: `bench-e2s.${run()}.`,
            kafka: { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 300, rebalanceTimeoutMs: 6_000, maxWaitTimeMs: 100 },
          }),
      });
    } else {
      ctx.log(
        'event-to-subscription: TEST_KAFKA_BROKERS and TEST_DATABASE_URL not both set; Kafka + real Postgres skipped',
      );
    }
    const rows: (string | number)[][] = [];
    for (const t of targets) rows.push(await measure(t, load, ctx.log));
    return [
      {
        title: `Event → subscription latency (${load.subscribers} subscribers, ${load.rate} events/s for ${load.seconds} s)`,
        columns: [
          'pipeline',
          'events sent',
          'achieved events/s',
          'updates received',
          'users updated',
          'events that produced an update',
          '% of events',
          'p50 ms (latest event)',
          'p99 ms (latest event)',
          'max ms (latest event)',
          'p50 ms (oldest pending event)',
          'p99 ms (oldest pending event)',
          'drain s',
          'errors',
        ],
        rows,
        notes: [
          `Store: generateStore({ seed: 42, products: 2000, users: 800 }) + seedStore + rebuildOnlineFeatures, ALS trained and promoted; one process: all subgraphs, the gateway and one online feature updater (default batch size) on the same database and bus. Machine: ${machine()}.`,
          `Producer: publishInteractions straight onto the interactions topic (not the gateway's trackEvents), round-robin over the ${load.subscribers} subscribed users (one graphql-ws connection each, selecting items { score product { id title } }), every ${TICK_MS} ms the events due at ${load.rate}/s; send time is stamped just before each publish.`,
          'Latency (latest event) = receipt − send time of that user’s latest event sent before the receipt (a lower bound: the update may reflect an earlier one). Latency (oldest pending event) = receipt − send time of the user’s first event since their previous update (an upper bound). An update is pushed only when the top-k changed: "events that produced an update" counts the distinct events an update was attributed to (latest-event attribution); several events folded in one batch yield at most one update per user.',
          'Reproduce: npm run infra:up && set -a && . .infra/env && set +a && npm run bench -- event-to-subscription (add --quick for 100/s for 5 s); the export is `benchmark` in bench/src/benchmarks/event-to-subscription.ts, not yet in bench/src/registry.ts.',
        ],
      },
    ];
  },
};
