import { describe, expect, it } from 'vitest';
import {
  AlsModel,
  buildInteractionMatrix,
  ContentFactorMapping,
  contentFeatureMatrix,
  EventType,
  IdMap,
  Rng,
  type Interactions,
} from '@recgraph/recsys';
import {
  decodeServingArtifact,
  encodeServingArtifact,
  productContent,
  trainingDataFromInteractions,
  type ModelVersion,
} from '@recgraph/training';
import { ServingModel } from '../src/servingModel.ts';

const WORDS = ['trail', 'road', 'yoga', 'swim', 'ski', 'golf', 'chess', 'surf'];
/** Group g's product: two groups share each category, the brand and title words tell them apart. */
const content = (g: number, n: number) =>
  productContent({
    title: `${WORDS[g]} gear ${n}`,
    brand: `maker-${g}`,
    categoryPath: ['sport', `sport/${g >> 1}`],
    priceCents: 1000 * (1 + (n % 5)),
  });

describe('serving a brand-new product by its content', async () => {
  const rng = new Rng(11);
  const nItems = 160;
  const nUsers = 160;
  const user: number[] = [];
  const item: number[] = [];
  for (let u = 0; u < nUsers; u++)
    for (let n = 0; n < 12; n++) {
      user.push(u);
      item.push((u % 8) + 8 * rng.int(nItems / 8));
    }
  const x: Interactions = {
    user: Int32Array.from(user),
    item: Int32Array.from(item),
    type: new Uint8Array(user.length).fill(EventType.CLICK),
    value: new Float32Array(user.length).fill(1),
    timestamp: new Float64Array(user.length),
  };
  const users = new IdMap(Array.from({ length: nUsers }, (_, u) => `u${u}`));
  const items = new IdMap(Array.from({ length: nItems }, (_, i) => `p${i}`));
  const data = trainingDataFromInteractions(x, users, items, 'test');
  const matrix = buildInteractionMatrix(data.interactions, { nUsers, nItems }).userItems;
  const als = new AlsModel({ factors: 8, iterations: 8, regularization: 1, threads: 1, seed: 1 });
  await als.fit(matrix);
  const features = contentFeatureMatrix(Array.from({ length: nItems }, (_, i) => content(i % 8, i)));
  const mapping = new ContentFactorMapping(0.1).fit(
    features,
    als.itemFactors,
    als.factors,
    Array.from({ length: nItems }, (_, i) => i),
  );
  // Through the artifact, as a recommend replica loads it.
  const loaded = decodeServingArtifact(encodeServingArtifact(als, data, undefined, mapping));
  const serving = ServingModel.fromLoaded({
    version: { id: 'v', algorithm: 'als', dataTo: null } as ModelVersion,
    ...loaded,
  });
  const fan = (g: number) => serving.foldIn([0, 1, 2].map((n) => ({ productId: `p${g + 8 * n}`, weight: 1 })))!;

  it('ranks a product the model has never seen by its content, for each taste', () => {
    expect(serving.items.index('new-0')).toBeUndefined();
    for (const g of [0, 1, 4, 5]) {
      const mine = serving.scoreByContent(fan(g), `new-${g}`, content(g, 1000))!;
      const sameCategoryOther = serving.scoreByContent(fan(g), `new-${g ^ 1}`, content(g ^ 1, 1000))!;
      const otherCategory = serving.scoreByContent(fan(g), `new-${(g + 2) % 8}`, content((g + 2) % 8, 1000))!;
      expect(mine).toBeGreaterThan(sameCategoryOther);
      expect(mine).toBeGreaterThan(otherCategory);
    }
  });

  it("hands over to the product's own factors as its interactions arrive", () => {
    const q = fan(0);
    const own = serving.score(q, 'p1')!;
    const wrongContent = content(0, 1);
    const byContent = serving.scoreByContent(q, 'p1', wrongContent, 0)!;
    const settled = serving.scoreByContent(q, 'p1', wrongContent, 1e6)!;
    expect(Math.abs(settled - own)).toBeLessThan(Math.abs(byContent - own) / 100);
  });

  it('is absent from a model fitted without a content mapping', () => {
    const plain = ServingModel.fromLoaded({
      version: { id: 'w', algorithm: 'als', dataTo: null } as ModelVersion,
      ...decodeServingArtifact(encodeServingArtifact(als, data)),
    });
    expect(plain.contentMapping).toBeUndefined();
    expect(plain.scoreByContent(fan(0), 'new-0', content(0, 1))).toBeUndefined();
  });
});
