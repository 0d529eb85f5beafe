import { describe, expect, it } from 'vitest';
import { splitData, trainModel } from '../src/train-model.ts';
import { tuneOnTrain, type SearchSpace } from '../src/tuning.ts';
import { syntheticTrainingData } from './fixtures.ts';

describe('the trainer chooses (TRAINER_ALGORITHM=auto)', () => {
  const data = syntheticTrainingData(7);

  it('searches on the train split only: the validation is carved from it and the holdout is never fitted or scored', async () => {
    const trained = await trainModel({
      data,
      algorithm: 'auto',
      tuning: { budgetS: 3, space: { als: { factors: [8, 16], iterations: [5] }, popularity: {}, rp3beta: {} } },
    });
    const t = trained.tuning!;
    expect(t.fitInteractions + t.validationInteractions).toBe(trained.holdout.train.user.length);
    // What it serves is what won the validation, evaluated afterwards on the holdout like any model.
    const scored = t.trials.filter((x) => x.score !== null);
    expect(Math.max(...scored.map((x) => x.score!))).toBe(t.score);
    expect(trained.algorithm).toBe(t.algorithm);
    expect(trained.params).toEqual(t.params);
    expect(trained.evaluation.model['ndcg@10']).toBeGreaterThan(0);
  });

  it('a deliberately bad grid does not win, and every trial is recorded', async () => {
    // ALS regularised into nothing: its grid points rank below popularity and its own defaults.
    const space: SearchSpace = { als: { regularization: [1e7], iterations: [3], factors: [8] }, popularity: {} };
    const train = trainModelSplit();
    const r = await tuneOnTrain(data, train, { budgetS: 30, seed: 42, space });
    const bad = r.trials.filter((x) => x.algorithm === 'als' && x.params.regularization === 1e7);
    expect(bad).toHaveLength(1);
    expect(r.params.regularization).not.toBe(1e7);
    expect(bad[0]!.score!).toBeLessThan(r.score);
    // Defaults of both algorithms, then the grid point, then a blend of the best of each (never the bad ALS).
    expect(r.trials.map((x) => x.algorithm).sort()).toEqual(['als', 'als', 'blend', 'popularity']);
    const blend = r.trials.find((x) => x.algorithm === 'blend')!;
    expect(blend.blend!.parts.find((p) => p.algorithm === 'als')!.params.regularization).not.toBe(1e7);
  });

  it('the budget bounds the search: past it only every algorithm’s defaults run (and one blend of them)', async () => {
    const space: SearchSpace = {
      als: { factors: [4, 8, 16], iterations: [2] },
      rp3beta: { beta: [0.1, 0.5] },
      popularity: {},
    };
    const r = await tuneOnTrain(data, trainModelSplit(), { budgetS: 1e-6, seed: 1, space });
    expect(r.trials.map((x) => x.algorithm).sort()).toEqual(['als', 'blend', 'popularity', 'rp3beta']);
  });

  // The same split trainModel makes (stratified 75/25, seed 42): its train part.
  function trainModelSplit() {
    return splitData(data, { kind: 'stratified', testFraction: 0.25, seed: 42 }).train;
  }
});
