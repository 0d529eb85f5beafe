import type { PrismaClient } from '@recgraph/db';
import { parseVectorLiteral, nearestProducts } from '@recgraph/db';
import { deploymentWeights, weightOf } from '@recgraph/interactions';
import { notFound } from '@recgraph/subgraph-kit';
import type { EngineLog as Logger } from './log.ts';
import { AnnRetrieval, type CandidateRetriever } from './annRetrieval.ts';
import { CategoryCache, type CategoryTree } from './categoryTree.ts';
import type { ModelHolder } from './modelHolder.ts';
import type { ServingModel, UserQuery } from './servingModel.ts';
import { PopularityCache, type PopularityWindow } from './popularity.ts';
import { isServable, type ProductFacts } from './productFacts.ts';
import { databaseFacts, type FactsSource } from './productFactsTable.ts';
import type { NewProductCandidates } from './newProducts.ts';
import { UserStateCache, type UserState } from './userStateCache.ts';
import { decodeUserState } from './userStateCodec.ts';
import { rankCandidates, type Recommendation, type RecommendationSource } from './ranking.ts';
import { rerankerFor } from './reranking.ts';
import { reasonText, type ReasonSpec } from './reasons.ts';
import type { CompiledRules } from './rules.ts';
import { coVisitedNeighbours } from './coVisitation.ts';
import {
  EMPTY_HISTORY,
  loadDislikes,
  loadPreferences,
  loadUserHistory,
  type HistoryItem,
  type StatedPreferences,
} from './userHistory.ts';

export type Strategy = 'PERSONALIZED' | 'MIXED' | 'POPULAR';

export interface RecommendRequest {
  /** Null: an anonymous caller, who gets the cold-start list. */
  userId: string | null;
  first: number;
  strategy: Strategy;
  alpha: number;
  categoryId: string | null;
  excludeSeen: boolean;
  diversity: number;
  /** Rank with this model instead of the ACTIVE one (an experiment's challenger); null: no model. */
  model?: ServingModel | null;
}

export interface PreferencesRequest {
  categoryIds: string[];
  likedProductIds: string[];
  brands?: string[];
  priceMinCents?: number | null;
  priceMaxCents?: number | null;
  first: number;
  /** The signed-in caller, whose dislikes and purchases are left out. */
  userId: string | null;
  diversity?: number;
  categories?: ReadonlySet<string> | undefined;
  exclude?: ReadonlySet<string>;
  alpha?: number;
  model?: ServingModel | null;
}

/**
 * Personal candidates kept per cached user: covers first ≤ 95 (first ≤ 47 with
 * diversity's 4× pool); larger asks scan. 200 × 16 bytes ≈ 3 KB per user.
 */
const POOL_SIZE = 200;

/** Optional serving caches; without them every request reads the database (tests, tools). */
export interface RecommenderCaches {
  facts?: FactsSource;
  users?: UserStateCache;
  /** Products the model never saw, as candidates scored by their content; absent: none. */
  newProducts?: NewProductCandidates;
}

/** Stated brands lift, but do not override, what the model and popularity say. */
const PREFERRED_BRAND_BOOST = 1.25;
const ONBOARDING_ALPHA = 0.7;

/**
 * The serving engine's entry points. Every list reads the model reference
 * once (ModelHolder.current) and works on that snapshot. A user's history,
 * model query and candidate pool come from the user cache when it holds them
 * (else one history query, and the preferences lookup for a cold start);
 * product facts from `facts`; popularity and categories from caches.
 */
export class Recommender {
  readonly popularity: PopularityCache;
  readonly categories: CategoryCache;
  /** Personal candidate retrieval: exact in memory, or pgvector HNSW for catalogs of annMinItems and more. */
  readonly retrieval: AnnRetrieval;
  /** Catalog facts: the in-memory table when serving, the database otherwise. */
  readonly facts: FactsSource;
  /** Recently served users' history and model query (size 0: none, every request reads history). */
  readonly users: UserStateCache;
  readonly newProducts: NewProductCandidates | undefined;
  /**
   * A user-cache miss first tries the state the updater stored with the user's list
   * (engine.ts turns it on once this process hears every user change).
   */
  readStoredState = false;
  constructor(
    private readonly prisma: PrismaClient,
    readonly models: ModelHolder,
    readonly rules: CompiledRules,
    logger: Logger,
    popularityTtlS: number,
    annMinItems = Infinity,
    serving: RecommenderCaches = {},
  ) {
    this.popularity = new PopularityCache(prisma, logger, popularityTtlS * 1000);
    this.categories = new CategoryCache(prisma);
    this.retrieval = new AnnRetrieval(prisma, logger, { minItems: annMinItems });
    this.facts = serving.facts ?? databaseFacts(prisma);
    this.users = serving.users ?? new UserStateCache(0, 0);
    this.newProducts = serving.newProducts;
  }

  /** The tree with `categoryId` in it, or NOT_FOUND. */
  async categoryTree(categoryId: string | null): Promise<CategoryTree> {
    if (categoryId === null) return this.categories.current();
    const tree = await this.categories.containing(categoryId);
    if (!tree.get(categoryId)) throw notFound(`No category with id ${categoryId}`);
    return tree;
  }

  async recommend(req: RecommendRequest): Promise<Recommendation[]> {
    const model = req.model === undefined ? this.models.current : req.model;
    const tree = await this.categoryTree(req.categoryId);
    const categories = req.categoryId ? tree.descendantsOf(req.categoryId) : undefined;
    const state = req.userId ? await this.userState(req.userId, model) : undefined;
    const history = state?.history ?? EMPTY_HISTORY;
    const exclude = new Set(history.disliked);
    if (req.excludeSeen) for (const id of history.seen) exclude.add(id);

    if (req.userId && !history.positives.length && req.strategy !== 'POPULAR') {
      const prefs = state?.prefs;
      if (prefs && (prefs.categoryIds.length || prefs.likedProductIds.length || prefs.brands.length))
        return this.forPreferences({
          ...prefs,
          first: req.first,
          userId: req.userId,
          diversity: req.diversity,
          categories,
          exclude,
          alpha: req.strategy === 'PERSONALIZED' ? 1 : req.alpha,
          model,
        });
    }

    const query = req.strategy !== 'POPULAR' ? state?.query : undefined;
    return rankCandidates(this.prisma, {
      model,
      query,
      popularity: await this.popularityFor(),
      first: req.first,
      alpha: req.strategy === 'PERSONALIZED' ? 1 : req.strategy === 'POPULAR' ? 0 : req.alpha,
      categories,
      exclude,
      diversity: req.diversity,
      tree,
      rules: this.rules,
      anchors: history.positives,
      popularReason: 'popular',
      applyPins: true,
      retrieve: state ? this.retrieveFor(state) : this.retrieval.retrieve,
      facts: this.facts,
      rerank: state && model ? rerankerFor(model, history) : undefined,
      newProducts: this.newProducts,
    });
  }

  /** Forget what is cached about these users (their history changed), stored states included. */
  forgetUsers(userIds: Iterable<string>): void {
    for (const id of userIds) this.users.changed(id);
  }

  /**
   * The user's history, model query and candidate pool: from the cache, else the
   * state the updater stored when it last ranked them (one primary-key read), else
   * one history query (plus the stated preferences of a user with no history).
   * The query is the model's own vector or a fold-in, computed either way.
   */
  private async userState(userId: string, model: ServingModel | null): Promise<UserState> {
    const modelVersionId = model?.version.id ?? null;
    const cached = this.users.get(userId, modelVersionId);
    if (cached) return cached;
    const stored = this.readStoredState ? await this.storedState(userId, modelVersionId) : undefined;
    // Summed with the model's own event weights (a stored state is for this model version too).
    const history = stored?.history ?? (await loadUserHistory(this.prisma, userId, model?.eventWeights));
    let query: UserQuery | undefined;
    if (model) {
      // A user active since the model's data ended is folded in, so today's clicks count today.
      const upToDate = !history.latestAt || !model.trainedUntil || history.latestAt <= model.trainedUntil;
      if (upToDate) query = model.trainedUser(userId);
      query ??= model.foldIn(history.positives);
    }
    const prefs = stored ? stored.prefs : history.positives.length ? null : await loadPreferences(this.prisma, userId);
    const state: UserState = { modelVersionId, history, query, prefs, ...(stored?.pool ? { pool: stored.pool } : {}) };
    this.users.set(userId, state);
    return state;
  }

  /** The updater's stored state of the user when it is for this model and newer than their last change heard here. */
  private async storedState(userId: string, modelVersionId: string | null) {
    const [row] = await this.prisma.$queryRaw<{ state: Uint8Array | null; ranked_at: Date }[]>`
      SELECT serving_state AS state, updated_at AS ranked_at FROM user_recommendations WHERE user_id = ${userId}::uuid`;
    if (!row?.state || row.ranked_at.getTime() < this.users.changedAt(userId)) return undefined;
    let stored: ReturnType<typeof decodeUserState>;
    try {
      stored = decodeUserState(Buffer.from(row.state));
    } catch {
      return undefined;
    }
    return stored.modelVersionId === modelVersionId ? stored : undefined;
  }

  /**
   * Personal candidates from the user's cached pool: the exact top POOL_SIZE of
   * the model minus dislikes, so filtering it by this request's exclusions gives
   * the same items a scan would, without the scan. Category-filtered requests,
   * larger asks and a pool filtered below the ask go to the retriever.
   */
  private retrieveFor(state: UserState): CandidateRetriever {
    return async (model, q, k, exclude, categories) => {
      if (categories || q !== state.query || k > POOL_SIZE || this.users.maxUsers <= 0)
        return this.retrieval.retrieve(model, q, k, exclude, categories);
      if (!state.pool) {
        const top = await this.retrieval.retrieve(model, q, POOL_SIZE, state.history.disliked, undefined);
        state.pool = { ids: top.map((c) => c.id), scores: Float64Array.from(top, (c) => c.score) };
      }
      const { ids, scores } = state.pool;
      const out: { id: string; score: number }[] = [];
      for (let i = 0; i < ids.length && out.length < k; i++)
        if (!exclude.has(ids[i]!)) out.push({ id: ids[i]!, score: scores[i]! });
      if (out.length < k && ids.length >= POOL_SIZE) return this.retrieval.retrieve(model, q, k, exclude, categories);
      return out;
    };
  }

  /**
   * Onboarding and stated-preference cold start: the model folded in from the
   * liked products, blended with popularity inside the preferred categories.
   */
  async forPreferences(req: PreferencesRequest): Promise<Recommendation[]> {
    const model = req.model === undefined ? this.models.current : req.model;
    const tree = await this.categories.current();
    const scope = new Set<string>();
    for (const c of req.categoryIds) for (const d of tree.descendantsOf(c)) scope.add(d);
    // A stated like weighs what a LIKE event weighs everywhere else (for the served model, what it was trained with).
    const likeWeight = weightOf(model?.eventWeights ?? deploymentWeights(), 'LIKE', 1);
    const liked: HistoryItem[] = likeWeight
      ? req.likedProductIds.map((productId) => ({ productId, weight: likeWeight, strongest: 'LIKE' }))
      : [];
    const exclude = new Set(req.exclude ?? []);
    for (const id of req.likedProductIds) exclude.add(id);
    if (req.userId && !req.exclude) for (const id of await loadDislikes(this.prisma, req.userId)) exclude.add(id);
    const brands = new Set((req.brands ?? []).map((b) => b.toLowerCase()));
    const { priceMinCents: lo, priceMaxCents: hi } = req;
    const common = {
      model,
      query: model?.foldIn(liked),
      first: req.first,
      alpha: req.alpha ?? ONBOARDING_ALPHA,
      categories: req.categories,
      exclude,
      diversity: req.diversity ?? 0,
      tree,
      rules: this.rules,
      anchors: liked,
      anchorsAreLikes: true,
      sourceOverride: 'PREFERENCE' as RecommendationSource,
      applyPins: false,
      retrieve: this.retrieval.retrieve,
      newProducts: this.newProducts,
      boost: brands.size
        ? (p: ProductFacts) => (p.brand && brands.has(p.brand.toLowerCase()) ? PREFERRED_BRAND_BOOST : 1)
        : undefined,
    };
    const inPrice = (p: ProductFacts) => (lo == null || p.priceCents >= lo) && (hi == null || p.priceCents <= hi);
    const popularity = await this.popularityFor();
    const attempt = (withScope: boolean, withPrice: boolean) =>
      rankCandidates(this.prisma, {
        ...common,
        facts: this.facts,
        popularity,
        popularityScope: withScope && scope.size ? scope : undefined,
        popularReason: withScope && scope.size ? 'preferredCategory' : 'popular',
        accept: withPrice && (lo != null || hi != null) ? inPrice : undefined,
      });
    // Stated constraints first; each is dropped in turn when it leaves too little to show.
    let out = await attempt(true, true);
    if (out.length < req.first && (lo != null || hi != null)) out = await attempt(true, false);
    if (out.length < req.first && scope.size) out = await attempt(false, false);
    return out;
  }

  async popular(window: PopularityWindow, first: number, categoryId: string | null): Promise<string[]> {
    const tree = await this.categoryTree(categoryId);
    const allowed = categoryId ? tree.descendantsOf(categoryId) : undefined;
    const snap = await this.popularity.get(window);
    const out: string[] = [];
    const blockedCheck = !this.rules.isEmpty;
    const candidates: string[] = [];
    for (let r = 0; r < snap.ids.length && candidates.length < first * 2 + 10; r++) {
      const c = snap.categoryIds[r];
      if (allowed && (!c || !allowed.has(c))) continue;
      candidates.push(snap.ids[r]!);
    }
    const facts = blockedCheck ? await this.facts(candidates) : undefined;
    for (const id of candidates) {
      if (out.length >= first) break;
      const f = facts?.get(id);
      if (facts && (!f || this.rules.isBlocked({ id, brand: f.brand, categoryLineage: tree.lineage(f.categoryId) })))
        continue;
      out.push(id);
    }
    return out;
  }

  /**
   * Products like `productId`: model cosine, then co-visitation, then text
   * embeddings, then popularity in its category, each filling what the
   * previous source left. Scores are each source's own similarity.
   */
  async similar(productId: string, first: number, callerId: string | null): Promise<Recommendation[]> {
    const [facts0, tree, dislikes] = await Promise.all([
      this.facts([productId]),
      this.categories.current(),
      callerId ? loadDislikes(this.prisma, callerId) : Promise.resolve(new Set<string>()),
    ]);
    const seed = facts0.get(productId);
    if (!seed) throw notFound(`No product with id ${productId}`);
    const model = this.models.current;
    const out: Recommendation[] = [];
    const taken = new Set<string>([productId, ...dislikes]);
    const want = first * 2 + 10;

    const take = async (
      list: { id: string; score: number }[],
      source: RecommendationSource,
      spec: ReasonSpec,
      modelVersionId: string | null,
    ) => {
      const fresh = list.filter((c) => !taken.has(c.id));
      if (!fresh.length) return;
      const facts = await this.facts(fresh.map((c) => c.id));
      facts.set(seed.id, seed);
      for (const c of fresh) {
        if (out.length >= first) return;
        const f = facts.get(c.id);
        if (!f || !isServable(f) || taken.has(c.id)) continue;
        if (this.rules.isBlocked({ id: f.id, brand: f.brand, categoryLineage: tree.lineage(f.categoryId) })) continue;
        taken.add(c.id);
        out.push({ productId: c.id, score: c.score, source, reason: reasonText(spec, f, facts, tree), modelVersionId });
      }
    };

    if (model)
      await take(model.similar(productId, want), 'CF', { kind: 'similarTo', anchorId: productId }, model.version.id);
    if (out.length < first) {
      const co = (await coVisitedNeighbours(this.prisma, [productId], want)).get(productId) ?? [];
      const max = co[0]?.weight ?? 1;
      await take(
        co.map((n) => ({ id: n.id, score: n.weight / max })),
        'CO_VISIT',
        { kind: 'coVisit', anchorId: productId },
        null,
      );
    }
    if (out.length < first)
      await take(await this.textNeighbours(productId, want), 'CONTENT', { kind: 'content', anchorId: productId }, null);
    if (out.length < first && seed.categoryId) {
      const scope = tree.descendantsOf(seed.categoryId);
      for (const window of ['WEEK', 'ALL'] as const) {
        if (out.length >= first) break;
        const snap = await this.popularity.get(window);
        const list: { id: string; score: number }[] = [];
        for (let r = 0; r < snap.ids.length && list.length < want; r++) {
          const c = snap.categoryIds[r];
          if (c && scope.has(c)) list.push({ id: snap.ids[r]!, score: snap.scores[r]! });
        }
        await take(list, 'POPULAR', { kind: 'popular' }, null);
      }
    }
    return out;
  }

  /**
   * Nearest products by the TEXT embedding (content-based: what a new product with no
   * interactions gets), among vectors of the same encoder: the serving one
   * (embedding_encoders' ACTIVE TEXT encoder), else the product's newest vector's. While
   * the embedding pipeline backfills a new encoder both are stored; mixing them would
   * compare vectors of different spaces.
   */
  private async textNeighbours(productId: string, k: number): Promise<{ id: string; score: number }[]> {
    const rows = await this.prisma.$queryRaw<{ v: string; model: string }[]>`
      SELECT e.embedding::text AS v, e.model FROM product_embeddings e
      LEFT JOIN embedding_encoders a ON a.kind = e.kind AND a.model = e.model AND a.status = 'ACTIVE'
      WHERE e.product_id = ${productId}::uuid AND e.kind = 'TEXT'
      ORDER BY (a.model IS NOT NULL) DESC, e.updated_at DESC LIMIT 1`;
    if (!rows[0]) return [];
    const near = await nearestProducts(this.prisma, parseVectorLiteral(rows[0].v), {
      kind: 'TEXT',
      k,
      model: rows[0].model,
      excludeProductIds: [productId],
    });
    return near.map((n) => ({ id: n.productId, score: n.score }));
  }

  private async popularityFor() {
    return Promise.all([this.popularity.get('WEEK'), this.popularity.get('ALL')]);
  }
}

export type { Recommendation, StatedPreferences };
