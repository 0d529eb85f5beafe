import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BULK_COUNT } from '../../../gateway/test/support/fixture.ts';
import { startTestStack, type TestStack } from '../../../gateway/test/support/testStack.ts';

let t: TestStack;

beforeAll(async () => {
  t = await startTestStack();
});

afterAll(async () => {
  await t?.stop();
});

interface Page {
  products: {
    totalCount: number;
    edges: { cursor: string; node: { sku: string; price: { cents: number } } }[];
    pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string | null };
  };
}

const LIST = `query ($first: Int, $after: String, $filter: ProductFilter, $sort: ProductSort) {
  products(first: $first, after: $after, filter: $filter, sort: $sort) {
    totalCount
    edges { cursor node { sku price { cents } } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}`;

async function list(variables: Record<string, unknown>): Promise<Page['products']> {
  const res = await t.gql<Page>(LIST, variables);
  expect(res.errors).toBeUndefined();
  return res.data!.products;
}

const skus = (p: Page['products']) => p.edges.map((e) => e.node.sku);
const ACTIVE = BULK_COUNT + 5;

describe('products listing', () => {
  it('walks every active product page by page with cursors, no repeats, no gaps', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const page = await list({ first: 40, after, sort: 'PRICE_ASC' });
      expect(page.totalCount).toBe(ACTIVE);
      expect(page.pageInfo.hasPreviousPage).toBe(pages > 0);
      seen.push(...skus(page));
      pages++;
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(pages).toBe(Math.ceil(ACTIVE / 40));
    expect(new Set(seen).size).toBe(ACTIVE);
    expect(seen).not.toContain('OLD-1');
  });

  it('a cursor resumes right after its own edge, whatever the page size', async () => {
    const first = await list({ first: 10, sort: 'PRICE_DESC' });
    const fifth = first.edges[4]!.cursor;
    const resumed = await list({ first: 3, after: fifth, sort: 'PRICE_DESC' });
    expect(skus(resumed)).toEqual(skus(first).slice(5, 8));
  });

  it('rejects a cursor from a differently filtered or sorted query', async () => {
    const page = await list({ first: 2, sort: 'PRICE_ASC' });
    const res = await t.gql(LIST, { first: 2, after: page.pageInfo.endCursor, sort: 'NEWEST' });
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('filters by category including descendants, but not by string prefix', async () => {
    const electronics = await list({
      first: 100,
      filter: { categoryId: t.fixture.categories.electronics.id },
      sort: 'PRICE_ASC',
    });
    expect(skus(electronics)).toEqual(['SP-1', 'HP-1', 'TV-1']);
    const audio = await list({ first: 100, filter: { categoryId: t.fixture.categories.audio.id }, sort: 'PRICE_ASC' });
    expect(skus(audio)).toEqual(['SP-1', 'HP-1']);
  });

  it('filters by price range (major units, inclusive), availability and brand (case-insensitive)', async () => {
    const range = await list({ first: 100, filter: { minPrice: 12, maxPrice: 199.99 }, sort: 'PRICE_ASC' });
    expect(skus(range)).toEqual(['MUG-1', 'SP-1', 'HP-1']);
    const low = await list({ first: 100, filter: { availability: ['LOW_STOCK', 'OUT_OF_STOCK'] }, sort: 'PRICE_ASC' });
    expect(skus(low)).toEqual(['MUG-1', 'SP-1']);
    const brand = await list({ first: 100, filter: { brand: 'SONIC' }, sort: 'PRICE_DESC' });
    expect(skus(brand)).toEqual(['HP-1', 'SP-1']);
    const text = await list({ first: 100, filter: { search: 'waterproof speaker' } });
    expect(skus(text)).toEqual(['SP-1']);
  });

  it('sorts by price, newest and rating', async () => {
    const asc = await list({ first: 100, sort: 'PRICE_ASC' });
    const cents = asc.edges.map((e) => e.node.price.cents);
    expect(cents).toEqual([...cents].sort((a, b) => a - b));
    const newest = await list({ first: 1, sort: 'NEWEST' });
    expect(skus(newest)).toEqual([`BULK-${BULK_COUNT - 1}`]);
    const rating = await list({
      first: 100,
      filter: { categoryId: t.fixture.categories.electronics.id },
      sort: 'RATING',
    });
    // TV 5.0, headphones 4.0, speaker 2.0
    expect(skus(rating)).toEqual(['TV-1', 'HP-1', 'SP-1']);
  });

  it('validates filters', async () => {
    const code = async (variables: Record<string, unknown>) =>
      (await t.gql(LIST, variables)).errors?.[0]?.extensions?.code;
    expect(await code({ filter: { minPrice: 10, maxPrice: 5 } })).toBe('BAD_USER_INPUT');
    expect(await code({ filter: { minPrice: -1 } })).toBe('BAD_USER_INPUT');
    expect(await code({ filter: { categoryId: 'electronics' } })).toBe('BAD_USER_INPUT');
    expect(await code({ filter: { brand: '  ' } })).toBe('BAD_USER_INPUT');
    expect(await code({ first: 101 })).toBe('BAD_USER_INPUT');
  });
});

describe('categories', () => {
  it('lists roots with their children and looks categories up by id or slug', async () => {
    const res = await t.gql<{
      categories: { slug: string; children: { slug: string; children: { slug: string }[] }[] }[];
      byId: { name: string; products: { totalCount: number } };
      bySlug: { id: string; parent: { slug: string } };
      missing: null;
    }>(
      `query ($id: ID) {
        categories { slug children { slug children { slug } } }
        byId: category(id: $id) { name products(first: 1) { totalCount } }
        bySlug: category(slug: "electronics/audio/headphones") { id parent { slug } }
        missing: category(slug: "nope") { id }
      }`,
      { id: t.fixture.categories.electronics.id },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.categories.map((c) => c.slug)).toEqual(['electronics', 'home', 'electronics-outlet']);
    expect(res.data!.categories[0]!.children).toEqual([
      { slug: 'electronics/audio', children: [{ slug: 'electronics/audio/headphones' }] },
    ]);
    expect(res.data!.byId).toEqual({ name: 'Electronics', products: { totalCount: 3 } });
    expect(res.data!.bySlug).toEqual({ id: t.fixture.categories.headphones.id, parent: { slug: 'electronics/audio' } });
    expect(res.data!.missing).toBeNull();
    const both = await t.gql(`{ category(id: "${t.fixture.categories.home.id}", slug: "home") { id } }`);
    expect(both.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('productBySku and review paging', async () => {
    const res = await t.gql<{
      productBySku: { id: string; reviews: { edges: { node: { rating: number } }[]; pageInfo: { endCursor: string } } };
    }>(`{ productBySku(sku: "HP-1") { id reviews(first: 2) { edges { node { rating } } pageInfo { endCursor } } } }`);
    expect(res.errors).toBeUndefined();
    const after = res.data!.productBySku.reviews.pageInfo.endCursor;
    const next = await t.gql<{
      product: { reviews: { edges: { node: { rating: number } }[]; pageInfo: { hasNextPage: boolean } } };
    }>(
      `query ($id: ID!, $after: String) { product(id: $id) { reviews(first: 2, after: $after) { edges { node { rating } } pageInfo { hasNextPage } } } }`,
      { id: res.data!.productBySku.id, after },
    );
    expect(next.data!.product.reviews).toEqual({ edges: [{ node: { rating: 5 } }], pageInfo: { hasNextPage: false } });
    const none = await t.gql(`{ productBySku(sku: "NOPE") { id } }`);
    expect(none.data).toEqual({ productBySku: null });
  });
});
