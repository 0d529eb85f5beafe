/**
 * The implicit ALS backend end to end on the real Postgres: the trainer, handed an implicit
 * backend (what TRAINER_DEVICE resolves to on a GPU machine; the CPU solver here, through the
 * same subprocess), trains ALS with `implicit`, and the model is evaluated, registered with the
 * device it ran on, promoted and served by the same registry and ranking engine as a native
 * one. TRAINER_DEVICE=cuda on a machine without a usable GPU refuses to start the trainer, and a
 * run asked to use the GPU fails with the reason while the active model keeps serving.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateStore, seedStore } from '@recgraph/data';
import { openDatabase, type Database } from '@recgraph/db';
import { getActiveModelVersion, runTraining, TrainingRunFailedError, type ImplicitBackend } from '@recgraph/training';
import { createTestDatabase, realPostgresUrl } from '../../packages/db/test/real-postgres.ts';
import { expectServedAls } from './external-als-served.ts';
import { createPeriodicTrainer } from '../src/trainer/trainer.ts';
import { inProcess } from './backends.ts';

const serverUrl = await realPostgresUrl();
const python = process.env.TEST_IMPLICIT_PYTHON;
if (!python && process.env.CI)
  throw new Error('TEST_IMPLICIT_PYTHON is not set under CI: run `npm run infra:up` (it installs implicit).');

describe.skipIf(!serverUrl || !python)('implicit ALS backend (real Postgres, implicit CPU solver)', () => {
  let db: Database;
  let modelDir: string;
  const implicit: ImplicitBackend = { python: python!, device: 'cpu' };

  beforeAll(async () => {
    db = await openDatabase({ url: await createTestDatabase(serverUrl!), poolSize: 4 });
    await seedStore(db, generateStore({ seed: 3, products: 150, users: 150 }));
    modelDir = mkdtempSync(join(tmpdir(), 'recgraph-implicit-'));
  }, 120_000);

  afterAll(async () => {
    await db?.close();
    if (modelDir) rmSync(modelDir, { recursive: true, force: true });
  });

  it('trains als through implicit, registers the device, promotes the model, and the engine serves it', async () => {
    const stages: string[] = [];
    const r = await runTraining(db, {
      algorithm: 'als',
      params: { factors: 16, iterations: 5 },
      modelDir,
      margin: 0,
      implicit,
      onProgress: (stage) => {
        if (!stages.includes(stage)) stages.push(stage);
      },
    });
    // The registry records the backend that trained and what it ran on.
    expect(r.version.algorithm).toBe('als-implicit');
    expect(stages.some((s) => s.startsWith('fit als-implicit'))).toBe(true);
    expect(r.decision?.promoted).toBe(true);
    const metrics = r.version.metrics as Record<string, unknown>;
    expect(metrics['ndcg@10']).toBeGreaterThan(0);
    expect(metrics.backend).toMatchObject({ device: 'cpu', implicit: '0.7.3' });
    expect(r.version.parameters).toMatchObject({ factors: 16, iterations: 5, cgSteps: 3, regularization: 10 });

    // An ordinary ALS artifact with implicit's factors, served by the same engine as every model.
    await expectServedAls(db, r.version.id, 16);
  }, 300_000);

  it('an auto run searches natively and fits the ALS configuration it chose with implicit', async () => {
    const r = await runTraining(db, {
      algorithm: 'auto',
      tuning: { budgetS: 1, space: { als: { factors: [8], iterations: [3] } } },
      modelDir,
      margin: 0,
      autoPromote: false,
      implicit,
    });
    expect(r.trained.tuning?.algorithm).toBe('als');
    expect(r.version.algorithm).toBe('als-implicit');
    expect(r.version.parameters).toMatchObject(r.trained.tuning!.params);
    expect((r.version.metrics as Record<string, unknown>).backend).toMatchObject({ device: 'cpu' });
  }, 300_000);

  it('asked for the GPU where none is usable, the run fails with the reason and the active model keeps serving', async () => {
    const before = await getActiveModelVersion(db);
    expect(before).not.toBeNull();
    const run = runTraining(db, {
      algorithm: 'als',
      params: { factors: 8, iterations: 2 },
      modelDir,
      margin: 0,
      implicit: { ...implicit, device: 'cuda' },
    });
    await expect(run).rejects.toThrow(TrainingRunFailedError);
    await expect(run).rejects.toThrow(/no CUDA GPU is usable/);
    expect((await getActiveModelVersion(db))?.id).toBe(before?.id);
    const failed = await db.prisma.modelVersion.findFirst({
      where: { status: 'FAILED' },
      orderBy: { createdAt: 'desc' },
    });
    expect(failed?.notes).toMatch(/no CUDA GPU is usable/);
  }, 120_000);

  it('TRAINER_DEVICE=cuda without a usable GPU refuses to start the trainer; auto starts it on the native CPU path', async () => {
    const bus = inProcess.createBus();
    const training = { algorithm: 'als' as const, modelDir, margin: 0 };
    try {
      const cuda = createPeriodicTrainer({ db, bus, training, embeddings: false, device: { setting: 'cuda', python } });
      await expect(cuda.start()).rejects.toThrow(/TRAINER_DEVICE=cuda, but no CUDA GPU usable/);
      expect(cuda.readiness()).toBe(false);

      const auto = createPeriodicTrainer({ db, bus, training, embeddings: false, device: { setting: 'auto', python } });
      await auto.start();
      try {
        expect(auto.readiness()).toBe(true);
        const device = await auto.metrics.device.get();
        expect(device.values).toEqual([{ labels: { device: 'cpu', backend: 'native' }, value: 1 }]);
      } finally {
        await auto.stop();
      }
    } finally {
      await bus.close();
    }
  }, 120_000);
});
