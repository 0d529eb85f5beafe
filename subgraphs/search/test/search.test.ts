import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, TEST_SECRET, type TestStack } from '../../../gateway/test/support/testStack.ts';

let t: TestStack;

beforeAll(async () => {
  t = await startTestStack();
});

afterAll(async () => {
  await t?.stop();
});

type Search = {
  search: {
    query: string;
    totalCount: number;
    hits: { score: number; product: { sku: string; searchScore: number } }[];
  };
};

describe('search subgraph', () => {
  it('ranks full-text matches and agrees with Product.searchScore', async () => {
    const res = await t.gql<Search>(
      `{ search(query: "  bulk item ", first: 3) { query totalCount hits { score product { sku searchScore(query: "bulk item") } } } }`,
    );
    expect(res.errors).toBeUndefined();
    const s = res.data!.search;
    expect(s.query).toBe('bulk item');
    expect(s.totalCount).toBeGreaterThanOrEqual(110);
    expect(s.hits).toHaveLength(3);
    for (const h of s.hits) expect(h.product.searchScore).toBeCloseTo(h.score, 6);
    const scores = s.hits.map((h) => h.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it('matches a title substring even when full-text finds nothing, with LIKE wildcards taken literally', async () => {
    const part = await t.gql<Search>(
      `{ search(query: "phone") { totalCount hits { product { sku searchScore(query: "phone") } } } }`,
    );
    expect(part.data!.search.hits.map((h) => h.product.sku)).toEqual(['HP-1']);
    const wildcard = await t.gql<Search>(`{ search(query: "%") { totalCount } }`);
    expect(wildcard.data!.search.totalCount).toBe(0);
  });

  it('scores 0 for a product that does not match', async () => {
    const res = await t.gql<{ product: { searchScore: number } }>(
      `query ($id: ID!) { product(id: $id) { searchScore(query: "headphones") } }`,
      { id: t.fixture.products.mug.id },
    );
    expect(res.data!.product.searchScore).toBe(0);
  });

  it('refuses direct calls without the gateway secret', async () => {
    const body = JSON.stringify({ query: '{ search(query: "mug") { totalCount } }' });
    const denied = await fetch(t.stack.subgraphs.search.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(denied.status).toBe(401);
    await denied.body?.cancel();
    const allowed = await fetch(t.stack.subgraphs.search.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-recgraph-gateway': TEST_SECRET },
      body,
    });
    expect(await allowed.json()).toEqual({ data: { search: { totalCount: 1 } } });
  });

  it('rejects over-long queries', async () => {
    const res = await t.gql(`query ($q: String!) { search(query: $q) { totalCount } }`, { q: 'x'.repeat(201) });
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
