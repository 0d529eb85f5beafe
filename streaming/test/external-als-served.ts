import { expect } from 'vitest';
import type { Database } from '@recgraph/db';
import { createRankingEngine, DEFAULT_RECOMMEND_REQUEST, DEFAULT_SERVING_OPTIONS } from '@recgraph/ranking';
import { AlsModel } from '@recgraph/recsys';
import { getActiveModelVersion, loadActiveModel } from '@recgraph/training';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

/**
 * What an ALS model fitted outside Node (Spark, implicit) must be once promoted: the ACTIVE
 * version, an ordinary ALS artifact with its factors, served by the same ranking engine as a
 * native model — every entry of a personal list from this version: its factors (CF), or its
 * content mapping for a product it never saw (CONTENT).
 */
export async function expectServedAls(db: Database, versionId: string, factors: number): Promise<void> {
  const active = await loadActiveModel(db);
  expect(active?.model).toBeInstanceOf(AlsModel);
  const als = active!.model as AlsModel;
  expect(als.factors).toBe(factors);
  expect(als.itemFactors.some((v) => v !== 0)).toBe(true);
  expect((await getActiveModelVersion(db))?.id).toBe(versionId);

  const engine = createRankingEngine(db.prisma, silent, {
    ...DEFAULT_SERVING_OPTIONS,
    factsInMemory: false,
    userCacheSize: 0,
  });
  await engine.start(undefined);
  try {
    const user = await db.prisma.interaction.findFirstOrThrow({ select: { userId: true }, orderBy: { id: 'asc' } });
    const list = await engine.recommender.recommend({
      ...DEFAULT_RECOMMEND_REQUEST,
      userId: user.userId,
      strategy: 'PERSONALIZED',
      first: 5,
    });
    expect(list).toHaveLength(5);
    expect(list.every((x) => x.modelVersionId === versionId)).toBe(true);
    expect(list.filter((x) => x.source === 'CF').length).toBeGreaterThanOrEqual(3);
  } finally {
    await engine.stop();
  }
}
