import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Database } from '@recgraph/db';
import { importCatalog } from '../src/importers/catalog.ts';
import { UnusableInputError } from '../src/importers/report.ts';
import { forEachBackend } from './fixtures/backends.ts';

const dir = join(import.meta.dirname, 'fixtures', 'catalog');
const csv = join(dir, 'products.csv');
const jsonl = join(dir, 'products.jsonl');
const imagesDir = join(dir, 'images');

await forEachBackend('catalog import', (open) => {
  let db: Database;
  let out: string;
  beforeAll(async () => {
    db = await open();
    out = mkdtempSync(join(tmpdir(), 'recgraph-images-'));
  });
  afterAll(async () => {
    await db?.close();
    rmSync(out, { recursive: true, force: true });
  });

  it('imports good CSV rows completely and reports each bad row by line, writing nothing of it', async () => {
    const report = await importCatalog(db, { file: csv, imagesDir, imagesOutDir: out });
    expect(report.rowsRead).toEqual({ 'products.csv': 10 });
    expect(report.malformed.count).toBe(6);
    expect(report.malformed.examples.map((m) => [m.line, m.reason])).toEqual([
      [4, 'price "12.345" is not a non-negative amount with at most 2 decimals'],
      [5, 'sku is missing'],
      [7, 'a quoted field is not closed (unbalanced quotes)'],
      [8, expect.stringMatching(/corrupt\.jpg is not a decodable image/)],
      [9, 'image "../../products.csv" is outside the images folder'],
      [10, 'price "-3" is not a non-negative amount with at most 2 decimals'],
    ]);
    expect(report.written.products).toEqual({ inserted: 4, updated: 0, unchanged: 0 });
    expect(report.written.images).toEqual({ inserted: 2, updated: 0, unchanged: 0 });

    const products = await db.prisma.product.findMany({ orderBy: { sku: 'asc' }, include: { category: true } });
    expect(products.map((p) => p.sku)).toEqual(['BOOT-1', 'CAP-1', 'LAMP-1', 'TENT-1']);
    const [boot, cap, lamp, tent] = products;
    expect(tent).toMatchObject({
      title: 'Trail Tent',
      description: 'Two-person tent, light',
      brand: 'Acme',
      priceCents: 19999,
      currency: 'USD',
      availability: 'IN_STOCK',
      stock: 5,
      attributes: { material: 'nylon' },
      imageUrl: '/images/TENT-1.png',
      source: 'csv:products.csv',
    });
    expect([tent!.category?.slug, tent!.category?.path, tent!.category?.depth]).toEqual([
      'outdoor/camping/tents',
      'outdoor/camping/tents',
      2,
    ]);
    expect([boot!.priceCents, boot!.availability, boot!.imageUrl]).toEqual([8950, 'LOW_STOCK', '/images/BOOT-1.jpg']);
    expect([lamp!.title, lamp!.availability, lamp!.imageUrl]).toEqual(['Lamp "Bright", 200lm', 'PREORDER', null]);
    expect([cap!.categoryId, cap!.currency, cap!.availability, cap!.attributes]).toEqual([
      null,
      'EUR',
      'DISCONTINUED',
      { material: 'cotton' },
    ]);
    expect(readFileSync(join(out, 'TENT-1.png')).equals(readFileSync(join(imagesDir, 'tent.png')))).toBe(true);
    expect(existsSync(join(out, 'CORRUPT-1.jpg'))).toBe(false);

    const slugs = (await db.prisma.category.findMany({ orderBy: { slug: 'asc' } })).map((c) => c.slug);
    expect(slugs).toEqual([
      'outdoor',
      'outdoor/camping',
      'outdoor/camping/lights',
      'outdoor/camping/tents',
      'outdoor/footwear',
    ]);
  });

  it('re-runs idempotently: same rows, nothing rewritten, same report of bad rows', async () => {
    const before = await db.prisma.product.findMany({ orderBy: { sku: 'asc' } });
    const again = await importCatalog(db, { file: csv, imagesDir, imagesOutDir: out });
    expect(again.written.products).toEqual({ inserted: 0, updated: 0, unchanged: 4 });
    expect(again.written.images).toEqual({ inserted: 0, updated: 0, unchanged: 2 });
    expect(again.written.categories).toBeUndefined();
    expect(again.malformed.examples.map((m) => m.line)).toEqual([4, 5, 7, 8, 9, 10]);
    expect(await db.prisma.product.findMany({ orderBy: { sku: 'asc' } })).toEqual(before);
  });

  it('imports JSON Lines with attributes objects and reports bad lines', async () => {
    const report = await importCatalog(db, { file: jsonl, imagesDir, imagesOutDir: out });
    expect(report.written.products).toEqual({ inserted: 2, updated: 0, unchanged: 0 });
    expect(report.malformed.examples.map((m) => [m.line, m.reason.replace(/ \(.*/, '')])).toEqual([
      [4, 'not valid JSON'],
      [5, 'attribute "nested" is not text, a number, a boolean or a list of text'],
      [6, 'a line must hold one JSON object'],
      [7, 'sku is missing'],
    ]);
    const j1 = await db.prisma.product.findUniqueOrThrow({ where: { sku: 'J-1' }, include: { category: true } });
    expect([j1.priceCents, j1.attributes, j1.imageUrl, j1.category?.slug, j1.source]).toEqual([
      999,
      { colour: 'red', sizes: ['S', 'M'] },
      '/images/J-1.png',
      'home/kitchen',
      'jsonl:products.jsonl',
    ]);
    const j2 = await db.prisma.product.findUniqueOrThrow({ where: { sku: 'J-2' } });
    expect([j2.priceCents, j2.availability]).toEqual([1500, 'OUT_OF_STOCK']);
  });

  it('accepts a column mapping and refuses unusable input with a clear error', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'recgraph-catalog-'));
    try {
      const mapped = join(tmp, 'mapped.csv');
      writeFileSync(mapped, 'code,label,cost\nM-1,Mapped,3.50\n');
      const r = await importCatalog(db, { file: mapped, columns: { sku: 'code', title: 'label', price: 'cost' } });
      expect(r.written.products?.inserted).toBe(1);
      expect((await db.prisma.product.findUniqueOrThrow({ where: { sku: 'M-1' } })).priceCents).toBe(350);

      const noPrice = join(tmp, 'noprice.csv');
      writeFileSync(noPrice, 'sku,title\nX-1,No price\n');
      await expect(importCatalog(db, { file: noPrice })).rejects.toThrow(
        /wrong header "sku,title": expected a price or price_cents column/,
      );
      await expect(importCatalog(db, { file: join(tmp, 'missing.csv') })).rejects.toBeInstanceOf(UnusableInputError);
      await expect(importCatalog(db, { file: mapped, preset: 'nope' })).rejects.toThrow(/unknown preset nope/);
      expect(await db.prisma.product.count({ where: { sku: 'X-1' } })).toBe(0);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
