import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateStore, seedStore } from '@recgraph/data';
import type { Database } from '@recgraph/db';
import {
  publishInteractions,
  recommendationsUpdatedEvents,
  STREAMING_TOPIC,
  STREAMING_TOPICS,
  type EventBus,
  type RecommendationsUpdatedV1,
  type Subscription,
} from '@recgraph/events';
import { createOnlineFeatureUpdater, type OnlineFeatureUpdater } from '../src/index.ts';
import { createPeriodicTrainer, type PeriodicTrainer } from '../src/trainer/trainer.ts';
import { inProcess, realServers, type Backend } from './backends.ts';
import { interaction } from './fixtures.ts';

function hotReloadSuite(backend: Backend) {
  describe.skipIf(!backend.available)(`trainer → updater hot reload (${backend.name})`, () => {
    let db: Database;
    let bus: EventBus;
    let modelDir: string;
    let updater: OnlineFeatureUpdater;
    let trainer: PeriodicTrainer;
    let watcher: Subscription;
    let user: string;
    let history: string[];
    const updates: RecommendationsUpdatedV1[] = [];
    const until = (check: () => unknown) => vi.waitFor(check, { timeout: backend.timeoutMs, interval: 50 });
    const latest = () => updates.filter((u) => u.userId === user).at(-1);

    beforeAll(async () => {
      db = await backend.openDb();
      bus = backend.createBus();
      modelDir = await mkdtemp(join(tmpdir(), 'rg-reload-'));
      await seedStore(db, generateStore({ seed: 42, products: 120, users: 150 }));
      await bus.ensureTopics(STREAMING_TOPICS);
      const { rows } = await db.pool.query<{ user_id: string; ids: string[] }>(
        `SELECT user_id, array_agg(DISTINCT product_id::text) AS ids FROM interactions
         GROUP BY user_id ORDER BY count(*) DESC, user_id LIMIT 1`,
      );
      user = rows[0]!.user_id;
      history = rows[0]!.ids;
      watcher = await bus.subscribe({
        groupId: 'watch-updates',
        topics: [STREAMING_TOPIC.recommendationUpdates],
        fromBeginning: true,
        handleBatch: async (b) => {
          for (const m of b) {
            const r = recommendationsUpdatedEvents.decode(m.value);
            if (!r.ok) throw r.error;
            updates.push(r.value);
          }
        },
      });
      updater = createOnlineFeatureUpdater({
        bus,
        db,
        groupId: 'updater',
        k: 10,
        // No polling: within this test only a model event can make the updater see a new model.
        serving: { modelPollIntervalS: 0 },
      });
      await updater.start();
      trainer = createPeriodicTrainer({
        db,
        bus,
        training: { algorithm: 'als', params: { factors: 32, iterations: 8 }, modelDir, margin: 0.01, threads: 2 },
        embeddings: false,
      });
      await trainer.start();
    }, 180_000);

    afterAll(async () => {
      await trainer?.stop();
      await updater?.stop();
      await watcher?.stop();
      await bus?.close();
      await db?.close();
      if (modelDir) await rm(modelDir, { recursive: true, force: true });
    });

    it('reloads the model on a promoted event and keeps archived and out-of-stock products out of model lists', async () => {
      await publishInteractions(bus, [interaction(user, history[0]!, { occurredAt: new Date().toISOString() })]);
      // No model yet: the popularity fallback (no modelVersionId).
      await until(() => expect(latest()).toMatchObject({ userId: user }));
      expect(latest()!.modelVersionId).toBeUndefined();

      const run = await trainer.runNow('manual');
      expect(run.outcome).toBe('promoted');
      // The promoted event reaches the updater's own group; the next batch ranks with the new model.
      await until(async () => {
        await publishInteractions(bus, [interaction(user, history[1]!, { occurredAt: new Date().toISOString() })]);
        await vi.waitFor(() => expect(latest()?.modelVersionId).toBe(run.modelVersionId), {
          timeout: 2000,
          interval: 50,
        });
      });
      const modelList = latest()!.items.map((i) => i.productId);
      expect(latest()!.items[0]!.source).toBe('CF');

      const [archived, soldOut] = modelList;
      await db.pool.query(`UPDATE products SET status = 'ARCHIVED' WHERE id = $1`, [archived]);
      await db.pool.query(`UPDATE products SET availability = 'OUT_OF_STOCK' WHERE id = $1`, [soldOut]);
      const before = updates.length;
      await publishInteractions(bus, [
        interaction(user, history[2] ?? history[0]!, { occurredAt: new Date().toISOString() }),
      ]);
      await until(() => expect(updates.length).toBeGreaterThan(before));
      const filtered = latest()!;
      expect(filtered.modelVersionId).toBe(run.modelVersionId);
      expect(filtered.items.map((i) => i.productId)).not.toContain(archived);
      expect(filtered.items.map((i) => i.productId)).not.toContain(soldOut);
      expect(filtered.items).toHaveLength(10);
    }, 180_000);
  });
}

hotReloadSuite(inProcess);
hotReloadSuite(realServers);
