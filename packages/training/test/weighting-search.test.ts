/**
 * The search tunes how a model's input is weighted — the event-weight profile,
 * the confidence weighting, popularity's half-life — and picks the one that wins
 * on data built so that one of them must.
 */
import { describe, expect, it } from 'vitest';
import { EVENT_WEIGHT_PROFILES, POPULARITY_HALF_LIFE_S } from '@recgraph/interactions';
import { IdMap, interactionsFrom, Rng, WEIGHTING_SCHEMES, type InteractionRecord } from '@recgraph/recsys';
import { trainingDataFromInteractions, type TrainingData } from '../src/training-data.ts';
import { tuneOnTrain, type Trial } from '../src/tuning.ts';

const DAY = 86_400;

function dataOf(records: InteractionRecord[], nUsers: number, nItems: number): TrainingData {
  const uuid = (kind: number, i: number) => `00000000-0000-4000-8${kind}00-${String(i).padStart(12, '0')}`;
  return trainingDataFromInteractions(
    interactionsFrom(records),
    new IdMap(Array.from({ length: nUsers }, (_, i) => uuid(1, i))),
    new IdMap(Array.from({ length: nItems }, (_, i) => uuid(2, i))),
    'synthetic',
  );
}

/**
 * Four taste clusters of 15 items. Each user buys 4 items of their cluster and
 * views 4 random items of any cluster 12 times each: under the deployment's
 * table (view 1, purchase 8) or a uniform one the noise outweighs the purchases;
 * a profile that weighs purchases far above views sees the clusters.
 */
function viewsAreNoise(): TrainingData {
  const rng = new Rng(11);
  const records: InteractionRecord[] = [];
  const nUsers = 160;
  for (let u = 0; u < nUsers; u++) {
    const c = u % 4;
    const bought = new Set<number>();
    while (bought.size < 5) bought.add(c * 15 + Math.floor(rng.next() * 15));
    for (const i of bought) records.push({ user: u, item: i, type: 'PURCHASE', timestamp: 1 });
    for (let v = 0; v < 4; v++) {
      const i = Math.floor(rng.next() * 60);
      if (bought.has(i)) continue;
      for (let r = 0; r < 12; r++) records.push({ user: u, item: i, type: 'VIEW', timestamp: 1 });
    }
  }
  return dataOf(records, nUsers, 60);
}

/**
 * Two groups of 10 items: 300 shoppers long ago took one item of the first each
 * (too few to be held out, so they only make those items popular); 40 users
 * lately took 5 of the second. Counted over all time the old items lead and fill
 * every list; only a decayed popularity serves the users there are to serve.
 */
function recentUsersDominate(): TrainingData {
  const rng = new Rng(5);
  const records: InteractionRecord[] = [];
  for (let u = 0; u < 300; u++) records.push({ user: u, item: u % 10, type: 'PURCHASE', timestamp: u * 60 });
  for (let u = 300; u < 340; u++) {
    const items = new Set<number>();
    while (items.size < 5) items.add(10 + Math.floor(rng.next() * 10));
    for (const i of items) records.push({ user: u, item: i, type: 'PURCHASE', timestamp: 200 * DAY + u * 60 });
  }
  return dataOf(records, 340, 20);
}

const best = (trials: Trial[], keep: (t: Trial) => boolean) =>
  Math.max(...trials.filter((t) => keep(t) && t.score !== null).map((t) => t.score!));

describe('the search tunes how the input is weighted', () => {
  it('event-weight profiles: one that weighs purchases far above views wins when views are noise', async () => {
    const data = viewsAreNoise();
    const r = await tuneOnTrain(data, data.interactions, {
      budgetS: 120,
      seed: 3,
      space: { als: { profile: [...EVENT_WEIGHT_PROFILES], factors: [8], iterations: [8] } },
    });
    // Every profile tried once on this data (the defaults run with the deployment's too).
    const grid = r.trials.filter((t) => t.params.factors === 8);
    expect(grid.map((t) => t.weighting.profile).sort()).toEqual([...EVENT_WEIGHT_PROFILES].sort());
    expect(['intent', 'conversion']).toContain(r.weighting.profile);
    const flat = best(grid, (t) => t.weighting.profile === 'uniform' || t.weighting.profile === 'deployment');
    expect(r.score).toBeGreaterThan(flat);
  });

  it('confidence weighting: the ALS search tries linear, log, bm25 and tfidf and a compressing one wins over linear', async () => {
    const data = viewsAreNoise();
    const r = await tuneOnTrain(data, data.interactions, {
      budgetS: 120,
      seed: 3,
      space: { als: { scheme: [...WEIGHTING_SCHEMES], factors: [8], iterations: [8], alpha: [1] } },
    });
    const grid = r.trials.filter((t) => t.params.factors === 8);
    expect(grid.map((t) => t.weighting.scheme).sort()).toEqual([...WEIGHTING_SCHEMES].sort());
    expect(r.weighting.scheme).not.toBe('linear');
    expect(r.score).toBeGreaterThan(best(grid, (t) => t.weighting.scheme === 'linear'));
  });

  it('popularity half-life: a decayed popularity wins when the users to serve are recent', async () => {
    const data = recentUsersDominate();
    const halfLives = [0, ...Object.values(POPULARITY_HALF_LIFE_S)];
    const r = await tuneOnTrain(data, data.interactions, {
      budgetS: 60,
      seed: 3,
      space: { popularity: { halfLifeS: halfLives } },
    });
    expect(r.trials.map((t) => t.params.halfLifeS).sort((a, b) => a! - b!)).toEqual(halfLives.sort((a, b) => a - b));
    expect(r.params.halfLifeS).toBeGreaterThan(0);
    expect(r.score).toBeGreaterThan(r.trials.find((t) => t.params.halfLifeS === 0)!.score!);
  });

  it('an unknown profile or scheme in the search space is refused with a clear error', async () => {
    const data = recentUsersDominate();
    await expect(
      tuneOnTrain(data, data.interactions, { budgetS: 5, seed: 1, space: { als: { scheme: ['sqrt'] } } }),
    ).rejects.toThrow(/unknown confidence weighting "sqrt"/);
    await expect(
      tuneOnTrain(data, data.interactions, { budgetS: 5, seed: 1, space: { popularity: { profile: ['loud'] } } }),
    ).rejects.toThrow(/unknown event-weight profile "loud"/);
  });
});
