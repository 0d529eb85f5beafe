import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deflateSync, crc32 } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embedProductImages } from '@recgraph/embeddings/image-embeddings';
import { chooseImageEncoder, openImageEncoder } from '@recgraph/embeddings/image-encoder';
import { MAX_IMAGE_BYTES } from '@recgraph/embeddings/image-input';
import { createTokenVerifier } from '@recgraph/auth';
import { DEV_JWT_SECRET } from '@recgraph/config';
import { createLogger } from '@recgraph/telemetry';
import { createGateway } from '../../../gateway/src/gateway.ts';
import type { SubgraphUrls } from '../../../gateway/src/subgraphList.ts';
import {
  startTestStack,
  TEST_SECRET,
  type GraphQLResponse,
  type TestStack,
} from '../../../gateway/test/support/testStack.ts';
import { createTestDatabase, realPostgresUrl } from '../../../packages/db/test/real-postgres.ts';

/**
 * searchByImage and Product.visuallySimilar through the real gateway, on embedded PGlite
 * and on the real Postgres server: a few products with drawn photos, IMAGE-embedded by the
 * encoder the subgraph uses (the shipped trained CNN, else the built-in descriptor).
 */
const pgUrl = await realPostgresUrl();
const backends = [
  { name: 'embedded PGlite', databaseUrl: async (): Promise<string | undefined> => undefined },
  ...(pgUrl ? [{ name: 'real Postgres', databaseUrl: () => createTestDatabase(pgUrl) }] : []),
];

type Rgb = [number, number, number];

/** A 60 × 80 catalog-style photo: a garment drawn on white (body, sleeves; `lower` colours the bottom half). */
async function garment(colour: Rgb, o: { shift?: number; lower?: Rgb; bag?: boolean } = {}): Promise<Buffer> {
  const w = 60;
  const h = 80;
  const px = Buffer.alloc(w * h * 3, 255);
  const s = o.shift ?? 0;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const body = o.bag
        ? (x - 30) ** 2 / 400 + (y - 50) ** 2 / 300 < 1 || (y > 20 && y < 34 && Math.abs(Math.abs(x - 30) - 10) < 2)
        : (x >= 15 + s && x < 45 + s && y >= 12 && y < 72) || (y >= 12 && y < 32 && x >= 4 + s && x < 56 + s);
      if (!body) continue;
      const c = o.lower && y >= 42 ? o.lower : colour;
      px.set(c, (y * w + x) * 3);
    }
  return sharp(px, { raw: { width: w, height: h, channels: 3 } })
    .png()
    .toBuffer();
}

const RED: Rgb = [200, 20, 30];
const BLUE: Rgb = [20, 40, 190];
const PRODUCTS: { sku: string; title: string; brand: string; photo: () => Promise<Buffer> }[] = [
  { sku: 'IMG-RED-1', title: 'Red Tshirt', brand: 'Alpha', photo: () => garment(RED) },
  { sku: 'IMG-RED-2', title: 'Red Tshirt Slim', brand: 'Beta', photo: () => garment(RED, { shift: 2 }) },
  { sku: 'IMG-BLUE-1', title: 'Blue Tshirt', brand: 'Alpha', photo: () => garment(BLUE) },
  { sku: 'IMG-TWO-TONE', title: 'Red and Blue Tshirt', brand: 'Gamma', photo: () => garment(RED, { lower: BLUE }) },
  { sku: 'IMG-RED-BAG', title: 'Red Handbag', brand: 'Alpha', photo: () => garment(RED, { bag: true }) },
];

/** A PNG header claiming 20,000 × 20,000 pixels with a little data: a decompression bomb's shape. */
function hugePng(): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(20_000, 0);
  ihdr.writeUInt32BE(20_000, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(4096))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * A phone-sized JPEG of a product photo: scaled to 3,000 × 4,000 with sensor-like noise, so it
 * stays over 3 MB as a camera's would (base64: over 4 MB, four times MAX_BODY_BYTES).
 */
async function phonePhoto(photo: Buffer): Promise<string> {
  const { data, info } = await sharp(photo)
    .resize(3000, 4000, { kernel: 'nearest' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  let seed = 1;
  for (let i = 0; i < data.length; i++) {
    seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
    data[i] = Math.max(0, Math.min(255, data[i]! + ((seed >> 16) % 25) - 12));
  }
  const jpeg = await sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } })
    .jpeg({ quality: 92 })
    .toBuffer();
  return jpeg.toString('base64');
}

type Hit = {
  score: number;
  retrievers: { retriever: string; rank: number; score: number }[];
  product: { sku: string };
};
const BY_IMAGE = `query ($image: String!, $first: Int, $filter: SearchFilter) {
  searchByImage(imageBase64: $image, first: $first, filter: $filter) {
    encoder hits { score retrievers { retriever rank score } product { sku } }
  }
}`;

describe.each(backends)('image search through the gateway on $name', (backend) => {
  let t: TestStack;
  let model: string;
  const ids = new Map<string, string>();
  const byImage = async (image: Buffer | string, v: Record<string, unknown> = {}) => {
    const res = await t.gql<{ searchByImage: { encoder: string; hits: Hit[] } }>(BY_IMAGE, {
      image: typeof image === 'string' ? image : image.toString('base64'),
      ...v,
    });
    expect(res.errors).toBeUndefined();
    return res.data!.searchByImage;
  };
  const skus = (hits: Hit[]) => hits.map((h) => h.product.sku);
  /** GraphQL requests the search subgraph has executed (its own /metrics). */
  const searchRequests = async () => {
    const text = await (await fetch(`${t.stack.subgraphs.search.origin}/metrics`)).text();
    return [...text.matchAll(/^recgraph_search_graphql_requests_total\{[^}]*\} (\d+)$/gm)].reduce(
      (sum, m) => sum + Number(m[1]),
      0,
    );
  };

  beforeAll(async () => {
    const databaseUrl = await backend.databaseUrl();
    // The default limits: 1 MB bodies, and MAX_IMAGE_UPLOAD_BYTES (a 10 MiB photo in base64) for searchByImage.
    t = await startTestStack(databaseUrl ? { databaseUrl } : {});
    const cat = await t.db.prisma.category.create({ data: { slug: 'apparel', name: 'Apparel', path: 'apparel' } });
    for (const p of PRODUCTS) {
      await writeFile(join(t.imagesDir, `${p.sku}.png`), await p.photo());
      const row = await t.db.prisma.product.create({
        data: {
          sku: p.sku,
          title: p.title,
          brand: p.brand,
          priceCents: 1999,
          categoryId: cat.id,
          imageUrl: `/images/${p.sku}.png`,
        },
      });
      ids.set(p.sku, row.id);
    }
    const encoder = await openImageEncoder(chooseImageEncoder());
    try {
      const report = await embedProductImages(t.db, encoder, { imagesDir: t.imagesDir });
      // The fixture's own products have no photos.
      expect(report).toMatchObject({ written: PRODUCTS.length, unreadable: 0 });
      model = encoder.model;
    } finally {
      await encoder.release();
    }
  }, 60_000);

  afterAll(async () => {
    await t?.stop();
  });

  it('finds the product in a photo first, with the encoder named and IMAGE ranks on every hit', async () => {
    const photo = await sharp(await PRODUCTS[0]!.photo())
      .jpeg({ quality: 85 })
      .toBuffer();
    const r = await byImage(photo, { first: 3 });
    expect(r.encoder).toBe(model);
    expect(skus(r.hits)[0]).toBe('IMG-RED-1');
    expect(r.hits[0]!.score).toBeGreaterThan(0.95);
    expect(r.hits.map((h) => h.retrievers)).toEqual(
      r.hits.map((h, i) => [{ retriever: 'IMAGE', rank: i + 1, score: h.score }]),
    );
    const scores = r.hits.map((h) => h.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    // WebP and a data: URL are accepted too.
    const webp = await sharp(photo).webp().toBuffer();
    expect(skus((await byImage(`data:image/webp;base64,${webp.toString('base64')}`, { first: 1 })).hits)).toEqual([
      'IMG-RED-1',
    ]);
  });

  it('honours EXIF orientation: a sideways-stored photo tagged to display upright finds the upright product', async () => {
    const upright = await PRODUCTS[3]!.photo();
    const stored = await sharp(upright).rotate(-90).jpeg({ quality: 90 }).withMetadata({ orientation: 6 }).toBuffer();
    expect((await sharp(stored).metadata()).width).toBe(80);
    const r = await byImage(stored, { first: 1 });
    expect(skus(r.hits)).toEqual(['IMG-TWO-TONE']);
    expect(r.hits[0]!.score).toBeGreaterThan(0.95);
  });

  it('narrows by the search filter', async () => {
    const r = await byImage(await PRODUCTS[0]!.photo(), { filter: { brands: ['Alpha'] } });
    expect(skus(r.hits).sort()).toEqual(['IMG-BLUE-1', 'IMG-RED-1', 'IMG-RED-BAG']);
  });

  it('lists visually similar products, itself excluded; none for a product without a photo', async () => {
    const res = await t.gql<{ product: { visuallySimilar: Hit[] }; other: { visuallySimilar: Hit[] } }>(
      `query ($id: ID!, $other: ID!) {
        product(id: $id) { visuallySimilar(first: 3) { score retrievers { retriever rank } product { sku } } }
        other: product(id: $other) { visuallySimilar { score product { sku } } }
      }`,
      { id: ids.get('IMG-RED-1'), other: t.fixture.products.mug.id },
    );
    expect(res.errors).toBeUndefined();
    const similar = res.data!.product.visuallySimilar;
    expect(similar).toHaveLength(3);
    expect(similar[0]!.product.sku).toBe('IMG-RED-2');
    expect(skus(similar)).not.toContain('IMG-RED-1');
    expect(res.data!.other.visuallySimilar).toEqual([]);
  });

  it('takes a 3 MB phone photo through the gateway (over MAX_BODY_BYTES): hits', async () => {
    const photo = await phonePhoto(await PRODUCTS[0]!.photo());
    expect(photo.length).toBeGreaterThan(3_000_000);
    const r = await byImage(photo, { first: 3 });
    expect(skus(r.hits)[0]).toBe('IMG-RED-1');
  });

  it('refuses a photo over the upload limit (11 MB) with 413 BAD_USER_INPUT, before the subgraph sees it', async () => {
    const before = await searchRequests();
    const res = await t.gql(BY_IMAGE, { image: Buffer.alloc(11 * 1024 * 1024, 7).toString('base64') });
    expect({ status: res.status, code: res.errors?.[0]?.extensions?.code, data: res.data ?? null }).toEqual({
      status: 413,
      code: 'BAD_USER_INPUT',
      data: null,
    });
    expect(res.errors?.[0]?.message).toMatch(/exceeds the 14046552-byte limit .*searchByImage/);
    expect(await searchRequests()).toBe(before);
  });

  // About HTTP, not the database: once is enough.
  it.runIf(backend === backends[0])(
    'gives the larger limit to nothing else: 3 MB on any other shape of request is 413',
    async () => {
      const big = 'A'.repeat(3_000_000);
      const photo = (await PRODUCTS[0]!.photo()).toString('base64');
      const cases: [string, unknown][] = [
        [
          'another operation',
          { query: 'query ($s: String!) { search(query: $s) { totalCount } }', variables: { s: big } },
        ],
        [
          'searchByImage beside another root field',
          {
            query: 'query ($i: String!) { searchByImage(imageBase64: $i) { encoder } products { totalCount } }',
            variables: { i: big },
          },
        ],
        [
          'two operations, one of them searchByImage',
          {
            query: `${BY_IMAGE} query Other($s: String!) { search(query: $s) { totalCount } }`,
            operationName: 'Other',
            variables: { image: photo, s: big },
          },
        ],
        ['the photo inline in the query', { query: `{ searchByImage(imageBase64: "${big}") { encoder } }` }],
        ['the bulk in another variable', { query: BY_IMAGE, variables: { image: photo, padding: big } }],
        [
          'a mutation',
          { query: 'mutation ($i: String!) { searchByImage(imageBase64: $i) { encoder } }', variables: { i: big } },
        ],
        ['not JSON', `{"query": "${big}`],
      ];
      for (const [what, body] of cases) {
        const res = await fetch(t.stack.gateway.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: typeof body === 'string' ? body : JSON.stringify(body),
        });
        const answer = (await res.json()) as { errors?: { message: string; extensions?: { code?: string } }[] };
        expect({ what, status: res.status, code: answer.errors?.[0]?.extensions?.code }).toEqual({
          what,
          status: 413,
          code: 'BAD_USER_INPUT',
        });
        expect(answer.errors?.[0]?.message).toMatch(/exceeds the 1000000-byte limit/);
      }
    },
  );

  // About HTTP, not the database: once is enough.
  it.runIf(backend === backends[0])(
    'the search subgraph applies the same rule itself (the gateway is not its only guard)',
    async () => {
      const post = (body: unknown) =>
        fetch(t.stack.subgraphs.search.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-recgraph-gateway': TEST_SECRET.bearer },
          body: JSON.stringify(body),
        });
      const photo = await phonePhoto(await PRODUCTS[2]!.photo());
      const ok = await post({
        query: 'query ($i: String!) { searchByImage(imageBase64: $i, first: 1) { encoder } }',
        variables: { i: photo },
      });
      expect(ok.status).toBe(200);
      expect(((await ok.json()) as { data: { searchByImage: { encoder: string } } }).data.searchByImage.encoder).toBe(
        model,
      );
      const other = await post({
        query: 'query ($s: String!) { search(query: $s) { totalCount } }',
        variables: { s: photo },
      });
      expect(other.status).toBe(413);
    },
  );

  // About HTTP, not the database: once is enough.
  it.runIf(backend === backends[0])('rate limits and the query cost limit still apply to photo uploads', async () => {
    const subgraphUrls = Object.fromEntries(
      Object.entries(t.stack.subgraphs).map(([name, s]) => [name, s.url]),
    ) as SubgraphUrls;
    const limited = await createGateway({
      subgraphUrls,
      secret: TEST_SECRET,
      logger: createLogger('gateway', { level: 'silent' }),
      verifyToken: createTokenVerifier({ hs256Secret: DEV_JWT_SECRET }),
      protection: { rateLimit: { points: 1, durationS: 60 }, maxCost: 50 },
    });
    try {
      const photo = await phonePhoto(await PRODUCTS[0]!.photo());
      const post = async (query: string) => {
        const res = await fetch(limited.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query, variables: { image: photo } }),
        });
        const error = ((await res.json()) as GraphQLResponse).errors?.[0];
        return { status: res.status, code: error?.extensions?.code, message: error?.message };
      };
      const costly = `query ($image: String!) { searchByImage(imageBase64: $image, first: 50) {
        hits { score retrievers { retriever rank score } product { sku title brand price { amount currency } } } } }`;
      expect(await post(costly)).toMatchObject({
        code: 'BAD_USER_INPUT',
        message: expect.stringMatching(/Cost limit/),
      });
      expect(await post('query ($image: String!) { searchByImage(imageBase64: $image) { encoder } }')).toMatchObject({
        code: 'RATE_LIMITED',
      });
    } finally {
      await limited.stop();
    }
  });

  it('answers BAD_USER_INPUT for every bad image, before any database work', async () => {
    const jpeg = await sharp(await PRODUCTS[0]!.photo())
      .jpeg()
      .toBuffer();
    const cases: [string, string][] = [
      ['not an image', Buffer.from('just some text, not a picture').toString('base64')],
      ['truncated', jpeg.subarray(0, jpeg.length >> 1).toString('base64')],
      ['over 10 MB', Buffer.alloc(MAX_IMAGE_BYTES + 1, 7).toString('base64')],
      ['20,000 × 20,000 pixels', hugePng().toString('base64')],
      ['a GIF', (await sharp(jpeg).gif().toBuffer()).toString('base64')],
      ['not base64', '%%% not base64 %%%'],
      ['empty', ''],
    ];
    for (const [what, image] of cases) {
      t.sql.reset();
      const res = await t.gql(BY_IMAGE, { image });
      expect({ what, code: res.errors?.[0]?.extensions?.code, data: res.data }).toEqual({
        what,
        code: 'BAD_USER_INPUT',
        data: null,
      });
      // Background passes (e.g. the recommend caches' refresh) may query meanwhile; image search must not.
      const searched = t.sql.statements.filter((q) => /product_embeddings|hnsw/.test(q));
      expect({ what, searched }).toEqual({ what, searched: [] });
    }
    const first = await t.gql(BY_IMAGE, { image: jpeg.toString('base64'), first: 0 });
    expect(first.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
