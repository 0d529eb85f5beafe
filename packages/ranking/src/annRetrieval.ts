import { INDEXED_DIMS, nearestProducts, type PrismaClient } from '@recgraph/db';
import type { EngineLog as Logger } from './log.ts';
import type { ServingModel, UserQuery } from './servingModel.ts';

export type RetrievalPath = 'exact' | 'hnsw';

/** Personal candidates: the best `k` products for `q`, minus `exclude`, optionally within `categories`. */
export type CandidateRetriever = (
  model: ServingModel,
  q: UserQuery,
  k: number,
  exclude: ReadonlySet<string>,
  categories: ReadonlySet<string> | undefined,
) => Promise<{ id: string; score: number }[]>;

/**
 * Requests served by each retrieval path in this process
 * (recgraph_recommend_retrieval_total{path}); read by tests and diagnostics.
 */
export const retrievalTotal: Record<RetrievalPath, number> = { exact: 0, hnsw: 0 };

/** HNSW returns at most ef_search rows; pgvector caps the setting at 1000. */
const EF_SEARCH_MAX = 1000;
const EF_SEARCH_DEFAULT = 40;
/** Candidates fetched per one asked for, so unservable and unknown products leave enough. */
const OVERFETCH = 2;
/** The embeddings count as written when they cover this share of the model's items (deleted products are skipped). */
const MIN_COVERAGE = 0.9;
/** How long a coverage check holds: the trainer rewrites the embeddings after each promotion. */
const COVERAGE_TTL_MS = 60_000;

export interface AnnOptions {
  /** Model catalogs of at least this many items use HNSW (0: always). */
  minItems: number;
}

/**
 * Candidate retrieval for personal lists: the exact in-memory top-k for small
 * catalogs, pgvector HNSW over the model's COLLABORATIVE embeddings for large
 * ones. HNSW candidates are rescored with the in-memory factors, so scores are
 * the exact path's and ranking does not see which path served. Any doubt (a
 * dense model, a category filter, embeddings of another model version, too
 * few rows back, a database error) falls back to the exact path.
 */
export class AnnRetrieval {
  private coverage: { model: string; at: number; ok: Promise<boolean> } | undefined;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly logger: Logger,
    private readonly options: AnnOptions,
  ) {}

  readonly retrieve: CandidateRetriever = async (model, q, k, exclude, categories) => {
    const started = performance.now();
    const vector = categories ? undefined : this.eligible(model, q, k);
    if (vector && (await this.embeddingsPresent(model))) {
      const out = await this.hnsw(model, q, vector, k, exclude).catch((err: unknown) => {
        this.logger.warn({ err, modelVersionId: model.version.id }, 'HNSW retrieval failed; using the exact top-k');
        return undefined;
      });
      if (out) {
        this.count('hnsw', model, k, started);
        return out;
      }
    }
    const out = model.topK(q, k, exclude, categories);
    this.count('exact', model, k, started);
    return out;
  };

  /** The 64-dim (zero-padded) query when this model and request may use HNSW. */
  private eligible(model: ServingModel, q: UserQuery, k: number): Float32Array | undefined {
    if (model.nItems < this.options.minItems || k > EF_SEARCH_MAX) return undefined;
    const v = model.vectorOf(q);
    const dims = INDEXED_DIMS[0];
    if (!v || v.length > dims) return undefined;
    const padded = new Float32Array(dims);
    padded.set(v);
    return padded;
  }

  private async hnsw(
    model: ServingModel,
    q: UserQuery,
    vector: Float32Array,
    k: number,
    exclude: ReadonlySet<string>,
  ): Promise<{ id: string; score: number }[] | undefined> {
    const fetch = Math.min(EF_SEARCH_MAX, k * OVERFETCH);
    const ef = Math.min(EF_SEARCH_MAX, Math.max(EF_SEARCH_DEFAULT, fetch + exclude.size));
    const near = await this.prisma.$transaction(async (tx) => {
      // SET takes no bind parameters; ef is an integer computed above.
      if (ef > EF_SEARCH_DEFAULT) await tx.$executeRawUnsafe(`SET LOCAL hnsw.ef_search = ${ef}`);
      return nearestProducts(tx as unknown as PrismaClient, vector, {
        kind: 'COLLABORATIVE',
        k: fetch,
        excludeProductIds: [...exclude],
      });
    });
    const out: { id: string; score: number }[] = [];
    for (const n of near) {
      // Rows of products the model does not know (or of another model version mid-rewrite) cannot be scored.
      const score = model.score(q, n.productId);
      if (score !== undefined && Number.isFinite(score)) out.push({ id: n.productId, score });
    }
    out.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
    // Too few back while the catalog has more: the exact path rather than a list that looks exhausted.
    let available = model.nItems;
    for (const id of exclude) if (model.items.index(id) !== undefined) available--;
    if (out.length < k && near.length < Math.min(fetch, available)) return undefined;
    return out.slice(0, k);
  }

  /** Whether product_embeddings holds this model version's COLLABORATIVE vectors (cached a minute). */
  private embeddingsPresent(model: ServingModel): Promise<boolean> {
    const name = model.embeddingModel;
    const now = Date.now();
    if (this.coverage?.model === name && now - this.coverage.at < COVERAGE_TTL_MS) return this.coverage.ok;
    const ok = this.prisma.$queryRaw<{ n: number }[]>`
        SELECT count(*)::int AS n FROM product_embeddings
        WHERE kind = 'COLLABORATIVE'::"EmbeddingKind" AND dims = ${INDEXED_DIMS[0]} AND model = ${name}`
      .then(([row]) => {
        const present = (row?.n ?? 0) >= Math.ceil(model.nItems * MIN_COVERAGE);
        this.logger.debug({ model: name, rows: row?.n ?? 0, items: model.nItems, present }, 'COLLABORATIVE embeddings');
        return present;
      })
      .catch((err: unknown) => {
        this.logger.warn({ err, model: name }, 'checking COLLABORATIVE embeddings failed');
        return false;
      });
    this.coverage = { model: name, at: now, ok };
    return ok;
  }

  private count(path: RetrievalPath, model: ServingModel, k: number, started: number): void {
    retrievalTotal[path]++;
    this.logger.debug(
      { path, k, modelVersionId: model.version.id, ms: Math.round((performance.now() - started) * 10) / 10 },
      'personal candidates retrieved',
    );
  }
}
