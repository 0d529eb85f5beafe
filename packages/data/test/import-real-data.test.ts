import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '@recgraph/db';
import { importCatalog } from '../src/importers/catalog.ts';
import { importMovieLens } from '../src/importers/movielens.ts';

/** The real datasets shipped beside the checkout (see their READMEs). */
const shared = resolve(import.meta.dirname, '../../../../shared/data');
const movielens = join(shared, 'movielens-small');
const fashion = join(shared, 'products-with-images');

describe.skipIf(!existsSync(join(movielens, 'ratings.csv')))('MovieLens small, full import on embedded PGlite', () => {
  let db: Database;
  beforeAll(async () => {
    db = await openDatabase({});
  });
  afterAll(async () => {
    await db?.close();
  });

  it('imports all 610 users, 9,742 movies and 100,836 ratings', { timeout: 240_000 }, async () => {
    const report = await importMovieLens(db, { dir: movielens });
    expect(report.malformed.count).toBe(0);
    expect(report.rowsRead).toEqual({ 'tags.csv': 3683, 'movies.csv': 9742, 'ratings.csv': 100836 });
    expect(await db.prisma.user.count()).toBe(610);
    expect(await db.prisma.product.count()).toBe(9742);
    expect(await db.prisma.interaction.count({ where: { type: 'RATE' } })).toBe(100836);
    const rows = Object.values(report.rowsRead).reduce((a, b) => a + b, 0);
    console.info(
      `MovieLens small: ${rows} rows in ${report.seconds}s = ${Math.round(rows / report.seconds)} rows/s (embedded PGlite)`,
    );
    // Titles with quoted commas survive, years and genres land in attributes.
    const heat = await db.prisma.product.findUniqueOrThrow({ where: { sku: 'ml-6' } });
    expect([heat.title, heat.attributes]).toMatchObject([
      'Heat',
      { year: 1995, genres: ['Action', 'Crime', 'Thriller'] },
    ]);
    const president = await db.prisma.product.findUniqueOrThrow({ where: { sku: 'ml-11' } });
    expect(president.title).toBe('American President, The');
  });
});

describe.skipIf(!existsSync(join(fashion, 'products.csv')))(
  'products-with-images, full import on embedded PGlite',
  () => {
    let db: Database;
    let out: string;
    beforeAll(async () => {
      db = await openDatabase({});
      out = mkdtempSync(join(tmpdir(), 'recgraph-fashion-'));
    });
    afterAll(async () => {
      await db?.close();
      rmSync(out, { recursive: true, force: true });
    });

    it('imports all 11,008 products with their images copied', { timeout: 240_000 }, async () => {
      const report = await importCatalog(db, { file: join(fashion, 'products.csv'), imagesOutDir: out });
      expect(report.notes).toContain('layout: preset products-with-images');
      expect(report.malformed.count).toBe(0);
      expect(report.written.products).toEqual({ inserted: 11008, updated: 0, unchanged: 0 });
      expect(report.written.images).toEqual({ inserted: 11008, updated: 0, unchanged: 0 });
      expect(await db.prisma.product.count({ where: { imageUrl: { not: null } } })).toBe(11008);
      expect(readdirSync(out)).toHaveLength(11008);
      console.info(
        `products-with-images: 11008 rows in ${report.seconds}s = ${Math.round(11008 / report.seconds)} rows/s (images decoded and copied)`,
      );

      const jersey = await db.prisma.product.findUniqueOrThrow({
        where: { sku: '1164' },
        include: { category: { include: { parent: true } } },
      });
      expect(jersey).toMatchObject({
        title: 'Nike Men Blue T20 Indian Cricket Jersey',
        priceCents: 12028,
        imageUrl: '/images/1164.jpg',
        attributes: { colour: 'Blue', usage: 'Sports', articleType: 'Tshirts', gender: 'Men', priceSynthetic: true },
      });
      expect([jersey.category?.path, jersey.category?.parent?.name]).toEqual(['apparel/topwear/tshirts', 'Topwear']);
      const roots = await db.prisma.category.findMany({ where: { parentId: null }, orderBy: { slug: 'asc' } });
      expect(roots.map((r) => r.name)).toEqual([
        'Accessories',
        'Apparel',
        'Footwear',
        'Free Items',
        'Personal Care',
        'Sporting Goods',
      ]);
    });
  },
);
