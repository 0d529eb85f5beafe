import type { CsrMatrix } from './csr.ts';
import { NotPositiveDefiniteError } from './errors.ts';
import { NeighbourRows, SparseItemItemModel, cooccurrenceSweep, selectTop } from './item-item.ts';
import { SmallSpdSolver, sparseEaseSolveWasm } from './train-wasm.js';

/**
 * EASE on a pruned Gram matrix, for catalogs of any size. Dense EASE (ease.ts) solves, for every
 * item j, the ridge regression of column j on all other columns,
 *   b_j = argmin ‖X_j − X b‖² + λ‖b‖²  (b_j = 0),  i.e. b_j = (G_{−j,−j} + λI)⁻¹ G_{−j,j},  G = XᵀX,
 * which is what B = I − P·diag(1/diag P), P = (G + λI)⁻¹ computes at once in O(n³). Here each
 * column regresses only on j's `neighbours` items with the largest co-occurrence G_jk (the
 * neighbourhood-restricted closed form, as SLIM and EASE^R's sparse variants restrict support), and
 * G itself is kept pruned to each item's `gramNeighbours` largest entries: a K×K Cholesky solve per
 * item. With neighbours ≥ n − 1 on a catalog where every pair co-occurs it equals dense EASE (tested).
 * Fit: O(Σ_u n_u² + items · (K · M + K³/6)); memory O(items · M) for the pruned Gram.
 */
export interface SparseEaseOptions {
  regularization: number;
  /** K: items each column is regressed on. */
  neighbours: number;
  /** M: Gram entries kept per item (≥ K); entries between two neighbours outside both lists count as 0. */
  gramNeighbours: number;
  /** Use x_ui = 1 for every stored entry (Steck's setting; default true). */
  binarize: boolean;
  /**
   * 'wasm' (default): the per-item assembly and solves in one WebAssembly call (train-kernels.ts
   * sparseEaseSolve); 'js': the readable loop below (same arithmetic, same weights — tested).
   */
  kernel: 'wasm' | 'js';
}

/**
 * Tuned on MovieLens-small with the evaluation split (λ ∈ {100, 250, 500}, K ∈ {50, 64, 100},
 * M ∈ {2K, 4K}): nDCG@10 0.391 (M 4K: 0.394 at twice the per-item cost; K 50: 0.382).
 */
export const DEFAULT_SPARSE_EASE_OPTIONS: SparseEaseOptions = {
  regularization: 250,
  neighbours: 100,
  gramNeighbours: 200,
  binarize: true,
  kernel: 'wasm',
};

export class SparseEaseModel extends SparseItemItemModel {
  readonly kind = 'sparse-ease';
  readonly options: SparseEaseOptions;
  constructor(options: Partial<SparseEaseOptions> = {}) {
    super();
    this.options = { ...DEFAULT_SPARSE_EASE_OPTIONS, ...options };
    const o = this.options;
    if (!(o.neighbours >= 1)) throw new RangeError('neighbours must be >= 1');
    if (!(o.gramNeighbours >= o.neighbours)) throw new RangeError('gramNeighbours must be >= neighbours');
    if (!(o.regularization > 0)) throw new RangeError('regularization must be > 0');
  }
  protected binarize(): boolean {
    return this.options.binarize;
  }
  protected meta(): Record<string, unknown> {
    return { options: this.options };
  }

  protected weights(ui: CsrMatrix, iu: CsrMatrix): CsrMatrix {
    const { regularization: lambda, neighbours: K, gramNeighbours: M, binarize } = this.options;
    const n = ui.nCols;
    const xu = binarize ? new Float64Array(ui.data.length).fill(1) : Float64Array.from(ui.data);
    const xi = binarize ? new Float64Array(iu.data.length).fill(1) : Float64Array.from(iu.data);
    // 1. Pruned Gram: each item's M largest co-occurrences (decreasing), and the diagonal.
    const diag = new Float64Array(n);
    const gram = new NeighbourRows(n, n * Math.min(M, 64));
    const sel = new Int32Array(n);
    const scratch = new Float64Array(n);
    const vals = new Float64Array(M);
    cooccurrenceSweep(ui, iu, xi, xu, (a, touched, count, acc) => {
      diag[a] = acc[a]!;
      const kept = selectTop(touched, count, acc, M, a, sel, scratch);
      for (let t = 0; t < kept; t++) vals[t] = acc[sel[t]!]!;
      gram.push(a, sel, vals, kept);
    });
    const G = gram.build(false);
    if (this.options.kernel === 'wasm') {
      const r = sparseEaseSolveWasm(G, diag, K, lambda);
      if (r.bad !== undefined) throw new NotPositiveDefiniteError(r.bad, Number.NaN);
      const rows = new NeighbourRows(n, n * Math.min(K, 64));
      for (let j = 0; j < n; j++) {
        const s = G.indptr[j]!;
        rows.push(j, G.indices.subarray(s, s + r.counts[j]!), r.x.subarray(j * K, j * K + r.counts[j]!), r.counts[j]!);
      }
      return rows.build(true);
    }
    // 2. Per item j: regress on its K strongest neighbours.
    const local = new Int32Array(n).fill(-1);
    const A = new Float64Array(K * K);
    const solver = new SmallSpdSolver(K);
    const cols = new NeighbourRows(n, n * Math.min(K, 64));
    for (let j = 0; j < n; j++) {
      const s = G.indptr[j]!;
      const k = Math.min(K, G.indptr[j + 1]! - s);
      if (k === 0) continue;
      const N = G.indices.subarray(s, s + k);
      for (let l = 0; l < k; l++) local[N[l]!] = l;
      A.fill(0, 0, k * k);
      for (let l = 0; l < k; l++) {
        const a = N[l]!;
        A[l * k + l] = diag[a]!;
        for (let q = G.indptr[a]!; q < G.indptr[a + 1]!; q++) {
          const m = local[G.indices[q]!]!;
          if (m >= 0) {
            // G is symmetric and a kept entry exact, so (a, c) from either list is the value; a
            // pair outside both lists stays 0.
            const v = G.data[q]!;
            A[l * k + m] = v;
            A[m * k + l] = v;
          }
        }
      }
      const x = solveRidge(solver, A, k, lambda, G.data.subarray(s, s + k));
      for (let l = 0; l < k; l++) local[N[l]!] = -1;
      cols.push(j, N, x, k);
    }
    // Rows of `cols` are targets j; W's rows are the sources.
    return cols.build(true);
  }

  static load(bytes: Uint8Array): SparseEaseModel {
    const m = new SparseEaseModel();
    const meta = m.restore(bytes) as { options: SparseEaseOptions };
    Object.assign(m.options, meta.options);
    return m;
  }
}

/**
 * Solves (A + λI) x = b for the k×k symmetric A (row-major) with the WebAssembly Cholesky kernel
 * (the readable reference is linalg.ts solveSpd; the equal-to-dense-EASE test covers both). When
 * pruning made A + λI indefinite, λ doubles until it is not (exact Gram matrices never need it).
 */
function solveRidge(
  solver: SmallSpdSolver,
  A: Float64Array,
  k: number,
  lambda: number,
  rhs: ArrayLike<number>,
): Float64Array {
  for (let lam = lambda; ; lam *= 2) {
    const sys = solver.system(k);
    sys.A.set(A.subarray(0, k * k));
    for (let l = 0; l < k; l++) sys.A[l * k + l]! += lam;
    sys.b.set(rhs);
    if (solver.solve(k)) return sys.b.slice();
    if (lam > lambda * 1e6) throw new NotPositiveDefiniteError(-1, Number.NaN);
  }
}
