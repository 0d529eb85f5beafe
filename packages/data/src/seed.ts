import { access, mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderProductImage, type SyntheticStore } from './generator/index.ts';
import { imageStem, mapLimit } from './importers/images.ts';
import type { InteractionRecord } from './records.ts';
import {
  addUpsertCounts,
  emptyUpsertCounts,
  IdCache,
  insertInteractions,
  insertReviews,
  upsertCategories,
  upsertProducts,
  upsertUsers,
  type RecordProblem,
  type UpsertCounts,
  type WriteTarget,
} from './write/index.ts';

export type SeedStage = 'categories' | 'products' | 'images' | 'users' | 'interactions' | 'reviews';

export interface SeedOptions {
  /** Writes `<imagesDir>/<sku>.png` for every product; files already there are kept. */
  imagesDir?: string;
  /** Image edge in pixels (default 128). */
  imageSize?: number;
  batchSize?: number;
  /** `total` is undefined for interactions, which are generated lazily. */
  onProgress?: (stage: SeedStage, done: number, total: number | undefined) => void;
}

export interface SeedReport {
  categories: UpsertCounts;
  products: UpsertCounts;
  users: UpsertCounts;
  interactions: { inserted: number; skipped: number; rejected: number; rejectedExamples: RecordProblem[] };
  reviews: { inserted: number; updated: number; skipped: number; rejected: number };
  images: { written: number; skipped: number };
  seconds: number;
}

/**
 * Persists a synthetic store (categories, products, users, interactions,
 * reviews and, optionally, product images). Every write is an upsert or an
 * insert keyed on the source's ids, so seeding the same store twice leaves the
 * same rows and the second report shows nothing inserted.
 */
export async function seedStore(db: WriteTarget, store: SyntheticStore, opts: SeedOptions = {}): Promise<SeedReport> {
  const started = performance.now();
  const batchSize = opts.batchSize ?? 2000;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  const progress = opts.onProgress ?? (() => undefined);
  const report: SeedReport = {
    categories: emptyUpsertCounts(),
    products: emptyUpsertCounts(),
    users: emptyUpsertCounts(),
    interactions: { inserted: 0, skipped: 0, rejected: 0, rejectedExamples: [] },
    reviews: { inserted: 0, updated: 0, skipped: 0, rejected: 0 },
    images: { written: 0, skipped: 0 },
    seconds: 0,
  };

  // Categories in one batch: they are few, and parents must be placed before children.
  report.categories = await upsertCategories(db, store.categories);
  progress('categories', store.categories.length, store.categories.length);

  for (let i = 0; i < store.products.length; i += batchSize) {
    addUpsertCounts(report.products, await upsertProducts(db, store.products.slice(i, i + batchSize)));
    progress('products', Math.min(i + batchSize, store.products.length), store.products.length);
  }

  if (opts.imagesDir)
    report.images = await writeImages(store, opts.imagesDir, opts.imageSize ?? 128, (done) =>
      progress('images', done, store.products.length),
    );

  for (let i = 0; i < store.users.length; i += batchSize) {
    addUpsertCounts(report.users, await upsertUsers(db, store.users.slice(i, i + batchSize)));
    progress('users', Math.min(i + batchSize, store.users.length), store.users.length);
  }

  const cache = new IdCache();
  let batch: InteractionRecord[] = [];
  let done = 0;
  const flush = async () => {
    const r = await insertInteractions(db, batch, cache);
    report.interactions.inserted += r.inserted;
    report.interactions.skipped += r.skipped;
    report.interactions.rejected += r.rejected.length;
    report.interactions.rejectedExamples.push(...r.rejected.slice(0, 10 - report.interactions.rejectedExamples.length));
    done += batch.length;
    batch = [];
    progress('interactions', done, undefined);
  };
  for (const interaction of store.interactions()) {
    batch.push(interaction);
    if (batch.length >= batchSize * 2) await flush();
  }
  if (batch.length) await flush();
  if (done === 0) progress('interactions', 0, 0);

  const reviews = store.reviews;
  for (let i = 0; i < reviews.length; i += batchSize) {
    const r = await insertReviews(db, reviews.slice(i, i + batchSize), cache);
    report.reviews.inserted += r.inserted;
    report.reviews.updated += r.updated;
    report.reviews.skipped += r.skipped;
    report.reviews.rejected += r.rejected.length;
    progress('reviews', Math.min(i + batchSize, reviews.length), reviews.length);
  }

  if (reviews.length === 0) progress('reviews', 0, 0);

  report.seconds = Math.round((performance.now() - started) / 10) / 100;
  return report;
}

async function writeImages(
  store: SyntheticStore,
  dir: string,
  size: number,
  onDone: (n: number) => void,
): Promise<SeedReport['images']> {
  const unsafe = store.products.find((p) => imageStem(p.sku) !== p.sku);
  if (unsafe) throw new Error(`sku ${JSON.stringify(unsafe.sku)} cannot be used as an image file name`);
  await mkdir(dir, { recursive: true });
  const result = { written: 0, skipped: 0 };
  let done = 0;
  await mapLimit(store.products, 4, async (product) => {
    const target = join(dir, `${product.sku}.png`);
    const exists = await access(target).then(
      () => true,
      () => false,
    );
    if (exists) result.skipped++;
    else {
      // Through a temporary name, so an interrupted seed never leaves a truncated PNG behind.
      const tmp = `${target}.${process.pid}.tmp`;
      await writeFile(tmp, await renderProductImage(product, size));
      await rename(tmp, target);
      result.written++;
    }
    if (++done % 100 === 0 || done === store.products.length) onDone(done);
  });
  return result;
}
