import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateStore, seedStore } from '@recgraph/data';
import { openDatabase, type Database } from '@recgraph/db';
import {
  modelEvents,
  STREAMING_TOPIC,
  STREAMING_TOPICS,
  type EventBus,
  type ModelEventV1,
  type Subscription,
} from '@recgraph/events';
import { getActiveModelVersion, withTrainingLock } from '@recgraph/training';
import { createPeriodicTrainer, type PeriodicTrainer, type PeriodicTrainerOptions } from '../src/trainer/trainer.ts';
import { createTrainerMetrics } from '../src/trainer/metrics.ts';
import { createWorkerHttpServer } from '../src/worker-http.ts';
import { inProcess, realServers, type Backend } from './backends.ts';

const counter = async (t: PeriodicTrainer, outcome: string) =>
  (await t.metrics.runs.get()).values.filter((v) => v.labels.outcome === outcome).reduce((s, v) => s + v.value, 0);

function trainerSuite(backend: Backend) {
  describe.skipIf(!backend.available)(`periodic trainer (${backend.name})`, () => {
    let db: Database;
    let bus: EventBus;
    let modelDir: string;
    let watcher: Subscription;
    let trainer: PeriodicTrainer;
    const events: ModelEventV1[] = [];
    const metrics = createTrainerMetrics();
    const until = (check: () => unknown) => vi.waitFor(check, { timeout: backend.timeoutMs, interval: 50 });
    const make = (over: Partial<PeriodicTrainerOptions> = {}) =>
      createPeriodicTrainer({
        db,
        bus,
        training: { algorithm: 'als', params: { factors: 64, iterations: 8 }, modelDir, margin: 0.01, threads: 2 },
        embeddings: false,
        metrics,
        ...over,
      });

    beforeAll(async () => {
      db = await backend.openDb();
      bus = backend.createBus();
      modelDir = await mkdtemp(join(tmpdir(), 'rg-trainer-'));
      await seedStore(db, generateStore({ seed: 42, products: 120, users: 150 }));
      await bus.ensureTopics(STREAMING_TOPICS);
      watcher = await bus.subscribe({
        groupId: 'watch-model-events',
        topics: [STREAMING_TOPIC.modelEvents],
        fromBeginning: true,
        handleBatch: async (batch) => {
          for (const m of batch) {
            const r = modelEvents.decode(m.value);
            if (!r.ok) throw r.error;
            events.push(r.value);
          }
        },
      });
      trainer = make({ embeddings: { provider: 'auto' } });
      await trainer.start();
    }, 180_000);

    afterAll(async () => {
      await trainer?.stop();
      await watcher?.stop();
      await bus?.close();
      await db?.close();
      if (modelDir) await rm(modelDir, { recursive: true, force: true });
    });

    it('promotes the first model, publishes a promoted ModelEventV1, exports its metrics and writes embeddings', async () => {
      const r = await trainer.runNow('manual');
      expect(r.outcome).toBe('promoted');
      const active = await getActiveModelVersion(db);
      expect(active?.id).toBe(r.modelVersionId);
      await until(() =>
        expect(events.filter((e) => e.kind === 'promoted').map((e) => e.modelVersionId)).toEqual([r.modelVersionId]),
      );
      expect(events[0]!.metrics?.['ndcg@10']).toBeGreaterThan(0);
      const gauge = (await trainer.metrics.modelMetric.get()).values.find((v) => v.labels.metric === 'ndcg@10');
      expect(gauge?.value).toBe((active!.metrics as Record<string, number>)['ndcg@10']);
      expect(gauge?.labels.model_version).toBe(active!.id);
      expect((await trainer.metrics.activeModel.get()).values).toEqual([
        expect.objectContaining({ value: 1, labels: { model_version: active!.id, algorithm: active!.algorithm } }),
      ]);
      expect((await trainer.metrics.activeModelTrained.get()).values[0]!.value).toBe(
        active!.createdAt.getTime() / 1000,
      );
      expect((await trainer.metrics.lastSuccess.get()).values[0]!.value).toBeGreaterThan(Date.now() / 1000 - 600);
      // 64 factors: the ALS item vectors become COLLABORATIVE embeddings as they are.
      expect(r.embeddings).toMatchObject({
        provider: { provider: 'cpu' },
        collaborative: { written: expect.any(Number) },
      });
      const { rows } = await db.pool.query<{ kind: string; n: string }>(
        'SELECT kind, count(*) AS n FROM product_embeddings GROUP BY kind ORDER BY kind',
      );
      expect(rows.map((x) => x.kind)).toEqual(['TEXT', 'COLLABORATIVE']);
    }, 180_000);

    it('skips a run when no interaction arrived since the last one', async () => {
      const r = await trainer.runNow('interval');
      expect(r).toMatchObject({ outcome: 'skipped', reason: 'no new interactions since the last run' });
      expect(await counter(trainer, 'skipped')).toBe(1);
    });

    it('registers but does not promote a worse candidate, and sends no promoted event', async () => {
      const before = await getActiveModelVersion(db);
      const r = await trainer.runNow('manual', { params: { factors: 1, iterations: 1 }, force: true });
      expect(r.outcome).toBe('not_promoted');
      expect((await getActiveModelVersion(db))?.id).toBe(before!.id);
      // Give a stray event time to arrive before asserting that none did.
      await new Promise((res) => setTimeout(res, backend === realServers ? 2000 : 200));
      expect(events.filter((e) => e.kind === 'promoted')).toHaveLength(1);
    }, 180_000);

    it('counts a failing run, keeps the active model and announces training_failed', async () => {
      const before = await getActiveModelVersion(db);
      const r = await trainer.runNow('manual', { params: { factors: 'many' }, force: true });
      expect(r.outcome).toBe('failed');
      expect(r.reason).toMatch(/invalid als parameters/);
      expect(await counter(trainer, 'failed')).toBe(1);
      expect((await getActiveModelVersion(db))?.id).toBe(before!.id);
      await until(() =>
        expect(events.find((e) => e.kind === 'training_failed')?.modelVersionId).toBe(r.modelVersionId),
      );
    });

    it('runs once for two concurrent triggers', async () => {
      const [a, b] = await Promise.all([
        trainer.runNow('cron', { force: true }),
        trainer.runNow('after_events', { force: true }),
      ]);
      expect([a.outcome, b.outcome].sort()).toEqual(['busy', 'not_promoted']);
      expect(b.reason).toBe('a run is already in progress in this process');
    }, 180_000);

    it('refuses to run while another process holds the training lock', async () => {
      // A second handle on the same database stands in for another trainer process.
      const other = backend === realServers ? await openDatabase({ url: db.url, poolSize: 1 }) : db;
      try {
        const r = await withTrainingLock(other, () => trainer.runNow('manual', { force: true }));
        expect(r.outcome).toBe('busy');
      } finally {
        if (other !== db) await other.close();
      }
    });

    it('serves /metrics and health', async () => {
      const server = createWorkerHttpServer(trainer);
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      try {
        expect((await fetch(`${base}/health/live`)).status).toBe(200);
        expect((await fetch(`${base}/health/ready`)).status).toBe(200);
        const text = await (await fetch(`${base}/metrics`)).text();
        expect(text).toMatch(/recgraph_trainer_runs_total\{outcome="promoted",trigger="manual"\} 1/);
        expect(text).toMatch(/recgraph_trainer_run_duration_seconds_bucket/);
        expect(text).toMatch(/recgraph_trainer_model_metric\{metric="ndcg@10",model_version="[0-9a-f-]{36}"\}/);
        expect(text).toMatch(/recgraph_trainer_active_model_info\{model_version="[0-9a-f-]{36}",algorithm="\w+"\} 1/);
      } finally {
        server.close();
      }
    });
  });
}

trainerSuite(inProcess);
trainerSuite(realServers);

describe('periodic trainer schedule and failure modes (in-process)', () => {
  it('fires on its cron schedule, records a failed run on an empty database and stops cleanly', async () => {
    const db = await openDatabase({});
    const bus = inProcess.createBus();
    const modelDir = await mkdtemp(join(tmpdir(), 'rg-trainer-'));
    const trainer = createPeriodicTrainer({
      db,
      bus,
      training: { algorithm: 'als', modelDir, margin: 0.01 },
      cron: '* * * * * *',
      embeddings: false,
    });
    try {
      await trainer.start();
      expect(trainer.readiness()).toBe(true);
      await vi.waitFor(
        async () =>
          expect(
            (await trainer.metrics.runs.get()).values.find((v) => v.labels.trigger === 'cron' && v.value > 0)?.labels
              .outcome,
          ).toBe('failed'),
        { timeout: 10_000, interval: 100 },
      );
      expect(await getActiveModelVersion(db)).toBeNull();
      const { rows } = await db.pool.query<{ status: string }>('SELECT status FROM model_versions');
      expect(rows.every((r) => r.status === 'FAILED')).toBe(true);
    } finally {
      await trainer.stop();
      expect(trainer.readiness()).toBe(false);
      expect((await trainer.runNow('manual')).reason).toBe('the trainer is stopping');
      await bus.close();
      await db.close();
      await rm(modelDir, { recursive: true, force: true });
    }
  }, 60_000);

  it('refuses invalid schedules', () => {
    const base = {
      db: {} as Database,
      bus: {} as EventBus,
      training: { algorithm: 'als' as const, modelDir: '/tmp', margin: 0 },
    };
    expect(() => createPeriodicTrainer({ ...base, intervalMs: 10 })).toThrow(/intervalMs/);
    expect(() => createPeriodicTrainer({ ...base, afterEvents: 0 })).toThrow(/afterEvents/);
  });
});
