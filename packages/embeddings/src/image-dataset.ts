import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Database } from '@recgraph/db';
import { imagePixels } from './image-input.ts';

/** A product photo with the labels the image encoder learns: article type and colour. */
export interface LabelledPhoto {
  productId: string;
  sku: string;
  path: string;
  article: string;
  colour: string | undefined;
}

// FNV-1a over the SKU: the same split on every machine and every import (product ids are not stable across imports).
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h >>> 0;
}

/**
 * Whether a product is held out of training (a `fraction` of products, by a hash of the
 * SKU): its photos are never trained on and are the image evaluation's queries, so the
 * figures measure photos of products the network has not seen.
 */
export const isHeldOut = (sku: string, fraction: number) => fnv1a(`holdout:${sku}`) % 10_000 < fraction * 10_000;

/**
 * Every product with a readable photo in `imagesDir` (the file products.image_url names)
 * and an article type: attributes.articleType, else its category's name. Colour is
 * attributes.colour (or color) when present.
 */
export async function labelledPhotos(db: Database, imagesDir: string): Promise<LabelledPhoto[]> {
  const { rows } = await db.pool.query<{
    id: string;
    sku: string;
    image_url: string | null;
    category: string | null;
    article: string | null;
    colour: string | null;
  }>(
    `SELECT p.id, p.sku, p.image_url, c.name AS category,
            p.attributes->>'articleType' AS article,
            coalesce(p.attributes->>'colour', p.attributes->>'color') AS colour
     FROM products p LEFT JOIN categories c ON c.id = p.category_id
     ORDER BY p.sku`,
  );
  const out: LabelledPhoto[] = [];
  for (const r of rows) {
    if (!r.image_url || /^[a-z]+:\/\//i.test(r.image_url)) continue;
    const path = join(imagesDir, basename(r.image_url));
    const article = r.article ?? r.category;
    if (!article || !existsSync(path)) continue;
    out.push({ productId: r.id, sku: r.sku, path, article, colour: r.colour ?? undefined });
  }
  return out;
}

export interface DatasetExport {
  photos: LabelledPhoto[];
  articleClasses: string[];
  colourClasses: string[];
  heldOut: boolean[];
  unreadable: number;
}

/**
 * Writes the trainer's input (scripts/models/image-encoder/train.py): pixels.u8 (every
 * photo through imagePixels, as serving prepares a query) and meta.json (labels, split).
 */
export async function exportImageDataset(
  photosIn: readonly LabelledPhoto[],
  dir: string,
  o: { side: number; holdout: number; onProgress?: (done: number, total: number) => void },
): Promise<DatasetExport> {
  const pixels: Uint8Array[] = [];
  const photos: LabelledPhoto[] = [];
  let unreadable = 0;
  for (let i = 0; i < photosIn.length; i += 64) {
    const batch = photosIn.slice(i, i + 64);
    const decoded = await Promise.all(batch.map((p) => imagePixels(p.path, o.side).catch(() => undefined)));
    decoded.forEach((px, j) => {
      if (!px) unreadable++;
      else {
        pixels.push(px);
        photos.push(batch[j]!);
      }
    });
    o.onProgress?.(Math.min(i + 64, photosIn.length), photosIn.length);
  }
  const articleClasses = [...new Set(photos.map((p) => p.article))].sort();
  const colourClasses = [...new Set(photos.flatMap((p) => (p.colour ? [p.colour] : [])))].sort();
  const heldOut = photos.map((p) => isHeldOut(p.sku, o.holdout));
  const all = new Uint8Array(pixels.length * o.side * o.side * 3);
  pixels.forEach((px, i) => all.set(px, i * px.length));
  await writeFile(join(dir, 'pixels.u8'), all);
  await writeFile(
    join(dir, 'meta.json'),
    JSON.stringify({
      side: o.side,
      articleClasses,
      colourClasses,
      article: photos.map((p) => articleClasses.indexOf(p.article)),
      colour: photos.map((p) => (p.colour ? colourClasses.indexOf(p.colour) : -1)),
      heldOut,
    }),
  );
  return { photos, articleClasses, colourClasses, heldOut, unreadable };
}
