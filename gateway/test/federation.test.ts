import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeSupergraph, SUPERGRAPH_FILE } from '../src/composeSupergraph.ts';
import { startTestStack, TEST_SECRET, type TestStack } from './support/testStack.ts';

let t: TestStack;

beforeAll(async () => {
  t = await startTestStack();
});

afterAll(async () => {
  await t?.stop();
});

describe('supergraph', () => {
  it('gateway/supergraph.graphql is what the subgraph schema files compose to (run `npm run compose`)', () => {
    expect(readFileSync(SUPERGRAPH_FILE, 'utf8')).toBe(composeSupergraph().supergraphSdl);
  });
});

describe('one product across subgraphs', () => {
  it('combines catalog, recommend and search fields', async () => {
    const { headphones, speaker, tv, mug } = t.fixture.products;
    const res = await t.gql<{ product: Record<string, unknown> }>(
      `query ($id: ID!) {
        product(id: $id) {
          id sku title brand availability stock imageUrl createdAt
          price { amount currency cents }
          category { slug path parent { slug } }
          specs { name value }
          ratingSummary { average count }
          reviews(first: 2) { totalCount edges { node { rating title } } pageInfo { hasNextPage } }
          recommendedWith(first: 5) { sku title }
          searchScore(query: "wireless headphones")
        }
      }`,
      { id: headphones.id },
    );
    expect(res.errors).toBeUndefined();
    const p = res.data!.product;
    expect(p).toMatchObject({
      id: headphones.id,
      sku: 'HP-1',
      brand: 'Sonic',
      availability: 'IN_STOCK',
      stock: 12,
      imageUrl: '/images/HP-1.png',
      price: { amount: '199.99', currency: 'USD', cents: 19999 },
      category: {
        slug: 'electronics/audio/headphones',
        path: 'electronics/audio/headphones',
        parent: { slug: 'electronics/audio' },
      },
      specs: [
        { name: 'colour', value: 'black' },
        { name: 'sizes', value: 'S, M' },
        { name: 'wireless', value: 'true' },
      ],
      ratingSummary: { average: 4, count: 3 },
      reviews: {
        totalCount: 3,
        edges: [{ node: { rating: 3, title: null } }, { node: { rating: 4, title: null } }],
        pageInfo: { hasNextPage: true },
      },
    });
    // Speaker: bought by u1 and u2 (5 + 5); mug: bought by u1, viewed by u3 (5 + 1); TV: viewed by u2 (1).
    expect((p.recommendedWith as { sku: string }[]).map((r) => r.sku)).toEqual([speaker.sku, mug.sku, tv.sku]);
    expect(p.searchScore).toBeGreaterThan(0);
  });

  it('search finds products and the gateway completes them from the catalog', async () => {
    const res = await t.gql<{
      search: { totalCount: number; hits: { score: number; product: { sku: string; price: { amount: string } } }[] };
    }>(`{ search(query: "headphones", first: 5) { totalCount hits { score product { sku price { amount } } } } }`);
    expect(res.errors).toBeUndefined();
    // The archived product mentions headphones too but is not for sale.
    expect(res.data!.search.totalCount).toBe(1);
    expect(res.data!.search.hits[0]).toMatchObject({ product: { sku: 'HP-1', price: { amount: '199.99' } } });
    const none = await t.gql<{ search: { totalCount: number; hits: unknown[] } }>(
      `{ search(query: "zeppelin") { totalCount hits { score } } }`,
    );
    expect(none.data!.search).toEqual({ totalCount: 0, hits: [] });
  });

  it('popularProducts ranks by recent interaction weight, optionally within a category tree', async () => {
    const all = await t.gql<{ popularProducts: { sku: string }[] }>(`{ popularProducts(first: 10) { sku } }`);
    expect(all.errors).toBeUndefined();
    // speaker 10, headphones 1+5+1, then TV and mug with 1 each; the month-old purchase and the dislike do not count.
    expect(all.data!.popularProducts.map((p) => p.sku).slice(0, 2)).toEqual(['SP-1', 'HP-1']);
    expect(
      all
        .data!.popularProducts.map((p) => p.sku)
        .slice(2)
        .sort(),
    ).toEqual(['MUG-1', 'TV-1']);
    const electronics = await t.gql<{ popularProducts: { sku: string }[] }>(
      `query ($c: ID) { popularProducts(first: 10, categoryId: $c) { sku } }`,
      { c: t.fixture.categories.electronics.id },
    );
    expect(electronics.data!.popularProducts.map((p) => p.sku)).toEqual(['SP-1', 'HP-1', 'TV-1']);
  });

  it('assistant serves store policies', async () => {
    const res = await t.gql(
      `{ storePolicies { key title } storePolicy(key: "returns") { body } assistantInfo { policyCount capabilities } }`,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({
      storePolicies: [{ key: 'returns', title: 'Returns' }],
      storePolicy: { body: 'Return unused items within 30 days.' },
      assistantInfo: {
        policyCount: 1,
        capabilities: ['store-policies', 'ask', 'threads', 'knowledge-retrieval', 'streamed-replies'],
      },
    });
  });
});

describe('errors carry stable codes', () => {
  const codeOf = (res: { errors?: { extensions?: { code?: string } }[] }) => res.errors?.[0]?.extensions?.code;

  it('malformed id → BAD_USER_INPUT; unknown id → null', async () => {
    expect(codeOf(await t.gql(`{ product(id: "not-a-uuid") { id } }`))).toBe('BAD_USER_INPUT');
    const unknown = await t.gql(`{ product(id: "00000000-0000-4000-8000-000000000000") { id } }`);
    expect(unknown.errors).toBeUndefined();
    expect(unknown.data).toEqual({ product: null });
  });

  it('page sizes outside 1..100 → BAD_USER_INPUT', async () => {
    expect(codeOf(await t.gql(`{ products(first: 10000) { totalCount } }`))).toBe('BAD_USER_INPUT');
    expect(codeOf(await t.gql(`{ products(first: 0) { totalCount } }`))).toBe('BAD_USER_INPUT');
    expect(codeOf(await t.gql(`{ popularProducts(first: 101) { id } }`))).toBe('BAD_USER_INPUT');
    expect(codeOf(await t.gql(`{ search(query: "x", first: -1) { totalCount } }`))).toBe('BAD_USER_INPUT');
  });

  it('a category that does not exist → NOT_FOUND', async () => {
    const res = await t.gql(
      `{ products(filter: { categoryId: "00000000-0000-4000-8000-000000000000" }) { totalCount } }`,
    );
    expect(codeOf(res)).toBe('NOT_FOUND');
    expect(codeOf(await t.gql(`{ popularProducts(categoryId: "00000000-0000-4000-8000-000000000000") { id } }`))).toBe(
      'NOT_FOUND',
    );
  });

  it('invalid documents and blank search text → BAD_USER_INPUT', async () => {
    expect(codeOf(await t.gql(`{ product(id: "x") { noSuchField } }`))).toBe('BAD_USER_INPUT');
    expect(codeOf(await t.gql(`{ search(query: "   ") { totalCount } }`))).toBe('BAD_USER_INPUT');
    expect(codeOf(await t.gql(`{ products(after: "garbage") { totalCount } }`))).toBe('BAD_USER_INPUT');
  });
});

describe('batching', () => {
  it('100 products with category and ratingSummary cost a constant number of SQL statements', async () => {
    const query = `{ products(first: 100, sort: PRICE_ASC) { edges { node { id category { name parent { name } } ratingSummary { average count } } } } }`;
    t.sql.reset();
    const res = await t.gql<{ products: { edges: unknown[] } }>(query);
    expect(res.errors).toBeUndefined();
    expect(res.data!.products.edges).toHaveLength(100);
    // count + page ids + products + categories + parent categories + rating aggregates = 6;
    // the bound leaves room for driver housekeeping but not for one query per product.
    expect(t.sql.count, t.sql.statements.join('\n')).toBeLessThanOrEqual(10);
    const small = t.sql.count;
    console.info(`SQL statements for 100 products: ${small}`);
    t.sql.reset();
    await t.gql(query.replace('first: 100', 'first: 5'));
    expect(t.sql.count).toBe(small);
  });
});

describe('HTTP surface', () => {
  it('serves product images by plain file name only', async () => {
    writeFileSync(join(t.imagesDir, 'HP-1.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    const ok = await fetch(`${t.stack.gateway.origin}/images/HP-1.png`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await ok.arrayBuffer())).toHaveLength(4);
    for (const bad of [
      '/images/..%2Fpackage.json',
      '/images/../../etc/passwd',
      '/images/.hidden.png',
      '/images/missing.png',
      '/images/HP-1.txt',
    ]) {
      const res = await fetch(`${t.stack.gateway.origin}${bad}`);
      expect(res.status, bad).toBe(404);
      await res.body?.cancel();
    }
  });

  it('subgraphs refuse callers without the gateway secret but keep health open', async () => {
    const catalog = t.stack.subgraphs.catalog;
    const body = JSON.stringify({ query: '{ products(first: 1) { totalCount } }' });
    const anonymous = await fetch(catalog.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(anonymous.status).toBe(401);
    expect(
      ((await anonymous.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code,
    ).toBe('UNAUTHENTICATED');
    const wrong = await fetch(catalog.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-recgraph-gateway': 'guess-guess-guess-guess' },
      body,
    });
    expect(wrong.status).toBe(403);
    await wrong.body?.cancel();
    const right = await fetch(catalog.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-recgraph-gateway': TEST_SECRET.bearer },
      body,
    });
    expect(right.status).toBe(200);
    await right.body?.cancel();
    expect((await fetch(`${catalog.origin}/health/live`)).status).toBe(200);
    expect((await fetch(`${catalog.origin}/health/ready`)).status).toBe(200);
  });

  it('gateway health: live always, ready while its supergraph is loaded, each subgraph on /health/subgraphs (runs last: stops one)', async () => {
    const origin = t.stack.gateway.origin;
    expect((await fetch(`${origin}/health/live`)).status).toBe(200);
    expect((await fetch(`${origin}/health/ready`)).status).toBe(200);
    expect((await fetch(`${origin}/health/subgraphs`)).status).toBe(200);
    await t.stack.subgraphs.search.close();
    // One subgraph down takes out only the fields it serves, not the API.
    expect(await (await fetch(`${origin}/health/ready`)).json()).toEqual({
      status: 'ready',
      checks: { supergraph: { ok: true } },
    });
    const res = await fetch(`${origin}/health/subgraphs`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { status: string; checks: Record<string, { ok: boolean }> };
    expect(body.status).toBe('unavailable');
    expect(body.checks.search!.ok).toBe(false);
    expect(body.checks.catalog!.ok).toBe(true);
    expect((await fetch(`${origin}/health/live`)).status).toBe(200);
    // Queries touching the stopped subgraph fail with a stable code; the others still answer.
    const broken = await t.gql(`{ search(query: "mug") { totalCount } }`);
    expect(broken.errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    expect(broken.errors?.[0]?.message).toBe('Internal server error');
    const fine = await t.gql(`query ($id: ID!) { product(id: $id) { sku } }`, { id: t.fixture.products.mug.id });
    expect(fine.data).toEqual({ product: { sku: 'MUG-1' } });
  });
});
