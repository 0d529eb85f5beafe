import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AlsModel, csrFromTriplets, FoldIn, IdMap, topKDot } from '@recgraph/recsys';
import { RecommendationRefresher, sameRecommendations, type ActiveModel, type HistoryEvent } from '../src/index.ts';

/** A small real ALS model: two taste clusters over 12 products. */
async function fittedModel(): Promise<ActiveModel & { als: AlsModel }> {
  const nUsers = 20;
  const nItems = 12;
  const rows: number[] = [];
  const cols: number[] = [];
  for (let u = 0; u < nUsers; u++)
    for (let i = 0; i < nItems; i++)
      if ((u % 2 === 0) === i < 6 && (u + i) % 3 !== 0) {
        rows.push(u);
        cols.push(i);
      }
  const als = new AlsModel({ factors: 4, iterations: 10, threads: 1, regularization: 0.1, alpha: 2 });
  await als.fit(
    csrFromTriplets(
      nUsers,
      nItems,
      rows,
      cols,
      rows.map(() => 1),
    ),
  );
  const items = new IdMap(Array.from({ length: nItems }, () => randomUUID()));
  return { modelVersionId: randomUUID(), model: als, items, als };
}

const view = (productId: string, type: HistoryEvent['type'] = 'VIEW'): HistoryEvent => ({ productId, type, value: 1 });

describe('RecommendationRefresher', () => {
  it('folds the user in against the model’s item factors and ranks unseen products', async () => {
    const active = await fittedModel();
    const history = [view(active.items.id(0)), view(active.items.id(1), 'PURCHASE'), view(active.items.id(0))];
    const list = new RecommendationRefresher({ k: 4, model: active }).recommend(history, []);
    // The same computation by hand: confidence VIEW 1 (twice) and PURCHASE 8, fold-in, top-k excluding seen.
    const x = new FoldIn(active.als.itemFactors, 4, 0.1, 2).user([0, 1], [2, 8]);
    const expected = topKDot(x, active.als.itemFactors, 4, 4, { exclude: [0, 1] });
    expect(list.modelVersionId).toBe(active.modelVersionId);
    expect(list.items.map((i) => i.productId)).toEqual(Array.from(expected.items, (i) => active.items.id(i)));
    expect(list.items.map((i) => i.score)).toEqual(Array.from(expected.scores));
    expect(list.items.every((i) => i.source === 'als')).toBe(true);
    // Taste cluster: a user of products 0..5 is offered the rest of 0..5 first.
    expect(list.items.map((i) => active.items.index(i.productId)! < 6)).toEqual([true, true, true, true]);
  });

  it('never offers a disliked product and ignores products the model does not know', async () => {
    const active = await fittedModel();
    const plain = new RecommendationRefresher({ k: 3, model: active }).recommend([view(active.items.id(0))], []);
    const top = plain.items[0]!.productId;
    const list = new RecommendationRefresher({ k: 3, model: active }).recommend(
      [view(active.items.id(0)), view(randomUUID()), view(top, 'DISLIKE')],
      [],
    );
    expect(list.items.map((i) => i.productId)).not.toContain(top);
    expect(list.items).toHaveLength(3);
  });

  it('falls back to unseen popular products without a model or without known history (cold start)', async () => {
    const active = await fittedModel();
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    const popular = [
      { productId: a, score: 9 },
      { productId: b, score: 5 },
      { productId: c, score: 1 },
    ];
    const noModel = new RecommendationRefresher({ k: 2 }).recommend([view(a)], popular);
    expect(noModel).toEqual({
      items: [
        { productId: b, score: 5, source: 'popularity' },
        { productId: c, score: 1, source: 'popularity' },
      ],
    });
    const unknownHistory = new RecommendationRefresher({ k: 2, model: active }).recommend([view(a)], popular);
    expect(unknownHistory.modelVersionId).toBeUndefined();
    expect(unknownHistory.items.map((i) => i.productId)).toEqual([b, c]);
  });

  it('treats a list as changed only when products, order or model differ', () => {
    const m = randomUUID();
    const list = { modelVersionId: m, items: [{ productId: 'x', score: 1, source: 'als' }] };
    expect(sameRecommendations(list, { ...list, items: [{ productId: 'x', score: 0.9, source: 'als' }] })).toBe(true);
    expect(sameRecommendations(list, { items: list.items })).toBe(false);
    expect(sameRecommendations(undefined, { items: [] })).toBe(false);
    expect(() => new RecommendationRefresher({ k: 0 })).toThrow(RangeError);
  });
});
