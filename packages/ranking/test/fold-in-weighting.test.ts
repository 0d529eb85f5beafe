/**
 * Serving folds a user in with exactly the weighting the model was trained with:
 * the event-weight profile and the confidence weighting (linear, log, bm25, tfidf)
 * travel in the artifact, and a user's history, summed and re-weighted at serving,
 * gives the row of the training matrix — so the fold-in equals the trainer's.
 */
import { describe, expect, it } from 'vitest';
import { EVENT_WEIGHT_PROFILES, claimedSource, type InteractionTypeName } from '@recgraph/interactions';
import type { SparseItemItemModel, BlendModel } from '@recgraph/recsys';
import {
  AlsModel,
  EventType,
  FoldIn,
  IdMap,
  interactionsFrom,
  Rng,
  WEIGHTING_SCHEMES,
  type InteractionRecord,
} from '@recgraph/recsys';
import {
  decodeServingArtifact,
  encodeServingArtifact,
  fitConfiguration,
  trainingDataFromInteractions,
  type AlgorithmName,
  type ModelVersion,
} from '@recgraph/training';
import { ServingModel } from '../src/servingModel.ts';
import { historyFromEvents, type HistoryEvent } from '../src/userHistory.ts';

const N_USERS = 30;
const N_ITEMS = 25;
const uuid = (kind: number, i: number) => `00000000-0000-4000-8${kind}00-${String(i).padStart(12, '0')}`;
const TYPES: (InteractionTypeName | 'CLAIMED')[] = ['VIEW', 'CLICK', 'ADD_TO_CART', 'PURCHASE', 'LIKE', 'CLAIMED'];

/** The same events twice: as the trainer loads them (dense indices) and as serving reads them (rows). */
function events() {
  const rng = new Rng(3);
  const records: InteractionRecord[] = [];
  const rows = new Map<number, HistoryEvent[]>();
  for (let u = 0; u < N_USERS; u++)
    for (let e = 0; e < 12; e++) {
      const item = Math.floor(rng.next() * N_ITEMS);
      const t = TYPES[Math.floor(rng.next() * TYPES.length)]!;
      const at = 1_700_000_000 + u * 100 + e;
      records.push({ user: u, item, type: t === 'CLAIMED' ? EventType.CLAIMED_PURCHASE : t, value: 1, timestamp: at });
      const list = rows.get(u) ?? rows.set(u, []).get(u)!;
      list.unshift({
        product_id: uuid(2, item),
        type: t === 'CLAIMED' ? 'PURCHASE' : t,
        value: 1,
        source: t === 'CLAIMED' ? claimedSource('web') : 'web',
        occurred_at: new Date(at * 1000),
      });
    }
  const users = new IdMap(Array.from({ length: N_USERS }, (_, i) => uuid(1, i)));
  const items = new IdMap(Array.from({ length: N_ITEMS }, (_, i) => uuid(2, i)));
  return { data: trainingDataFromInteractions(interactionsFrom(records), users, items, 'synthetic'), rows };
}

describe('serving folds a user in with the weighting the model was trained with', () => {
  const { data, rows } = events();
  const dims = { nUsers: N_USERS, nItems: N_ITEMS };

  const cases: [AlgorithmName, Record<string, number>][] = [
    ['als', { factors: 6, iterations: 4, regularization: 1, alpha: 2, cgSteps: 3, seed: 1 }],
    ['sparse-ease', { regularization: 50, neighbours: 10, gramNeighbours: 20 }],
  ];
  for (const [algorithm, params] of cases)
    for (const scheme of WEIGHTING_SCHEMES)
      it(`${algorithm}, ${scheme}: every profile, each user's fold-in equals the training matrix row's`, async () => {
        for (const profile of EVENT_WEIGHT_PROFILES) {
          const fitted = await fitConfiguration(
            data.interactions,
            dims,
            { algorithm, params, weighting: { profile, scheme } },
            { stage: 'fit', threads: 1 },
          );
          // Through the artifact, as a recommend replica loads it.
          const loaded = decodeServingArtifact(encodeServingArtifact(fitted.model, data, fitted.weighting));
          expect(loaded.weighting.profile).toBe(profile);
          expect(loaded.weighting.fitted.scheme).toBe(scheme);
          const serving = ServingModel.fromLoaded({
            version: { id: 'v', algorithm, dataTo: null } as ModelVersion,
            ...loaded,
          });
          const m = fitted.matrix;
          for (const u of [0, 7, 19]) {
            const history = historyFromEvents(rows.get(u)!, serving.eventWeights);
            const q = serving.foldIn(history.positives)!;
            const items = m.indices.subarray(m.indptr[u]!, m.indptr[u + 1]!);
            const weights = m.data.subarray(m.indptr[u]!, m.indptr[u + 1]!);
            if (fitted.model instanceof AlsModel) {
              const o = fitted.model.options;
              const expected = new FoldIn(
                fitted.model.itemFactors,
                fitted.model.factors,
                o.regularization,
                o.alpha,
              ).user(items, weights);
              expect(q.kind).toBe('vector');
              if (q.kind === 'vector')
                for (let a = 0; a < expected.length; a++) expect(q.q[a]).toBeCloseTo(expected[a]!, 4);
            } else {
              const expected = (fitted.model as SparseItemItemModel).scores(items, weights);
              expect(q.kind).toBe('dense');
              if (q.kind === 'dense')
                for (let i = 0; i < N_ITEMS; i++) expect(q.scores[i]).toBeCloseTo(expected[i]!, 4);
            }
          }
        }
      });

  it('a blend serves through the same path: its fold-in scores equal the blend scoring the training row', async () => {
    const fitted = await fitConfiguration(
      data.interactions,
      dims,
      {
        algorithm: 'blend',
        params: {},
        weighting: { profile: 'intent', scheme: 'linear' },
        blend: {
          parts: [
            {
              algorithm: 'sparse-ease',
              params: { regularization: 50, neighbours: 10, gramNeighbours: 20 },
              scheme: 'linear',
            },
            {
              algorithm: 'als',
              params: { factors: 6, iterations: 4, regularization: 1, alpha: 2, cgSteps: 3, seed: 1 },
              scheme: 'tfidf',
            },
            { algorithm: 'popularity', params: { halfLifeS: 0 }, scheme: 'linear' },
          ],
          weights: [0.5, 0.4, 0.1],
        },
      },
      { stage: 'fit', threads: 1 },
    );
    const loaded = decodeServingArtifact(encodeServingArtifact(fitted.model, data, fitted.weighting));
    const serving = ServingModel.fromLoaded({
      version: { id: 'b', algorithm: 'blend', dataTo: null } as ModelVersion,
      ...loaded,
    });
    const m = fitted.matrix;
    for (const u of [1, 8, 21]) {
      const q = serving.foldIn(historyFromEvents(rows.get(u)!, serving.eventWeights).positives)!;
      const items = m.indices.subarray(m.indptr[u]!, m.indptr[u + 1]!);
      const expected = (fitted.model as BlendModel).scores(items, m.data.subarray(m.indptr[u]!, m.indptr[u + 1]!));
      expect(q.kind).toBe('dense');
      if (q.kind === 'dense') for (let i = 0; i < N_ITEMS; i++) expect(q.scores[i]).toBeCloseTo(expected[i]!, 4);
      // And it ranks: the top of the list is the blend's own top, seen items excluded.
      const seen = new Set(Array.from(items, (i) => uuid(2, i)));
      const top = serving.topK(q, 5, seen);
      expect(top.map((t) => t.id)).toEqual(
        Array.from((fitted.model as BlendModel).recommend(u, m, 5).items, (i) => uuid(2, i)),
      );
    }
  });

  it('an artifact written before weightings were recorded folds in with the deployment table, linear', async () => {
    const fitted = await fitConfiguration(
      data.interactions,
      dims,
      { algorithm: 'popularity', params: { halfLifeS: 0 }, weighting: { profile: 'deployment', scheme: 'linear' } },
      { stage: 'fit' },
    );
    const loaded = decodeServingArtifact(encodeServingArtifact(fitted.model, data));
    expect(loaded.weighting.profile).toBe('deployment');
    expect(loaded.weighting.fitted.scheme).toBe('linear');
  });
});
