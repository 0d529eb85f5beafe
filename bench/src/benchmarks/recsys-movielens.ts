// Offline quality on MovieLens-small: ALS vs popularity vs EASE (top-1000 items) vs the scalable
// item-item models (sparse EASE, RP3beta) on every item.
// Run: npm run bench -- recsys-movielens
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  AlsModel,
  EaseModel,
  PopularityModel,
  Rp3betaModel,
  SparseEaseModel,
  buildInteractionMatrix,
  evaluate,
  metricsTable,
  readRatingsFile,
  stratifiedSplit,
  type Metrics,
} from '@recgraph/recsys';
import type { Benchmark } from '../benchmark.ts';
import type { BenchTable } from '../table.ts';

export const benchmark: Benchmark = {
  name: 'recsys-movielens',
  description:
    'MovieLens-small, per-user 75/25 split (seed 42), k=10: ALS vs popularity vs EASE vs sparse EASE vs RP3beta',
  async run({ quick, sharedDataDir, log }) {
    const path = sharedDataDir ? join(sharedDataDir, 'movielens-small', 'ratings.csv') : undefined;
    if (!path || !existsSync(path)) {
      log('movielens-small not found; skipping');
      return [];
    }
    const { interactions, users, items } = readRatingsFile(path);
    const { train, test } = stratifiedSplit(interactions, { seed: 42, testFraction: 0.25 });
    const dims = { nUsers: users.size, nItems: items.size };
    const tr = buildInteractionMatrix(train, dims).userItems;
    const te = buildInteractionMatrix(test, dims).userItems;
    const results: Record<string, Metrics> = {};
    const times: string[] = [];
    const als = new AlsModel({ iterations: quick ? 5 : 15 });
    let t0 = performance.now();
    await als.fit(tr);
    times.push(`ALS fit ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const itemVectors = als.itemVectors();
    const pop = new PopularityModel();
    await pop.fit(tr);
    const ease = new EaseModel({ topItems: 1000 });
    t0 = performance.now();
    await ease.fit(tr);
    times.push(`EASE fit ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const sparseEase = new SparseEaseModel();
    t0 = performance.now();
    await sparseEase.fit(tr);
    times.push(`sparse EASE fit ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const rp3 = new Rp3betaModel();
    t0 = performance.now();
    await rp3.fit(tr);
    times.push(`RP3beta fit ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    for (const k of [10, 20]) {
      results[`ALS @${k}`] = evaluate(als, tr, te, { k, itemVectors });
      results[`popularity @${k}`] = evaluate(pop, tr, te, { k, itemVectors });
      results[`EASE top-1000 @${k}`] = evaluate(ease, tr, te, { k, itemVectors });
      results[`sparse EASE (all items) @${k}`] = evaluate(sparseEase, tr, te, { k, itemVectors });
      results[`RP3beta (all items) @${k}`] = evaluate(rp3, tr, te, { k, itemVectors });
    }
    const t = metricsTable(results);
    const table: BenchTable = {
      title: 'MovieLens-small offline evaluation',
      columns: t.columns.map((c) => c.replace('@10', '@k')),
      rows: t.rows,
      notes: [
        `${interactions.user.length} ratings, ${users.size} users, ${items.size} items; all ratings positive, confidence 1 + α·rating; seen items removed.`,
        'ILD uses ALS item factors for every model. ' + times.join(', '),
      ],
    };
    return [table];
  },
};
