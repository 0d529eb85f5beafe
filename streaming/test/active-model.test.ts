import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openDatabase, type Database } from '@recgraph/db';
import {
  createEventBus,
  publishInteractions,
  recommendationsUpdatedEvents,
  STREAMING_TOPIC,
  STREAMING_TOPICS,
  type EventBus,
  type RecommendationsUpdatedV1,
} from '@recgraph/events';
import { AlsModel, csrFromTriplets, IdMap } from '@recgraph/recsys';
import { encodeServingArtifact, writeArtifactFile } from '@recgraph/training';
import { createOnlineFeatureUpdater } from '../src/index.ts';
import { interaction, seedCatalog } from './fixtures.ts';

describe('online feature updater with the registry’s active model (in-process bus + embedded PGlite)', () => {
  let db: Database;
  let bus: EventBus;
  let dir: string;
  beforeAll(async () => {
    db = await openDatabase({});
    bus = createEventBus({ clientId: 'test', topicPrefix: `am.${process.pid}.` });
    dir = await mkdtemp(join(tmpdir(), 'recgraph-models-'));
  });
  afterAll(async () => {
    await bus?.close();
    await db?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('folds a new user in against the ACTIVE ALS model and publishes its ranking', async () => {
    const { users, products } = await seedCatalog(db, 8, 10);
    // Two clusters: even users like products 0..4, odd users 5..9.
    const rows: number[] = [];
    const cols: number[] = [];
    for (let u = 0; u < 8; u++)
      for (let i = 0; i < 10; i++)
        if ((u % 2 === 0) === i < 5 && (u + i) % 4 !== 0) {
          rows.push(u);
          cols.push(i);
        }
    const als = new AlsModel({ factors: 4, iterations: 10, threads: 1, regularization: 0.1, alpha: 2 });
    await als.fit(
      csrFromTriplets(
        8,
        10,
        rows,
        cols,
        rows.map(() => 1),
      ),
    );
    const id = '6f1c0d3e-2b4a-4c5d-8e9f-0a1b2c3d4e5f';
    const artifact = encodeServingArtifact(als, {
      users: new IdMap(users),
      items: new IdMap(products),
      itemCategories: new Int32Array(10).fill(-1),
      categories: new IdMap(),
    });
    const { uri, sha256 } = await writeArtifactFile(dir, id, artifact);
    await db.prisma.modelVersion.create({
      data: { id, algorithm: 'als', status: 'ACTIVE', artifactUri: uri, artifactSha256: sha256 },
    });

    await bus.ensureTopics(STREAMING_TOPICS);
    const updates: RecommendationsUpdatedV1[] = [];
    const watch = await bus.subscribe({
      groupId: 'watch',
      topics: [STREAMING_TOPIC.recommendationUpdates],
      handleBatch: async (b) =>
        b.forEach((m) =>
          updates.push((recommendationsUpdatedEvents.decode(m.value) as { value: RecommendationsUpdatedV1 }).value),
        ),
    });
    const updater = createOnlineFeatureUpdater({ bus, db, k: 3 });
    await updater.start();
    const user = users[0]!;
    await publishInteractions(bus, [
      interaction(user, products[0]!, { type: 'PURCHASE' }),
      interaction(user, products[1]!),
    ]);
    await vi.waitFor(() => expect(updates.filter((u) => u.userId === user)).not.toHaveLength(0), { timeout: 15_000 });
    const latest = updates.filter((u) => u.userId === user).at(-1)!;
    expect(latest.modelVersionId).toBe(id);
    expect(latest.items).toHaveLength(3);
    // MIXED, as `recommendations` ranks by default: the model leads, popularity may fill.
    expect(latest.items[0]!.source).toBe('CF');
    // Seen products are never offered; the best one comes from the user's cluster (products 0..4).
    const ranked = latest.items.map((i) => products.indexOf(i.productId));
    expect(ranked).not.toContain(0);
    expect(ranked).not.toContain(1);
    expect(ranked[0]).toBeGreaterThanOrEqual(2);
    expect(ranked[0]).toBeLessThan(5);
    const stored = await db.pool.query('SELECT model_version_id FROM user_recommendations WHERE user_id = $1', [user]);
    expect(stored.rows[0]).toEqual({ model_version_id: id });
    await updater.stop();
    await watch.stop();
  });
});
