import { resolve } from 'node:path';
import { activeEncoder, Prisma, toVectorLiteral, type ActiveEncoder, type PrismaClient } from '@recgraph/db';
import {
  BUILT_IN_SOURCE,
  chooseTextEncoder,
  openTextEncoder,
  textEncoderChoiceFor,
  type TextEncoder,
  type TextEncoderChoice,
} from '@recgraph/embeddings';
import type { Logger } from '@recgraph/telemetry';
import { filterSql, type SearchFilter } from './textSearch.ts';

/** Dimensions with a partial HNSW index on TEXT embeddings (migrations init and product_search). */
const HNSW_TEXT_DIMS = new Set([64, 384]);

export interface SemanticOptions {
  /** TEXT_ENCODER_DIR; unset → the fetched model in .models/ when present, else the built-in encoder. */
  textEncoderDir?: string;
  /** Neighbours below this cosine similarity are not results (a query about nothing in the store finds nothing). */
  minSimilarity: number;
}

export interface SemanticHit {
  id: string;
  score: number;
}

/** How long the serving encoder (embedding_encoders) is cached: an encoder switch reaches queries within this. */
export const SERVING_ENCODER_TTL_MS = 2000;

/**
 * The query encoder, shared by every request of the subgraph. Queries are encoded with
 * the SERVING TEXT encoder (embedding_encoders' ACTIVE row, re-read every 2 s), so they
 * always meet product vectors of the same encoder: while the embedding pipeline backfills
 * a newly configured encoder, the old one keeps answering; once every product has its new
 * vector the pipeline switches and queries follow. Before any encoder is registered (or
 * when this process cannot open the serving one) the configured encoder is used.
 */
export class QueryEncoder {
  private readonly encoders = new Map<string, Promise<TextEncoder>>();
  private readonly cache = new Map<string, Float32Array>();
  private readonly configured: TextEncoderChoice;
  private serving?: { until: number; value: Promise<ActiveEncoder | undefined> };
  private readonly warned = new Set<string>();

  constructor(
    private readonly o: SemanticOptions,
    private readonly logger?: Logger,
  ) {
    this.configured = chooseTextEncoder(o.textEncoderDir);
  }

  /** Which encoder is configured (logged at start; models load on the first query). */
  describe(): void {
    this.logger?.info(
      { dir: this.configured.dir ?? null, reason: this.configured.reason },
      this.configured.dir
        ? 'search: semantic retrieval with a pretrained text encoder (the serving one in embedding_encoders, when it differs, until the pipeline switches)'
        : 'search: semantic retrieval with the built-in hashed text encoder (no pretrained model found)',
    );
  }

  private open(choice: TextEncoderChoice): Promise<TextEncoder> {
    const key = choice.dir ?? BUILT_IN_SOURCE;
    let e = this.encoders.get(key);
    if (!e) {
      e = openTextEncoder(choice, { threads: 1 }).then((enc) => {
        this.logger?.info({ encoder: enc.model, dims: enc.dims, source: enc.source }, 'search: text encoder loaded');
        return enc;
      });
      e.catch(() => this.encoders.delete(key));
      this.encoders.set(key, e);
    }
    return e;
  }

  private servingEncoder(prisma: PrismaClient): Promise<ActiveEncoder | undefined> {
    const now = Date.now();
    if (!this.serving || this.serving.until < now) {
      const value = activeEncoder(prisma, 'TEXT');
      this.serving = { until: now + SERVING_ENCODER_TTL_MS, value };
      value.catch(() => (this.serving = undefined));
    }
    return this.serving.value;
  }

  /** The encoder queries use now (see the class comment); only the one in use is loaded. */
  async current(prisma: PrismaClient): Promise<TextEncoder> {
    const serving = await this.servingEncoder(prisma);
    const configuredSource = this.configured.dir ? resolve(this.configured.dir) : BUILT_IN_SOURCE;
    if (serving && serving.source !== configuredSource) {
      const choice = textEncoderChoiceFor(serving.source);
      const e = choice ? await this.open(choice).catch(() => undefined) : undefined;
      if (e?.model === serving.model) return e;
    }
    const configured = await this.open(this.configured);
    if (serving && serving.model !== configured.model && !this.warned.has(serving.model)) {
      this.warned.add(serving.model);
      this.logger?.warn(
        { serving: serving.model, source: serving.source, configured: configured.model },
        "search: cannot open the serving text encoder here; querying the configured encoder's vectors (products it has not embedded yet are not found semantically)",
      );
    }
    return configured;
  }

  async embed(prisma: PrismaClient, query: string): Promise<{ model: string; vector: Float32Array }> {
    const e = await this.current(prisma);
    const key = `${e.model}\u0000${query.toLowerCase()}`;
    let v = this.cache.get(key);
    if (!v) {
      v = await e.encodeQuery(query);
      if (this.cache.size >= 1000) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(key, v);
    }
    return { model: e.model, vector: v };
  }

  async release(): Promise<void> {
    const all = [...this.encoders.values()];
    this.encoders.clear();
    for (const e of all) await (await e.catch(() => undefined))?.release();
  }
}

/**
 * Semantic retrieval: the `depth` nearest TEXT embeddings written by the same encoder
 * (product_embeddings.model), through the partial HNSW index for its size, above the
 * similarity floor. hnsw.ef_search is raised to the depth for this transaction, since an
 * HNSW scan returns at most ef_search rows; filters are applied to those rows.
 */
export async function semanticSearch(
  prisma: PrismaClient,
  encoder: QueryEncoder,
  query: string,
  filter: SearchFilter,
  depth: number,
  minSimilarity: number,
): Promise<{ model: string; hits: SemanticHit[] }> {
  const { model, vector } = await encoder.embed(prisma, query);
  const dims = vector.length;
  const q = toVectorLiteral(vector);
  const col = HNSW_TEXT_DIMS.has(dims) ? Prisma.raw(`(e.embedding::vector(${dims}))`) : Prisma.raw('e.embedding');
  const qv = HNSW_TEXT_DIMS.has(dims)
    ? Prisma.sql`${q}::vector(${Prisma.raw(String(dims))})`
    : Prisma.sql`${q}::vector`;
  const [, rows] = await prisma.$transaction([
    prisma.$queryRaw`SELECT set_config('hnsw.ef_search', ${String(Math.min(1000, Math.max(40, depth)))}, true)`,
    prisma.$queryRaw<{ id: string; distance: number }[]>`
      SELECT e.product_id::text AS id, (${col} <=> ${qv})::float8 AS distance
      FROM product_embeddings e JOIN products p ON p.id = e.product_id
      WHERE e.kind = 'TEXT' AND e.dims = ${dims} AND e.model = ${model} ${filterSql(filter)}
      ORDER BY ${col} <=> ${qv}
      LIMIT ${depth}`,
  ]);
  const hits = rows
    .map((r) => ({ id: r.id, score: 1 - r.distance }))
    .filter((h) => h.score >= minSimilarity)
    // Equal distances in id order, so the list never depends on the index's visiting order.
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { model, hits };
}
