import { Prisma, toVectorLiteral, type PrismaClient } from '@recgraph/db';
import { chooseTextEncoder, openTextEncoder, type TextEncoder } from '@recgraph/embeddings';
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

/** The query encoder, opened on first use and shared by every request of the subgraph. */
export class QueryEncoder {
  private encoder?: Promise<TextEncoder>;
  private readonly cache = new Map<string, Float32Array>();

  constructor(
    private readonly o: SemanticOptions,
    private readonly logger?: Logger,
  ) {}

  /** Which encoder semantic retrieval will use (logged at start; the model loads on the first query). */
  describe(): void {
    const choice = chooseTextEncoder(this.o.textEncoderDir);
    this.logger?.info(
      { dir: choice.dir ?? null, reason: choice.reason },
      choice.dir
        ? 'search: semantic retrieval with a pretrained text encoder'
        : 'search: semantic retrieval with the built-in hashed text encoder (no pretrained model found)',
    );
  }

  open(): Promise<TextEncoder> {
    this.encoder ??= (async () => {
      const e = await openTextEncoder(chooseTextEncoder(this.o.textEncoderDir), { threads: 1 });
      this.logger?.info({ encoder: e.model, dims: e.dims, source: e.source }, 'search: text encoder loaded');
      return e;
    })();
    this.encoder.catch(() => (this.encoder = undefined));
    return this.encoder;
  }

  async embed(query: string): Promise<{ model: string; vector: Float32Array }> {
    const e = await this.open();
    const key = query.toLowerCase();
    let v = this.cache.get(key);
    if (!v) {
      v = await e.encodeQuery(query);
      if (this.cache.size >= 1000) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(key, v);
    }
    return { model: e.model, vector: v };
  }

  async release(): Promise<void> {
    const e = await this.encoder?.catch(() => undefined);
    this.encoder = undefined;
    await e?.release();
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
  const { model, vector } = await encoder.embed(query);
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
