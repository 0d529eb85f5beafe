import { columnCounts, nnz, type CsrMatrix } from './csr.ts';
import { ArtifactFormatError, DimensionMismatchError, EmptyInputError, NotFittedError } from './errors.ts';
import { DEFAULT_CONFIDENCE, eventWeight, type ConfidenceTable, type Interactions } from './interactions.ts';
import { checkIndex, topKScores, type Exclusion, type TopK } from './topk.ts';
import { decodeArtifact, encodeArtifact } from './artifact.ts';
import type { FitOptions, RecommendOptions, Recommender } from './model.ts';

export interface DecayOptions {
  nItems: number;
  /** Half-life in the timestamps' unit (seconds): an event this old counts 1/2. Infinity = no decay. */
  halfLife: number;
  /** Reference time (default: the latest timestamp). */
  now?: number;
  confidence?: Partial<ConfidenceTable>;
}

/**
 * Exponentially time-decayed popularity:
 *   score_i = Σ_{events e on i} conf(e) · 2^(−(now − t_e) / halfLife)
 * Excluded event types (DISLIKE) contribute nothing. O(events).
 */
export function decayedPopularity(x: Interactions, o: DecayOptions): Float64Array {
  const table: ConfidenceTable = { ...DEFAULT_CONFIDENCE, ...o.confidence };
  let now = o.now ?? -Infinity;
  if (o.now === undefined)
    for (let e = 0; e < x.timestamp.length; e++) if (x.timestamp[e]! > now) now = x.timestamp[e]!;
  const out = new Float64Array(o.nItems);
  const ln2 = Math.LN2 / o.halfLife;
  for (let e = 0; e < x.item.length; e++) {
    const w = eventWeight(table, x.type[e]!, x.value[e]!);
    if (w === null || !(w > 0)) continue;
    const i = x.item[e]!;
    checkIndex('item', i, o.nItems);
    const age = Math.max(0, now - x.timestamp[e]!);
    out[i]! += w * (Number.isFinite(o.halfLife) ? Math.exp(-ln2 * age) : 1);
  }
  return out;
}

/** Top-k items of each category (category c's list at index c); categories[i] < 0 = uncategorized. */
export function topByCategory(scores: ArrayLike<number>, categories: Int32Array, k: number): TopK[] {
  if (categories.length !== scores.length) throw new DimensionMismatchError('categories and scores differ in length');
  let nCat = 0;
  for (const c of categories) if (c + 1 > nCat) nCat = c + 1;
  const members: number[][] = Array.from({ length: nCat }, () => []);
  for (let i = 0; i < categories.length; i++) if (categories[i]! >= 0) members[categories[i]!]!.push(i);
  return members.map((items) => {
    const top = topKScores(
      items.map((i) => scores[i]!),
      k,
    );
    return { items: Int32Array.from(top.items, (j) => items[j]!), scores: top.scores };
  });
}

/**
 * Popularity baseline: every user gets the same most-popular list (minus seen/excluded items).
 * fit(): score = number of users with the item (ties: lower index). Or set decayed scores with
 * `fromScores(decayedPopularity(...))`. Optional categories enable per-category lists.
 */
export class PopularityModel implements Recommender {
  readonly kind = 'popularity';
  nUsers = 0;
  nItems = 0;
  scores: Float64Array = new Float64Array(0);
  categories: Int32Array | undefined;

  constructor(options: { categories?: Int32Array } = {}) {
    this.categories = options.categories;
  }

  static fromScores(scores: Float64Array, nUsers = 0, categories?: Int32Array): PopularityModel {
    const m = new PopularityModel({ categories });
    m.scores = scores;
    m.nItems = scores.length;
    m.nUsers = nUsers;
    return m;
  }

  async fit(userItems: CsrMatrix, _options?: FitOptions): Promise<void> {
    if (nnz(userItems) === 0) throw new EmptyInputError('user-items matrix has no entries');
    this.scores = Float64Array.from(columnCounts(userItems));
    this.nItems = userItems.nCols;
    this.nUsers = userItems.nRows;
  }

  private check(): void {
    if (this.nItems === 0) throw new NotFittedError(this.kind);
  }

  private exclusion(user: number, userItems: CsrMatrix, o: RecommendOptions): Exclusion {
    if (!(o.filterSeen ?? true)) return o.exclude;
    checkIndex('user', user, userItems.nRows);
    const row = userItems.indices.subarray(userItems.indptr[user]!, userItems.indptr[user + 1]!);
    if (o.exclude === undefined) return row;
    const s = new Set<number>(o.exclude instanceof Set ? o.exclude : Array.from(o.exclude));
    for (const i of row) s.add(i);
    return s;
  }

  recommend(user: number, userItems: CsrMatrix, k: number, options: RecommendOptions = {}): TopK {
    this.check();
    return topKScores(this.scores, k, this.exclusion(user, userItems, options));
  }

  recommendBatch(users: ArrayLike<number>, userItems: CsrMatrix, k: number, options: RecommendOptions = {}): TopK[] {
    return Array.from(users, (u) => this.recommend(u, userItems, k, options));
  }

  /** Most popular items of `category`. */
  recommendInCategory(category: number, k: number, exclude?: Exclusion): TopK {
    this.check();
    if (!this.categories) throw new DimensionMismatchError('model has no categories');
    const cats = this.categories;
    const masked = Float64Array.from(this.scores, (s, i) => (cats[i] === category ? s : NaN));
    return topKScores(masked, k, exclude);
  }

  /** Most popular items in the same category (or overall without categories), itself excluded. */
  similarItems(item: number, k: number): TopK {
    this.check();
    checkIndex('item', item, this.nItems);
    if (this.categories) return this.recommendInCategory(this.categories[item]!, k, [item]);
    return topKScores(this.scores, k, [item]);
  }

  save(): Uint8Array {
    this.check();
    const arrays: Record<string, Float64Array | Int32Array> = { scores: this.scores };
    if (this.categories) arrays.categories = this.categories;
    return encodeArtifact({ kind: this.kind, meta: { nUsers: this.nUsers, nItems: this.nItems }, arrays });
  }

  static load(bytes: Uint8Array): PopularityModel {
    const a = decodeArtifact(bytes);
    if (a.kind !== 'popularity') throw new ArtifactFormatError(`expected kind popularity, got ${a.kind}`);
    const meta = a.meta as { nUsers: number };
    return PopularityModel.fromScores(
      a.arrays.scores as Float64Array,
      meta.nUsers,
      a.arrays.categories as Int32Array | undefined,
    );
  }
}
