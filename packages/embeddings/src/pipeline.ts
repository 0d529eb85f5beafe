import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { upsertProductEmbeddings, type Database } from '@recgraph/db';
import { embedProductImages } from './image-embeddings.ts';
import { imageEncoderDirProblem, type ImageEncoder, type ImageEncoderChoice } from './image-encoder.ts';
import { sentenceEncoderDirProblem } from './sentence-encoder.ts';
import type { ProductText } from './text-features.ts';
import type { TextEncoder, TextEncoderChoice } from './text-encoder.ts';

/**
 * The embedding pipeline's one writer of product TEXT vectors: the trainer's batch job,
 * an encoder switch's background backfill, the catalog-change re-embedding and the
 * periodic sweep all go through embedPending. Each vector records its encoder
 * (product_embeddings.model), the products.updated_at it was computed from and the
 * sha256 of the encoder's input; a product holds one vector per encoder, and
 * embedding_encoders says which encoder serves (queries use only that one's vectors).
 *
 * An encoder switch: the new encoder is registered BUILDING, every product gets its
 * vector beside the serving one, and then, in one transaction, the new one becomes
 * ACTIVE and the old one RETIRED; readers (search, the recommender's content neighbours)
 * follow within seconds, and the retired vectors are deleted after a grace period.
 * Queries therefore never see a half-built index, nor mix vectors of two encoders.
 */

/** embedding_encoders.source of the shipped hashed encoder. */
export const BUILT_IN_SOURCE = 'built-in';

/** What embedding_encoders records as an encoder's source: its model directory, or "built-in". */
export const encoderSource = (e: TextEncoder): string => (e.pretrained ? resolve(e.source) : BUILT_IN_SOURCE);

/** How to open the encoder recorded with `source` in this process, or undefined when it cannot be (a directory it lacks). */
export function textEncoderChoiceFor(source: string | null | undefined): TextEncoderChoice | undefined {
  if (source === BUILT_IN_SOURCE) return { dir: undefined, reason: 'the serving encoder is the built-in one' };
  if (source && existsSync(source) && !sentenceEncoderDirProblem(source))
    return { dir: source, reason: `the serving encoder is in ${source}` };
  return undefined;
}

/** embedding_encoders.source of an image encoder: its model directory, or "built-in" (the grid descriptor). */
export const imageEncoderSource = (e: ImageEncoder): string => (e.trained ? resolve(e.source) : BUILT_IN_SOURCE);

/** How to open the image encoder recorded with `source` in this process, or undefined when it cannot be. */
export function imageEncoderChoiceFor(source: string | null | undefined): ImageEncoderChoice | undefined {
  if (source === BUILT_IN_SOURCE) return { dir: undefined, reason: 'the serving image encoder is the built-in one' };
  if (source && existsSync(source) && !imageEncoderDirProblem(source))
    return { dir: source, reason: `the serving image encoder is in ${source}` };
  return undefined;
}

interface PendingRow extends ProductText {
  id: string;
  updated_at: Date;
  /** The stored vector's input_sha256 (null: none, or written before inputs were recorded). */
  have: string | null;
}

/** sha256 of everything a text encoder reads from a product: equal → the vector would be the same. */
export function textInputSha256(p: ProductText): string {
  return createHash('sha256')
    .update(JSON.stringify([p.title, p.description ?? null, p.brand ?? null, p.category ?? null, p.attributes ?? null]))
    .digest('hex');
}

export interface EmbedPendingOptions {
  /** Only these products (a catalog change); else every product after `after` in id order. */
  ids?: readonly string[];
  after?: string;
  limit: number;
}

export interface EmbedPendingResult {
  /** Pending products found (at most limit). */
  count: number;
  /** The last id seen, for the next page. */
  last: string | undefined;
  /** Vectors computed and written. */
  encoded: number;
  /** Products whose input had not changed: their vector was only marked fresh. */
  unchanged: number;
}

/**
 * Embeds products whose `encoder` vector is missing or older than the product
 * (products.updated_at moved since it was computed). A product whose encoder input is
 * unchanged (a stock or price edit) is only marked fresh; the others are encoded in one
 * batch and upserted, never over a vector computed from a newer product.
 */
export async function embedPending(
  db: Database,
  encoder: TextEncoder,
  o: EmbedPendingOptions,
): Promise<EmbedPendingResult> {
  const params: unknown[] = [encoder.model, o.limit];
  let where = '';
  if (o.ids) {
    params.push([...o.ids]);
    where = `AND p.id = ANY($${params.length}::uuid[])`;
  } else if (o.after) {
    params.push(o.after);
    where = `AND p.id > $${params.length}::uuid`;
  }
  const { rows } = await db.pool.query<PendingRow>(
    `SELECT p.id, p.title, p.description, p.brand, c.path AS category, p.attributes, p.updated_at, e.input_sha256 AS have
     FROM products p
     LEFT JOIN categories c ON c.id = p.category_id
     LEFT JOIN product_embeddings e ON e.product_id = p.id AND e.kind = 'TEXT' AND e.model = $1
     WHERE (e.product_id IS NULL OR e.product_updated_at IS NULL OR e.product_updated_at < p.updated_at) ${where}
     ORDER BY p.id LIMIT $2`,
    params,
  );
  const hashes = rows.map(textInputSha256);
  const same = rows.filter((r, i) => r.have === hashes[i]);
  const changed = rows.filter((r, i) => r.have !== hashes[i]);
  if (same.length)
    await db.pool.query(
      `UPDATE product_embeddings e SET product_updated_at = v.u
       FROM unnest($2::uuid[], $3::timestamptz[]) AS v(id, u)
       WHERE e.product_id = v.id AND e.kind = 'TEXT' AND e.model = $1
         AND (e.product_updated_at IS NULL OR e.product_updated_at < v.u)`,
      [encoder.model, same.map((r) => r.id), same.map((r) => r.updated_at)],
    );
  let encoded = 0;
  if (changed.length) {
    const vectors = await encoder.encodeProducts(changed);
    encoded = await upsertProductEmbeddings(
      db.prisma,
      changed.map((p, i) => ({
        productId: p.id,
        kind: 'TEXT',
        model: encoder.model,
        vector: vectors[i]!,
        productUpdatedAt: p.updated_at,
        inputSha256: textInputSha256(p),
      })),
    );
  }
  return { count: rows.length, last: rows.at(-1)?.id, encoded, unchanged: same.length };
}

/** Registers an encoder of `kind` (BUILDING unless it already serves; a RETIRED one is building again). */
export async function registerEncoder(
  db: Database,
  kind: 'TEXT' | 'IMAGE',
  e: { model: string; dims: number; source: string },
): Promise<'BUILDING' | 'ACTIVE'> {
  const { rows } = await db.pool.query<{ status: 'BUILDING' | 'ACTIVE' }>(
    `INSERT INTO embedding_encoders (kind, model, dims, source, status) VALUES ($1, $2, $3, $4, 'BUILDING')
     ON CONFLICT (kind, model) DO UPDATE SET dims = EXCLUDED.dims, source = EXCLUDED.source, updated_at = now(),
       status = CASE WHEN embedding_encoders.status = 'RETIRED' THEN 'BUILDING'::"EncoderStatus" ELSE embedding_encoders.status END,
       retired_at = CASE WHEN embedding_encoders.status = 'RETIRED' THEN NULL ELSE embedding_encoders.retired_at END
     RETURNING status`,
    [kind, e.model, e.dims, e.source],
  );
  return rows[0]!.status;
}

/**
 * Makes `model` the serving encoder of `kind` when every product has its vector:
 * in one transaction the current ACTIVE one is RETIRED and this one ACTIVE. Returns
 * false (nothing changed) when products still lack a vector. IMAGE vectors exist only for
 * products with a photo, so an image backfill that has visited every product says so
 * itself (`complete`) instead.
 */
export async function activateEncoder(
  db: Database,
  kind: 'TEXT' | 'IMAGE',
  model: string,
  o: { complete?: boolean } = {},
): Promise<boolean> {
  const client = await db.pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = o.complete
      ? { rows: [{ missing: 0 }] }
      : await client.query<{ missing: number }>(
          `SELECT count(*)::int AS missing FROM products p
           WHERE NOT EXISTS (SELECT 1 FROM product_embeddings e WHERE e.product_id = p.id AND e.kind = $1 AND e.model = $2)`,
          [kind, model],
        );
    if (rows[0]!.missing > 0) {
      await client.query('ROLLBACK');
      return false;
    }
    await client.query(
      `UPDATE embedding_encoders SET status = 'RETIRED', retired_at = now(), updated_at = now()
       WHERE kind = $1 AND status = 'ACTIVE' AND model <> $2`,
      [kind, model],
    );
    await client.query(
      `UPDATE embedding_encoders SET status = 'ACTIVE', activated_at = coalesce(activated_at, now()), updated_at = now(),
         products_done = products_total
       WHERE kind = $1 AND model = $2`,
      [kind, model],
    );
    await client.query('COMMIT');
    return true;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** Deletes the vectors of encoders RETIRED more than `graceMs` ago (readers cache the serving encoder for seconds). */
export async function deleteRetiredVectors(db: Database, graceMs: number): Promise<number> {
  const r = await db.pool.query(
    `DELETE FROM product_embeddings e USING embedding_encoders r
     WHERE r.kind = e.kind AND r.model = e.model AND r.status = 'RETIRED'
       AND r.retired_at < now() - make_interval(secs => $1::float8 / 1000)`,
    [graceMs],
  );
  return r.rowCount ?? 0;
}

export interface BackfillOptions {
  batchSize: number;
  /** Checked between batches: an aborted backfill stops after the batch in hand, the old encoder still serving. */
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface BackfillReport {
  model: string;
  /** Vectors computed and written. */
  written: number;
  unchanged: number;
  /** True when the encoder serves at the end (it already did, or every product now has its vector). */
  active: boolean;
  aborted: boolean;
}

/**
 * Brings `encoder`'s TEXT vectors up to date for every product and makes it the serving
 * encoder: registered (BUILDING when new), pending products embedded page by page in
 * id order (progress through onProgress and embedding_encoders.products_done), a
 * last pass for products created or edited behind the cursor, then activation.
 */
export async function backfillTextEncoder(
  db: Database,
  encoder: TextEncoder,
  o: BackfillOptions,
): Promise<BackfillReport> {
  const aborted = () => o.signal?.aborted === true;
  await registerEncoder(db, 'TEXT', { model: encoder.model, dims: encoder.dims, source: encoderSource(encoder) });
  const { rows } = await db.pool.query<{ total: number; pending: number }>(
    `SELECT count(*)::int AS total,
       count(*) FILTER (WHERE e.product_id IS NULL OR e.product_updated_at IS NULL OR e.product_updated_at < p.updated_at)::int AS pending
     FROM products p LEFT JOIN product_embeddings e ON e.product_id = p.id AND e.kind = 'TEXT' AND e.model = $1`,
    [encoder.model],
  );
  const { total, pending } = rows[0]!;
  let done = total - pending;
  const progress = async () => {
    o.onProgress?.(Math.min(done, total), total);
    await db.pool.query(
      `UPDATE embedding_encoders SET products_total = $3, products_done = $4, updated_at = now() WHERE kind = $1 AND model = $2`,
      ['TEXT', encoder.model, total, Math.min(done, total)],
    );
  };
  await progress();
  const report: BackfillReport = { model: encoder.model, written: 0, unchanged: 0, active: false, aborted: false };
  const page = async (after: string | undefined) => {
    const r = await embedPending(db, encoder, { limit: o.batchSize, ...(after ? { after } : {}) });
    report.written += r.encoded;
    report.unchanged += r.unchanged;
    done += r.count;
    return r;
  };
  let after: string | undefined;
  while (!aborted()) {
    const r = await page(after);
    if (r.count === 0) break;
    after = r.last;
    await progress();
  }
  // Products created or edited behind the cursor meanwhile; bounded, since a busy catalogue never stands still.
  for (let pass = 0; pass < 100 && !aborted(); pass++) if ((await page(undefined)).count === 0) break;
  report.aborted = aborted();
  if (!report.aborted) report.active = await activateEncoder(db, 'TEXT', encoder.model);
  return report;
}

/**
 * The IMAGE side of an encoder switch: `encoder` registered (BUILDING when new), the photo
 * of every product that lacks its vector embedded (resumable: a restart goes on where it
 * stopped), a last pass for products created meanwhile, then activation, in one transaction,
 * with the previous IMAGE encoder retired. Until then the previous one serves image search.
 */
export async function backfillImageEncoder(
  db: Database,
  encoder: ImageEncoder,
  o: BackfillOptions & { imagesDir: string; log?: (fields: Record<string, unknown>, msg: string) => void },
): Promise<BackfillReport> {
  const aborted = () => o.signal?.aborted === true;
  await registerEncoder(db, 'IMAGE', { model: encoder.model, dims: encoder.dims, source: imageEncoderSource(encoder) });
  const report: BackfillReport = { model: encoder.model, written: 0, unchanged: 0, active: false, aborted: false };
  const progress = (done: number, total: number) => {
    o.onProgress?.(done, total);
    void db.pool
      .query(
        `UPDATE embedding_encoders SET products_total = $2, products_done = $3, updated_at = now() WHERE kind = 'IMAGE' AND model = $1`,
        [encoder.model, total, done],
      )
      .catch(() => undefined);
  };
  for (let pass = 0; pass < 3 && !aborted(); pass++) {
    const r = await embedProductImages(db, encoder, {
      imagesDir: o.imagesDir,
      batchSize: o.batchSize,
      onlyMissing: true,
      ...(o.signal ? { signal: o.signal } : {}),
      ...(pass === 0 ? { onProgress: progress } : {}),
      ...(o.log ? { log: o.log } : {}),
    });
    report.written += r.written;
    // Nothing new written: every product with a readable photo has its vector.
    if (r.written === 0) break;
  }
  report.aborted = aborted();
  if (report.aborted) return report;
  // A process that sees no photos (a trainer without the images volume) must not replace vectors with none.
  const { rows } = await db.pool.query<{ mine: number; others: number }>(
    `SELECT count(*) FILTER (WHERE model = $1)::int AS mine, count(*) FILTER (WHERE model <> $1)::int AS others
     FROM product_embeddings WHERE kind = 'IMAGE'`,
    [encoder.model],
  );
  if (rows[0]!.mine === 0 && rows[0]!.others > 0) {
    o.log?.(
      { model: encoder.model, imagesDir: o.imagesDir },
      'no product photo readable here: the serving image encoder stays',
    );
    return report;
  }
  report.active = await activateEncoder(db, 'IMAGE', encoder.model, { complete: true });
  return report;
}
