import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '@recgraph/db';
import { createTestDatabase, realPostgresUrl } from '../../db/test/real-postgres.ts';
import type { CategoryRecord, InteractionRecord, ProductRecord, ReviewRecord, UserRecord } from '../src/records.ts';
import {
  InvalidRecordError,
  insertInteractions,
  insertReviews,
  upsertCategories,
  upsertProducts,
  upsertUsers,
  IdCache,
} from '../src/write/index.ts';

const categories: CategoryRecord[] = [
  { slug: 'women', name: 'Women' },
  { slug: 'women/shoes', name: 'Shoes', parentSlug: 'women' },
  { slug: 'sneakers', name: 'Sneakers', parentSlug: 'women/shoes' },
  { slug: 'outdoor', name: 'Outdoor' },
];

const product = (sku: string, extra: Partial<ProductRecord> = {}): ProductRecord => ({
  sku,
  title: `Product ${sku}`,
  description: 'A thing',
  brand: 'Acme',
  categorySlug: 'sneakers',
  priceCents: 1999,
  currency: 'USD',
  attributes: { colour: 'red', tags: ['a', 'b'] },
  imageUrl: `/images/${sku}.png`,
  availability: 'IN_STOCK',
  stock: 3,
  source: 'test',
  ...extra,
});

const users: UserRecord[] = [
  {
    externalId: 'u1',
    displayName: 'Ann',
    email: 'ann@example.com',
    preferredCategorySlugs: ['women/shoes', 'outdoor'],
    preferredBrands: ['Acme'],
  },
  { externalId: 'u2' },
];

const at = new Date('2024-05-01T10:00:00Z');
const interactions: InteractionRecord[] = [
  { eventId: 'e1', userExternalId: 'u1', sku: 'p1', type: 'VIEW', value: 1, occurredAt: at, source: 'test' },
  { eventId: 'e2', userExternalId: 'u1', sku: 'p2', type: 'RATE', value: 4.5, occurredAt: at, source: 'test' },
  { eventId: 'e3', userExternalId: 'u2', sku: 'p1', type: 'PURCHASE', value: 2, occurredAt: at, source: 'test' },
  { eventId: 'e3', userExternalId: 'u2', sku: 'p1', type: 'PURCHASE', value: 2, occurredAt: at, source: 'test' },
];

const reviews: ReviewRecord[] = [
  { sku: 'p1', userExternalId: 'u1', rating: 5, title: 'Great', body: 'Love them', createdAt: at },
  { sku: 'p1', rating: 3, body: 'Anonymous take', createdAt: at },
];

function suite(name: string, open: () => Promise<Database>) {
  describe(`writers on ${name}`, () => {
    let db: Database;
    beforeAll(async () => {
      db = await open();
    });
    afterAll(async () => {
      await db?.close();
    });

    it('upserts categories with resolved parents, path and depth, idempotently', async () => {
      expect(await upsertCategories(db, categories)).toEqual({
        inserted: 4,
        updated: 0,
        unchanged: 0,
        duplicatesInBatch: 0,
      });
      expect(await upsertCategories(db, categories)).toEqual({
        inserted: 0,
        updated: 0,
        unchanged: 4,
        duplicatesInBatch: 0,
      });
      const rows = await db.prisma.category.findMany({ orderBy: { slug: 'asc' }, include: { parent: true } });
      expect(rows.map((r) => [r.slug, r.path, r.depth, r.parent?.slug ?? null])).toEqual([
        ['outdoor', 'outdoor', 0, null],
        ['sneakers', 'women/shoes/sneakers', 2, 'women/shoes'],
        ['women', 'women', 0, null],
        ['women/shoes', 'women/shoes', 1, 'women'],
      ]);
    });

    it('moves descendants when a category moves, and refuses cycles and unknown parents', async () => {
      await upsertCategories(db, [{ slug: 'women/shoes', name: 'Shoes', parentSlug: 'outdoor' }]);
      const moved = await db.prisma.category.findUniqueOrThrow({ where: { slug: 'sneakers' } });
      expect([moved.path, moved.depth]).toEqual(['outdoor/women/shoes/sneakers', 2]);
      await upsertCategories(db, [{ slug: 'women/shoes', name: 'Shoes', parentSlug: 'women' }]);
      expect((await db.prisma.category.findUniqueOrThrow({ where: { slug: 'sneakers' } })).path).toBe(
        'women/shoes/sneakers',
      );
      await expect(upsertCategories(db, [{ slug: 'women', name: 'Women', parentSlug: 'sneakers' }])).rejects.toThrow(
        /cycle/,
      );
      await expect(upsertCategories(db, [{ slug: 'kids', name: 'Kids', parentSlug: 'nope' }])).rejects.toThrow(
        /parent nope does not exist/,
      );
      expect(await db.prisma.category.count({ where: { slug: 'kids' } })).toBe(0);
    });

    it('upserts products by sku, counting inserted, updated and unchanged', async () => {
      const batch = [product('p1'), product('p2', { categorySlug: undefined }), product('p3')];
      expect(await upsertProducts(db, batch)).toEqual({ inserted: 3, updated: 0, unchanged: 0, duplicatesInBatch: 0 });
      expect(await upsertProducts(db, batch)).toEqual({ inserted: 0, updated: 0, unchanged: 3, duplicatesInBatch: 0 });
      const changed = [product('p1', { priceCents: 2500 }), product('p2', { categorySlug: undefined }), product('p3')];
      expect(await upsertProducts(db, changed)).toEqual({
        inserted: 0,
        updated: 1,
        unchanged: 2,
        duplicatesInBatch: 0,
      });
      const p1 = await db.prisma.product.findUniqueOrThrow({ where: { sku: 'p1' }, include: { category: true } });
      expect([p1.priceCents, p1.category?.slug, p1.attributes]).toEqual([
        2500,
        'sneakers',
        { colour: 'red', tags: ['a', 'b'] },
      ]);
      expect(await upsertProducts(db, [product('p1', { title: 'Other' })], { onExisting: 'keep' })).toMatchObject({
        inserted: 0,
        updated: 0,
        unchanged: 1,
      });
      expect((await db.prisma.product.findUniqueOrThrow({ where: { sku: 'p1' } })).title).toBe('Product p1');
    });

    it('rejects a batch with an invalid record or unknown category and writes none of it', async () => {
      const bad = [product('ok-1'), product('bad-1', { priceCents: -5 }), product('', {})];
      const err = await upsertProducts(db, bad).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidRecordError);
      expect((err as InvalidRecordError).problems.map((p) => p.index)).toEqual([1, 2]);
      await expect(
        upsertProducts(db, [product('ok-2'), product('bad-2', { categorySlug: 'missing' })]),
      ).rejects.toThrow(/category missing does not exist/);
      expect(await db.prisma.product.count({ where: { sku: { in: ['ok-1', 'ok-2', 'bad-1', 'bad-2'] } } })).toBe(0);
    });

    it('upserts users with preferences, idempotently', async () => {
      expect(await upsertUsers(db, users)).toEqual({ inserted: 2, updated: 0, unchanged: 0, duplicatesInBatch: 0 });
      expect(await upsertUsers(db, users)).toEqual({ inserted: 0, updated: 0, unchanged: 2, duplicatesInBatch: 0 });
      // A source without names must not erase the stored one.
      expect(await upsertUsers(db, [{ externalId: 'u1' }])).toMatchObject({ unchanged: 1 });
      const u1 = await db.prisma.user.findUniqueOrThrow({
        where: { externalId: 'u1' },
        include: { preferences: true },
      });
      expect(u1.displayName).toBe('Ann');
      const cats = await db.prisma.category.findMany({ where: { slug: { in: ['women/shoes', 'outdoor'] } } });
      const idOf = (slug: string) => cats.find((c) => c.slug === slug)!.id;
      expect(u1.preferences?.categoryIds).toEqual([idOf('women/shoes'), idOf('outdoor')]);
      expect(u1.preferences?.brands).toEqual(['Acme']);
    });

    it('rolls back the whole user batch when the database refuses one row', async () => {
      // Both addresses are valid, but users.email is unique: the second row fails inside the transaction.
      const clash: UserRecord[] = [
        { externalId: 'u-new-1', email: 'same@example.com' },
        { externalId: 'u-new-2', email: 'same@example.com' },
      ];
      await expect(upsertUsers(db, clash)).rejects.toThrow(/users_email_key/);
      expect(await db.prisma.user.count({ where: { externalId: { startsWith: 'u-new' } } })).toBe(0);
    });

    it('inserts interactions once per eventId and rejects unknown references', async () => {
      const cache = new IdCache();
      expect(await insertInteractions(db, interactions, cache)).toEqual({ inserted: 3, skipped: 1, rejected: [] });
      expect(await insertInteractions(db, interactions, cache)).toEqual({ inserted: 0, skipped: 4, rejected: [] });
      const more: InteractionRecord[] = [
        { eventId: 'e4', userExternalId: 'ghost', sku: 'p1', type: 'VIEW', value: 1, occurredAt: at, source: 'test' },
        { eventId: 'e5', userExternalId: 'u2', sku: 'nope', type: 'VIEW', value: 1, occurredAt: at, source: 'test' },
        { eventId: 'e6', userExternalId: 'u2', sku: 'p2', type: 'LIKE', value: 1, occurredAt: at, source: 'test' },
      ];
      const res = await insertInteractions(db, more, cache);
      expect(res.inserted).toBe(1);
      expect(res.rejected.map((r) => [r.index, r.reason])).toEqual([
        [0, 'user ghost does not exist'],
        [1, 'product nope does not exist'],
      ]);
      await expect(
        insertInteractions(db, [{ ...more[2]!, eventId: 'e7', type: 'RATE', value: 9 }], cache),
      ).rejects.toThrow(/rating 9 is outside/);
      expect(await db.prisma.interaction.count()).toBe(4);
      const e2 = await db.prisma.interaction.findFirstOrThrow({
        where: { eventId: 'e2' },
        include: { product: true },
      });
      expect([e2.type, e2.value, e2.product.sku, e2.occurredAt.toISOString()]).toEqual([
        'RATE',
        4.5,
        'p2',
        at.toISOString(),
      ]);
    });

    it('writes reviews by (product, user) and anonymous ones once', async () => {
      expect(await insertReviews(db, reviews)).toEqual({ inserted: 2, updated: 0, skipped: 0, rejected: [] });
      expect(await insertReviews(db, reviews)).toEqual({ inserted: 0, updated: 0, skipped: 2, rejected: [] });
      expect(await insertReviews(db, [{ ...reviews[0]!, rating: 4 }])).toEqual({
        inserted: 0,
        updated: 1,
        skipped: 0,
        rejected: [],
      });
      expect(await db.prisma.review.count()).toBe(2);
    });
  });
}

suite('embedded PGlite', () => openDatabase({}));

const serverUrl = await realPostgresUrl();
if (serverUrl) suite('real Postgres', async () => openDatabase({ url: await createTestDatabase(serverUrl) }));
else describe.skip('writers on real Postgres (TEST_DATABASE_URL not set)', () => it('skipped', () => undefined));
