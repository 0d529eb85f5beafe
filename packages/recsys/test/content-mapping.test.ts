import { describe, expect, it } from 'vitest';
import { AlsModel } from '../src/als.ts';
import { categoryPopularityScores, coldItemSplit, evaluateColdItems } from '../src/cold-items.ts';
import {
  ContentFactorMapping,
  contentFeatureMatrix,
  handoffFactors,
  scoreWithFactors,
} from '../src/content-mapping.ts';
import { buildInteractionMatrix, EventType, type Interactions } from '../src/interactions.ts';
import { Rng } from '../src/rng.ts';

/**
 * 8 taste groups, two per category: a user clicks items of their group (and some at
 * random). An item's content names its group, so content can tell the two groups of a
 * category apart; "popular in the same category" cannot, and is the same for everyone.
 */
function tasteGroups(nUsers = 240, nItems = 200, seed = 3) {
  const rng = new Rng(seed);
  const group = Int32Array.from({ length: nItems }, (_, i) => i % 8);
  const byGroup = Array.from({ length: 8 }, (_, g) => Array.from(group.keys()).filter((i) => group[i] === g));
  const user: number[] = [];
  const item: number[] = [];
  for (let u = 0; u < nUsers; u++) {
    const g = u % 8;
    for (let n = 0; n < 15; n++) {
      const pool = rng.next() < 0.85 ? byGroup[g]! : Array.from(group.keys());
      user.push(u);
      item.push(pool[rng.int(pool.length)]!);
    }
  }
  const x: Interactions = {
    user: Int32Array.from(user),
    item: Int32Array.from(item),
    type: new Uint8Array(user.length).fill(EventType.CLICK),
    value: new Float32Array(user.length).fill(1),
    timestamp: new Float64Array(user.length),
  };
  const content = Array.from(group, (g) => new Map([[`topic:${g}`, 1]]));
  const categories = Array.from(group, (g) => [g >> 1]);
  return { x, content, categories, nUsers, nItems };
}

describe('cold items: content → ALS factors', () => {
  const d = tasteGroups();
  const split = coldItemSplit(d.x, { fraction: 0.1, seed: 5 });
  const cold = new Set(split.coldItems);
  const train = buildInteractionMatrix(split.train, { nUsers: d.nUsers, nItems: d.nItems }).userItems;
  const test = buildInteractionMatrix(split.test, { nUsers: d.nUsers, nItems: d.nItems }).userItems;
  const features = contentFeatureMatrix(d.content, { dims: 64 });
  const trainItems = Array.from(new Set(train.indices)).sort((a, b) => a - b);

  it('holds out 10 % of the items with every one of their events', () => {
    expect(split.coldItems.length).toBe(20);
    expect(split.train.item.some((i) => cold.has(i))).toBe(false);
    expect(split.test.item.every((i) => cold.has(i))).toBe(true);
    expect(split.train.user.length + split.test.user.length).toBe(d.x.user.length);
  });

  it('ranks the held-out items by content at least 1.5× better than popular in the same category', async () => {
    const als = new AlsModel({ factors: 8, iterations: 8, regularization: 1, threads: 1, seed: 1 });
    await als.fit(train);
    expect(trainItems.some((i) => cold.has(i))).toBe(false);
    const predicted = new ContentFactorMapping(0.1)
      .fit(features, als.itemFactors, als.factors, trainItems)
      .predictAll(features);
    const popular = categoryPopularityScores(train, d.categories, split.coldItems);
    const baseline = evaluateColdItems(() => popular, train, test, split.coldItems);
    const content = evaluateColdItems(
      (u, items) => scoreWithFactors(als.userVector(u), predicted, items),
      train,
      test,
      split.coldItems,
    );
    expect(baseline.users).toBe(content.users);
    expect(content.ndcg).toBeGreaterThanOrEqual(1.5 * baseline.ndcg);
    expect(content.ndcg).toBeGreaterThan(0.5);
  });

  it('never reads a held-out item in fitting: its factors can be anything', () => {
    const f = 4;
    const factors = Float32Array.from({ length: d.nItems * f }, (_, j) => Math.sin(j));
    const a = new ContentFactorMapping(1).fit(features, factors, f, trainItems).weights;
    for (const i of split.coldItems) factors.fill(Number.NaN, i * f, (i + 1) * f);
    const b = new ContentFactorMapping(1).fit(features, factors, f, trainItems).weights;
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(b.every(Number.isFinite)).toBe(true);
  });

  it('hands over from content to collaborative factors as interactions arrive', () => {
    const content = Float32Array.of(1, 0);
    const collab = Float32Array.of(0, 1);
    expect(Array.from(handoffFactors(content, collab, 0))).toEqual([1, 0]);
    expect(Array.from(handoffFactors(content, undefined, 12))).toEqual([1, 0]);
    expect(Array.from(handoffFactors(content, collab, 5))).toEqual([0.5, 0.5]);
    expect(handoffFactors(content, collab, 95)[1]).toBeCloseTo(0.95, 6);
  });

  it('a text embedding as content: tells apart what the hashed content cannot, the same at prediction as in fitting', async () => {
    // Hashed content names only the category (two groups each); an 8-dim "text embedding" names the group.
    const byCategory = d.categories.map(([c]) => new Map([[`category:${c}`, 1]]));
    const vectors = Array.from({ length: d.nItems }, (_, i) => {
      const v = new Float32Array(8);
      v[i % 8] = 1;
      return v;
    });
    const als = new AlsModel({ factors: 8, iterations: 8, regularization: 1, threads: 1, seed: 1 });
    await als.fit(train);
    const ndcg = (withText: boolean) => {
      const m = contentFeatureMatrix(byCategory, {
        dims: 64,
        ...(withText ? { embeddings: { vectors, dims: 8, weight: 1 } } : {}),
      });
      const mapping = new ContentFactorMapping(0.1).fit(m, als.itemFactors, als.factors, trainItems);
      if (withText) mapping.embedding = { model: 'test-encoder', dims: 8, weight: 1 };
      const predicted = mapping.predictAll(m);
      return {
        mapping,
        predicted,
        ndcg: evaluateColdItems(
          (u, items) => scoreWithFactors(als.userVector(u), predicted, items),
          train,
          test,
          split.coldItems,
        ).ndcg,
      };
    };
    const hashedOnly = ndcg(false);
    const withText = ndcg(true);
    expect(withText.ndcg).toBeGreaterThan(1.2 * hashedOnly.ndcg);
    // One item's prediction from its content and vector is its row of the fitted matrix's prediction.
    const i = split.coldItems[0]!;
    const one = withText.mapping.predictContent(byCategory[i]!, vectors[i]);
    for (let k = 0; k < als.factors; k++) expect(one[k]).toBeCloseTo(withText.predicted[i * als.factors + k]!, 5);
    // Through the artifact part, and refusing a vector of another size.
    const { meta, weights } = withText.mapping.toArtifactPart();
    const back = ContentFactorMapping.fromArtifactPart(JSON.parse(JSON.stringify(meta)), weights);
    expect(back.embedding).toEqual({ model: 'test-encoder', dims: 8, weight: 1 });
    expect(Array.from(back.predictContent(byCategory[i]!, vectors[i]))).toEqual(Array.from(one));
    expect(() => back.predictContent(byCategory[i]!, new Float32Array(3))).toThrow(/3 dims/);
  });

  it('refuses a content row of another feature space', () => {
    const m = new ContentFactorMapping(1).fit(features, new Float32Array(d.nItems * 2), 2, trainItems);
    expect(() => m.predict([65], [1])).toThrow(/feature 65/);
    expect(() => m.predictAll(contentFeatureMatrix(d.content, { dims: 32 }))).toThrow(/features/);
  });
});
