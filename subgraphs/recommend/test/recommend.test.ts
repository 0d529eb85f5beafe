import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../../../gateway/test/support/testStack.ts';

// Live composition (SUPERGRAPH_MODE=live): the gateway composes from the
// running subgraphs' SDL, fetched with the gateway secret like any request.
let t: TestStack;

beforeAll(async () => {
  t = await startTestStack({ mode: 'live' });
});

afterAll(async () => {
  await t?.stop();
});

describe('recommend subgraph (gateway composing live)', () => {
  it('recommendedWith for a whole page in one go, strongest first, active products only', async () => {
    const res = await t.gql<{ products: { edges: { node: { sku: string; recommendedWith: { sku: string }[] } }[] } }>(
      `{ products(first: 100, filter: { categoryId: "${t.fixture.categories.electronics.id}" }, sort: PRICE_ASC) {
          edges { node { sku recommendedWith(first: 1) { sku } } } } }`,
    );
    expect(res.errors).toBeUndefined();
    const bySku = Object.fromEntries(
      res.data!.products.edges.map((e) => [e.node.sku, e.node.recommendedWith.map((r) => r.sku)]),
    );
    // The speaker's buyers (u1, u2) also touched the headphones; TV-1 was viewed by u2 and disliked by u3.
    expect(bySku).toEqual({ 'SP-1': ['HP-1'], 'HP-1': ['SP-1'], 'TV-1': ['HP-1'] });
  });

  it('products nobody else touched recommend nothing', async () => {
    const res = await t.gql<{ product: { recommendedWith: unknown[] } }>(
      `query ($id: ID!) { product(id: $id) { recommendedWith { id } } }`,
      { id: t.fixture.bulk[0]!.id },
    );
    expect(res.data!.product.recommendedWith).toEqual([]);
  });

  it('validates first and categoryId', async () => {
    const code = async (q: string) => (await t.gql(q)).errors?.[0]?.extensions?.code;
    expect(await code(`{ product(id: "${t.fixture.products.tv.id}") { recommendedWith(first: 51) { id } } }`)).toBe(
      'BAD_USER_INPUT',
    );
    expect(await code(`{ popularProducts(categoryId: "electronics") { id } }`)).toBe('BAD_USER_INPUT');
  });
});
