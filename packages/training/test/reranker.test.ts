// The learned re-ranker: LambdaMART trained by real LightGBM (the venv scripts/infra/ranker.sh
// installs), exported to ONNX and scored by onnxruntime-node.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng, stratifiedSplit, userRankingMetrics, type Interactions } from '@recgraph/recsys';
import { resolveParams } from '../src/algorithms.ts';
import { candidateFeatures, featureNames, intersect, itemStats } from '../src/reranker/features.ts';
import { OnnxRanker, RerankerTrainingError, trainLambdaMart } from '../src/reranker/lambdamart.ts';
import {
  evaluateReranker,
  featuresFor,
  fitGenerator,
  rerankOrder,
  userCandidates,
  validationRows,
  type GeneratorSpec,
} from '../src/reranker/rerank.ts';
import type { TrainingData } from '../src/training-data.ts';
import { syntheticTrainingData } from './fixtures.ts';

const PYTHON = resolve(import.meta.dirname, '../../../.infra/ranker-venv/bin/python');
if (!existsSync(PYTHON) && process.env.CI)
  throw new Error(`${PYTHON} is missing under CI: run \`npm run infra:up\` (scripts/infra/ranker.sh installs it)`);

/** Groups of 20 candidates with 4 features; relevance is feature 2 > 0.8, the others noise. */
function obviousRows(groups: number, seed: number) {
  const rng = new Rng(seed);
  const f = 4;
  const size = 20;
  const features = new Float32Array(groups * size * f);
  const labels = new Float32Array(groups * size);
  for (let r = 0; r < groups * size; r++) {
    for (let j = 0; j < f; j++) features[r * f + j] = rng.next() * 2 - 1;
    labels[r] = features[r * f + 2]! > 0.8 ? 1 : 0;
  }
  return {
    featureNames: ['noise_a', 'noise_b', 'signal', 'noise_c'],
    features,
    labels,
    groups: new Int32Array(groups).fill(size),
  };
}

const dimsOf = (data: TrainingData) => ({ nUsers: data.users.size, nItems: data.items.size });
/** validationRows' generator as evaluateReranker builds it: the real fit on each draw's rest. */
const rowsOf = (data: TrainingData, generator: GeneratorSpec) => async (fitPart: Interactions) => {
  const g = await fitGenerator(data, fitPart, generator);
  return (u: number) => {
    const c = userCandidates(g, u, 20);
    return { candidates: c.candidates, features: featuresFor(g, c) };
  };
};

describe.skipIf(!existsSync(PYTHON))('LambdaMART re-ranker', () => {
  it('learns an obvious feature, and its ONNX export scores exactly as LightGBM does', async () => {
    const train = obviousRows(60, 1);
    const held = obviousRows(20, 2);
    const model = await trainLambdaMart(PYTHON, train, { rounds: 30, minDataInLeaf: 5 }, held.features);
    expect(model.rounds).toBe(30);
    expect(model.lightgbm).toContain('objective=lambdarank');
    const ranker = await OnnxRanker.load(model.onnx, 4);
    const scores = await ranker.score(held.features);
    await ranker.release();
    // The same rows through onnxruntime and through LightGBM itself.
    expect(scores.length).toBe(held.labels.length);
    for (let r = 0; r < scores.length; r++) expect(scores[r]).toBeCloseTo(model.check![r]!, 4);
    // Held-out groups ranked by the model put the relevant rows first; random order would not.
    let ndcg = 0;
    let groupsWithPositives = 0;
    for (let g = 0; g < 20; g++) {
      const rows = Array.from({ length: 20 }, (_, j) => g * 20 + j);
      const relevant = new Set(rows.filter((r) => held.labels[r]! > 0));
      if (!relevant.size) continue;
      groupsWithPositives++;
      const order = rerankOrder(rows.map((r) => scores[r]!)).map((j) => rows[j]!);
      ndcg += userRankingMetrics(order, relevant, 5).ndcg;
    }
    expect(ndcg / groupsWithPositives).toBeGreaterThan(0.95);
  }, 60_000);

  it('refuses rows it cannot learn from, with a clear error', async () => {
    const rows = obviousRows(2, 3);
    rows.labels.fill(0);
    await expect(trainLambdaMart(PYTHON, rows)).rejects.toThrow(RerankerTrainingError);
    await expect(trainLambdaMart('/nonexistent/python', obviousRows(2, 3))).rejects.toThrow(/ranker\.sh/);
  });

  it('is trained on a split of the train part only: a different holdout gives the same model', async () => {
    const data = syntheticTrainingData(7);
    const { train, test } = stratifiedSplit(data.interactions, { testFraction: 0.25, seed: 42 });
    const generator: GeneratorSpec = {
      weighting: { profile: 'deployment', scheme: 'linear' },
      blend: {
        parts: [
          { algorithm: 'rp3beta', params: resolveParams('rp3beta', {}, 42), scheme: 'linear' },
          { algorithm: 'popularity', params: resolveParams('popularity', {}, 42), scheme: 'linear' },
        ],
        weights: [1, 0],
      },
    };
    const common = { data, train, generator, python: PYTHON, candidates: 20, params: { rounds: 10, minDataInLeaf: 5 } };
    const a = await evaluateReranker({ ...common, test });
    // Half the holdout, and nothing of it at all: the training rows and the model stay the same.
    const half: Interactions = stratifiedSplit(test, { testFraction: 0.5, seed: 1 }).test;
    const b = await evaluateReranker({ ...common, test: half });
    expect(a.trainingRows).toBeGreaterThan(0);
    expect(b.trainingRows).toBe(a.trainingRows);
    expect(b.lightgbm).toBe(a.lightgbm);
    expect(b.users).toBeLessThan(a.users);
    expect(a.featureNames).toEqual(featureNames(['0_rp3beta', '1_popularity']));
    expect(a.generatorNdcg).toBeGreaterThan(0);
  }, 60_000);

  it('learns from several validation draws: the first is the single split, each adds its own users’ rows', async () => {
    const data = syntheticTrainingData(7);
    const { train, test } = stratifiedSplit(data.interactions, { testFraction: 0.25, seed: 42 });
    const generator: GeneratorSpec = {
      weighting: { profile: 'deployment', scheme: 'linear' },
      blend: {
        parts: [{ algorithm: 'rp3beta', params: resolveParams('rp3beta', {}, 42), scheme: 'linear' }],
        weights: [1],
      },
    };
    const common = {
      data,
      train,
      test,
      generator,
      python: PYTHON,
      candidates: 20,
      params: { rounds: 10, minDataInLeaf: 5 },
    };
    const one = await evaluateReranker({ ...common, draws: 1 });
    const three = await evaluateReranker({ ...common, draws: 3 });
    expect(three.trainingUsers).toBeGreaterThan(2 * one.trainingUsers);
    expect(three.trainingRows).toBeGreaterThan(2 * one.trainingRows);
    // The first draw's rows are the single split's: its rows come first, the same.
    const single = await validationRows(
      train,
      { draws: 1, validationFraction: 0.2, seed: 42, ...dimsOf(data) },
      rowsOf(data, generator),
    );
    const first = await validationRows(
      train,
      { draws: 2, validationFraction: 0.2, seed: 42, ...dimsOf(data) },
      rowsOf(data, generator),
    );
    expect(first.labels.subarray(0, single.labels.length)).toEqual(single.labels);
    expect(first.features.subarray(0, single.features.length)).toEqual(single.features);
    await expect(
      validationRows(train, { draws: 0, validationFraction: 0.2, seed: 42, ...dimsOf(data) }, rowsOf(data, generator)),
    ).rejects.toThrow(/draws must be a positive integer/);
  }, 60_000);
});

describe('re-ranker features', () => {
  it('computes category affinity, price ratio and co-visitation per candidate', () => {
    // Users 0..2; items 0..3. Item 1 is co-visited with item 0 by every user who saw item 0.
    const x: Interactions = {
      user: Int32Array.from([0, 0, 1, 1, 2, 2]),
      item: Int32Array.from([0, 1, 0, 1, 2, 3]),
      type: new Uint8Array(6),
      timestamp: Float64Array.from([1, 2, 3, 4, 5, 86400 * 10]),
      value: new Float32Array(6).fill(1),
    };
    const stats = itemStats(x, 4, Int32Array.from([0, 0, 1, -1]), Float64Array.from([10, 20, 40, NaN]));
    const f = candidateFeatures(stats, { items: [0] }, [1, 2, 3], [[0.9, 0.5, 0.1]]);
    const width = 1 + 8;
    const row = (j: number) => Array.from(f.subarray(j * width, (j + 1) * width));
    // score, rank, popularity, trend, category affinity, price ratio, idle days, covisit, user items
    expect(row(0)[0]).toBeCloseTo(0.9);
    expect(row(0)[1]).toBe(0);
    expect(row(0)[2]).toBeCloseTo(Math.log(3 / 4)); // 2 of 3 users
    expect(row(0)[4]).toBe(1); // same category as the user's only item
    expect(row(0)[5]).toBeCloseTo(Math.log(2)); // twice the user's median price
    expect(row(0)[7]).toBeCloseTo(1); // seen by exactly the users who saw item 0
    expect(row(1)[4]).toBe(0);
    expect(row(1)[7]).toBe(0);
    expect(row(2)[5]).toBe(0); // unknown price
    expect(row(2)[6]).toBe(0); // the latest item is not idle
    expect(row(0)[6]).toBeGreaterThan(9);
    expect(row(0)[8]).toBeCloseTo(Math.log(2));
  });
});

describe('co-visitation counts (features.ts intersect)', () => {
  it('equal a plain set intersection, for lists of similar and of very different lengths', () => {
    const rng = new Rng(3);
    const sorted = (n: number, range: number) =>
      Int32Array.from(new Set(Array.from({ length: n }, () => Math.floor(rng.next() * range)))).sort();
    for (const [na, nb] of [
      [0, 10],
      [5, 7],
      [40, 60],
      [3, 5000],
      [50, 20000],
      [20000, 2],
    ] as const) {
      const a = sorted(na, 30000);
      const b = sorted(nb, 30000);
      const inB = new Set(b);
      expect(intersect(a, b)).toBe([...a].filter((v) => inB.has(v)).length);
    }
  });
});
