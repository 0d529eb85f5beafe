import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseTextEncoder, generateProductEmbeddings } from '@recgraph/embeddings';
import { startTestStack, TEST_SECRET, type TestStack } from '../../../gateway/test/support/testStack.ts';
import { createTestDatabase, realPostgresUrl } from '../../../packages/db/test/real-postgres.ts';
import { searchOptionsFromConfig } from '../src/server.ts';

/**
 * Hybrid search through the real gateway, on embedded PGlite and on the real Postgres
 * server: the fixture store plus a few fashion products, TEXT-embedded by the encoder
 * the subgraph uses (the fetched all-MiniLM-L6-v2 when present, else the built-in one).
 */
const pgUrl = await realPostgresUrl();
const backends = [
  { name: 'embedded PGlite', databaseUrl: async (): Promise<string | undefined> => undefined },
  ...(pgUrl ? [{ name: 'real Postgres', databaseUrl: () => createTestDatabase(pgUrl) }] : []),
];

const FASHION = [
  ['F-SHOE', 'Nike Men White Running Shoes', 'Nike', 'Footwear - Shoes - Sports Shoes - White - Sports', 5999, 'White'],
  [
    'F-SUN',
    'Ray-Ban Unisex Aviator Sunglasses',
    'Ray-Ban',
    'Accessories - Eyewear - Sunglasses - Gold - Casual',
    12900,
    'Gold',
  ],
  ['F-TEE', 'Puma Men Grey Leaping Cat Tshirt', 'Puma', 'Apparel - Topwear - Tshirts - Grey - Casual', 1999, 'Grey'],
  ['F-BAG', 'Baggit Women Brown Handbag', 'Baggit', 'Accessories - Bags - Handbags - Brown - Casual', 3499, 'Brown'],
  [
    'F-WATCH',
    'Titan Women Gold Analog Watch',
    'Titan',
    'Accessories - Watches - Watches - Gold - Formal',
    8999,
    'Gold',
  ],
] as const;

type Hit = {
  score: number;
  retrievers: { retriever: 'LEXICAL' | 'SEMANTIC'; rank: number; score: number }[];
  product: { sku: string; searchScore?: number };
};
type Search = {
  search: {
    query: string;
    totalCount: number;
    encoder: string | null;
    hits: Hit[];
    pageInfo: { endCursor: string | null; hasNextPage: boolean };
    facets: {
      categories: { value: string; label: string; count: number }[];
      brands: { value: string; label: string; count: number }[];
      prices: { min: number; max: number | null; count: number }[];
    };
  };
};

const SEARCH = `query ($q: String!, $first: Int, $after: String, $filter: SearchFilter, $mode: SearchMode) {
  search(query: $q, first: $first, after: $after, filter: $filter, mode: $mode) {
    query totalCount encoder
    hits { score retrievers { retriever rank score } product { sku } }
    pageInfo { endCursor hasNextPage }
    facets { categories { value label count } brands { value label count } prices { min max count } }
  }
}`;

describe.each(backends)('search through the gateway on $name', (backend) => {
  let t: TestStack;
  const search = async (q: string, v: Record<string, unknown> = {}) => {
    const res = await t.gql<Search>(SEARCH, { q, ...v });
    expect(res.errors).toBeUndefined();
    return res.data!.search;
  };
  const skus = (s: Search['search']) => s.hits.map((h) => h.product.sku);
  const codeOf = (res: { errors?: { extensions?: { code?: string } }[] }) => res.errors?.[0]?.extensions?.code;

  beforeAll(async () => {
    const databaseUrl = await backend.databaseUrl();
    t = await startTestStack(databaseUrl ? { databaseUrl } : {});
    const fashion = await t.db.prisma.category.create({ data: { slug: 'fashion', name: 'Fashion', path: 'fashion' } });
    for (const [sku, title, brand, description, priceCents, colour] of FASHION)
      await t.db.prisma.product.create({
        data: { sku, title, brand, description, priceCents, categoryId: fashion.id, attributes: { colour } },
      });
    const dir = chooseTextEncoder().dir;
    await generateProductEmbeddings(t.db, dir ? { textEncoderDir: dir } : {});
  }, 60_000);

  afterAll(async () => {
    await t?.stop();
  });

  it('fuses lexical and semantic lists, says which retriever found each hit, and agrees with searchScore', async () => {
    const s = await search('running shoes');
    expect(s.hits[0]!.product.sku).toBe('F-SHOE');
    const by = Object.fromEntries(s.hits[0]!.retrievers.map((r) => [r.retriever, r]));
    expect(by.LEXICAL?.rank).toBe(1);
    expect(by.SEMANTIC?.rank).toBe(1);
    // Rank 1 in both lists: Σ weight / (k + 1) with the configured fusion.
    const { fusion } = searchOptionsFromConfig();
    expect(s.hits[0]!.score).toBeCloseTo((fusion!.weights.LEXICAL + fusion!.weights.SEMANTIC) / (fusion!.k + 1), 10);
    expect(s.encoder).toEqual(
      chooseTextEncoder().dir ? expect.stringMatching(/^all-minilm-l6-v2-q@/) : 'recgraph-text-hash-v1',
    );
    const scores = s.hits.map((h) => h.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    const res = await t.gql<{ search: { hits: { product: { searchScore: number } }[] } }>(
      `{ search(query: "running shoes", first: 1) { hits { product { searchScore(query: "running shoes") } } } }`,
    );
    expect(res.data!.search.hits[0]!.product.searchScore).toBeCloseTo(by.LEXICAL!.score, 6);
  });

  it('matches the last word as a prefix, tolerates typos through pg_trgm, and maps shopper words', async () => {
    expect(skus(await search('sungl', { mode: 'LEXICAL' }))).toEqual(['F-SUN']);
    expect(skus(await search('sunglases', { mode: 'LEXICAL' }))[0]).toBe('F-SUN');
    expect(skus(await search('hedphones', { mode: 'LEXICAL' }))[0]).toBe('HP-1');
    expect(skus(await search('shades', { mode: 'LEXICAL' }))).toEqual(['F-SUN']);
    // Synonyms are the lexical retriever's: asserted there. In HYBRID the semantic list may
    // put another product at rank 1 too, and equal fused scores then fall to the id tie-break.
    expect(skus(await search('purse', { mode: 'LEXICAL' }))[0]).toBe('F-BAG');
    expect(skus(await search('tee', { mode: 'LEXICAL' }))[0]).toBe('F-TEE');
    expect(skus(await search('purse')).slice(0, 2)).toContain('F-BAG');
    // Nothing in the store is about airships: no lexical match, no semantic neighbour above the floor.
    expect(await search('zeppelin')).toMatchObject({ totalCount: 0, hits: [] });
  });

  it('filters by category (with descendants), brand, price and stock, in every retriever and facet', async () => {
    const { categories } = t.fixture;
    const inAudio = await search('headphones speaker', { filter: { categoryIds: [categories.audio.id] } });
    expect(skus(inAudio).sort()).toEqual(['HP-1', 'SP-1']);
    const sonic = await search('speaker', { filter: { brands: ['sonic'] } });
    expect(skus(sonic)).toEqual(['SP-1']);
    const cheap = await search('bulk item', { first: 100, filter: { priceMin: 1.5, priceMax: 1.6 } });
    expect(cheap.totalCount).toBe(11);
    expect(skus(cheap).every((s) => s.startsWith('BULK-'))).toBe(true);
    const outOfStock = await search('mug', { filter: { inStock: false } });
    expect(skus(outOfStock)).toEqual(['MUG-1']);
    expect((await search('mug', { filter: { inStock: true } })).totalCount).toBe(0);
  });

  it('counts facets over every match: categories, brands and price buckets', async () => {
    const s = await search('bulk item', { mode: 'LEXICAL', first: 5 });
    expect(s.totalCount).toBe(110);
    expect(s.facets.categories).toEqual([{ value: t.fixture.categories.home.id, label: 'Home', count: 110 }]);
    expect(s.facets.brands).toEqual([{ value: 'Generic', label: 'Generic', count: 110 }]);
    expect(s.facets.prices).toEqual([{ min: 0, max: 25, count: 110 }]);
    const fashion = await search('women', { mode: 'LEXICAL' });
    expect(fashion.facets.brands.map((b) => b.value).sort()).toEqual(['Baggit', 'Titan']);
    expect(fashion.facets.prices).toEqual([
      { min: 25, max: 50, count: 1 },
      { min: 50, max: 100, count: 1 },
    ]);
  });

  it('pages with a cursor through a stable order, and rejects a foreign cursor', async () => {
    const all = await search('bulk item', { first: 60 });
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 3; page++) {
      const s: Search['search'] = await search('bulk item', { first: 20, ...(after ? { after } : {}) });
      seen.push(...skus(s));
      after = s.pageInfo.endCursor;
      expect(s.pageInfo.hasNextPage).toBe(true);
    }
    expect(seen).toEqual(skus(all));
    expect(new Set(seen).size).toBe(60);
    const again = await search('bulk item', { first: 60 });
    expect(skus(again)).toEqual(skus(all));
    const last = await search('running shoes', { first: 100 });
    expect(last.pageInfo.hasNextPage).toBe(false);
    expect(codeOf(await t.gql(SEARCH, { q: 'bulk', after: 'bm9wZQ' }))).toBe('BAD_USER_INPUT');
  });

  it('answers BAD_USER_INPUT for empty, oversized or malformed input', async () => {
    for (const v of [
      { q: '   ' },
      { q: 'x'.repeat(201) },
      { q: Array.from({ length: 33 }, (_, i) => `w${i}`).join(' ') },
      { q: 'mug', first: 0 },
      { q: 'mug', first: 101 },
      { q: 'mug', filter: { priceMin: 10, priceMax: 5 } },
      { q: 'mug', filter: { priceMin: -1 } },
      { q: 'mug', filter: { categoryIds: ['not-a-uuid'] } },
    ])
      expect(codeOf(await t.gql(SEARCH, v))).toBe('BAD_USER_INPUT');
    expect(codeOf(await t.gql(`{ suggest(prefix: "") { text } }`))).toBe('BAD_USER_INPUT');
  });

  it('suggests brands, categories and product titles for a prefix', async () => {
    const res = await t.gql<{ suggest: { text: string; kind: string }[] }>(
      `{ a: suggest(prefix: "son") { text kind } b: suggest(prefix: "Ray-Ban avi") { text kind } c: suggest(prefix: "hea", first: 3) { text kind } }`,
    );
    expect(res.errors).toBeUndefined();
    const d = res.data as unknown as Record<'a' | 'b' | 'c', { text: string; kind: string }[]>;
    expect(d.a[0]).toEqual({ text: 'Sonic', kind: 'BRAND' });
    expect(d.b).toContainEqual({ text: 'Ray-Ban Unisex Aviator Sunglasses', kind: 'PRODUCT' });
    expect(d.c).toEqual([
      { text: 'Headphones', kind: 'CATEGORY' },
      { text: 'Studio Headphones', kind: 'PRODUCT' },
    ]);
  });

  it('keeps the stored search document current for every writer (raw SQL, category renames)', async () => {
    await t.db.pool.query(`UPDATE products SET title = 'Ceramic Espresso Mug' WHERE sku = 'MUG-1'`);
    expect(skus(await search('espresso', { mode: 'LEXICAL' }))).toEqual(['MUG-1']);
    await t.db.pool.query(`UPDATE categories SET name = 'Kitchenware' WHERE slug = 'home'`);
    const s = await search('kitchenware', { mode: 'LEXICAL', first: 1 });
    expect(s.totalCount).toBe(111);
  });

  it('refuses direct calls without the gateway secret', async () => {
    const body = JSON.stringify({ query: '{ search(query: "studio") { totalCount } }' });
    const denied = await fetch(t.stack.subgraphs.search.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(denied.status).toBe(401);
    await denied.body?.cancel();
    const allowed = await fetch(t.stack.subgraphs.search.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-recgraph-gateway': TEST_SECRET.bearer },
      body,
    });
    expect(await allowed.json()).toEqual({ data: { search: { totalCount: 1 } } });
  });
});
