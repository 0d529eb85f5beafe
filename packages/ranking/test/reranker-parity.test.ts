// Training/serving parity of the learned re-ranker's features: serving computes them from the
// artifact's item facts and the user's history as loaded for a request; the trainer from the
// interactions it loads. Both through the one features module; here both must give the same rows.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Database } from '@recgraph/db';
import { loadActiveModel, loadTrainingData, runTraining } from '@recgraph/training';
import {
  candidateFeatures,
  generatorScoreFeature,
  itemStats,
  itemsByRecency,
} from '@recgraph/training/reranker/features';
import { loadItemPrices } from '@recgraph/training/reranker/fit-served-ranker';
import { forEachBackend } from '../../training/test/fixtures.ts';
import { hasRankerPython, RANKER_TEST_PYTHON, seedTasteStore } from '../../training/test/taste-views.ts';
import { rerankerFor, servingFeatures } from '../src/reranking.ts';
import { ServingModel } from '../src/servingModel.ts';
import { loadUserHistory } from '../src/userHistory.ts';

await forEachBackend('re-ranker features: serving computes what training computed', (open) => {
  let db: Database;
  let modelDir: string;
  beforeAll(async () => {
    db = await open();
    await seedTasteStore(db);
    modelDir = mkdtempSync(join(tmpdir(), 'recgraph-reranker-parity-'));
  }, 120_000);
  afterAll(async () => {
    await db?.close();
    rmSync(modelDir, { recursive: true, force: true });
  });

  it.skipIf(!hasRankerPython)(
    'the same rows for every user, and the served order is the re-ranker’s',
    async () => {
      const run = await runTraining(db, {
        algorithm: 'popularity',
        modelDir,
        margin: 0.01,
        ranker: { python: RANKER_TEST_PYTHON },
      });
      expect(run.decision?.promoted).toBe(true);
      const model = ServingModel.fromLoaded((await loadActiveModel(db))!);
      expect(model.ranker).toBeDefined();

      // The trainer's side: its own load of the same interactions and catalog.
      const data = await loadTrainingData(db);
      const stats = itemStats(data.interactions, data.items.size, data.itemCategories, await loadItemPrices(db, data));
      const recency = itemsByRecency(data.interactions, data.users.size);

      const users = data.users.toArray().slice(0, 25);
      let reordered = 0;
      for (const userId of users) {
        const history = await loadUserHistory(db.prisma, userId, model.eventWeights);
        const cf = model.topK(model.foldIn(history.positives)!, model.ranker!.candidates, history.seen);
        const served = servingFeatures(model, history, cf)!;
        const trained = candidateFeatures(
          stats,
          { items: recency[data.users.index(userId)!]! },
          cf.map((c) => data.items.index(c.id)!),
          [generatorScoreFeature(cf.map((c) => c.score))],
        );
        expect(served.length).toBe(cf.length * model.ranker!.featureNames.length);
        expect(Array.from(served)).toEqual(Array.from(trained));
        const reranked = await rerankerFor(model, history)!.apply(cf);
        expect(reranked.map((c) => c.id).sort()).toEqual(cf.map((c) => c.id).sort());
        for (let r = 1; r < reranked.length; r++) expect(reranked[r]!.score).toBeLessThan(reranked[r - 1]!.score);
        if (reranked.some((c, r) => c.id !== cf[r]!.id)) reordered++;
      }
      expect(reordered).toBeGreaterThan(users.length / 2);
    },
    240_000,
  );
});
