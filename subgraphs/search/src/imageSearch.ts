import { resolve } from 'node:path';
import { activeEncoder, Prisma, toVectorLiteral, type ActiveEncoder, type PrismaClient } from '@recgraph/db';
import { BUILT_IN_SOURCE, imageEncoderChoiceFor } from '@recgraph/embeddings';
import {
  chooseImageEncoder,
  openImageEncoder,
  readImageEncoderDescriptor,
  type ImageEncoder,
  type ImageEncoderChoice,
} from '@recgraph/embeddings/image-encoder';
import { MAX_IMAGE_BYTES, normaliseImage, UnusableImageError } from '@recgraph/embeddings/image-input';
import { badUserInput } from '@recgraph/subgraph-kit';
import type { Logger } from '@recgraph/telemetry';
import { SERVING_ENCODER_TTL_MS } from './semantic.ts';
import { filterSql, type SearchFilter } from './textSearch.ts';

/** Dimensions with a partial HNSW index on IMAGE embeddings (migration init). */
const HNSW_IMAGE_DIMS = new Set([64]);

export interface ImageHit {
  id: string;
  /** Cosine similarity of the product's IMAGE embedding to the query's. */
  score: number;
}

/**
 * The image encoder of the subgraph (IMAGE_ENCODER_DIR, else the shipped trained CNN,
 * else the built-in grid descriptor; logged at start), opened on first use. Photos are
 * encoded with the SERVING IMAGE encoder (embedding_encoders' ACTIVE row, re-read every 2 s)
 * when this process can open it, as text queries are: while the embedding pipeline
 * backfills a newly configured image encoder the old one answers, and queries follow the
 * switch; before any is registered, the configured one. Queries only meet vectors of the
 * encoder that encoded them (product_embeddings.model).
 */
export class ImageQueryEncoder {
  private encoder?: Promise<ImageEncoder>;
  /** Encoders of other sources than the configured one (a serving encoder being switched from). */
  private readonly others = new Map<string, Promise<ImageEncoder>>();
  private serving?: { until: number; value: Promise<ActiveEncoder | undefined> };
  readonly choice: ImageEncoderChoice;
  /** Read from the descriptor at start (which checks it): text search never loads a model without a text tower. */
  private readonly textTower: boolean;

  constructor(
    configuredDir: string | undefined,
    private readonly logger?: Logger,
  ) {
    this.choice = chooseImageEncoder(configuredDir);
    this.textTower = this.choice.dir ? readImageEncoderDescriptor(this.choice.dir).textTower !== undefined : false;
  }

  describe(): void {
    this.logger?.info(
      { dir: this.choice.dir ?? null, reason: this.choice.reason },
      this.choice.dir
        ? 'search: image search with a trained image encoder'
        : 'search: image search with the built-in grid descriptor (no trained image encoder)',
    );
  }

  open(): Promise<ImageEncoder> {
    this.encoder ??= openImageEncoder(this.choice, { threads: 1 }).then((e) => {
      this.logger?.info(
        { encoder: e.model, dims: e.dims, source: e.source, textTower: e.textTower?.model ?? null },
        'search: image encoder loaded',
      );
      return e;
    });
    this.encoder.catch(() => (this.encoder = undefined));
    return this.encoder;
  }

  private servingEncoder(prisma: PrismaClient): Promise<ActiveEncoder | undefined> {
    const now = Date.now();
    if (!this.serving || this.serving.until < now) {
      const value = activeEncoder(prisma, 'IMAGE');
      this.serving = { until: now + SERVING_ENCODER_TTL_MS, value };
      value.catch(() => (this.serving = undefined));
    }
    return this.serving.value;
  }

  /** The encoder photos are encoded with now (see the class comment). */
  async current(prisma: PrismaClient): Promise<ImageEncoder> {
    const serving = await this.servingEncoder(prisma);
    const configuredSource = this.choice.dir ? resolve(this.choice.dir) : BUILT_IN_SOURCE;
    if (serving && serving.source !== configuredSource) {
      const choice = imageEncoderChoiceFor(serving.source);
      if (choice) {
        const key = choice.dir ?? BUILT_IN_SOURCE;
        let e = this.others.get(key);
        if (!e) {
          e = openImageEncoder(choice, { threads: 1 });
          e.catch(() => this.others.delete(key));
          this.others.set(key, e);
        }
        const encoder = await e.catch(() => undefined);
        if (encoder?.model === serving.model) return encoder;
      }
    }
    return this.open();
  }

  /** A text query in the image space, or undefined when the encoder has no text tower. */
  async embedText(query: string): Promise<{ model: string; vector: Float32Array } | undefined> {
    if (!this.textTower) return undefined;
    const e = await this.open();
    if (!e.textTower) return undefined;
    const vector = await e.textTower.encodeQuery(query);
    // A query of words the text tower has no vector for embeds to zero: no direction, no neighbours.
    if (!vector.some((x) => x !== 0)) return undefined;
    return { model: e.model, vector };
  }

  async release(): Promise<void> {
    const all = [this.encoder, ...this.others.values()];
    this.encoder = undefined;
    this.others.clear();
    for (const e of all) await (await e?.catch(() => undefined))?.release();
  }
}

/** Base64 of a 10 MB image (4 characters per 3 bytes); anything longer is refused before decoding. */
const MAX_BASE64_CHARS = Math.ceil(MAX_IMAGE_BYTES / 3) * 4;

/**
 * The uploaded image, checked and normalised (see normaliseImage: upright, ≤ 1024 px):
 * base64 (a data: URL prefix is allowed), ≤ 10 MB, JPEG/PNG/WebP, ≤ 50 megapixels,
 * wholly decodable. Anything else is BAD_USER_INPUT before any other work.
 */
export async function decodeImageArgument(imageBase64: string): Promise<Buffer> {
  const body = imageBase64.replace(/^data:image\/[a-z+.-]+;base64,/i, '').replace(/\s+/g, '');
  if (body.length === 0) throw badUserInput('imageBase64 must not be empty', 'imageBase64');
  if (body.length > MAX_BASE64_CHARS + 2)
    throw badUserInput(`the image is over ${MAX_IMAGE_BYTES / 1024 / 1024} MB`, 'imageBase64');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body) && !/^[A-Za-z0-9_-]+={0,2}$/.test(body))
    throw badUserInput('imageBase64 is not base64', 'imageBase64');
  const bytes = Buffer.from(body, body.includes('-') || body.includes('_') ? 'base64url' : 'base64');
  try {
    return (await normaliseImage(bytes)).image;
  } catch (err) {
    if (err instanceof UnusableImageError) throw badUserInput(err.message, 'imageBase64');
    throw err;
  }
}

/**
 * The `depth` nearest product IMAGE embeddings of `model` to `vector` through the partial
 * HNSW index, filtered, best first (equal scores in id order). hnsw.ef_search is raised to
 * the depth for this transaction, as the text side does.
 */
export async function nearestImages(
  prisma: PrismaClient,
  o: {
    model: string;
    vector: Float32Array;
    filter: SearchFilter;
    depth: number;
    minSimilarity?: number;
    excludeId?: string;
  },
): Promise<ImageHit[]> {
  const dims = o.vector.length;
  const q = toVectorLiteral(o.vector);
  const indexed = HNSW_IMAGE_DIMS.has(dims);
  const col = indexed ? Prisma.raw(`(e.embedding::vector(${dims}))`) : Prisma.raw('e.embedding');
  const qv = indexed ? Prisma.sql`${q}::vector(${Prisma.raw(String(dims))})` : Prisma.sql`${q}::vector`;
  const exclude = o.excludeId ? Prisma.sql`AND e.product_id <> ${o.excludeId}::uuid` : Prisma.empty;
  const [, rows] = await prisma.$transaction([
    prisma.$queryRaw`SELECT set_config('hnsw.ef_search', ${String(Math.min(1000, Math.max(40, o.depth)))}, true)`,
    prisma.$queryRaw<{ id: string; distance: number }[]>`
      SELECT e.product_id::text AS id, (${col} <=> ${qv})::float8 AS distance
      FROM product_embeddings e JOIN products p ON p.id = e.product_id
      WHERE e.kind = 'IMAGE' AND e.dims = ${dims} AND e.model = ${o.model} ${exclude} ${filterSql(o.filter)}
      ORDER BY ${col} <=> ${qv}
      LIMIT ${o.depth}`,
  ]);
  return rows
    .map((r) => ({ id: r.id, score: 1 - r.distance }))
    .filter((h) => o.minSimilarity === undefined || h.score >= o.minSimilarity)
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** searchByImage: the uploaded photo's nearest products. */
export async function searchByImage(
  prisma: PrismaClient,
  encoder: ImageQueryEncoder,
  imageBase64: string,
  first: number,
  filter: SearchFilter,
): Promise<{ encoder: string; hits: ImageHit[] }> {
  const bytes = await decodeImageArgument(imageBase64);
  const e = await encoder.current(prisma);
  const [vector] = await e.encodeImages([bytes]);
  return {
    encoder: e.model,
    hits: await nearestImages(prisma, { model: e.model, vector: vector!, filter, depth: first }),
  };
}

/** Product.visuallySimilar: the products whose photos are nearest this product's (itself excluded); [] without a photo vector. */
export async function visuallySimilar(
  prisma: PrismaClient,
  encoder: ImageQueryEncoder,
  productId: string,
  first: number,
): Promise<ImageHit[]> {
  const e = await encoder.current(prisma);
  const rows = await prisma.$queryRaw<{ embedding: string }[]>`
    SELECT embedding::text AS embedding FROM product_embeddings
    WHERE product_id = ${productId}::uuid AND kind = 'IMAGE' AND model = ${e.model}`;
  if (!rows[0]) return [];
  const vector = Float32Array.from(rows[0].embedding.slice(1, -1).split(','), Number);
  return nearestImages(prisma, { model: e.model, vector, filter: {}, depth: first, excludeId: productId });
}
