import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { openDatabase, type Database } from '@recgraph/db';
import {
  ArtifactIntegrityError,
  RegistryStateError,
  TrainingLockBusyError,
  TrainingRunFailedError,
} from '../src/errors.ts';
import {
  listModelVersions,
  loadActiveModel,
  promote,
  promoteIfBetter,
  recordFailedRun,
  registerModel,
  rollback,
  type ChampionComparison,
} from '../src/registry.ts';
import { runTraining } from '../src/run-training.ts';
import { trainModel, type TrainedModel } from '../src/train-model.ts';
import { withTrainingLock } from '../src/training-lock.ts';
import { forEachBackend, syntheticTrainingData, withScores } from './fixtures.ts';

const data = syntheticTrainingData();
let trained: TrainedModel;
let modelDir: string;

beforeAll(async () => {
  trained = await trainModel({ data, algorithm: 'ease', params: { regularization: 50 }, k: [10, 20] });
  modelDir = mkdtempSync(join(tmpdir(), 'recgraph-models-'));
});
afterAll(() => rmSync(modelDir, { recursive: true, force: true }));

const scores = (ndcg: number) => ({ 'ndcg@10': ndcg, 'precision@10': ndcg / 2 });
const champion = (id: string, ndcg: number): ChampionComparison => ({ id, algorithm: 'ease', metrics: scores(ndcg) });

await forEachBackend('model registry', (open, kind) => {
  let db: Database;
  beforeAll(async () => {
    db = await open();
  });
  afterAll(async () => db?.close());
  beforeEach(async () => {
    await db.prisma.modelVersion.deleteMany();
  });

  const register = (ndcg: number, baseline: number, vs?: ChampionComparison) =>
    registerModel(db, withScores(trained, scores(ndcg), scores(baseline)), {
      modelDir,
      ...(vs ? { champion: vs } : {}),
    });
  const activeIds = async () => (await listModelVersions(db, { status: 'ACTIVE' })).map((v) => v.id);

  it('makes the first model ACTIVE only when it beats popularity', async () => {
    const loser = await register(0.1, 0.12);
    const d1 = await promoteIfBetter(db, loser.id, { margin: 0.01 });
    expect(d1).toMatchObject({ promoted: false, against: { kind: 'popularity', score: 0.12 } });
    expect(await activeIds()).toEqual([]);

    const first = await register(0.2, 0.12);
    const d2 = await promoteIfBetter(db, first.id, { margin: 0.01 });
    expect(d2).toMatchObject({ promoted: true, previousActiveId: null });
    expect(await activeIds()).toEqual([first.id]);
    const row = await db.prisma.modelVersion.findUniqueOrThrow({ where: { id: first.id } });
    expect(row.promotedAt).toBeInstanceOf(Date);
    expect(row).toMatchObject({
      algorithm: 'ease',
      primaryMetric: 'ndcg@10',
      interactions: data.interactions.user.length,
    });
    expect((row.metrics as Record<string, unknown>)['ndcg@10']).toBe(0.2);
    expect(row.artifactUri).toBe(join(modelDir, `${first.id}.rgrs`));
  });

  it('promotes a better candidate, keeps a worse one as CANDIDATE with its metrics, and respects the margin', async () => {
    const a = await register(0.2, 0.1);
    await promoteIfBetter(db, a.id, { margin: 0.05 });

    const worse = await register(0.19, 0.1, champion(a.id, 0.2));
    expect((await promoteIfBetter(db, worse.id, { margin: 0.05 })).promoted).toBe(false);
    const worseRow = await db.prisma.modelVersion.findUniqueOrThrow({ where: { id: worse.id } });
    expect(worseRow.status).toBe('CANDIDATE');
    expect((worseRow.metrics as Record<string, unknown>)['ndcg@10']).toBe(0.19);
    expect(worseRow.notes).toMatch(/not promoted: ndcg@10 0.1900 vs active 0.2000/);

    // 0.209 is better, but not 5 % better than 0.2 (needs ≥ 0.21).
    const slightly = await register(0.209, 0.1, champion(a.id, 0.2));
    expect((await promoteIfBetter(db, slightly.id, { margin: 0.05 })).promoted).toBe(false);
    expect(await activeIds()).toEqual([a.id]);

    const better = await register(0.25, 0.1, champion(a.id, 0.2));
    const d = await promoteIfBetter(db, better.id, { margin: 0.05 });
    expect(d).toMatchObject({
      promoted: true,
      previousActiveId: a.id,
      against: { kind: 'champion', id: a.id, score: 0.2 },
    });
    expect(await activeIds()).toEqual([better.id]);
    expect((await db.prisma.modelVersion.findUniqueOrThrow({ where: { id: a.id } })).status).toBe('RETIRED');
  });

  it('compares on the same holdout only: a candidate scored against another champion is not promoted', async () => {
    const a = await register(0.2, 0.1);
    await promoteIfBetter(db, a.id, { margin: 0 });
    const b = await register(0.3, 0.1, champion(a.id, 0.2));
    await promote(db, b.id);
    // c was compared with a, but b is active now: its 0.9 says nothing about b on c's holdout.
    const c = await register(0.9, 0.1, champion(a.id, 0.2));
    const d = await promoteIfBetter(db, c.id, { margin: 0 });
    expect(d.promoted).toBe(false);
    expect(d.reason).toMatch(/retrain to compare/);
    expect(await activeIds()).toEqual([b.id]);
  });

  it('promote and rollback walk the promotion history, always with exactly one ACTIVE', async () => {
    const a = await register(0.2, 0.1);
    const b = await register(0.3, 0.1);
    const c = await register(0.4, 0.1);
    await expect(rollback(db)).rejects.toBeInstanceOf(RegistryStateError);
    await promote(db, a.id);
    await promote(db, b.id);
    await promote(db, c.id);
    expect(await activeIds()).toEqual([c.id]);

    const r1 = await rollback(db);
    expect([r1.active.id, r1.retired.id, r1.retired.status]).toEqual([b.id, c.id, 'RETIRED']);
    expect(r1.retired.notes).toMatch(/rolled back/);
    expect(await activeIds()).toEqual([b.id]);
    // Twice goes two promotions back, not back to c.
    expect((await rollback(db)).active.id).toBe(a.id);
    await expect(rollback(db)).rejects.toThrow(/nothing to roll back to/);
    expect(await activeIds()).toEqual([a.id]);

    const failed = await recordFailedRun(db, { algorithm: 'als', reason: 'boom' });
    await expect(promote(db, failed.id)).rejects.toBeInstanceOf(RegistryStateError);
    await expect(promote(db, '00000000-0000-4000-8000-000000000000')).rejects.toThrow(/no model version/);

    // Concurrent promotions serialize: one ACTIVE at the end, whichever came last.
    const many = await Promise.all([register(0.5, 0.1), register(0.6, 0.1), register(0.7, 0.1)]);
    await Promise.all(many.map((m) => promote(db, m.id)));
    expect(await activeIds()).toHaveLength(1);
    // The partial unique index is the last line of defence.
    await expect(db.prisma.modelVersion.update({ where: { id: a.id }, data: { status: 'ACTIVE' } })).rejects.toThrow();
  });

  it('records a failed run as FAILED with the reason and leaves the active model alone', async () => {
    const a = await register(0.2, 0.1);
    await promote(db, a.id);
    // The database holds no interactions: a real failure of the pipeline's first step.
    const err = await runTraining(db, { algorithm: 'als', modelDir, margin: 0.01 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrainingRunFailedError);
    const failed = await db.prisma.modelVersion.findUniqueOrThrow({
      where: { id: (err as TrainingRunFailedError).versionId! },
    });
    expect(failed).toMatchObject({ status: 'FAILED', algorithm: 'als', artifactUri: null });
    expect(failed.notes).toMatch(/no interactions/);
    expect(await activeIds()).toEqual([a.id]);
  });

  it('loads the active model with its id maps, and refuses an artifact whose sha256 changed', async () => {
    expect(await loadActiveModel(db)).toBeNull();
    const a = await register(0.2, 0.1);
    await promote(db, a.id);
    const loaded = (await loadActiveModel(db))!;
    expect(loaded.version.id).toBe(a.id);
    expect(loaded.items.toArray()).toEqual(data.items.toArray());
    expect(loaded.users.size).toBe(data.users.size);
    expect(loaded.model.kind).toBe('ease');
    expect(loaded.model.similarItems(0, 5).items.length).toBe(5);

    const bytes = readFileSync(a.artifactUri!);
    bytes[bytes.length - 10]! ^= 0xff;
    writeFileSync(a.artifactUri!, bytes);
    await expect(loadActiveModel(db)).rejects.toBeInstanceOf(ArtifactIntegrityError);
    await expect(loadActiveModel(db)).rejects.toThrow(/refusing to load a changed file/);
  });

  it('registers, promotes and loads the scalable item-item models like any other', async () => {
    for (const algorithm of ['sparse-ease', 'rp3beta'] as const) {
      await db.prisma.modelVersion.deleteMany();
      const t = await trainModel({ data, algorithm, params: { neighbours: 20 }, k: [10] });
      expect(t.evaluation.model['ndcg@10']).toBeGreaterThan(0);
      const v = await registerModel(db, t, { modelDir });
      await promote(db, v.id);
      const loaded = (await loadActiveModel(db))!;
      expect(loaded.version).toMatchObject({ id: v.id, algorithm });
      expect(loaded.model.kind).toBe(algorithm);
      expect(loaded.model.recommend(0, t.evaluation.trainMatrix, 5).items.length).toBeGreaterThan(0);
    }
  });

  it('refuses a second concurrent training run', async () => {
    // Another process on a real server: a second connection pool to the same database.
    const other = kind === 'postgres' ? await openDatabase({ url: db.url, migrate: false }) : db;
    try {
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let entered!: () => void;
      const inside = new Promise<void>((r) => (entered = r));
      const first = withTrainingLock(db, async () => {
        entered();
        await held;
        return 'first';
      });
      await inside;
      await expect(withTrainingLock(other, async () => 'second')).rejects.toBeInstanceOf(TrainingLockBusyError);
      await expect(runTraining(other, { algorithm: 'als', modelDir, margin: 0 })).rejects.toBeInstanceOf(
        TrainingLockBusyError,
      );
      release();
      expect(await first).toBe('first');
      // Released: the next run gets the lock.
      expect(await withTrainingLock(other, async () => 'third')).toBe('third');
    } finally {
      if (other !== db) await other.close();
    }
  });
});
