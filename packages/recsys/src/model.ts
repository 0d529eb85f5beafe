import type { CsrMatrix } from './csr.ts';
import { DimensionMismatchError } from './errors.ts';
import { checkIndex, topKScores, type Exclusion, type TopK } from './topk.ts';

export interface RecommendOptions {
  /** Drop items the user already has in `userItems` (default true). */
  filterSeen?: boolean;
  /** Further items to drop (e.g. DISLIKEd, out of stock). */
  exclude?: Exclusion;
}

export interface FitOptions {
  /** Called after every iteration of iterative models. */
  onProgress?: (p: FitProgress) => void;
}

export interface FitProgress {
  iteration: number;
  iterations: number;
  /** Normalized training loss (ALS, when calculated). */
  loss?: number;
  /** Seconds since fit started. */
  seconds: number;
}

/**
 * The one base interface every model implements (modelled on implicit's RecommenderBase):
 * fit on a users×items confidence matrix, recommend for a user (given the user's row of the
 * same matrix, to filter seen items / fold in), similar items, and a binary artifact.
 */
export interface Recommender {
  readonly kind: string;
  readonly nUsers: number;
  readonly nItems: number;
  fit(userItems: CsrMatrix, options?: FitOptions): Promise<void>;
  recommend(user: number, userItems: CsrMatrix, k: number, options?: RecommendOptions): TopK;
  recommendBatch(users: ArrayLike<number>, userItems: CsrMatrix, k: number, options?: RecommendOptions): TopK[];
  similarItems(item: number, k: number): TopK;
  /** Item embedding vectors when the model has them (diversity metrics). */
  itemVectors?(): { vectors: Float32Array; dim: number } | undefined;
  /** The compact binary artifact (see artifact.ts). */
  save(): Uint8Array;
}

/**
 * The top k of a user's scores, where `score` scores every item from the user's row
 * of `userItems` (items and their weights): the models that score from a row
 * (EASE, the item-item models, blends) recommend through this one function.
 * Seen items are dropped unless `filterSeen` is false, and so are `exclude`.
 */
export function recommendFromRow(
  user: number,
  userItems: CsrMatrix,
  nItems: number,
  k: number,
  options: RecommendOptions,
  score: (items: Int32Array, weights: Float32Array) => Float64Array,
): TopK {
  if (userItems.nCols !== nItems)
    throw new DimensionMismatchError(`userItems has ${userItems.nCols} items, model ${nItems}`);
  checkIndex('user', user, userItems.nRows);
  const s0 = userItems.indptr[user]!;
  const s1 = userItems.indptr[user + 1]!;
  const row = userItems.indices.subarray(s0, s1);
  const sc = score(row, userItems.data.subarray(s0, s1));
  let ex: Exclusion = options.exclude;
  if (options.filterSeen ?? true) {
    const s = new Set<number>(row);
    if (ex) for (const i of ex instanceof Set ? ex : Array.from(ex)) s.add(i);
    ex = s;
  }
  return topKScores(sc, k, ex);
}
