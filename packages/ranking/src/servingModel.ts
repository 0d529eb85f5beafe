import {
  AlsModel,
  BlendModel,
  handoffFactors,
  type ContentFactorMapping,
  type ItemContent,
  EaseModel,
  FoldIn,
  factorDot,
  normalizeRows,
  PopularityModel,
  SparseItemItemModel,
  TopKHeap,
  weightRow,
  topKDot,
  topKScores,
  cosineSimilarItems,
  type IdMap,
  type TopK,
} from '@recgraph/recsys';
import type { InteractionWeights } from '@recgraph/interactions';
import { legacyModelWeighting, type LoadedModel, type ModelVersion, type ModelWeighting } from '@recgraph/training';
import type { ServedRanker } from '@recgraph/training/reranker/served-ranker';

/** What a user is scored with: a factor vector (ALS) or a dense score per item (EASE, popularity). */
export type UserQuery = { kind: 'vector'; q: Float32Array } | { kind: 'dense'; scores: Float64Array };

/** One model kind's scoring, behind one interface so the ranking does not care which was promoted. */
interface ItemScorer {
  readonly factors: number;
  /** The trained representation of user index u, when the model has one. */
  trainedUser(u: number): UserQuery | undefined;
  /** A user represented by items (dense indices) and their confidence weights. */
  foldIn(items: number[], weights: number[]): UserQuery;
  score(q: UserQuery, item: number): number;
  /** Item-item affinity for explanations and similar products; undefined when the model has none. */
  affinity?(a: number, b: number): number;
  similar(item: number, k: number): TopK | undefined;
}

class AlsScorer implements ItemScorer {
  readonly factors: number;
  private readonly foldInSolver: FoldIn;
  private readonly normalized: Float32Array;
  constructor(private readonly model: AlsModel) {
    this.factors = model.factors;
    // Both are O(items · f²) and O(items · f): built once per model version, at load, off the request path.
    this.foldInSolver = new FoldIn(model.itemFactors, model.factors, model.options.regularization, model.options.alpha);
    this.normalized = normalizeRows(model.itemFactors, model.factors);
  }
  trainedUser(u: number): UserQuery | undefined {
    return u < this.model.nUsers ? { kind: 'vector', q: this.model.userVector(u) } : undefined;
  }
  foldIn(items: number[], weights: number[]): UserQuery {
    return { kind: 'vector', q: this.foldInSolver.user(items, weights) };
  }
  score(q: UserQuery, item: number): number {
    return q.kind === 'vector' ? factorDot(q.q, this.model.itemFactors, item * this.factors, this.factors) : 0;
  }
  affinity(a: number, b: number): number {
    return factorDot(
      this.normalized.subarray(a * this.factors, (a + 1) * this.factors),
      this.normalized,
      b * this.factors,
      this.factors,
    );
  }
  similar(item: number, k: number): TopK {
    return cosineSimilarItems(this.normalized, this.factors, item, k);
  }
  get itemFactors(): Float32Array {
    return this.model.itemFactors;
  }
  private itemSolver: FoldIn | undefined;
  /**
   * An item from the trained users (indices) who interacted with it, the fold-in's mirror image:
   * y = (XᵀC X + λI)⁻¹ XᵀC p over the user factors X. Its Gram matrix, O(users · f²), is built on
   * first use, so a model whose new products see no interactions never pays for it.
   */
  foldInItem(users: number[], weights: number[]): Float32Array {
    const o = this.model.options;
    this.itemSolver ??= new FoldIn(this.model.userFactors, this.factors, o.regularization, o.alpha);
    return this.itemSolver.user(users, weights);
  }
}

/** Models that score every item from the user's items: EASE, the sparse item-item models, blends, popularity. */
type DenseModel = EaseModel | SparseItemItemModel | BlendModel | PopularityModel;

class DenseScorer implements ItemScorer {
  readonly factors = 0;
  constructor(private readonly model: DenseModel) {}
  trainedUser(): undefined {
    return undefined;
  }
  foldIn(items: number[], weights: number[]): UserQuery {
    return {
      kind: 'dense',
      scores: this.model instanceof PopularityModel ? this.model.scores : this.model.scores(items, weights),
    };
  }
  score(q: UserQuery, item: number): number {
    return q.kind === 'dense' ? (q.scores[item] ?? 0) : 0;
  }
  similar(item: number, k: number): TopK | undefined {
    return this.model instanceof PopularityModel ? undefined : this.model.similarItems(item, k);
  }
}

/**
 * A model version ready to serve: the decoded artifact plus everything derived
 * from it that requests need (fold-in solver, normalised item factors, items
 * per category). Immutable once built, so a request that picked it up keeps a
 * consistent view while a newer one is swapped in.
 */
export class ServingModel {
  readonly loadedAt = new Date();
  readonly nItems: number;
  private readonly scorer: ItemScorer;
  private readonly itemsByCategory = new Map<string, number[]>();

  constructor(
    readonly version: ModelVersion,
    readonly users: IdMap,
    readonly items: IdMap,
    /** Category uuid per item index at training time (null: none). */
    readonly itemCategoryIds: (string | null)[],
    model: LoadedModel['model'],
    /** How the model was trained to weigh events: folding a user in weighs them the same way. */
    readonly weighting: ModelWeighting = legacyModelWeighting(),
    /** Content → item factors, fitted with the model: scores products it has not (or barely) seen. */
    readonly contentMapping?: ContentFactorMapping,
    /** The learned re-ranker over the model's top candidates (reranking.ts), when the trainer attached one. */
    readonly ranker?: ServedRanker,
  ) {
    this.nItems = items.size;
    if (model instanceof AlsModel) this.scorer = new AlsScorer(model);
    else if (
      model instanceof EaseModel ||
      model instanceof SparseItemItemModel ||
      model instanceof BlendModel ||
      model instanceof PopularityModel
    )
      this.scorer = new DenseScorer(model);
    else throw new Error(`model kind ${model.kind} cannot be served`);
    if (contentMapping && contentMapping.factors !== this.scorer.factors)
      throw new Error(`content mapping has ${contentMapping.factors} factors, the model ${this.scorer.factors}`);
    itemCategoryIds.forEach((c, i) => {
      if (c) (this.itemsByCategory.get(c) ?? this.itemsByCategory.set(c, []).get(c)!).push(i);
    });
  }

  static fromLoaded(loaded: LoadedModel): ServingModel {
    const cats = loaded.categories;
    const itemCategoryIds = Array.from(loaded.itemCategories, (c) => (c >= 0 ? cats.id(c) : null));
    return new ServingModel(
      loaded.version,
      loaded.users,
      loaded.items,
      itemCategoryIds,
      loaded.model,
      loaded.weighting,
      loaded.contentMapping,
      loaded.ranker,
    );
  }

  /** The event weights this model was trained with: a user's history is summed with these to fold them in. */
  get eventWeights(): InteractionWeights {
    return this.weighting.events;
  }

  get factors(): number {
    return this.scorer.factors;
  }

  /** product_embeddings.model of this version's COLLABORATIVE rows, as the trainer's embedding job writes it. */
  get embeddingModel(): string {
    return `${this.version.algorithm}:${this.version.id}`;
  }

  /** The user's factor vector when the model ranks by inner product with item factors (ALS); else undefined. */
  vectorOf(q: UserQuery): Float32Array | undefined {
    return q.kind === 'vector' && this.scorer instanceof AlsScorer ? q.q : undefined;
  }

  /** When the training data ended: users active after it are folded in rather than served stale vectors. */
  get trainedUntil(): Date | null {
    return this.version.dataTo;
  }

  trainedUser(userId: string): UserQuery | undefined {
    const u = this.users.index(userId);
    return u === undefined ? undefined : this.scorer.trainedUser(u);
  }

  /**
   * A user from their (product id, summed event weight) pairs, re-weighted with the
   * confidence weighting fitted at training (recsys weightRow, the function that
   * weighted the training matrix); undefined when the model knows none of the products.
   */
  foldIn(pairs: readonly { productId: string; weight: number }[]): UserQuery | undefined {
    const items: number[] = [];
    const weights: number[] = [];
    for (const p of pairs) {
      const i = this.items.index(p.productId);
      if (i === undefined) continue;
      items.push(i);
      weights.push(p.weight);
    }
    if (!items.length) return undefined;
    return this.scorer.foldIn(items, Array.from(weightRow(weights, items, this.weighting.fitted)));
  }

  score(q: UserQuery, productId: string): number | undefined {
    const i = this.items.index(productId);
    return i === undefined ? undefined : this.scorer.score(q, i);
  }

  /**
   * A product scored from its content, the cold-start path: the user's vector against
   * the factors the content mapping predicts, handed over to the product's own trained
   * factors as its interactions arrive (recsys handoffFactors: n/(n+5) collaborative).
   * Undefined when the model has no content mapping or does not rank by factors.
   */
  scoreByContent(q: UserQuery, productId: string, content: ItemContent, interactions = 0): number | undefined {
    if (!this.contentMapping || q.kind !== 'vector' || !(this.scorer instanceof AlsScorer)) return undefined;
    const f = this.scorer.factors;
    const i = this.items.index(productId);
    const own = i === undefined ? undefined : this.scorer.itemFactors.subarray(i * f, (i + 1) * f);
    return factorDot(q.q, handoffFactors(this.contentMapping.predictContent(content), own, interactions), 0, f);
  }

  /** The score of item index i (0 ≤ i < nItems): a new product's content neighbours are scored by index. */
  scoreAt(q: UserQuery, i: number): number {
    return this.scorer.score(q, i);
  }

  /**
   * Factors the content mapping predicts for a product (ALS with a mapping), from its content and,
   * when the mapping reads one, its TEXT vector of `contentMapping.embedding.model`; else undefined.
   */
  contentFactors(content: ItemContent, vector?: Float32Array): Float32Array | undefined {
    return this.contentMapping && this.scorer instanceof AlsScorer
      ? this.contentMapping.predictContent(content, vector)
      : undefined;
  }

  /**
   * A product's factors folded in from the users the model knows who interacted with it
   * (their summed event weights), with how many they were; undefined when the model has no
   * factors or knows none of them. Weights enter as linear confidence (1 + α·w): a column
   * fold-in has no user row to re-weight them against.
   */
  foldInItem(
    pairs: readonly { userId: string; weight: number }[],
  ): { factors: Float32Array; users: number } | undefined {
    if (!(this.scorer instanceof AlsScorer)) return undefined;
    const users: number[] = [];
    const weights: number[] = [];
    for (const p of pairs) {
      const u = this.users.index(p.userId);
      if (u === undefined || !(p.weight > 0)) continue;
      users.push(u);
      weights.push(p.weight);
    }
    return users.length ? { factors: this.scorer.foldInItem(users, weights), users: users.length } : undefined;
  }

  /** qᵀy for factors that are not one of the model's items (a new product's); undefined for a dense query. */
  scoreFactors(q: UserQuery, y: Float32Array): number | undefined {
    return q.kind === 'vector' && y.length === this.factors ? factorDot(q.q, y, 0, this.factors) : undefined;
  }

  /**
   * Exact top-k product ids for q, minus `exclude`, optionally only within
   * `categories` (scanning just those categories' items).
   */
  topK(
    q: UserQuery,
    k: number,
    exclude: ReadonlySet<string>,
    categories?: ReadonlySet<string>,
  ): { id: string; score: number }[] {
    const ex = new Set<number>();
    for (const id of exclude) {
      const i = this.items.index(id);
      if (i !== undefined) ex.add(i);
    }
    let top: TopK;
    if (categories) {
      const heap = new TopKHeap(k);
      for (const c of categories)
        for (const i of this.itemsByCategory.get(c) ?? []) {
          if (ex.has(i)) continue;
          heap.push(this.scorer.score(q, i), i);
        }
      top = heap.result();
    } else if (q.kind === 'vector' && this.scorer instanceof AlsScorer) {
      top = topKDot(q.q, this.scorer.itemFactors, this.scorer.factors, k, { exclude: ex });
    } else {
      top = topKScores(q.kind === 'dense' ? q.scores : new Float64Array(this.nItems), k, ex);
    }
    const out: { id: string; score: number }[] = [];
    for (let r = 0; r < top.items.length; r++) {
      const s = top.scores[r]!;
      if (Number.isFinite(s)) out.push({ id: this.items.id(top.items[r]!), score: s });
    }
    return out;
  }

  /** Item-item affinity (cosine of factors) when the model has factors. */
  affinity(a: string, b: string): number | undefined {
    const ia = this.items.index(a);
    const ib = this.items.index(b);
    if (ia === undefined || ib === undefined || !this.scorer.affinity) return undefined;
    return this.scorer.affinity(ia, ib);
  }

  similar(productId: string, k: number): { id: string; score: number }[] {
    const i = this.items.index(productId);
    if (i === undefined) return [];
    const top = this.scorer.similar(i, Math.min(k, Math.max(0, this.nItems - 1)));
    if (!top) return [];
    return Array.from(top.items, (j, r) => ({ id: this.items.id(j), score: top.scores[r]! })).filter((x) =>
      Number.isFinite(x.score),
    );
  }
}
