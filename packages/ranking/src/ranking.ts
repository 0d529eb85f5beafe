import type { PrismaClient } from '@recgraph/db';
import type { CandidateRetriever } from './annRetrieval.ts';
import type { CategoryTree } from './categoryTree.ts';
import { mmrRerank } from './diversity.ts';
import type { PopularitySnapshot } from './popularity.ts';
import type { FactsSource } from './productFactsTable.ts';
import type { NewProductCandidates } from './newProducts.ts';
import { fetchProductFacts, isServable, type ProductFacts } from './productFacts.ts';
import { reasonText, type ReasonSpec } from './reasons.ts';
import type { CompiledRules } from './rules.ts';
import type { ServingModel, UserQuery } from './servingModel.ts';
import type { HistoryItem } from './userHistory.ts';
import type { Reranker } from './reranking.ts';

export type RecommendationSource = 'CF' | 'POPULAR' | 'CONTENT' | 'CO_VISIT' | 'PREFERENCE';

export interface Recommendation {
  productId: string;
  score: number;
  source: RecommendationSource;
  reason: string;
  modelVersionId: string | null;
}

export interface RankInput {
  model: ServingModel | null;
  /** The user as the model sees them; absent → popularity only. */
  query: UserQuery | undefined;
  /** Popularity, primary then fill (e.g. WEEK then ALL). */
  popularity: readonly PopularitySnapshot[];
  first: number;
  /** Weight of the model against popularity: 1 personalised (popularity only fills), 0 popular only. */
  alpha: number;
  /** Allowed categories (a filter and its descendants); absent: all. */
  categories?: ReadonlySet<string> | undefined;
  /** Popularity only from these categories (stated interests); absent: all. */
  popularityScope?: ReadonlySet<string> | undefined;
  exclude: ReadonlySet<string>;
  diversity: number;
  tree: CategoryTree;
  rules: CompiledRules;
  /** Products the model's picks are explained by (the user's strongest, or liked ones). */
  anchors: readonly HistoryItem[];
  /** Every item's source is this one when set (onboarding: PREFERENCE). */
  sourceOverride?: RecommendationSource | undefined;
  /** How popularity picks are explained. */
  popularReason: 'popular' | 'preferredCategory';
  /** Anchor explanations read "you liked" (onboarding) rather than naming the action. */
  anchorsAreLikes?: boolean;
  applyPins: boolean;
  /** Extra score factor per product (stated brand preferences). */
  boost?: ((p: ProductFacts) => number) | undefined;
  /** Extra filter (stated price range). */
  accept?: ((p: ProductFacts) => boolean) | undefined;
  /** Where the model's candidates come from (HNSW or exact); absent: the exact in-memory top-k. */
  retrieve?: CandidateRetriever | undefined;
  /** Where catalog facts come from (the in-memory table when serving); absent: one statement per round. */
  facts?: FactsSource | undefined;
  /** The learned re-ranker of the model's top candidates (reranking.ts); absent: the model's order. */
  rerank?: Reranker | undefined;
  /** Products the model never saw, scored by their content (newProducts.ts); absent: none. */
  newProducts?: NewProductCandidates | undefined;
}

interface Candidate {
  id: string;
  cf: number | undefined;
  pop: number;
  /** Orders fill items that have no popularity in the primary window. */
  tie: number;
  /** Unknown to the model, scored by its content. */
  isNew?: boolean;
}

interface Scored {
  id: string;
  score: number;
  fromModel: boolean;
  facts: ProductFacts;
  lineage: string[];
  pinned?: boolean;
  isNew?: boolean;
}

const MAX_POOL = 1000;
const MAX_ANCHORS = 20;

function popularCandidates(o: RankInput, pool: number, taken: ReadonlySet<string>): Candidate[] {
  const out: Candidate[] = [];
  const seen = new Set(taken);
  o.popularity.forEach((snap, s) => {
    for (let r = 0; r < snap.ids.length && out.length < pool; r++) {
      const id = snap.ids[r]!;
      if (seen.has(id) || o.exclude.has(id)) continue;
      const c = snap.categoryIds[r];
      if (o.categories && (!c || !o.categories.has(c))) continue;
      if (o.popularityScope && (!c || !o.popularityScope.has(c))) continue;
      seen.add(id);
      // Only the primary window's popularity counts as popularity; later windows just order the fill.
      out.push({ id, cf: undefined, pop: s === 0 ? snap.scores[r]! : 0, tie: snap.scores[r]! });
    }
  });
  return out;
}

/** Min-max scaling to [0, 1] over the defined values (all 1 when they are equal). */
function scaler(values: Iterable<number | undefined>): (v: number | undefined) => number {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values)
    if (v !== undefined) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  return (v) => (v === undefined ? 0 : hi > lo ? (v - lo) / (hi - lo) : 1);
}

/**
 * Candidates from the model (exact top-k, or HNSW for large catalogs) and popularity, blended as
 * alpha·CF + (1−alpha)·popularity (both min-max normalised over the
 * candidates), then filtered on current catalog facts, boosted, diversified,
 * pinned and explained. When filtering leaves too few, the pool grows and the
 * round repeats (rare: only for heavy filters).
 */
export async function rankCandidates(prisma: PrismaClient, o: RankInput): Promise<Recommendation[]> {
  const useModel = o.model !== null && o.query !== undefined && o.alpha > 0;
  let pool = Math.min(MAX_POOL, o.first * (o.diversity > 0 ? 4 : 2) + 10);
  for (;;) {
    const size = o.rerank ? Math.max(pool, o.rerank.candidates) : pool;
    const retrieved = !useModel
      ? []
      : o.retrieve
        ? await o.retrieve(o.model!, o.query!, size, o.exclude, o.categories)
        : o.model!.topK(o.query!, size, o.exclude, o.categories);
    const cf = useModel && o.rerank ? await o.rerank.apply(retrieved) : retrieved;
    const candidates = new Map<string, Candidate>();
    for (const c of cf) candidates.set(c.id, { id: c.id, cf: c.score, pop: 0, tie: 0 });
    // Products newer than the model compete on its scale, through the same filters, rules and reasons.
    if (useModel && o.newProducts)
      for (const c of await o.newProducts.candidates(o.model!, o.query!, pool, o.exclude, o.categories, o.tree))
        if (!candidates.has(c.id)) candidates.set(c.id, { id: c.id, cf: c.score, pop: 0, tie: 0, isNew: true });
    const primary = o.popularity[0];
    if (primary) for (const c of candidates.values()) c.pop = primary.scoreById.get(c.id) ?? 0;
    // Popularity candidates whenever it has weight, and as fill when the model offers fewer than asked.
    const needPopular = o.alpha < 1 || cf.length < pool;
    const popular = needPopular ? popularCandidates(o, pool, new Set(candidates.keys())) : [];
    for (const p of popular) {
      if (useModel) p.cf = o.model!.score(o.query!, p.id);
      candidates.set(p.id, p);
    }

    const pinIds = o.applyPins ? o.rules.pins.map((p) => p.productId) : [];
    const anchors = o.anchors.slice(0, MAX_ANCHORS);
    const facts = await (o.facts ?? ((ids: string[]) => fetchProductFacts(prisma, ids)))([
      ...candidates.keys(),
      ...pinIds,
      ...anchors.map((a) => a.productId),
    ]);

    const cfScale = scaler([...candidates.values()].map((c) => c.cf));
    const popScale = scaler([...candidates.values()].map((c) => c.pop));
    const alpha = useModel ? o.alpha : 0;
    const scored: Scored[] = [];
    for (const c of candidates.values()) {
      const f = facts.get(c.id);
      if (!f || !acceptable(o, f)) continue;
      const lineage = o.tree.lineage(f.categoryId);
      const subject = { id: f.id, brand: f.brand, categoryLineage: lineage };
      if (o.rules.isBlocked(subject)) continue;
      const cfPart = alpha * cfScale(c.cf);
      const popPart = (1 - alpha) * popScale(c.pop);
      // The tie value orders fill items among themselves without lifting them above scored ones.
      const base = cfPart + popPart + c.tie * 1e-6;
      const score = base * o.rules.boost(subject) * (o.boost?.(f) ?? 1);
      scored.push({
        id: c.id,
        score,
        fromModel: c.cf !== undefined && cfPart >= popPart && cfPart > 0,
        facts: f,
        lineage,
        ...(c.isNew ? { isNew: true } : {}),
      });
    }
    scored.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));

    const exhausted = cf.length < pool && popular.length < pool;
    if (scored.length < o.first && !exhausted && pool < MAX_POOL) {
      pool = Math.min(MAX_POOL, pool * 4);
      continue;
    }

    let picked = o.diversity > 0 ? mmrRerank(scored, o.first, 1 - o.diversity) : scored.slice(0, o.first);
    if (pinIds.length) picked = applyPins(o, picked, scored, facts);
    return picked.slice(0, o.first).map((s) => explain(o, s, facts, anchors));
  }
}

function acceptable(o: RankInput, f: ProductFacts): boolean {
  if (!isServable(f) || o.exclude.has(f.id)) return false;
  if (o.categories && (!f.categoryId || !o.categories.has(f.categoryId))) return false;
  return o.accept ? o.accept(f) : true;
}

/** Puts each pinned product at its position when it passes this request's filters. */
function applyPins(
  o: RankInput,
  picked: Scored[],
  scored: Scored[],
  facts: ReadonlyMap<string, ProductFacts>,
): Scored[] {
  const out = [...picked];
  for (const pin of o.rules.pins) {
    const f = facts.get(pin.productId);
    if (!f || !acceptable(o, f)) continue;
    const lineage = o.tree.lineage(f.categoryId);
    if (o.rules.isBlocked({ id: f.id, brand: f.brand, categoryLineage: lineage })) continue;
    const existing = out.findIndex((s) => s.id === pin.productId);
    const base =
      existing >= 0
        ? out.splice(existing, 1)[0]!
        : (scored.find((s) => s.id === pin.productId) ?? { id: f.id, score: 0, fromModel: false, facts: f, lineage });
    const at = Math.min(pin.position - 1, out.length);
    // A pinned item takes at least the score of the slot it lands in, so the list stays ordered by score.
    out.splice(at, 0, { ...base, pinned: true, score: Math.max(base.score, out[at]?.score ?? base.score) });
  }
  return out;
}

function explain(
  o: RankInput,
  s: Scored,
  facts: ReadonlyMap<string, ProductFacts>,
  anchors: readonly HistoryItem[],
): Recommendation {
  let spec: ReasonSpec;
  if (s.pinned) spec = { kind: 'featured' };
  else if (s.fromModel && s.isNew) {
    const like = o.newProducts?.likeAnchor(
      s.id,
      anchors.flatMap((a) => facts.get(a.productId) ?? []),
      o.tree,
    );
    spec = { kind: 'newIn', ...(like ? { anchorId: like } : {}) };
  } else if (s.fromModel) {
    const anchor = bestAnchor(o.model!, s.id, anchors);
    spec = !anchor
      ? { kind: 'forYou' }
      : o.anchorsAreLikes
        ? { kind: 'liked', anchorId: anchor.productId }
        : { kind: 'history', anchorId: anchor.productId, action: anchor.strongest };
  } else spec = { kind: o.popularReason };
  return {
    productId: s.id,
    score: s.score,
    source: o.sourceOverride ?? (s.fromModel ? (s.isNew && !s.pinned ? 'CONTENT' : 'CF') : 'POPULAR'),
    reason: reasonText(spec, s.facts, facts, o.tree),
    modelVersionId: s.fromModel ? o.model!.version.id : null,
  };
}

/** The history item closest to the recommendation in the model's item space (else the strongest one). */
function bestAnchor(model: ServingModel, productId: string, anchors: readonly HistoryItem[]): HistoryItem | undefined {
  let best: HistoryItem | undefined;
  let bestSim = -Infinity;
  for (const a of anchors) {
    if (a.productId === productId) continue;
    const sim = model.affinity(a.productId, productId);
    if (sim === undefined) continue;
    if (sim > bestSim) {
      bestSim = sim;
      best = a;
    }
  }
  return best ?? anchors.find((a) => model.items.index(a.productId) !== undefined);
}
