import type { PrismaClient } from '@recgraph/db';
import { weightOf, type InteractionTypeName } from '@recgraph/interactions';
import { parseVectorLiteral } from '@recgraph/db';
import { handoffFactors, hashContent, TopKHeap, type ItemContent } from '@recgraph/recsys';
import { productContent } from '@recgraph/training';
import type { CategoryTree } from './categoryTree.ts';
import type { EngineLog } from './log.ts';
import { isServable, type ProductFacts } from './productFacts.ts';
import type { ProductFactsTable } from './productFactsTable.ts';
import type { ServingModel, UserQuery } from './servingModel.ts';

/** Hashed content space for product-to-product similarity (content neighbours, "like <product>"). */
const SIMILARITY_DIMS = 1 << 14;
/** Content neighbours a new product's score averages over, for models without item factors. */
const NEIGHBOURS = 20;
/** The hand-off rule's k (recsys handoffFactors): at this many interacting users content and fold-in weigh the same. */
const HANDOFF_K = 5;
/**
 * Least content cosine for "like <product>": sharing a category or brand clears it (about 0.4 and
 * up); a price band alone (about 0.1) does not.
 */
const MIN_LIKE_SIMILARITY = 0.25;
/**
 * Products a background pass reads beyond the hot ones: a catalog's long tail that the model never
 * saw (thousands of products without events) is read in turns, so a pass stays small.
 */
const PASS_TAIL = 1_000;
/** How often, at most, the new products' interactions are re-read for the fold-in (only while requests come). */
const INTERACTIONS_REFRESH_MS = 2_000;

type Row = { indices: number[]; values: number[] };

/** What is derived once per new product (per model version), when its facts change, not per request. */
interface NewProduct {
  id: string;
  facts: ProductFacts;
  categoryId: string | null;
  /** Hashed content (no bias column), L2-normalised: similarity to other products. */
  row: Row;
  /** What the content mapping reads (ALS with a mapping): its content and, once read, its TEXT vector. */
  itemContent?: ItemContent;
  vector?: Float32Array;
  /** Content-predicted factors (ALS with a content mapping). */
  content?: Float32Array;
  /** Factors folded in from the users who interacted with it, and how many they were. */
  own?: { factors: Float32Array; users: number };
  /** What is served: the content factors handed over to the folded-in ones. */
  factors?: Float32Array;
  /** Content neighbours among the model's items (their indices) and their similarity weights. */
  neighbours?: { items: Int32Array; weights: Float64Array };
}

/** Per model version: its new products and, for the neighbour path, an inverted index of its items' content. */
interface ModelState {
  model: ServingModel;
  products: Map<string, NewProduct>;
  /** Products whose facts changed since they were derived. */
  dirty: Set<string>;
  /** Hashed feature → (model item, value) postings; built only when some product needs neighbours. */
  postings?: Map<number, { items: number[]; values: number[] }>;
  interactionsReadAt: number;
  readingInteractions?: Promise<void> | undefined;
  /** Read on every pass: products added or changed since the state was built, and any with interactions. */
  hot: Set<string>;
  /** Where the next pass resumes in the rest (the long tail). */
  tailCursor: number;
  /** The products as an array for the request's scan; rebuilt only after the set changed. */
  list?: NewProduct[] | undefined;
}

/** Model versions kept derived at once: the ACTIVE one and a running experiment's challenger. */
const MAX_MODELS = 3;

/** One scored new product, on the model's own scale (as a model candidate's score). */
export interface NewProductCandidate {
  id: string;
  score: number;
}

function similarityRow(f: ProductFacts, tree: CategoryTree): Row {
  const row = hashContent(
    productContent({
      title: f.title,
      brand: f.brand,
      categoryPath: tree.lineage(f.categoryId),
      priceCents: f.priceCents,
    }),
    SIMILARITY_DIMS,
  );
  // hashContent appends the constant bias column; similarity compares content only.
  return { indices: row.indices.slice(0, -1), values: row.values.slice(0, -1) };
}

function cosine(a: Row, b: Row): number {
  let s = 0;
  for (let p = 0; p < a.indices.length; p++) {
    const q = b.indices.indexOf(a.indices[p]!);
    if (q >= 0) s += a.values[p]! * b.values[q]!;
  }
  return s;
}

/**
 * Candidates the model cannot retrieve because it never saw them: products created after it
 * was trained, or without interactions in its window (issue 14, item 2). Each is scored for a
 * user on the model's own scale, so it merges with the model's candidates and passes the same
 * filters, rules, diversity and reasons (ranking.ts calls `candidates` in its one round):
 * - a factor model with a content mapping (ALS): x_uᵀy with y the factors its content predicts
 *   (ServingModel.contentFactors), handed over to factors folded in from the trained users who
 *   interacted with it since (ServingModel.foldInItem; recsys handoffFactors, n/(n+5)), so its
 *   collaborative signal takes over as interactions arrive, without retraining;
 * - any other model (EASE, sparse EASE, RP3beta, blends, popularity, ALS without a mapping): the
 *   similarity-weighted mean of the user's scores for its content neighbours among the model's
 *   items (cosine of hashed content), so it ranks where the products it resembles rank for them.
 * Content comes from the in-memory product facts (category lineage, brand, price band, title:
 * the trainer's productContent); everything per product is derived when its facts change or a
 * model is swapped in, so a request only takes one dot product (or NEIGHBOURS reads) per product.
 */
export class NewProductCandidates {
  /** Most recently used first. */
  private states: ModelState[] = [];

  constructor(
    private readonly prisma: PrismaClient,
    private readonly table: ProductFactsTable,
    private readonly logger: EngineLog,
  ) {
    table.onChange((ids) => {
      for (const state of this.states) for (const id of ids) state.dirty.add(id);
    });
  }

  /**
   * The top `k` new products for this user and model, minus `exclude`, within `categories`
   * when given; best first. Facts changed since the last call are re-derived first.
   */
  async candidates(
    model: ServingModel,
    q: UserQuery,
    k: number,
    exclude: ReadonlySet<string>,
    categories: ReadonlySet<string> | undefined,
    tree: CategoryTree,
  ): Promise<NewProductCandidate[]> {
    const state = await this.current(model, tree);
    this.refreshInteractionsInBackground(state);
    const list = (state.list ??= [...state.products.values()]);
    const heap = new TopKHeap(k);
    for (let n = 0; n < list.length; n++) {
      const p = list[n]!;
      if (exclude.has(p.id) || (categories && (!p.categoryId || !categories.has(p.categoryId)))) continue;
      const s = this.score(model, q, p);
      if (s !== undefined && Number.isFinite(s)) heap.push(s, n);
    }
    const top = heap.result();
    return Array.from(top.items, (n, r) => ({ id: list[n]!.id, score: top.scores[r]! }));
  }

  /**
   * The anchor a new product is explained by: the user's history product its content is most
   * like (cosine of hashed content), when one is alike enough (MIN_LIKE_SIMILARITY).
   */
  likeAnchor(productId: string, anchors: readonly ProductFacts[], tree: CategoryTree): string | undefined {
    const p = this.states[0]?.products.get(productId);
    if (!p) return undefined;
    let best: string | undefined;
    let bestSim = MIN_LIKE_SIMILARITY;
    for (const a of anchors) {
      const sim = cosine(p.row, similarityRow(a, tree));
      if (sim > bestSim) {
        bestSim = sim;
        best = a.id;
      }
    }
    return best;
  }

  private score(model: ServingModel, q: UserQuery, p: NewProduct): number | undefined {
    if (p.factors) return model.scoreFactors(q, p.factors);
    if (!p.neighbours) return undefined;
    const { items, weights } = p.neighbours;
    let s = 0;
    let w = 0;
    for (let j = 0; j < items.length; j++) {
      s += weights[j]! * model.scoreAt(q, items[j]!);
      w += weights[j]!;
    }
    return w > 0 ? s / w : undefined;
  }

  /**
   * The state for this model: products whose facts changed are re-derived; a model not seen
   * before is derived from the whole table (synchronously, once per version).
   */
  private async current(model: ServingModel, tree: CategoryTree): Promise<ModelState> {
    await this.table.ready();
    let state = this.states.find((s) => s.model === model);
    if (!state) {
      state = { model, products: new Map(), dirty: new Set(), interactionsReadAt: 0, hot: new Set(), tailCursor: 0 };
      for (const f of this.table.values()) this.derive(state, f, tree);
      this.states = [state, ...this.states].slice(0, MAX_MODELS);
      return state;
    }
    if (this.states[0] !== state) this.states = [state, ...this.states.filter((s) => s !== state)];
    if (state.dirty.size) {
      const ids = [...state.dirty];
      state.dirty.clear();
      for (const id of ids) {
        const previous = state.products.get(id);
        state.products.delete(id);
        state.list = undefined;
        const f = this.table.peek(id);
        if (f) this.derive(state, f, tree, previous);
        // Created (or edited) while this model serves: its vector and first interactions are due soon.
        if (state.products.has(id)) state.hot.add(id);
        else state.hot.delete(id);
      }
    }
    return state;
  }

  /** Adds the product when the model does not know it, with what its scoring needs. */
  private derive(state: ModelState, f: ProductFacts, tree: CategoryTree, previous?: NewProduct): void {
    const { model } = state;
    // Products off sale are left out until their facts change again (the ranking filters them anyway).
    if (model.items.index(f.id) !== undefined || !isServable(f)) return;
    const row = similarityRow(f, tree);
    const p: NewProduct = { id: f.id, facts: f, categoryId: f.categoryId, row };
    const itemContent = productContent({
      title: f.title,
      brand: f.brand,
      categoryPath: tree.lineage(f.categoryId),
      priceCents: f.priceCents,
    });
    // A stock or price change keeps its text vector (re-read when its text changed) and what its interactions said.
    const sameText =
      previous?.facts.title === f.title &&
      previous.facts.brand === f.brand &&
      previous.facts.categoryId === f.categoryId;
    const vector = sameText ? previous.vector : undefined;
    const content = model.contentFactors(itemContent, vector);
    if (content) {
      p.itemContent = itemContent;
      if (vector) p.vector = vector;
      p.content = content;
      const own = previous?.own;
      if (own) p.own = own;
      p.factors = handoffFactors(content, own?.factors, own?.users ?? 0, HANDOFF_K);
    } else p.neighbours = this.neighbours(state, row, tree);
    state.products.set(f.id, p);
    state.list = undefined;
  }

  /** The NEIGHBOURS model items most like `row` in content (an inverted index over the items' hashed content). */
  private neighbours(state: ModelState, row: Row, tree: CategoryTree): NewProduct['neighbours'] {
    const postings = (state.postings ??= this.itemPostings(state.model, tree));
    const acc = new Map<number, number>();
    for (let p = 0; p < row.indices.length; p++) {
      const list = postings.get(row.indices[p]!);
      if (!list) continue;
      const v = row.values[p]!;
      for (let n = 0; n < list.items.length; n++)
        acc.set(list.items[n]!, (acc.get(list.items[n]!) ?? 0) + v * list.values[n]!);
    }
    const heap = new TopKHeap(NEIGHBOURS);
    for (const [i, s] of acc) if (s > 0) heap.push(s, i);
    const top = heap.result();
    return top.items.length ? { items: Int32Array.from(top.items), weights: Float64Array.from(top.scores) } : undefined;
  }

  private itemPostings(model: ServingModel, tree: CategoryTree): NonNullable<ModelState['postings']> {
    const postings: NonNullable<ModelState['postings']> = new Map();
    for (let i = 0; i < model.nItems; i++) {
      const f = this.table.peek(model.items.id(i));
      if (!f) continue;
      const row = similarityRow(f, tree);
      for (let p = 0; p < row.indices.length; p++) {
        const c = row.indices[p]!;
        const list = postings.get(c) ?? postings.set(c, { items: [], values: [] }).get(c)!;
        list.items.push(i);
        list.values.push(row.values[p]!);
      }
    }
    return postings;
  }

  /**
   * At most every INTERACTIONS_REFRESH_MS, never on the request's path, for the new products with
   * content factors: reads the TEXT vectors the mapping takes (its encoder's, written by the
   * embedding pipeline within a second of an edit) of those that lack one, and re-reads their
   * interactions, handing each over to the factors folded in from its users: n/(n+5)
   * collaborative for n trained users with positive weight, dislikes dropping a user's pair as in
   * training. Models without factors keep the content score until the next training (an
   * item-item model has no item vector to fold in). A pass reads the hot products and the next
   * PASS_TAIL of the rest, so a long tail is covered in turns.
   */
  private refreshInteractionsInBackground(state: ModelState): void {
    if (state.readingInteractions || Date.now() - state.interactionsReadAt < INTERACTIONS_REFRESH_MS) return;
    const withContent = [...state.products.values()].filter((p) => p.content).map((p) => p.id);
    const tail = withContent.filter((id) => !state.hot.has(id));
    if (state.tailCursor >= tail.length) state.tailCursor = 0;
    const turn = tail.slice(state.tailCursor, state.tailCursor + PASS_TAIL);
    state.tailCursor += turn.length;
    const ids = [...withContent.filter((id) => state.hot.has(id)), ...turn];
    if (!ids.length) return;
    state.interactionsReadAt = Date.now();
    state.readingInteractions = (async () => {
      const encoder = state.model.contentMapping?.embedding;
      const unembedded = encoder ? ids.filter((id) => !state.products.get(id)?.vector) : [];
      if (encoder && unembedded.length) {
        const vectors = await this.prisma.$queryRaw<{ id: string; v: string }[]>`/* recgraph:background */
          SELECT product_id::text AS id, embedding::text AS v FROM product_embeddings
          WHERE kind = 'TEXT' AND model = ${encoder.model} AND product_id = ANY(${unembedded}::uuid[])`;
        for (const r of vectors) {
          const p = state.products.get(r.id);
          const v = parseVectorLiteral(r.v);
          if (!p?.itemContent || v.length !== encoder.dims) continue;
          p.vector = v;
          p.content = state.model.contentFactors(p.itemContent, v)!;
          p.factors = handoffFactors(p.content, p.own?.factors, p.own?.users ?? 0, HANDOFF_K);
        }
      }
      const rows = await this.prisma.$queryRaw<
        { product_id: string; user_id: string; type: InteractionTypeName; value: number; source: string }[]
      >`/* recgraph:background */
        SELECT product_id::text AS product_id, user_id::text AS user_id, type::text AS type, value, source
        FROM interactions WHERE product_id = ANY(${ids}::uuid[])`;
      const weights = state.model.eventWeights;
      const byProduct = new Map<string, Map<string, number>>();
      const disliked = new Set<string>();
      for (const r of rows) {
        if (r.type === 'DISLIKE') disliked.add(`${r.product_id}:${r.user_id}`);
        const w = weightOf(weights, r.type, r.value, r.source);
        if (w === null) continue;
        const users = byProduct.get(r.product_id) ?? byProduct.set(r.product_id, new Map()).get(r.product_id)!;
        users.set(r.user_id, (users.get(r.user_id) ?? 0) + w);
      }
      for (const id of ids) {
        const p = state.products.get(id);
        if (!p?.content) continue;
        const pairs = [...(byProduct.get(id) ?? [])]
          .filter(([u]) => !disliked.has(`${id}:${u}`))
          .map(([userId, weight]) => ({ userId, weight }));
        const own = pairs.length ? state.model.foldInItem(pairs) : undefined;
        if (pairs.length) state.hot.add(id);
        if (own) p.own = own;
        else delete p.own;
        p.factors = handoffFactors(p.content, own?.factors, own?.users ?? 0, HANDOFF_K);
      }
    })()
      .catch((err: unknown) => this.logger.warn({ err }, 'reading new products’ interactions failed'))
      .finally(() => {
        state.readingInteractions = undefined;
      });
  }
}
