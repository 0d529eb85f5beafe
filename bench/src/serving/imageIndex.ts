// IMAGE vectors for a generated store, whose products have no photos: real catalogue photos
// encoded by the encoder the search subgraph serves with, spread over the store's products.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { upsertProductEmbeddings, type Database } from '@recgraph/db';
import { chooseImageEncoder, openImageEncoder } from '@recgraph/embeddings/image-encoder';

/** Photo files of a folder, sorted (the index takes the first ones, queries the last: disjoint). */
export function photoFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => /\.(jpe?g|png|webp)$/i.test(f))
    .sort()
    .map((f) => join(dir, f));
}

export interface ImageIndexReport {
  model: string;
  /** Vectors written now (0: the store already had one per product). */
  written: number;
  /** Photos encoded for them. */
  photos: number;
  seconds: number;
}

/** A deterministic standard normal (Box–Muller over mulberry32), so every run writes the same vectors. */
function gaussian(seed: number): () => number {
  let s = seed | 0;
  const uniform = () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

/**
 * Gives every product of the store an IMAGE vector of the served encoder (IMAGE_ENCODER_DIR's
 * default, the shipped CNN) unless it has one: `poolSize` photos are encoded, and product i gets
 * photo i mod poolSize's vector plus a little noise (σ `noise` per dimension, renormalised), so
 * the HNSW index holds as many distinct vectors as products, laid out as real photos' are.
 */
export async function ensureImageIndex(
  db: Database,
  photos: readonly string[],
  o: { poolSize: number; noise?: number; log: (msg: string) => void },
): Promise<ImageIndexReport> {
  const started = performance.now();
  const encoder = await openImageEncoder(chooseImageEncoder());
  try {
    const { rows: missing } = await db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM products p WHERE NOT EXISTS
         (SELECT 1 FROM product_embeddings e WHERE e.product_id = p.id AND e.kind = 'IMAGE' AND e.model = $1)`,
      [encoder.model],
    );
    const report = { model: encoder.model, written: 0, photos: 0, seconds: 0 };
    if (missing[0]!.n === 0) return report;
    const pool: Float32Array[] = [];
    const files = photos.slice(0, o.poolSize);
    for (let i = 0; i < files.length; i += 64) pool.push(...(await encoder.encodeImages(files.slice(i, i + 64))));
    report.photos = pool.length;
    o.log(`  ${pool.length} photos encoded by ${encoder.model}; writing a vector per product`);
    const sigma = o.noise ?? 0.02;
    let after = '00000000-0000-0000-0000-000000000000';
    let index = 0;
    for (;;) {
      const { rows } = await db.pool.query<{ id: string }>(
        'SELECT id FROM products WHERE id > $1 ORDER BY id LIMIT 1000',
        [after],
      );
      if (rows.length === 0) break;
      after = rows.at(-1)!.id;
      const vectors = rows.map(() => {
        const base = pool[index % pool.length]!;
        const normal = gaussian(index++);
        const v = base.map((x) => x + sigma * normal());
        const norm = Math.hypot(...v);
        return v.map((x) => x / norm);
      });
      report.written += await upsertProductEmbeddings(
        db.prisma,
        rows.map((r, i) => ({ productId: r.id, kind: 'IMAGE' as const, model: encoder.model, vector: vectors[i]! })),
      );
    }
    report.seconds = (performance.now() - started) / 1000;
    return report;
  } finally {
    await encoder.release();
  }
}
