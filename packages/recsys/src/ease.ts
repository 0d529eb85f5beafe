import { columnCounts, nnz, selectColumns, type CsrMatrix } from './csr.ts';
import {
  ArtifactFormatError,
  CatalogTooLargeError,
  NotPositiveDefiniteError,
  DimensionMismatchError,
  EmptyInputError,
  NotFittedError,
} from './errors.ts';
import { spdInverseWasm } from './train-wasm.js';
import { checkIndex, topKScores, type TopK } from './topk.ts';
import { decodeArtifact, encodeArtifact } from './artifact.ts';
import { recommendFromRow, type FitOptions, type RecommendOptions, type Recommender } from './model.ts';

/**
 * EASE — Steck, "Embarrassingly Shallow Autoencoders for Sparse Data", WWW 2019.
 * Closed form of  min_B ‖X − XB‖² + λ‖B‖²  s.t. diag(B) = 0:
 *   P = (XᵀX + λI)⁻¹,   B = I − P·diag(1/diag(P)),  i.e. B_ij = −P_ij / P_jj (i ≠ j), B_ii = 0.
 * Scores for user u: s_u = x_u B. Dense n×n: O(n²) memory (float64 while fitting) and O(n³) time
 * (Cholesky-based SPD inverse, n³/2 multiply-adds, in WebAssembly SIMD — train-kernels.ts; the
 * readable reference is linalg.ts spdInverseInPlace), so it is refused above `maxItems`; the
 * scalable item-item models (sparse-ease.ts, rp3beta.ts) take larger catalogs.
 */
export interface EaseOptions {
  regularization: number;
  /** Refuse catalogs larger than this (default 5000: 200 MB of float64 in JavaScript and twice that in the kernel's memory). */
  maxItems: number;
  /** Use x_ui = 1 for every stored entry (Steck's setting; default true). */
  binarize: boolean;
  /** Fit only on the N most popular items (others never recommended); lets EASE run on big catalogs. */
  topItems?: number;
}

export const DEFAULT_EASE_OPTIONS: EaseOptions = { regularization: 250, maxItems: 5000, binarize: true };

/**
 * XᵀX (n×n, float64) from a users×items CSR: Σ_u x_uᵀx_u over each user's pairs, O(Σ n_u²).
 * lowerOnly: only the lower triangle (what the Cholesky-based inverse reads), half the work.
 */
export function gramianXtX(m: CsrMatrix, binarize: boolean, lowerOnly = false): Float64Array {
  const n = m.nCols;
  const G = new Float64Array(n * n);
  for (let u = 0; u < m.nRows; u++) {
    const s = m.indptr[u]!;
    const e = m.indptr[u + 1]!;
    for (let a = s; a < e; a++) {
      const ia = m.indices[a]!;
      const va = binarize ? 1 : m.data[a]!;
      const ra = ia * n;
      // Row indices are sorted, so b ≤ a is the lower triangle.
      const end = lowerOnly ? a + 1 : e;
      for (let b = s; b < end; b++) G[ra + m.indices[b]!]! += va * (binarize ? 1 : m.data[b]!);
    }
  }
  return G;
}

/** B from P in place: B_ij = −P_ij / P_jj, B_ii = 0 (returned as float32). */
function easeFromInverse(P: Float64Array, n: number): Float32Array {
  const B = new Float32Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) B[i * n + j] = i === j ? 0 : -P[i * n + j]! / P[j * n + j]!;
  return B;
}

/**
 * Reference EASE: Gauss-Jordan inverse of XᵀX + λI (no Cholesky), then the same formula.
 * O(n³), tiny inputs only.
 */
export function referenceEase(m: CsrMatrix, lambda: number, binarize = true): Float32Array {
  const n = m.nCols;
  const A = gramianXtX(m, binarize);
  for (let i = 0; i < n; i++) A[i * n + i]! += lambda;
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) inv[i * n + i] = 1;
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(A[r * n + c]!) > Math.abs(A[piv * n + c]!)) piv = r;
    for (let j = 0; j < n; j++) {
      [A[c * n + j], A[piv * n + j]] = [A[piv * n + j]!, A[c * n + j]!];
      [inv[c * n + j], inv[piv * n + j]] = [inv[piv * n + j]!, inv[c * n + j]!];
    }
    const d = A[c * n + c]!;
    for (let j = 0; j < n; j++) {
      A[c * n + j]! /= d;
      inv[c * n + j]! /= d;
    }
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const fct = A[r * n + c]!;
      if (fct === 0) continue;
      for (let j = 0; j < n; j++) {
        A[r * n + j]! -= fct * A[c * n + j]!;
        inv[r * n + j]! -= fct * inv[c * n + j]!;
      }
    }
  }
  return easeFromInverse(inv, n);
}

/** Drops unfitted items (score −Infinity) from a ranked list. */
function finiteOnly(t: TopK): TopK {
  let n = t.items.length;
  while (n > 0 && t.scores[n - 1] === -Infinity) n--;
  return { items: t.items.slice(0, n), scores: t.scores.slice(0, n) };
}

export class EaseModel implements Recommender {
  readonly kind = 'ease';
  readonly options: EaseOptions;
  nUsers = 0;
  nItems = 0;
  /** Dense B over the fitted items (nFit × nFit, float32, row-major). */
  B: Float32Array = new Float32Array(0);
  /** Catalog index of each fitted column (identity unless topItems). */
  itemIds: Int32Array = new Int32Array(0);
  /** Catalog index → fitted column, −1 when not fitted. */
  private column: Int32Array = new Int32Array(0);

  constructor(options: Partial<EaseOptions> = {}) {
    this.options = { ...DEFAULT_EASE_OPTIONS, ...options };
  }

  get nFitted(): number {
    return this.itemIds.length;
  }

  async fit(userItems: CsrMatrix, _options?: FitOptions): Promise<void> {
    if (nnz(userItems) === 0) throw new EmptyInputError('user-items matrix has no entries');
    const o = this.options;
    let keep: Int32Array;
    if (o.topItems !== undefined && o.topItems < userItems.nCols) {
      const counts = columnCounts(userItems);
      keep = Int32Array.from(topKScores(counts, o.topItems).items).sort();
    } else keep = Int32Array.from({ length: userItems.nCols }, (_, i) => i);
    const n = keep.length;
    if (n > o.maxItems) throw new CatalogTooLargeError(n, o.maxItems, 'EASE');
    const X = n === userItems.nCols ? userItems : selectColumns(userItems, keep);
    const P = gramianXtX(X, o.binarize, true);
    for (let i = 0; i < n; i++) P[i * n + i]! += o.regularization;
    const bad = spdInverseWasm(P, n); // reads the lower triangle, returns the full inverse
    if (bad) throw new NotPositiveDefiniteError(bad.row, bad.pivot);
    this.B = easeFromInverse(P, n);
    this.itemIds = keep;
    this.column = new Int32Array(userItems.nCols).fill(-1);
    keep.forEach((it, c) => (this.column[it] = c));
    this.nItems = userItems.nCols;
    this.nUsers = userItems.nRows;
  }

  private check(): void {
    if (this.nItems === 0) throw new NotFittedError(this.kind);
  }

  /** s_u = x_u B over the fitted items, scattered to catalog indices (unfitted items: −Infinity). */
  scores(items: ArrayLike<number>, weights: ArrayLike<number>): Float64Array {
    this.check();
    const n = this.nFitted;
    const s = new Float64Array(n);
    for (let k = 0; k < items.length; k++) {
      const c = this.column[items[k]!];
      if (c === undefined) throw new DimensionMismatchError(`item ${items[k]} outside the catalog`);
      if (c < 0) continue;
      const w = this.options.binarize ? 1 : weights[k]!;
      const ro = c * n;
      for (let j = 0; j < n; j++) s[j]! += w * this.B[ro + j]!;
    }
    const out = new Float64Array(this.nItems).fill(-Infinity);
    for (let j = 0; j < n; j++) out[this.itemIds[j]!] = s[j]!;
    return out;
  }

  recommend(user: number, userItems: CsrMatrix, k: number, options: RecommendOptions = {}): TopK {
    this.check();
    return finiteOnly(
      recommendFromRow(user, userItems, this.nItems, Math.min(k, this.nFitted), options, (items, w) =>
        this.scores(items, w),
      ),
    );
  }

  recommendBatch(users: ArrayLike<number>, userItems: CsrMatrix, k: number, options: RecommendOptions = {}): TopK[] {
    return Array.from(users, (u) => this.recommend(u, userItems, k, options));
  }

  /** Items j with the largest B_ij (what item i "predicts"), itself excluded. */
  similarItems(item: number, k: number): TopK {
    this.check();
    checkIndex('item', item, this.nItems);
    return finiteOnly(topKScores(this.scores([item], [1]), Math.min(k, this.nFitted), [item]));
  }

  save(): Uint8Array {
    this.check();
    return encodeArtifact({
      kind: this.kind,
      meta: { options: this.options, nUsers: this.nUsers, nItems: this.nItems },
      arrays: { B: this.B, itemIds: this.itemIds },
    });
  }

  static load(bytes: Uint8Array): EaseModel {
    const a = decodeArtifact(bytes);
    if (a.kind !== 'ease') throw new ArtifactFormatError(`expected kind ease, got ${a.kind}`);
    const meta = a.meta as { options: EaseOptions; nUsers: number; nItems: number };
    const m = new EaseModel(meta.options);
    m.B = a.arrays.B as Float32Array;
    m.itemIds = a.arrays.itemIds as Int32Array;
    m.nUsers = meta.nUsers;
    m.nItems = meta.nItems;
    m.column = new Int32Array(m.nItems).fill(-1);
    m.itemIds.forEach((it, c) => (m.column[it] = c));
    if (m.B.length !== m.nFitted * m.nFitted) throw new ArtifactFormatError('B size disagrees with the header');
    return m;
  }
}
