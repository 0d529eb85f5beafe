import { Prisma, type PrismaClient } from './generated/prisma/client.ts';
import type { EmbeddingKind } from './generated/prisma/enums.ts';

/** Dimensions that have HNSW indexes (see the init migration). */
export const INDEXED_DIMS = [64] as const;

/** pgvector's text form: '[0.1,0.2,...]'. Rejects NaN/Infinity, which pgvector would refuse anyway. */
export function toVectorLiteral(v: ArrayLike<number>): string {
  const parts = new Array<string>(v.length);
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    if (!Number.isFinite(x)) throw new RangeError(`vector component ${i} is not finite (${x})`);
    parts[i] = String(x);
  }
  return `[${parts.join(',')}]`;
}

export function parseVectorLiteral(s: string): Float32Array {
  return Float32Array.from(s.slice(1, -1).split(','), Number);
}

export interface EmbeddingRow {
  productId: string;
  kind: EmbeddingKind;
  /** The encoder that wrote it ("<name>@<version>"); a product holds one row per kind and encoder. */
  model: string;
  vector: ArrayLike<number>;
  /** products.updated_at the vector was computed from: a row computed from an older product never replaces a newer one. */
  productUpdatedAt?: Date;
  /** sha256 of the encoder's input, so an unchanged input is not encoded again. */
  inputSha256?: string;
}

/**
 * Upserts product embeddings in one statement per call (batch them); returns the rows
 * written. A row whose productUpdatedAt is older than the stored one's is left alone, so
 * a backfill that read a product before an edit cannot overwrite the edit's vector.
 */
export async function upsertProductEmbeddings(db: PrismaClient, rows: readonly EmbeddingRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  const values = rows.map(
    (r) =>
      Prisma.sql`(${r.productId}::uuid, ${r.kind}::"EmbeddingKind", ${r.model}, ${r.vector.length}, ${toVectorLiteral(r.vector)}::vector, now(), ${r.productUpdatedAt ?? null}::timestamptz, ${r.inputSha256 ?? null})`,
  );
  return db.$executeRaw`
    INSERT INTO product_embeddings AS e (product_id, kind, model, dims, embedding, updated_at, product_updated_at, input_sha256)
    VALUES ${Prisma.join(values)}
    ON CONFLICT (product_id, kind, model) DO UPDATE
      SET dims = EXCLUDED.dims, embedding = EXCLUDED.embedding, updated_at = now(),
          product_updated_at = EXCLUDED.product_updated_at, input_sha256 = EXCLUDED.input_sha256
      WHERE e.product_updated_at IS NULL OR EXCLUDED.product_updated_at IS NULL
         OR EXCLUDED.product_updated_at >= e.product_updated_at`;
}

export interface ActiveEncoder {
  model: string;
  dims: number;
  /** A model directory, "built-in", or null when unknown. */
  source: string | null;
}

/**
 * The encoder whose vectors queries of `kind` use (embedding_encoders' ACTIVE row), or
 * undefined when none is registered yet (readers then use the encoder they are configured with).
 */
export async function activeEncoder(db: PrismaClient, kind: 'TEXT' | 'IMAGE'): Promise<ActiveEncoder | undefined> {
  const row = await db.embeddingEncoder.findFirst({
    where: { kind, status: 'ACTIVE' },
    select: { model: true, dims: true, source: true },
  });
  return row ?? undefined;
}

export interface Neighbour {
  productId: string;
  /** Cosine similarity for TEXT/IMAGE, inner product for COLLABORATIVE. */
  score: number;
}

export interface NearestOptions {
  kind: EmbeddingKind;
  k: number;
  excludeProductIds?: readonly string[];
  /** Only ACTIVE products (default true). */
  activeOnly?: boolean;
  /** Only vectors of this encoder (product_embeddings.model); a product may hold one per encoder. */
  model?: string;
}

/**
 * k nearest products to `query` by pgvector. For indexed dimensions the query
 * repeats the partial index's expression and predicate so the planner can use
 * HNSW; other sizes fall back to an exact scan.
 */
export async function nearestProducts(
  db: PrismaClient,
  query: ArrayLike<number>,
  opts: NearestOptions,
): Promise<Neighbour[]> {
  const dims = query.length;
  const q = toVectorLiteral(query);
  const collaborative = opts.kind === 'COLLABORATIVE';
  const indexed = (INDEXED_DIMS as readonly number[]).includes(dims);
  const col = indexed ? Prisma.raw(`(e.embedding::vector(${dims}))`) : Prisma.raw('e.embedding');
  const qv = indexed ? Prisma.sql`${q}::vector(${Prisma.raw(String(dims))})` : Prisma.sql`${q}::vector`;
  const distance = collaborative ? Prisma.sql`${col} <#> ${qv}` : Prisma.sql`${col} <=> ${qv}`;
  const exclude = opts.excludeProductIds?.length
    ? Prisma.sql`AND e.product_id <> ALL(${[...opts.excludeProductIds]}::uuid[])`
    : Prisma.empty;
  const active = opts.activeOnly === false ? Prisma.empty : Prisma.sql`AND p.status = 'ACTIVE'`;
  const model = opts.model === undefined ? Prisma.empty : Prisma.sql`AND e.model = ${opts.model}`;
  const rows = await db.$queryRaw<{ product_id: string; distance: number }[]>`
    SELECT e.product_id, (${distance})::float8 AS distance
    FROM product_embeddings e JOIN products p ON p.id = e.product_id
    WHERE e.kind = ${opts.kind}::"EmbeddingKind" AND e.dims = ${dims} ${model} ${exclude} ${active}
    ORDER BY ${distance}
    LIMIT ${opts.k}`;
  // <#> is the negative inner product; <=> is cosine distance (1 - cosine similarity).
  return rows.map((r) => ({ productId: r.product_id, score: collaborative ? -r.distance : 1 - r.distance }));
}
