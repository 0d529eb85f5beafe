import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Database } from '@recgraph/db';
import {
  deadLetters,
  publishInteractions,
  recommendationsUpdatedEvents,
  STREAMING_TOPIC,
  STREAMING_TOPICS,
  type ConsumedMessage,
  type DeadLetterV1,
  type EventBus,
  type RecommendationsUpdatedV1,
  type Subscription,
} from '@recgraph/events';
import {
  createOnlineFeatureUpdater,
  createWorkerHttpServer,
  createUpdaterMetrics,
  type OnlineFeatureUpdater,
} from '../src/index.ts';
import { inProcess, realServers, type Backend } from './backends.ts';
import { count, interaction, seedCatalog } from './fixtures.ts';

function updaterSuite(backend: Backend) {
  describe.skipIf(!backend.available)(`online feature updater (${backend.name})`, () => {
    let db: Database;
    let bus: EventBus;
    let updater: OnlineFeatureUpdater;
    let users: string[];
    let products: string[];
    const watchers: Subscription[] = [];
    const updates: RecommendationsUpdatedV1[] = [];
    const letters: DeadLetterV1[] = [];
    const until = (check: () => unknown) => vi.waitFor(check, { timeout: backend.timeoutMs, interval: 50 });
    // Shared across instances, as one process's /metrics would be across a restart of its consumer.
    const metrics = createUpdaterMetrics();
    const newUpdater = () => createOnlineFeatureUpdater({ bus, db, groupId: 'updater', batchSize: 5, k: 5, metrics });
    const interactionsOf = (eventIds: string[]) =>
      count(db, 'SELECT count(*) AS n FROM interactions WHERE event_id = ANY($1)', [eventIds]);
    const popularity = async (productId: string) => {
      const { rows } = await db.pool.query<{ score: number; event_count: string }>(
        'SELECT score, event_count FROM product_popularity WHERE product_id = $1',
        [productId],
      );
      return rows[0] ? { score: rows[0].score, events: Number(rows[0].event_count) } : undefined;
    };

    beforeAll(async () => {
      db = await backend.openDb();
      bus = backend.createBus();
      ({ users, products } = await seedCatalog(db, 6, 12));
      await bus.ensureTopics(STREAMING_TOPICS);
      const watch = async (topic: string, take: (m: ConsumedMessage) => void) =>
        watchers.push(
          await bus.subscribe({
            groupId: `watch-${topic}`,
            topics: [topic],
            fromBeginning: true,
            handleBatch: async (b) => b.forEach(take),
          }),
        );
      await watch(STREAMING_TOPIC.recommendationUpdates, (m) => {
        const r = recommendationsUpdatedEvents.decode(m.value);
        if (!r.ok) throw r.error;
        updates.push(r.value);
      });
      await watch(STREAMING_TOPIC.deadLetter, (m) => {
        const r = deadLetters.decode(m.value);
        if (!r.ok) throw r.error;
        letters.push(r.value);
      });
      updater = newUpdater();
      await updater.start();
    });

    afterAll(async () => {
      await updater?.stop();
      await Promise.all(watchers.map((w) => w.stop()));
      await bus?.close();
      await db?.close();
    });

    it('records events, updates popularity and co-visitation, and publishes the user’s new top-k', async () => {
      const [alice, bob] = users as [string, string];
      const [p0, p1, p2, p3] = products as [string, string, string, string];
      await publishInteractions(bus, [interaction(bob, p3, { type: 'PURCHASE' })]);
      await until(async () => expect(await popularity(p3)).toEqual({ score: 8, events: 1 }));
      const batch = [interaction(alice, p0), interaction(alice, p1, { type: 'CLICK' }), interaction(alice, p2)];
      await publishInteractions(bus, batch);
      await until(async () => expect(await interactionsOf(batch.map((e) => e.eventId))).toBe(3));
      expect(await popularity(p1)).toEqual({ score: 2, events: 1 });
      const { rows } = await db.pool.query<{ product_a: string; product_b: string; weight: number }>(
        'SELECT product_a, product_b, weight FROM co_visitation WHERE product_a = ANY($1) ORDER BY 1, 2',
        [[p0, p1, p2]],
      );
      const pairs = rows
        .map((r) => `${products.indexOf(r.product_a)}-${products.indexOf(r.product_b)}:${r.weight}`)
        .sort();
      expect(pairs).toEqual(['0-1:1', '0-2:1', '1-0:1', '1-2:1', '2-0:1', '2-1:1']);
      // No model yet and Alice has seen p0..p2: the query's cold path offers her Bob's purchase.
      await until(() =>
        expect(updates.filter((u) => u.userId === alice).at(-1)?.items).toEqual([
          { productId: p3, score: expect.closeTo(1, 4), source: 'POPULAR', reason: 'Popular right now' },
        ]),
      );
      expect(updates.filter((u) => u.userId === alice).every((u) => u.modelVersionId === undefined)).toBe(true);
    });

    it('counts an event delivered twice once', async () => {
      const carol = users[2]!;
      const p4 = products[4]!;
      const e = interaction(carol, p4);
      await publishInteractions(bus, [e]);
      await publishInteractions(bus, [e]);
      // Same key → same partition, in order: once the sentinel is stored, both copies were handled.
      const sentinel = interaction(carol, products[5]!);
      await publishInteractions(bus, [sentinel]);
      await until(async () => expect(await interactionsOf([sentinel.eventId])).toBe(1));
      expect(await interactionsOf([e.eventId])).toBe(1);
      expect(await popularity(p4)).toEqual({ score: 1, events: 1 });
    });

    it('dead-letters malformed and unprocessable events with the reason, and keeps going', async () => {
      const dave = users[3]!;
      const key = dave;
      const good = interaction(dave, products[6]!);
      const unknownProduct = interaction(dave, '00000000-0000-4000-8000-000000000000');
      await bus.publish(STREAMING_TOPIC.interactions, [
        { key, value: Buffer.from('{"schema": "recgraph.interaction.v1", oops') },
        { key, value: Buffer.from(JSON.stringify({ ...interaction(dave, products[6]!), userId: 'not-a-uuid' })) },
        {
          key,
          value: Buffer.from(JSON.stringify({ ...interaction(dave, products[6]!), schema: 'recgraph.interaction.v9' })),
        },
        { key, value: Buffer.from(JSON.stringify(unknownProduct)) },
      ]);
      await publishInteractions(bus, [good]);
      await until(async () => expect(await interactionsOf([good.eventId])).toBe(1));
      await until(() => expect(letters.filter((l) => l.key === key)).toHaveLength(4));
      const mine = letters.filter((l) => l.key === key).sort((a, b) => Number(a.offset) - Number(b.offset));
      expect(mine.map((l) => l.code)).toEqual([
        'MALFORMED_JSON',
        'SCHEMA_VIOLATION',
        'UNSUPPORTED_VERSION',
        'UNKNOWN_PRODUCT',
      ]);
      expect(mine[1]!.reason).toMatch(/userId: must be a UUID/);
      expect(mine[3]!.reason).toContain(unknownProduct.productId);
      expect(mine[0]).toMatchObject({
        originalTopic: 'interactions',
        payloadEncoding: 'utf8',
        payload: '{"schema": "recgraph.interaction.v1", oops',
      });
      expect(await interactionsOf([unknownProduct.eventId])).toBe(0);
    });

    it('records every event exactly once across a stop mid-stream and a new instance', async () => {
      const crashProducts = products.slice(8, 12);
      const make = (n: number) =>
        Array.from({ length: n }, (_, i) =>
          interaction(users[i % users.length]!, crashProducts[i % crashProducts.length]!),
        );
      const first = make(60);
      for (let i = 0; i < first.length; i += 10) await publishInteractions(bus, first.slice(i, i + 10));
      await until(async () => expect(await interactionsOf(first.map((e) => e.eventId))).toBeGreaterThanOrEqual(10));
      await updater.stop();
      expect(updater.readiness()).toBe(false);
      // Stopped means stopped: the batch in hand committed, nothing further is consumed.
      const atStop = await interactionsOf(first.map((e) => e.eventId));
      const second = make(40);
      await publishInteractions(bus, second);
      await new Promise((r) => setTimeout(r, 300));
      expect(await interactionsOf(first.map((e) => e.eventId))).toBe(atStop);

      updater = newUpdater();
      await updater.start();
      expect(updater.readiness()).toBe(true);
      const all = [...first, ...second].map((e) => e.eventId);
      await until(async () => expect(await interactionsOf(all)).toBe(100));
      expect(
        await count(db, 'SELECT count(DISTINCT event_id) AS n FROM interactions WHERE event_id = ANY($1)', [all]),
      ).toBe(100);
      const { rows } = await db.pool.query<{ score: number; events: string }>(
        'SELECT sum(score) AS score, sum(event_count) AS events FROM product_popularity WHERE product_id = ANY($1)',
        [crashProducts],
      );
      expect(Number(rows[0]!.events)).toBe(100);
      expect(Number(rows[0]!.score)).toBeCloseTo(100, 6);
    });

    it('serves health and Prometheus metrics', async () => {
      const server = createWorkerHttpServer(updater).listen(0, '127.0.0.1');
      await once(server, 'listening');
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      try {
        expect((await fetch(`${base}/health/live`)).status).toBe(200);
        expect((await fetch(`${base}/health/ready`)).status).toBe(200);
        const metrics = await (await fetch(`${base}/metrics`)).text();
        expect(metrics).toMatch(/recgraph_updater_events_total\{type="VIEW",outcome="inserted"\} \d+/);
        expect(metrics).toMatch(/recgraph_updater_dead_letters_total\{code="UNKNOWN_PRODUCT"\} 1/);
        expect(metrics).toContain('recgraph_updater_batch_duration_seconds_bucket');
        expect(metrics).toContain('recgraph_updater_consumer_lag_seconds');
      } finally {
        server.close();
      }
    });
  });
}

updaterSuite(inProcess);
updaterSuite(realServers);
