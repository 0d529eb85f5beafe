import { access } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { upsertProductEmbeddings, type Database } from '@recgraph/db';
import type { ImageEncoder } from './image-encoder.ts';

export interface ImageEmbeddingReport {
  model: string;
  written: number;
  /** Products with no image file. */
  missing: number;
  /** Image files that did not decode (logged, skipped). */
  unreadable: number;
}

/** The image file for a product: image_url's file name when it names one, else <sku>.png; never outside imagesDir. */
export function productImagePath(dir: string, p: { sku: string; image_url: string | null }): string {
  const fromUrl = p.image_url && !/^[a-z]+:\/\//i.test(p.image_url) ? basename(p.image_url) : undefined;
  return join(dir, fromUrl && /\.(png|jpe?g|webp|gif|avif|tiff?)$/i.test(fromUrl) ? fromUrl : `${basename(p.sku)}.png`);
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/**
 * IMAGE embeddings of every product with a photo in `imagesDir`, written by `encoder`
 * (product_embeddings.model = encoder.model), in keyset pages by id; an unreadable file
 * costs only its own product's vector.
 */
export async function embedProductImages(
  db: Database,
  encoder: ImageEncoder,
  o: {
    imagesDir: string;
    batchSize?: number;
    /** Only these products (a catalog change). */
    ids?: readonly string[];
    /** Only products without a vector of this encoder (a resumable backfill); default: every product. */
    onlyMissing?: boolean;
    signal?: AbortSignal;
    onProgress?: (done: number, total: number) => void;
    log?: (fields: Record<string, unknown>, msg: string) => void;
  },
): Promise<ImageEmbeddingReport> {
  const size = o.batchSize ?? 64;
  const report: ImageEmbeddingReport = { model: encoder.model, written: 0, missing: 0, unreadable: 0 };
  /** The selection's SQL, its parameters numbered from `first`. */
  const selection = (first: number) => {
    const params: unknown[] = [];
    const parts: string[] = [];
    if (o.ids) {
      params.push([...o.ids]);
      parts.push(`AND p.id = ANY($${first + params.length - 1}::uuid[])`);
    }
    if (o.onlyMissing) {
      params.push(encoder.model);
      parts.push(
        `AND NOT EXISTS (SELECT 1 FROM product_embeddings e
           WHERE e.product_id = p.id AND e.kind = 'IMAGE' AND e.model = $${first + params.length - 1})`,
      );
    }
    return { sql: parts.join(' '), params };
  };
  const counted = selection(1);
  const { rows: count } = await db.pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM products p WHERE true ${counted.sql}`,
    counted.params,
  );
  const total = Number(count[0]!.n);
  const paged = selection(3);
  let after = '00000000-0000-0000-0000-000000000000';
  let done = 0;
  while (!o.signal?.aborted) {
    const { rows } = await db.pool.query<{ id: string; sku: string; image_url: string | null }>(
      `SELECT id, sku, image_url FROM products p WHERE id > $1 ${paged.sql} ORDER BY id LIMIT $2`,
      [after, size, ...paged.params],
    );
    if (rows.length === 0) break;
    after = rows[rows.length - 1]!.id;
    const present: { id: string; path: string }[] = [];
    for (const p of rows) {
      const path = productImagePath(o.imagesDir, p);
      if (await exists(path)) present.push({ id: p.id, path });
      else report.missing++;
    }
    // Encode together for speed; on a failure, one by one to find the unreadable files.
    let vectors: (Float32Array | undefined)[];
    try {
      vectors = await encoder.encodeImages(present.map((p) => p.path));
    } catch {
      vectors = await Promise.all(
        present.map((p) =>
          encoder.encodeImages([p.path]).then(
            (v) => v[0],
            (err: Error) => {
              report.unreadable++;
              o.log?.({ productId: p.id, path: p.path, err: err.message }, 'product image unreadable; skipped');
              return undefined;
            },
          ),
        ),
      );
    }
    report.written += await upsertProductEmbeddings(
      db.prisma,
      present.flatMap((p, i) =>
        vectors[i] ? [{ productId: p.id, kind: 'IMAGE' as const, model: encoder.model, vector: vectors[i] }] : [],
      ),
    );
    done += rows.length;
    o.onProgress?.(done, total);
  }
  return report;
}
