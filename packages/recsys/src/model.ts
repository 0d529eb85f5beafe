import type { CsrMatrix } from './csr.ts';
import type { Exclusion, TopK } from './topk.ts';

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
