import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDevToken } from '@recgraph/auth';
import { DEV_JWT_SECRET } from '@recgraph/config';
import { backfillImageEncoder } from '@recgraph/embeddings';
import { openImageEncoder, SHIPPED_IMAGE_ENCODER_DIR } from '@recgraph/embeddings/image-encoder';
import { startTestStack, type TestStack } from '../../../gateway/test/support/testStack.ts';
import { createTestDatabase, realPostgresUrl } from '../../../packages/db/test/real-postgres.ts';
import { createEmbeddingPipeline, type EmbeddingPipeline } from '../../../streaming/src/index.ts';
import { SERVING_ENCODER_TTL_MS } from '../src/semantic.ts';

/**
 * Switching the IMAGE encoder through the embedding pipeline, through the real gateway, on
 * embedded PGlite and the real Postgres server: the built-in grid descriptor serves; the
 * trainer role's pipeline starts configured with the shipped trained CNN and embeds every
 * photo in the background while searchByImage keeps answering with the grid descriptor's
 * vectors, then switches in one transaction (grid RETIRED, its vectors deleted after the
 * grace period); a product created meanwhile through the catalog gets its photo embedded.
 */
const pgUrl = await realPostgresUrl();
const backends = [
  { name: 'embedded PGlite', databaseUrl: async (): Promise<string | undefined> => undefined },
  ...(pgUrl ? [{ name: 'real Postgres', databaseUrl: () => createTestDatabase(pgUrl) }] : []),
];

type Rgb = [number, number, number];
/** A catalog-style photo: a coloured block (tall, wide or square) on white. */
async function photo(colour: Rgb, shape: 'tall' | 'wide' | 'square'): Promise<Buffer> {
  const [w, h] = shape === 'tall' ? [24, 56] : shape === 'wide' ? [52, 24] : [40, 40];
  const block = await sharp({
    create: { width: w, height: h, channels: 3, background: { r: colour[0], g: colour[1], b: colour[2] } },
  })
    .png()
    .toBuffer();
  return sharp({ create: { width: 60, height: 80, channels: 3, background: '#ffffff' } })
    .composite([{ input: block, left: Math.round((60 - w) / 2), top: Math.round((80 - h) / 2) }])
    .png()
    .toBuffer();
}

const PRODUCTS: { sku: string; colour: Rgb; shape: 'tall' | 'wide' | 'square' }[] = [
  { sku: 'SW-RED-TALL', colour: [200, 20, 30], shape: 'tall' },
  { sku: 'SW-BLUE-WIDE', colour: [20, 40, 190], shape: 'wide' },
  { sku: 'SW-GREEN-SQUARE', colour: [20, 160, 40], shape: 'square' },
  { sku: 'SW-YELLOW-TALL', colour: [230, 210, 20], shape: 'tall' },
];
const GRID = 'recgraph-image-grid-v1';

const BY_IMAGE = `query ($image: String!) { searchByImage(imageBase64: $image, first: 3) { encoder hits { product { sku } } } }`;

describe.each(backends)('IMAGE encoder switch through the embedding pipeline on $name', (backend) => {
  let t: TestStack;
  let pipeline: EmbeddingPipeline | undefined;
  const byImage = async (image: Buffer) => {
    const res = await t.gql<{ searchByImage: { encoder: string; hits: { product: { sku: string } }[] } }>(BY_IMAGE, {
      image: image.toString('base64'),
    });
    expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
    return res.data!.searchByImage;
  };
  const imageRows = async () =>
    (
      await t.db.pool.query<{ model: string; n: number }>(
        `SELECT model, count(*)::int AS n FROM product_embeddings WHERE kind = 'IMAGE' GROUP BY model ORDER BY model`,
      )
    ).rows;

  beforeAll(async () => {
    const databaseUrl = await backend.databaseUrl();
    t = await startTestStack(databaseUrl ? { databaseUrl } : {});
    const cat = await t.db.prisma.category.create({ data: { slug: 'blocks', name: 'Blocks', path: 'blocks' } });
    for (const p of PRODUCTS) {
      await writeFile(join(t.imagesDir, `${p.sku}.png`), await photo(p.colour, p.shape));
      await t.db.prisma.product.create({
        data: { sku: p.sku, title: p.sku, priceCents: 999, categoryId: cat.id, imageUrl: `/images/${p.sku}.png` },
      });
    }
    // The built-in grid descriptor serves first (registered and activated as a pipeline would).
    const grid = await openImageEncoder({ dir: undefined, reason: 'test' });
    try {
      const first = await backfillImageEncoder(t.db, grid, { batchSize: 64, imagesDir: t.imagesDir });
      expect(first).toMatchObject({ model: GRID, written: PRODUCTS.length, active: true });
    } finally {
      await grid.release();
    }
  }, 60_000);

  afterAll(async () => {
    await pipeline?.stop();
    await t?.stop();
  });

  it('embeds every photo in the background while the old encoder answers, then switches; new products follow', async () => {
    const query = await sharp(await photo([200, 20, 30], 'tall'))
      .jpeg({ quality: 90 })
      .toBuffer();
    const before = await byImage(query);
    expect([before.encoder, before.hits[0]?.product.sku]).toEqual([GRID, 'SW-RED-TALL']);

    // The trainer role starts configured with the shipped CNN: batches of one photo, so the backfill takes a while.
    pipeline = createEmbeddingPipeline({
      db: t.db,
      bus: t.stack.bus,
      imagesDir: t.imagesDir,
      imageEncoderDir: SHIPPED_IMAGE_ENCODER_DIR,
      provider: 'cpu',
      batchSize: 1,
      sweepIntervalMs: 300,
      // Longer than the subgraph caches the serving encoder: a query in flight still finds the old vectors.
      retiredGraceMs: SERVING_ENCODER_TTL_MS + 500,
      groupId: `embedding-pipeline-image-test-${Date.now()}`,
    });
    await pipeline.start();
    const seen: string[] = [];
    let doneAt = Infinity;
    const backfilled = pipeline.imageBackfilled().finally(() => (doneAt = Date.now()));
    // Queries during the backfill and just past the subgraph's 2 s re-read of the serving encoder.
    while (Date.now() - doneAt < SERVING_ENCODER_TTL_MS + 300) {
      const r = await byImage(query);
      expect(r.hits[0]?.product.sku).toBe('SW-RED-TALL');
      if (seen.at(-1) !== r.encoder) seen.push(r.encoder);
      await new Promise((res) => setTimeout(res, 50));
    }
    const report = await backfilled;
    expect(report).toMatchObject({ model: 'recgraph-image-cnn-fashion@1', active: true, aborted: false });
    // Old, then new: never back, never without an encoder.
    expect(seen).toEqual([GRID, report!.model]);
    const encoders = await t.db.prisma.embeddingEncoder.findMany({
      where: { kind: 'IMAGE' },
      orderBy: { model: 'asc' },
    });
    expect(encoders.map((e) => [e.model, e.status])).toEqual([
      [report!.model, 'ACTIVE'],
      [GRID, 'RETIRED'],
    ]);
    // The sweep deletes the retired encoder's vectors once the grace period has passed.
    await expect.poll(imageRows, { timeout: 15_000 }).toEqual([{ model: report!.model, n: PRODUCTS.length }]);

    // A product created through the catalog: its photo is embedded on its catalog change.
    await writeFile(join(t.imagesDir, 'SW-RED-SQUARE.png'), await photo([200, 20, 30], 'square'));
    const admin = await signDevToken(DEV_JWT_SECRET, { sub: t.fixture.users.admin.id, role: 'admin' });
    const created = await t.gql<{ createProduct: { id: string } }>(
      `mutation ($input: CreateProductInput!) { createProduct(input: $input) { id } }`,
      { input: { sku: 'SW-RED-SQUARE', title: 'Red square', priceCents: 999, imageUrl: '/images/SW-RED-SQUARE.png' } },
      { token: admin },
    );
    expect(created.errors).toBeUndefined();
    const squareQuery = await photo([200, 20, 30], 'square');
    await expect
      .poll(async () => (await byImage(squareQuery)).hits[0]?.product.sku, { timeout: 15_000, interval: 250 })
      .toBe('SW-RED-SQUARE');
  }, 120_000);
});
