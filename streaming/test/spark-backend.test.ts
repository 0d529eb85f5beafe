/**
 * The Spark backend end to end on the real Postgres: the trainer, configured with a
 * Spark backend, moves ALS to Spark once the data is large enough; Spark MLlib fits it
 * (local[2]), and the model is evaluated, registered, promoted and served by the same
 * registry and ranking engine as a native one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateStore, seedStore } from '@recgraph/data';
import { openDatabase, type Database } from '@recgraph/db';
import { getActiveModelVersion, runTraining, type SparkBackend } from '@recgraph/training';
import { createTestDatabase, realPostgresUrl } from '../../packages/db/test/real-postgres.ts';
import { expectServedAls } from './external-als-served.ts';

const serverUrl = await realPostgresUrl();
const python = process.env.TEST_SPARK_PYTHON;
if (!python && process.env.CI)
  throw new Error('TEST_SPARK_PYTHON is not set under CI: run `npm run infra:up` (it installs pyspark).');

describe.skipIf(!serverUrl || !python)('Spark ALS backend (real Postgres, pyspark local[2])', () => {
  let db: Database;
  let modelDir: string;
  const spark: SparkBackend = { python: python!, master: 'local[2]', driverMemory: '1g', minInteractions: 1_000 };

  beforeAll(async () => {
    db = await openDatabase({ url: await createTestDatabase(serverUrl!), poolSize: 4 });
    await seedStore(db, generateStore({ seed: 3, products: 150, users: 150 }));
    modelDir = mkdtempSync(join(tmpdir(), 'recgraph-spark-'));
  }, 120_000);

  afterAll(async () => {
    await db?.close();
    if (modelDir) rmSync(modelDir, { recursive: true, force: true });
  });

  it('trains with Spark past the size threshold, registers and promotes the model, and the engine serves it', async () => {
    const stages: string[] = [];
    const r = await runTraining(db, {
      algorithm: 'als',
      params: { factors: 16, iterations: 5 },
      modelDir,
      margin: 0,
      spark,
      onProgress: (stage) => {
        if (!stages.includes(stage)) stages.push(stage);
      },
    });
    // The data (~3,900 events) is past minInteractions: the registry records the backend that trained.
    expect(r.version.algorithm).toBe('als-spark');
    expect(stages.some((s) => s.startsWith('fit als-spark'))).toBe(true);
    expect(r.decision?.promoted).toBe(true);
    const metrics = r.version.metrics as Record<string, number>;
    expect(metrics['ndcg@10']).toBeGreaterThan(0);

    // An ordinary ALS artifact with Spark's factors, served by the same engine as every model.
    await expectServedAls(db, r.version.id, 16);
  }, 300_000);

  it('a broken Spark installation fails the run with Spark’s own error and leaves the active model serving', async () => {
    const before = await getActiveModelVersion(db);
    await expect(
      runTraining(db, {
        algorithm: 'als-spark',
        params: { factors: 8, iterations: 2 },
        modelDir,
        margin: 0,
        spark: { ...spark, master: 'no-such-master://x' },
      }),
    ).rejects.toThrow(/Spark ALS failed/);
    expect((await getActiveModelVersion(db))?.id).toBe(before?.id);
  }, 120_000);
});
