import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { renderProductImage } from './image.ts';
import type { SyntheticStore } from './store.ts';

/** Writes a generated store as JSON Lines files (and optionally PNG thumbnails) for inspection or other tools. */

export type ExportProgress = (stage: string, done: number, total: number | undefined) => void;

export interface ExportOptions {
  images?: boolean;
  imageSize?: number;
  /** Images rendered at once; default: number of CPUs. */
  imageConcurrency?: number;
  onProgress?: ExportProgress;
}

export interface ExportSummary {
  categories: number;
  products: number;
  users: number;
  interactions: number;
  reviews: number;
  images: number;
  /** Milliseconds per stage. */
  timings: Record<string, number>;
}

const LINES_PER_CHUNK = 512;
const PROGRESS_EVERY = 10_000;

async function writeJsonl(path: string, rows: Iterable<unknown>, onRow?: (count: number) => void): Promise<number> {
  const out = createWriteStream(path);
  const failed = once(out, 'error').then(([error]) => {
    throw error;
  });
  failed.catch(() => undefined);
  let count = 0;
  let chunk: string[] = [];
  const flush = async () => {
    if (chunk.length === 0) return;
    // Honour backpressure so a million-row stream never piles up in memory.
    if (!out.write(chunk.join(''))) await Promise.race([once(out, 'drain'), failed]);
    chunk = [];
  };
  for (const row of rows) {
    chunk.push(`${JSON.stringify(row)}\n`);
    count++;
    if (chunk.length >= LINES_PER_CHUNK) {
      await flush();
      if (count % PROGRESS_EVERY < LINES_PER_CHUNK) onRow?.(count);
    }
  }
  await flush();
  out.end();
  await Promise.race([once(out, 'finish'), failed]);
  onRow?.(count);
  return count;
}

export async function exportStoreFiles(
  store: SyntheticStore,
  outDir: string,
  options: ExportOptions = {},
): Promise<ExportSummary> {
  const progress = options.onProgress ?? (() => undefined);
  const timings: Record<string, number> = {};
  const timed = async <T>(stage: string, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const result = await work();
    timings[stage] = Math.round(performance.now() - started);
    return result;
  };
  await mkdir(outDir, { recursive: true });

  const categories = await timed('categories', () =>
    writeJsonl(join(outDir, 'categories.jsonl'), store.categories, (n) =>
      progress('categories', n, store.categories.length),
    ),
  );
  const products = await timed('products', () =>
    writeJsonl(join(outDir, 'products.jsonl'), store.products, (n) => progress('products', n, store.products.length)),
  );
  const users = await timed('users', () =>
    writeJsonl(join(outDir, 'users.jsonl'), store.users, (n) => progress('users', n, store.users.length)),
  );
  const interactions = await timed('interactions', () =>
    writeJsonl(join(outDir, 'interactions.jsonl'), store.interactions(), (n) => progress('interactions', n, undefined)),
  );
  const reviews = await timed('reviews', () =>
    writeJsonl(join(outDir, 'reviews.jsonl'), store.reviews, (n) => progress('reviews', n, store.reviews.length)),
  );

  let images = 0;
  if (options.images) {
    const dir = join(outDir, 'images');
    await mkdir(dir, { recursive: true });
    const size = options.imageSize ?? 128;
    const workers = Math.max(1, options.imageConcurrency ?? availableParallelism());
    await timed('images', async () => {
      let next = 0;
      await Promise.all(
        Array.from({ length: workers }, async () => {
          while (next < store.products.length) {
            const product = store.products[next++];
            if (!product) break;
            await writeFile(join(dir, `${product.sku}.png`), await renderProductImage(product, size));
            images++;
            if (images % 500 === 0 || images === store.products.length)
              progress('images', images, store.products.length);
          }
        }),
      );
    });
  }
  return { categories, products, users, interactions, reviews, images, timings };
}
