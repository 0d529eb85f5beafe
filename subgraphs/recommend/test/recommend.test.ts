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
          edges { node { sku recommendedWith(first: 2) { sku } } } } }`,
    );
    expect(res.errors).toBeUndefined();
    const bySku = Object.fromEntries(
      res.data!.products.edges.map((e) => [e.node.sku, e.node.recommendedWith.map((r) => r.sku)]),
    );
    // SP-1: u1 viewed and u2 bought HP-1 (1 + 5); u1 bought MUG-1 long ago (5) beats u2's TV-1 view (1):
    // co-interaction history has no time window, only popularity does.
    expect(bySku['SP-1']).toEqual(['HP-1', 'MUG-1']);
    // HP-1: SP-1 bought by u1 and u2 (5 + 5); MUG-1 bought by u1 and viewed by u3 (5 + 1).
    expect(bySku['HP-1']).toEqual(['SP-1', 'MUG-1']);
    // TV-1: only u2 counts (u3 disliked it), who bought both HP-1 and SP-1: a tie, order by id.
    expect([...bySku['TV-1']!].sort()).toEqual(['HP-1', 'SP-1']);
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
