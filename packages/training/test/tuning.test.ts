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

  it('after the grid, a coordinate refinement tries points between and past its values around the best one, on validation alone', async () => {
    const space: SearchSpace = { als: { regularization: [1, 100], factors: [8], iterations: [3] } };
    const train = trainModelSplit();
    const gridOnly = await tuneOnTrain(data, train, { budgetS: 30, seed: 42, space, blend: false, refineShare: 0 });
    // The defaults (λ 10) and the two grid points: nothing else without refinement.
    expect(gridOnly.trials.map((t) => t.params.regularization).sort((a, b) => a! - b!)).toEqual([1, 10, 100]);
    const r = await tuneOnTrain(data, train, { budgetS: 30, seed: 42, space, blend: false });
    const refined = r.trials.slice(3);
    expect(refined.length).toBeGreaterThan(0);
    // Only the searched dimension moves, off the grid; the first steps are ×10 and ÷10 (half the grid's gap in log space).
    for (const t of refined) {
      expect([1, 100]).not.toContain(t.params.regularization);
      expect(t.params.factors).toBe(8);
    }
    const firstCentre = gridOnly.params.regularization!;
    expect(refined.slice(0, 2).map((t) => t.params.regularization! / firstCentre)).toEqual([
      expect.closeTo(10, 6),
      expect.closeTo(0.1, 6),
    ]);
    // It ends: the steps halve until below 5 %, well inside the budget on this data.
    expect(r.seconds).toBeLessThan(30);
    expect(r.score).toBe(Math.max(...r.trials.map((t) => t.score ?? -1)));
    expect(r.score).toBeGreaterThanOrEqual(gridOnly.score);
    expect(r.fitInteractions + r.validationInteractions).toBe(train.user.length);
  });

  // The same split trainModel makes (stratified 75/25, seed 42): its train part.
  function trainModelSplit() {
    return splitData(data, { kind: 'stratified', testFraction: 0.25, seed: 42 }).train;
  }
});
