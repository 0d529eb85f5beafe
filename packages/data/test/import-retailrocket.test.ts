import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Database } from '@recgraph/db';
import { importRetailRocket } from '../src/importers/retailrocket.ts';
import { forEachBackend } from './fixtures/backends.ts';

const dir = join(import.meta.dirname, 'fixtures', 'retailrocket');

await forEachBackend('RetailRocket import', (open) => {
  let db: Database;
  beforeAll(async () => {
    db = await open();
  });
  afterAll(async () => {
    await db?.close();
  });

  it('imports the tree, items and events, reporting every bad row by file and line', async () => {
    const report = await importRetailRocket(db, { dir });
    expect(report.malformed.examples.map((m) => [m.file, m.line, m.reason])).toEqual([
      ['category_tree.csv', 6, 'its parent chain is a cycle or reaches a rejected category'],
      ['category_tree.csv', 7, 'its parent chain is a cycle or reaches a rejected category'],
      ['category_tree.csv', 8, 'parent 9999 is not in the tree'],
      ['category_tree.csv', 9, 'categoryid "abc" is not a numeric id'],
      ['events.csv', 7, 'event "click" is not view, addtocart or transaction'],
      ['events.csv', 8, 'visitorid "" is not a numeric id'],
      ['events.csv', 10, 'a transaction event has no numeric transactionid'],
      ['events.csv', 11, 'expected 5 columns, found 4'],
      ['events.csv', 12, 'a quoted field is not closed (unbalanced quotes)'],
      ['item_properties_part1.csv', 7, 'available value "maybe" is not 0 or 1'],
      ['item_properties_part1.csv', 8, 'timestamp "notatime" is not epoch milliseconds'],
      ['item_properties_part2.csv', 5, 'itemid "x1" is not a numeric id'],
    ]);
    expect(report.written.categories).toEqual({ inserted: 4, updated: 0, unchanged: 0 });
    expect(report.written.products).toEqual({ inserted: 4, updated: 0, unchanged: 0 });
    expect(report.written.users).toEqual({ inserted: 3, updated: 0, unchanged: 0 });
    expect(report.written.interactions).toEqual({ inserted: 6, updated: 0, unchanged: 1 });
    expect(report.notes.join('\n')).toMatch(/1 items name a category missing/);

    const cats = await db.prisma.category.findMany({ orderBy: { slug: 'asc' } });
    expect(cats.map((c) => [c.slug, c.path, c.depth])).toEqual([
      ['rr-1016', 'rr-213/rr-1016', 1],
      ['rr-169', 'rr-169', 0],
      ['rr-213', 'rr-213', 0],
      ['rr-809', 'rr-169/rr-809', 1],
    ]);
    // Latest by timestamp wins: category 809 (not 1016), available 0 (not the earlier 1).
    const item = await db.prisma.product.findUniqueOrThrow({
      where: { sku: 'rr-355908' },
      include: { category: true },
    });
    expect([item.category?.slug, item.availability, item.title]).toEqual(['rr-809', 'OUT_OF_STOCK', 'Item 355908']);
    const unknownCategory = await db.prisma.product.findUniqueOrThrow({ where: { sku: 'rr-461686' } });
    expect([unknownCategory.categoryId, unknownCategory.attributes]).toEqual([
      null,
      { itemId: 461686, categoryId: 4242 },
    ]);
    expect(await db.prisma.product.count({ where: { sku: 'rr-999999' } })).toBe(1);

    const types = await db.prisma.interaction.groupBy({ by: ['type'], _count: true, orderBy: { type: 'asc' } });
    expect(types.map((t) => [t.type, t._count])).toEqual([
      ['VIEW', 3],
      ['ADD_TO_CART', 2],
      ['PURCHASE', 1],
    ]);
    const purchase = await db.prisma.interaction.findFirstOrThrow({
      where: { type: 'PURCHASE' },
      include: { user: true },
    });
    expect([purchase.eventId, purchase.user.externalId]).toEqual([
      'rr:transaction:111016:355908:1433222276276',
      'rr-111016',
    ]);
    expect(await db.prisma.user.count({ where: { externalId: { in: ['rr-', 'rr-undefined'] } } })).toBe(0);
  });

  it('re-runs idempotently', async () => {
    const again = await importRetailRocket(db, { dir });
    expect(again.written.categories).toEqual({ inserted: 0, updated: 0, unchanged: 4 });
    expect(again.written.products).toEqual({ inserted: 0, updated: 0, unchanged: 4 });
    expect(again.written.interactions).toEqual({ inserted: 0, updated: 0, unchanged: 7 });
    expect(await db.prisma.interaction.count()).toBe(6);
  });
});
