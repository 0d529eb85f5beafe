import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import sharp from 'sharp';
import type { Database } from '@recgraph/db';
import { generateStore } from '../src/generator/index.ts';
import { seedStore } from '../src/seed.ts';
import { forEachBackend } from './fixtures/backends.ts';

const store = generateStore({ seed: 7, products: 60 });
const interactions = [...store.interactions()];
const reviewPairs = new Set(store.reviews.map((r) => `${r.sku}/${r.userExternalId}`));

await forEachBackend('seedStore', (open) => {
  let db: Database;
  let images: string;
  beforeAll(async () => {
    db = await open();
    images = mkdtempSync(join(tmpdir(), 'recgraph-seed-'));
  });
  afterAll(async () => {
    await db?.close();
    rmSync(images, { recursive: true, force: true });
  });

  it('persists the whole store and its images', async () => {
    const stages = new Set<string>();
    const report = await seedStore(db, store, {
      imagesDir: images,
      imageSize: 32,
      onProgress: (stage) => stages.add(stage),
    });
    expect(report.categories.inserted).toBe(store.categories.length);
    expect(report.products.inserted).toBe(60);
    expect(report.users.inserted).toBe(store.users.length);
    expect(report.interactions).toMatchObject({ inserted: interactions.length, skipped: 0, rejected: 0 });
    expect(report.reviews.inserted).toBe(reviewPairs.size);
    expect(report.images).toEqual({ written: 60, skipped: 0 });
    expect([...stages]).toEqual(['categories', 'products', 'images', 'users', 'interactions', 'reviews']);

    expect(await db.prisma.product.count()).toBe(60);
    expect(await db.prisma.interaction.count()).toBe(interactions.length);
    expect(await db.prisma.review.count()).toBe(reviewPairs.size);
    const withPrefs = store.users.filter(
      (u) => u.preferredCategorySlugs !== undefined || u.preferredBrands !== undefined,
    ).length;
    expect(await db.prisma.userPreference.count()).toBe(withPrefs);
    // Every category's path starts at a root and ends with its own slug's last segment.
    for (const c of await db.prisma.category.findMany({ include: { parent: true } })) {
      expect(c.depth).toBe(c.parent ? c.parent.depth + 1 : 0);
      if (c.parent) expect(c.path.startsWith(`${c.parent.path}/`)).toBe(true);
    }
    const files = readdirSync(images).sort();
    expect(files).toEqual(store.products.map((p) => `${p.sku}.png`).sort());
    expect((await sharp(join(images, files[0]!)).metadata()).format).toBe('png');
  });

  it('is idempotent: seeding again changes nothing', async () => {
    const snapshot = async () => ({
      products: await db.prisma.product.findMany({ orderBy: { sku: 'asc' } }),
      users: await db.prisma.user.count(),
      interactions: await db.prisma.interaction.count(),
      reviews: await db.prisma.review.count(),
    });
    const before = await snapshot();
    const again = await seedStore(db, store, { imagesDir: images, imageSize: 32 });
    expect(again.categories).toMatchObject({ inserted: 0, updated: 0, unchanged: store.categories.length });
    expect(again.products).toMatchObject({ inserted: 0, updated: 0, unchanged: 60 });
    expect(again.users).toMatchObject({ inserted: 0, updated: 0, unchanged: store.users.length });
    expect(again.interactions).toMatchObject({ inserted: 0, skipped: interactions.length });
    expect(again.reviews).toMatchObject({ inserted: 0, updated: 0 });
    expect(again.images).toEqual({ written: 0, skipped: 60 });
    expect(await snapshot()).toEqual(before);
  });

  it('writes generated reviews once (a larger store, since 60 products yield none)', async () => {
    const bigger = generateStore({ seed: 7, products: 200 });
    const pairs = new Set(bigger.reviews.map((r) => `${r.sku}/${r.userExternalId}`));
    expect(pairs.size).toBeGreaterThan(0);
    const first = await seedStore(db, bigger);
    expect(first.reviews).toMatchObject({ inserted: pairs.size, rejected: 0 });
    const second = await seedStore(db, bigger);
    expect(second.reviews).toMatchObject({ inserted: 0, updated: 0, rejected: 0 });
    expect(second.interactions.inserted).toBe(0);
  });
});
