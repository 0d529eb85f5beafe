import { describe, expect, it } from 'vitest';
import { csrFromTriplets, rowData, rowIndices, transpose } from '../src/csr.ts';
import { bm25Weight, tfidfWeight } from '../src/weighting.ts';
import { buildInteractionMatrix, dislikedItems, EventType, IdMap, interactionsFrom } from '../src/interactions.ts';
import { coVisitation, topCoVisited } from '../src/covisit.ts';
import { decayedPopularity, PopularityModel, topByCategory } from '../src/popularity.ts';
import { EmptyInputError, IndexOutOfRangeError } from '../src/errors.ts';
import { loadModel } from '../src/persist.ts';

describe('interaction matrix', () => {
  const x = interactionsFrom([
    { user: 0, item: 1, type: 'VIEW' },
    { user: 0, item: 1, type: 'CLICK' },
    { user: 0, item: 1, type: 'PURCHASE' },
    { user: 0, item: 2, type: 'DISLIKE' },
    { user: 1, item: 0, type: 'RATE', value: 4 },
    { user: 1, item: 2, type: 'ADD_TO_CART' },
    { user: 1, item: 2, type: 'LIKE' },
    { user: 2, item: 2, type: 'DISLIKE' },
  ]);

  it('sums duplicates with per-type confidence and excludes DISLIKE entirely', () => {
    const { userItems, itemUsers } = buildInteractionMatrix(x);
    expect(userItems.nRows).toBe(3);
    expect(userItems.nCols).toBe(3);
    expect(Array.from(rowIndices(userItems, 0))).toEqual([1]); // DISLIKE of item 2 not present
    expect(Array.from(rowData(userItems, 0))).toEqual([1 + 2 + 8]);
    expect(Array.from(rowIndices(userItems, 1))).toEqual([0, 2]);
    expect(Array.from(rowData(userItems, 1))).toEqual([4, 4 + 6]);
    expect(Array.from(rowIndices(userItems, 2))).toEqual([]); // only a DISLIKE
    expect(Array.from(rowIndices(itemUsers, 2))).toEqual([1]);
    expect(dislikedItems(x).get(0)).toEqual(new Set([2]));
  });

  it('configurable confidence (RATE scaled, VIEW off)', () => {
    const { userItems } = buildInteractionMatrix(x, { confidence: { VIEW: null, RATE: (r) => 2 * r } });
    expect(Array.from(rowData(userItems, 0))).toEqual([2 + 8]);
    expect(Array.from(rowData(userItems, 1))).toEqual([8, 10]);
  });

  it('errors: empty input, index out of range', () => {
    expect(() => buildInteractionMatrix(interactionsFrom([]))).toThrow(EmptyInputError);
    expect(() => buildInteractionMatrix(x, { nUsers: 2 })).toThrow(IndexOutOfRangeError);
  });

  it('transpose twice is the identity', () => {
    const m = csrFromTriplets(3, 4, [0, 2, 2, 1, 0], [3, 0, 1, 1, 3], [1, 2, 3, 4, 5]);
    const t = transpose(transpose(m));
    expect(t).toEqual(m);
    expect(Array.from(m.data)).toEqual([6, 4, 2, 3]);
  });

  it('BM25 and TF-IDF match implicit’s formulas on a hand example', () => {
    // 2 users; item 0 seen by both, item 1 by user 0 only.
    const m = csrFromTriplets(2, 2, [0, 0, 1], [0, 1, 0], [1, 3, 2]);
    const idf0 = Math.log(2) - Math.log1p(2);
    const idf1 = Math.log(2) - Math.log1p(1);
    const t = tfidfWeight(m);
    expect(t.data[0]!).toBeCloseTo(1 * idf0, 6);
    expect(t.data[1]!).toBeCloseTo(Math.sqrt(3) * idf1, 6);
    const K1 = 100;
    const B = 0.8;
    const avg = (4 + 2) / 2;
    const b = bm25Weight(m, K1, B);
    const ln0 = 1 - B + (B * 4) / avg;
    expect(b.data[1]!).toBeCloseTo(((3 * (K1 + 1)) / (K1 * ln0 + 3)) * idf1, 6);
    const ln1 = 1 - B + (B * 2) / avg;
    expect(b.data[2]!).toBeCloseTo(((2 * (K1 + 1)) / (K1 * ln1 + 2)) * idf0, 6);
  });

  it('IdMap maps both ways', () => {
    const ids = new IdMap(['a', 'b']);
    expect(ids.add('c')).toBe(2);
    expect(ids.add('a')).toBe(0);
    expect(ids.index('b')).toBe(1);
    expect(ids.index('z')).toBeUndefined();
    expect(ids.id(2)).toBe('c');
    expect(() => ids.id(3)).toThrow(IndexOutOfRangeError);
  });
});

describe('popularity and co-visitation', () => {
  it('time-decayed popularity halves per half-life; per-category lists', () => {
    const day = 86400;
    const x = interactionsFrom([
      { user: 0, item: 0, type: 'VIEW', timestamp: 10 * day },
      { user: 1, item: 1, type: 'VIEW', timestamp: 9 * day },
      { user: 1, item: 1, type: 'VIEW', timestamp: 9 * day },
      { user: 2, item: 2, type: 'PURCHASE', timestamp: 7 * day },
      { user: 2, item: 3, type: 'DISLIKE', timestamp: 10 * day },
    ]);
    const s = decayedPopularity(x, { nItems: 4, halfLife: day });
    expect(s[0]!).toBeCloseTo(1, 9);
    expect(s[1]!).toBeCloseTo(2 * 0.5, 9);
    expect(s[2]!).toBeCloseTo(8 * 0.125, 9);
    expect(s[3]).toBe(0);
    const noDecay = decayedPopularity(x, { nItems: 4, halfLife: Infinity });
    expect(Array.from(noDecay)).toEqual([1, 2, 8, 0]);
    const cats = Int32Array.from([0, 1, 1, 0]);
    const byCat = topByCategory(noDecay, cats, 2);
    expect(Array.from(byCat[0]!.items)).toEqual([0, 3]);
    expect(Array.from(byCat[1]!.items)).toEqual([2, 1]);
    const m = PopularityModel.fromScores(noDecay, 3, cats);
    expect(Array.from(m.similarItems(1, 2).items)).toEqual([2]);
    expect(Array.from(m.recommendInCategory(0, 1).items)).toEqual([0]);
    const back = loadModel(m.save()) as PopularityModel;
    expect(Array.from(back.scores)).toEqual([1, 2, 8, 0]);
    expect(Array.from(back.categories!)).toEqual([0, 1, 1, 0]);
  });

  it('popularity baseline ranks by number of users and filters seen', async () => {
    const { userItems } = buildInteractionMatrix(
      interactionsFrom([
        { user: 0, item: 0 },
        { user: 1, item: 0 },
        { user: 1, item: 1 },
        { user: 2, item: 2 },
        { user: 2, item: 0 },
        { user: 3, item: 2 },
      ]),
    );
    const m = new PopularityModel();
    await m.fit(userItems);
    expect(Array.from(m.recommend(3, userItems, 3).items)).toEqual([0, 1]);
    expect(Array.from(m.recommend(3, userItems, 3, { filterSeen: false }).items)).toEqual([0, 2, 1]);
  });

  it('co-visitation by session and by time window', () => {
    const x = interactionsFrom([
      { user: 0, item: 0, timestamp: 0 },
      { user: 0, item: 1, timestamp: 10 },
      { user: 0, item: 2, timestamp: 5000 },
      { user: 1, item: 0, timestamp: 0 },
      { user: 1, item: 1, timestamp: 100 },
      { user: 1, item: 1, timestamp: 200 },
      { user: 1, item: 3, timestamp: 300, type: 'DISLIKE' },
    ]);
    const w = coVisitation(x, { nItems: 4, windowSeconds: 600 });
    expect(Array.from(topCoVisited(w, 0, 5).items)).toEqual([1]);
    expect(Array.from(topCoVisited(w, 0, 5).scores)).toEqual([3]); // (0,10) + (0,100) + (0,200)
    const sessions = [1, 1, 1, 2, 2, 2, 2];
    const s = coVisitation(x, { nItems: 4, sessions });
    expect(Array.from(topCoVisited(s, 0, 5).items)).toEqual([1, 2]);
    expect(Array.from(topCoVisited(s, 0, 5).scores)).toEqual([2, 1]);
    expect(Array.from(topCoVisited(s, 3, 5).items)).toEqual([]);
    expect(EventType.DISLIKE).toBe(6);
  });
});
