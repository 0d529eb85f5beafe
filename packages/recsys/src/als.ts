import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { cgUpdateRows, rowLosses } from './als-kernel.js';
import { AlsWasm, KernelMemory, gramWasm, padded } from './train-wasm.js';
import { nnz, transpose, type CsrMatrix } from './csr.ts';
import {
  DimensionMismatchError,
  EmptyInputError,
  NonFiniteFactorsError,
  NotFittedError,
  ArtifactFormatError,
} from './errors.ts';
import { choleskyInPlace, choleskySolveInPlace, gram } from './linalg.ts';
import { Rng } from './rng.ts';
import { topKDot, topKDotBatch, checkIndex, type TopK, type Exclusion } from './topk.ts';
import { itemFactorStorage } from './topk-wasm.ts';
import { decodeArtifact, encodeArtifact } from './artifact.ts';
import type { FitOptions, RecommendOptions, Recommender } from './model.ts';
import { cosineSimilarItems, normalizeRows } from './similarity.ts';

/**
 * Implicit-feedback ALS — Hu, Koren, Volinsky, "Collaborative Filtering for Implicit Feedback
 * Datasets", ICDM 2008.
 *
 * Preference p_ui = 1 if w_ui > 0 else 0; confidence c_ui = 1 + α·w_ui (w = the matrix value:
 * event confidence, summed). Minimize
 *   Σ_{u,i} c_ui (p_ui − x_uᵀy_i)² + λ(Σ‖x_u‖² + Σ‖y_i‖²)
 * by alternating exact-per-row least squares
 *   x_u = (YᵀC_uY + λI)⁻¹ YᵀC_u p_u,   y_i = (XᵀC_iX + λI)⁻¹ XᵀC_i p_i
 * using YᵀC_uY = YᵀY + Yᵀ(C_u − I)Y so each row costs O(n_u·f²) instead of O(n·f²).
 * The fast path replaces the solve with a few conjugate-gradient steps warm-started from the
 * previous factors (Takács, Pilászy, Tikk, RecSys 2011), as implicit's `cg` solver does.
 */
export interface AlsOptions {
  factors: number;
  regularization: number;
  alpha: number;
  iterations: number;
  cgSteps: number;
  /** Worker threads (1 = main thread only). Results are identical for every value. */
  threads: number;
  seed: number;
  /** Compute the training loss every iteration (reported via onProgress). */
  calculateTrainingLoss: boolean;
  /**
   * 'wasm' (default): the WebAssembly SIMD kernels (train-kernels.ts, float32 like implicit);
   * 'js': the readable float64 reference in als-kernel.js. Each is bit-identical across thread counts.
   */
  kernel: 'wasm' | 'js';
}

/**
 * Defaults tuned on MovieLens-small (ratings as weights, per-user 75/25 split, k = 10; grid over
 * λ ∈ {0.05, 1, 5, 10}, α ∈ {0.5, 1, 2, 5, 10, 20}): λ is not scaled by row counts (as in
 * implicit), so with 64 factors a large λ = 10 and a mild α = 1 generalize best there.
 */
export const DEFAULT_ALS_OPTIONS: AlsOptions = {
  factors: 64,
  regularization: 10,
  alpha: 1,
  iterations: 15,
  cgSteps: 3,
  threads: Math.max(1, Math.min(availableParallelism(), 8)),
  seed: 42,
  calculateTrainingLoss: false,
  kernel: 'wasm',
};

/** Uniform [0, 0.01) init, as implicit does; users first then items, from one seeded stream. */
export function initFactors(
  nUsers: number,
  nItems: number,
  f: number,
  seed: number,
): { X: Float32Array; Y: Float32Array } {
  const rng = new Rng(seed);
  const X = new Float32Array(nUsers * f);
  const Y = new Float32Array(nItems * f);
  for (let k = 0; k < X.length; k++) X[k] = rng.next() * 0.01;
  for (let k = 0; k < Y.length; k++) Y[k] = rng.next() * 0.01;
  return { X, Y };
}

function checkFinite(F: Float32Array, f: number, side: 'user' | 'item', iteration: number): void {
  for (let k = 0; k < F.length; k++) {
    const v = F[k]!;
    if (v - v !== 0) throw new NonFiniteFactorsError(side, iteration, Math.floor(k / f));
  }
}

/** Splits [0, n) into `parts` contiguous blocks of roughly equal cost (cost_r = base + nnz_r·perNnz). */
export function balancedBlocks(
  indptr: Int32Array,
  n: number,
  parts: number,
  base: number,
  perNnz: number,
): [number, number][] {
  const total = n * base + indptr[n]! * perNnz;
  const out: [number, number][] = [];
  let start = 0;
  let acc = 0;
  for (let r = 0; r < n && out.length < parts - 1; r++) {
    acc += base + (indptr[r + 1]! - indptr[r]!) * perNnz;
    if (acc >= (total * (out.length + 1)) / parts) {
      out.push([start, r + 1]);
      start = r + 1;
    }
  }
  out.push([start, n]);
  return out.filter(([a, b]) => b > a);
}

function shared<T extends Float32Array | Float64Array | Int32Array>(src: T): T {
  const sab = new SharedArrayBuffer(src.byteLength);
  const Ctor = src.constructor as new (b: SharedArrayBuffer) => T;
  const out = new Ctor(sab);
  out.set(src as never);
  return out;
}

/** A pool of ALS workers holding views on shared factors and matrices. */
class AlsPool {
  private readonly workers: Worker[];
  constructor(
    n: number,
    data: {
      f: number;
      X: Float32Array;
      Y: Float32Array;
      G: Float64Array;
      G32: Float32Array;
      losses: Float64Array;
      ui: CsrMatrix;
      iu: CsrMatrix;
    },
  ) {
    const buf = (a: { buffer: ArrayBufferLike }) => a.buffer;
    const workerData = {
      f: data.f,
      userFactors: buf(data.X),
      itemFactors: buf(data.Y),
      gram: buf(data.G),
      gram32: buf(data.G32),
      nUsers: data.ui.nRows,
      nItems: data.ui.nCols,
      losses: buf(data.losses),
      ui: { indptr: buf(data.ui.indptr), indices: buf(data.ui.indices), data: buf(data.ui.data) },
      iu: { indptr: buf(data.iu.indptr), indices: buf(data.iu.indices), data: buf(data.iu.data) },
    };
    this.workers = Array.from(
      { length: n },
      () => new Worker(new URL('./als-worker.js', import.meta.url), { workerData }),
    );
  }
  run(msgs: object[]): Promise<void> {
    return Promise.all(
      msgs.map(
        (m, w) =>
          new Promise<void>((resolve, reject) => {
            const worker = this.workers[w]!;
            const onMsg = (r: { ok: boolean; error?: string }) => {
              worker.off('error', onErr);
              if (r.ok) resolve();
              else reject(new Error(`ALS worker failed: ${r.error}`));
            };
            const onErr = (e: Error) => {
              worker.off('message', onMsg);
              reject(e);
            };
            worker.once('message', onMsg);
            worker.once('error', onErr);
            worker.postMessage(m);
          }),
      ),
    ).then(() => undefined);
  }
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

function sharedCsr(m: CsrMatrix): CsrMatrix {
  return { nRows: m.nRows, nCols: m.nCols, indptr: shared(m.indptr), indices: shared(m.indices), data: shared(m.data) };
}

/**
 * Fold-in: a (new or updated) user's factors in closed form against fixed item factors,
 *   x_u = (YᵀY + λI + Σ_{i∈N(u)} α w_ui y_i y_iᵀ)⁻¹ Σ_{i∈N(u)} (1 + α w_ui) y_i
 * with G = YᵀY + λI precomputed once, so one user costs O(n_u·f² + f³): the rank-one updates,
 * then a Cholesky solve. This is exactly the ALS user update for that user.
 */
export class FoldIn {
  readonly f: number;
  readonly nItems: number;
  private readonly G: Float64Array;
  private readonly A: Float64Array;
  private readonly b: Float64Array;
  constructor(
    private readonly Y: Float32Array,
    f: number,
    readonly regularization: number,
    readonly alpha: number,
    G?: Float64Array,
  ) {
    this.f = f;
    this.nItems = Math.floor(Y.length / f);
    this.G = G ?? gram(Y, this.nItems, f, regularization);
    this.A = new Float64Array(f * f);
    this.b = new Float64Array(f);
  }
  /** Factors for a user with the given items and raw weights w (confidence = 1 + α·w). */
  user(items: ArrayLike<number>, weights: ArrayLike<number>): Float32Array {
    const { f, A, b, Y, alpha } = this;
    if (items.length !== weights.length) throw new DimensionMismatchError('items and weights differ in length');
    A.set(this.G);
    b.fill(0);
    for (let k = 0; k < items.length; k++) {
      const i = items[k]!;
      checkIndex('item', i, this.nItems);
      const c1 = alpha * weights[k]!;
      const yo = i * f;
      for (let a = 0; a < f; a++) {
        const ya = Y[yo + a]!;
        b[a]! += (1 + c1) * ya;
        const t = c1 * ya;
        const ra = a * f;
        for (let c = 0; c <= a; c++) A[ra + c]! += t * Y[yo + c]!;
      }
    }
    choleskyInPlace(A, f); // reads only the lower triangle
    choleskySolveInPlace(A, f, b);
    return Float32Array.from(b);
  }
}

/**
 * Reference (slow, literal) ALS row update: builds A = Σ_i c_ui y_i y_iᵀ + λI and
 * b = Σ_i c_ui p_ui y_i over EVERY column i (O(n·f²)), then solves by Cholesky.
 */
export function referenceRowUpdate(
  Y: Float32Array,
  nCols: number,
  f: number,
  cols: ArrayLike<number>,
  weights: ArrayLike<number>,
  alpha: number,
  lambda: number,
): Float64Array {
  const w = new Float64Array(nCols);
  for (let k = 0; k < cols.length; k++) w[cols[k]!] = weights[k]!;
  const A = new Float64Array(f * f);
  const b = new Float64Array(f);
  for (let i = 0; i < nCols; i++) {
    const p = w[i]! > 0 ? 1 : 0;
    const c = 1 + alpha * w[i]!;
    for (let a = 0; a < f; a++) {
      const ya = Y[i * f + a]!;
      b[a]! += c * p * ya;
      for (let d = 0; d < f; d++) A[a * f + d]! += c * ya * Y[i * f + d]!;
    }
  }
  for (let a = 0; a < f; a++) A[a * f + a]! += lambda;
  choleskyInPlace(A, f);
  choleskySolveInPlace(A, f, b);
  return b;
}

/**
 * Reference training loss, literally Σ_{u,i} c_ui (p_ui − x_u·y_i)² + λ(‖X‖² + ‖Y‖²),
 * normalized by Σ_{u,i} c_ui (as implicit normalizes). O(users·items·f).
 */
export function referenceLoss(
  userItems: CsrMatrix,
  X: Float32Array,
  Y: Float32Array,
  f: number,
  alpha: number,
  lambda: number,
): number {
  let loss = 0;
  let total = 0;
  const w = new Float64Array(userItems.nCols);
  for (let u = 0; u < userItems.nRows; u++) {
    w.fill(0);
    for (let k = userItems.indptr[u]!; k < userItems.indptr[u + 1]!; k++) w[userItems.indices[k]!] = userItems.data[k]!;
    for (let i = 0; i < userItems.nCols; i++) {
      let s = 0;
      for (let a = 0; a < f; a++) s += X[u * f + a]! * Y[i * f + a]!;
      const c = 1 + alpha * w[i]!;
      const p = w[i]! > 0 ? 1 : 0;
      loss += c * (p - s) * (p - s);
      total += c;
    }
  }
  let norm = 0;
  for (const v of X) norm += v * v;
  for (const v of Y) norm += v * v;
  return (loss + lambda * norm) / total;
}

/**
 * Reference ALS: same init, every row solved exactly with referenceRowUpdate. Small problems only.
 */
export function referenceAlsFit(
  userItems: CsrMatrix,
  options: Partial<AlsOptions> = {},
): { X: Float32Array; Y: Float32Array } {
  const o = { ...DEFAULT_ALS_OPTIONS, ...options };
  const f = o.factors;
  const itemUsers = transpose(userItems);
  const { X, Y } = initFactors(userItems.nRows, userItems.nCols, f, o.seed);
  const half = (F: Float32Array, Fixed: Float32Array, m: CsrMatrix) => {
    for (let r = 0; r < m.nRows; r++) {
      const s = m.indptr[r]!;
      const e = m.indptr[r + 1]!;
      const x = referenceRowUpdate(
        Fixed,
        m.nCols,
        f,
        m.indices.subarray(s, e),
        m.data.subarray(s, e),
        o.alpha,
        o.regularization,
      );
      for (let a = 0; a < f; a++) F[r * f + a] = x[a]!;
    }
  };
  for (let it = 0; it < o.iterations; it++) {
    half(X, Y, userItems);
    half(Y, X, itemUsers);
  }
  return { X, Y };
}

export class AlsModel implements Recommender {
  readonly kind = 'als';
  readonly options: AlsOptions;
  userFactors: Float32Array = new Float32Array(0);
  itemFactors: Float32Array = new Float32Array(0);
  nUsers = 0;
  nItems = 0;
  /** Normalized training loss per iteration (when calculateTrainingLoss). */
  readonly losses: number[] = [];
  private foldInCache: FoldIn | undefined;
  private normalizedItems: Float32Array | undefined;

  constructor(options: Partial<AlsOptions> = {}) {
    this.options = { ...DEFAULT_ALS_OPTIONS, ...options };
    if (!(this.options.factors >= 1)) throw new RangeError('factors must be >= 1');
    if (!(this.options.iterations >= 0)) throw new RangeError('iterations must be >= 0');
    if (!(this.options.regularization >= 0)) throw new RangeError('regularization must be >= 0');
  }

  get factors(): number {
    return this.options.factors;
  }

  async fit(userItems: CsrMatrix, fitOptions: FitOptions = {}): Promise<void> {
    const o = this.options;
    const f = o.factors;
    const nUsers = userItems.nRows;
    const nItems = userItems.nCols;
    if (nUsers === 0 || nItems === 0 || nnz(userItems) === 0)
      throw new EmptyInputError('user-items matrix has no entries');
    for (let k = 0; k < userItems.data.length; k++)
      if (!(userItems.data[k]! >= 0))
        throw new RangeError(`negative or NaN weight at entry ${k}: ${userItems.data[k]}`);
    const threads = Math.max(1, Math.floor(o.threads));
    const useWorkers = threads > 1;
    const init = initFactors(nUsers, nItems, f, o.seed);
    const ui = useWorkers ? sharedCsr(userItems) : userItems;
    const iu = useWorkers ? sharedCsr(transpose(userItems)) : transpose(userItems);
    const X = useWorkers ? shared(init.X) : init.X;
    const Y = useWorkers ? shared(init.Y) : init.Y;
    const G = useWorkers ? shared(new Float64Array(f * f)) : new Float64Array(f * f);
    const fp = padded(f);
    const G32 = useWorkers ? shared(new Float32Array(fp * fp)) : new Float32Array(fp * fp);
    const losses = useWorkers ? shared(new Float64Array(nUsers)) : new Float64Array(nUsers);
    const pool = useWorkers ? new AlsPool(threads, { f, X, Y, G, G32, losses, ui, iu }) : undefined;
    const cost = o.cgSteps * f * f;
    const userBlocks = balancedBlocks(ui.indptr, nUsers, threads, cost, 2 * (o.cgSteps + 1) * f);
    const itemBlocks = balancedBlocks(iu.indptr, nItems, threads, cost, 2 * (o.cgSteps + 1) * f);
    const lossBlocks = balancedBlocks(ui.indptr, nUsers, threads, f * f, 2 * f);
    const wasm = o.kernel === 'wasm';
    const gramMemory = wasm ? new KernelMemory() : undefined;
    // Wasm: every thread copies in the CSR rows it owns once (blocks fixed for the whole fit).
    const blockOf = (b: [number, number][], w: number, n: number): [number, number] => b[w] ?? [n, n];
    const single = wasm && !pool ? new AlsWasm(f, ui, iu, [0, nUsers], [0, nItems]) : undefined;
    const setGram = (F: Float32Array, n: number) => {
      if (gramMemory) G32.set(gramWasm(gramMemory, F, n, f, o.regularization));
      else G.set(gram(F, n, f, o.regularization));
    };
    const t0 = performance.now();
    this.losses.length = 0;
    try {
      if (pool && wasm)
        await pool.run(
          Array.from({ length: threads }, (_, w) => ({
            op: 'wasm-init',
            userRange: blockOf(userBlocks, w, nUsers),
            itemRange: blockOf(itemBlocks, w, nItems),
          })),
        );
      const half = async (
        side: 0 | 1,
        out: Float32Array,
        fixed: Float32Array,
        m: CsrMatrix,
        blocks: [number, number][],
      ) => {
        const step = { alpha: o.alpha, cgSteps: o.cgSteps };
        if (pool && wasm)
          await pool.run(
            Array.from({ length: threads }, () => ({ op: side === 0 ? 'wasm-user' : 'wasm-item', ...step })),
          );
        else if (pool)
          await pool.run(blocks.map(([start, end]) => ({ op: side === 0 ? 'user' : 'item', start, end, ...step })));
        else if (single) single.update(side, out, fixed, G32, o.alpha, o.cgSteps);
        else cgUpdateRows(out, fixed, G, m.indptr, m.indices, m.data, f, o.alpha, o.cgSteps, 0, m.nRows);
      };
      for (let it = 0; it < o.iterations; it++) {
        // Users against fixed items.
        setGram(Y, nItems);
        await half(0, X, Y, ui, userBlocks);
        checkFinite(X, f, 'user', it);
        // Items against fixed users.
        setGram(X, nUsers);
        await half(1, Y, X, iu, itemBlocks);
        checkFinite(Y, f, 'item', it);
        let loss: number | undefined;
        if (o.calculateTrainingLoss) {
          G.set(gram(Y, nItems, f, o.regularization));
          if (pool) await pool.run(lossBlocks.map(([start, end]) => ({ op: 'loss', start, end, alpha: o.alpha })));
          else rowLosses(X, Y, G, ui.indptr, ui.indices, ui.data, f, o.alpha, 0, nUsers, losses);
          loss = this.normalizedLoss(losses, Y, ui);
          this.losses.push(loss);
        }
        fitOptions.onProgress?.({
          iteration: it + 1,
          iterations: o.iterations,
          loss,
          seconds: (performance.now() - t0) / 1000,
        });
      }
    } finally {
      await pool?.close();
    }
    // Copy out of shared memory so the model owns its buffers; item factors go to WebAssembly
    // memory (large catalogs) so recommend/topKDot runs the SIMD scan.
    this.userFactors = Float32Array.from(X);
    this.itemFactors = itemFactorStorage(Y);
    this.nUsers = nUsers;
    this.nItems = nItems;
    this.foldInCache = undefined;
    this.normalizedItems = undefined;
  }

  /** (Σ_u L_u + λ‖Y‖²) / Σ_{u,i} c_ui — summed in row order so it is thread-count independent. */
  private normalizedLoss(rowLoss: Float64Array, Y: Float32Array, ui: CsrMatrix): number {
    let s = 0;
    for (let u = 0; u < rowLoss.length; u++) s += rowLoss[u]!;
    let yn = 0;
    for (let k = 0; k < Y.length; k++) yn += Y[k]! * Y[k]!;
    let conf = ui.nRows * ui.nCols;
    for (let k = 0; k < ui.data.length; k++) conf += this.options.alpha * ui.data[k]!;
    return (s + this.options.regularization * yn) / conf;
  }

  private ensureFitted(): void {
    if (this.nItems === 0) throw new NotFittedError(this.kind);
  }

  /** The shared fold-in solver (G = YᵀY + λI computed once). */
  foldIn(): FoldIn {
    this.ensureFitted();
    return (this.foldInCache ??= new FoldIn(
      this.itemFactors,
      this.factors,
      this.options.regularization,
      this.options.alpha,
    ));
  }

  /** A user's factor vector (a view). */
  userVector(user: number): Float32Array {
    this.ensureFitted();
    checkIndex('user', user, this.nUsers);
    return this.userFactors.subarray(user * this.factors, (user + 1) * this.factors);
  }

  private exclusion(user: number, userItems: CsrMatrix, options: RecommendOptions): Exclusion {
    const seen = options.filterSeen ?? true;
    const ex = options.exclude;
    if (!seen) return ex;
    const row = userItems.indices.subarray(userItems.indptr[user]!, userItems.indptr[user + 1]!);
    if (ex === undefined) return row;
    const s = new Set<number>(ex instanceof Set ? ex : Array.from(ex));
    for (const i of row) s.add(i);
    return s;
  }

  recommend(
    user: number,
    userItems: CsrMatrix,
    k: number,
    options: RecommendOptions & { recalculateUser?: boolean } = {},
  ): TopK {
    this.ensureFitted();
    if (userItems.nCols !== this.nItems)
      throw new DimensionMismatchError(`userItems has ${userItems.nCols} items, model ${this.nItems}`);
    checkIndex('user', user, userItems.nRows);
    const s = userItems.indptr[user]!;
    const e = userItems.indptr[user + 1]!;
    const q =
      options.recalculateUser || user >= this.nUsers
        ? this.foldIn().user(userItems.indices.subarray(s, e), userItems.data.subarray(s, e))
        : this.userVector(user);
    return topKDot(q, this.itemFactors, this.factors, k, { exclude: this.exclusion(user, userItems, options) });
  }

  recommendBatch(users: ArrayLike<number>, userItems: CsrMatrix, k: number, options: RecommendOptions = {}): TopK[] {
    this.ensureFitted();
    const f = this.factors;
    const Q = new Float32Array(users.length * f);
    const exclude: Exclusion[] = [];
    for (let j = 0; j < users.length; j++) {
      const u = users[j]!;
      Q.set(this.userVector(u), j * f);
      exclude.push(this.exclusion(u, userItems, options));
    }
    return topKDotBatch(Q, users.length, this.itemFactors, f, k, { exclude });
  }

  /** Top-k for an arbitrary factor vector (e.g. a fold-in result). */
  recommendVector(q: Float32Array, k: number, exclude?: Exclusion): TopK {
    this.ensureFitted();
    return topKDot(q, this.itemFactors, this.factors, k, { exclude });
  }

  /** Items most similar by cosine of item factors (the item itself excluded). */
  similarItems(item: number, k: number): TopK {
    this.ensureFitted();
    checkIndex('item', item, this.nItems);
    this.normalizedItems ??= normalizeRows(this.itemFactors, this.factors);
    return cosineSimilarItems(this.normalizedItems, this.factors, item, k);
  }

  itemVectors(): { vectors: Float32Array; dim: number } {
    this.ensureFitted();
    return { vectors: this.itemFactors, dim: this.factors };
  }

  save(): Uint8Array {
    this.ensureFitted();
    return encodeArtifact({
      kind: this.kind,
      meta: { options: this.options, nUsers: this.nUsers, nItems: this.nItems, losses: this.losses },
      arrays: { userFactors: this.userFactors, itemFactors: this.itemFactors },
    });
  }

  static load(bytes: Uint8Array): AlsModel {
    const a = decodeArtifact(bytes);
    if (a.kind !== 'als') throw new ArtifactFormatError(`expected kind als, got ${a.kind}`);
    const meta = a.meta as { options: AlsOptions; nUsers: number; nItems: number; losses: number[] };
    const m = new AlsModel(meta.options);
    m.userFactors = a.arrays.userFactors as Float32Array;
    m.itemFactors = itemFactorStorage(a.arrays.itemFactors as Float32Array);
    m.nUsers = meta.nUsers;
    m.nItems = meta.nItems;
    m.losses.push(...meta.losses);
    if (m.userFactors.length !== m.nUsers * m.factors || m.itemFactors.length !== m.nItems * m.factors)
      throw new ArtifactFormatError('factor array sizes disagree with the header');
    return m;
  }
}
