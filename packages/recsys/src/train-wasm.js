// @ts-check
/* global WebAssembly, atob */
// Drives the WebAssembly training kernels (assembly/train-kernels.ts) from plain JavaScript, so
// the same code runs on the main thread and inside the ALS worker_threads without a TypeScript
// loader. Each KernelMemory is one module instance with its own linear memory: the caller lays
// its arrays out there (16-byte aligned, from 64 KiB up, above the module's own static data).
import { trainKernelsWasm } from './kernels/train-kernels.wasm.js';

const PAGE = 65536;
/** @type {WebAssembly.Module | undefined} */
let compiled;

/** The compiled training-kernel module (compiled once per thread; small enough to compile synchronously). */
export function trainKernelsModule() {
  return (compiled ??= new WebAssembly.Module(Uint8Array.from(atob(trainKernelsWasm), (c) => c.charCodeAt(0))));
}

/** One instance of the kernels with a bump allocator over its memory. */
export class KernelMemory {
  constructor() {
    const instance = new WebAssembly.Instance(trainKernelsModule(), {
      env: {
        abort() {
          throw new Error('train-kernels: abort');
        },
      },
    });
    /** @type {any} */
    this.k = instance.exports;
    /** @type {WebAssembly.Memory} */
    this.memory = this.k.memory;
    this.top = PAGE;
  }
  /** Reserves `bytes` (16-byte aligned), growing the memory; returns the byte offset. */
  alloc(bytes) {
    const off = this.top;
    this.top = off + Math.ceil(bytes / 16) * 16;
    const need = this.top - this.memory.buffer.byteLength;
    if (need > 0) this.memory.grow(Math.ceil(need / PAGE));
    return off;
  }
  /** Frees everything allocated (the memory itself is kept). */
  reset() {
    this.top = PAGE;
  }
  /** @param {number} off @param {number} n */
  f32(off, n) {
    return new Float32Array(this.memory.buffer, off, n);
  }
  /** @param {number} off @param {number} n */
  f64(off, n) {
    return new Float64Array(this.memory.buffer, off, n);
  }
  /** @param {number} off @param {number} n */
  i32(off, n) {
    return new Int32Array(this.memory.buffer, off, n);
  }
}

/** f rounded up to a multiple of 4 (the kernels' row stride, zero padded). */
export const padded = (/** @type {number} */ f) => (f + 3) & ~3;

/**
 * Copies rows [start, end) of a row-major matrix with f columns into padded rows (stride fp) at dst.
 * @param {Float32Array} src @param {Float32Array} dst @param {number} f @param {number} fp
 * @param {number} start @param {number} end
 */
function copyRowsIn(src, dst, f, fp, start, end) {
  if (f === fp) dst.set(src.subarray(start * f, end * f));
  else for (let r = start; r < end; r++) dst.set(src.subarray(r * f, (r + 1) * f), (r - start) * fp);
}

/**
 * The WebAssembly ALS kernels for one thread: the CSR rows it owns on each side are copied in once;
 * every half-iteration copies in the fixed factors and G, runs the conjugate-gradient update of the
 * owned rows and copies them back out.
 */
export class AlsWasm {
  /**
   * @param {number} f
   * @param {{ indptr: Int32Array, indices: Int32Array, data: Float32Array, nRows: number, nCols: number }} ui
   * @param {{ indptr: Int32Array, indices: Int32Array, data: Float32Array, nRows: number, nCols: number }} iu
   * @param {[number, number]} userRange rows of ui this thread updates
   * @param {[number, number]} itemRange rows of iu this thread updates
   */
  constructor(f, ui, iu, userRange, itemRange) {
    this.f = f;
    this.fp = padded(f);
    const m = (this.mem = new KernelMemory());
    const fp = this.fp;
    const sides = [
      { csr: ui, range: userRange, nFixed: ui.nCols },
      { csr: iu, range: itemRange, nFixed: iu.nCols },
    ];
    const maxRows = Math.max(userRange[1] - userRange[0], itemRange[1] - itemRange[0]);
    const maxFixed = Math.max(ui.nCols, iu.nCols);
    this.fixedOff = m.alloc(maxFixed * fp * 4);
    this.rowsOff = m.alloc(maxRows * fp * 4);
    this.gOff = m.alloc(fp * fp * 4);
    this.scratchOff = m.alloc(3 * fp * 4);
    this.sides = sides.map(({ csr, range: [s, e] }) => {
      const k0 = csr.indptr[s];
      const k1 = csr.indptr[e];
      const indptrOff = m.alloc((e - s + 1) * 4);
      const indicesOff = m.alloc((k1 - k0) * 4);
      const dataOff = m.alloc((k1 - k0) * 4);
      const ip = m.i32(indptrOff, e - s + 1);
      for (let r = s; r <= e; r++) ip[r - s] = csr.indptr[r] - k0;
      m.i32(indicesOff, k1 - k0).set(csr.indices.subarray(k0, k1));
      m.f32(dataOff, k1 - k0).set(csr.data.subarray(k0, k1));
      return { start: s, end: e, nFixed: csr.nCols, indptrOff, indicesOff, dataOff };
    });
  }

  /**
   * One half-iteration for this thread's rows: side 0 updates users (X) against items (Y), side 1
   * items against users. G32 is YᵀY + λI, fp×fp float32 (from gram()).
   * @param {0 | 1} side @param {Float32Array} out all rows of the side being updated (row-major, f)
   * @param {Float32Array} fixed all rows of the fixed side @param {Float32Array} G32
   * @param {number} alpha @param {number} cgSteps
   */
  update(side, out, fixed, G32, alpha, cgSteps) {
    const { f, fp, mem } = this;
    const s = this.sides[side];
    const n = s.end - s.start;
    if (n === 0) return;
    copyRowsIn(fixed, mem.f32(this.fixedOff, s.nFixed * fp), f, fp, 0, s.nFixed);
    copyRowsIn(out, mem.f32(this.rowsOff, n * fp), f, fp, s.start, s.end);
    mem.f32(this.gOff, fp * fp).set(G32);
    mem.k.cgUpdateRows(
      this.rowsOff,
      this.fixedOff,
      this.gOff,
      s.indptrOff,
      s.indicesOff,
      s.dataOff,
      fp,
      alpha,
      cgSteps,
      0,
      n,
      this.scratchOff,
    );
    const rows = mem.f32(this.rowsOff, n * fp);
    if (f === fp) out.set(rows, s.start * f);
    else for (let r = 0; r < n; r++) out.set(rows.subarray(r * fp, r * fp + f), (s.start + r) * f);
  }
}

/**
 * G = FᵀF + λI as an fp×fp float32 matrix (zero padded) for the ALS kernels.
 * @param {KernelMemory} mem @param {Float32Array} F row-major n×f @param {number} n @param {number} f
 * @param {number} lambda
 * @returns {Float32Array} a copy
 */
export function gramWasm(mem, F, n, f, lambda) {
  const fp = padded(f);
  mem.reset();
  const yOff = mem.alloc(n * fp * 4);
  const gOff = mem.alloc(fp * fp * 4);
  const accOff = mem.alloc(fp * fp * 8);
  const y = mem.f32(yOff, n * fp);
  if (f !== fp) y.fill(0);
  copyRowsIn(F, y, f, fp, 0, n);
  mem.k.gram(yOff, n, fp, f, lambda, gOff, accOff);
  return mem.f32(gOff, fp * fp).slice();
}

/**
 * In-place inverse of a symmetric positive definite n×n row-major float64 matrix (only the lower
 * triangle is read), in WebAssembly: Cholesky, triangular inverse, MᵀM (kernels' spdInverse).
 * Returns undefined, or the row whose pivot was not positive and that pivot (A is then garbage).
 * @param {Float64Array} A @param {number} n
 * @returns {{ row: number, pivot: number } | undefined}
 */
export function spdInverseWasm(A, n) {
  const np = padded(n);
  const mem = new KernelMemory();
  const aOff = mem.alloc(np * np * 8);
  const mOff = mem.alloc(np * np * 8);
  const tOff = mem.alloc(64);
  const W = mem.f64(aOff, np * np);
  for (let i = 0; i < n; i++) W.set(A.subarray(i * n, (i + 1) * n), i * np);
  for (let i = n; i < np; i++) W[i * np + i] = 1; // identity padding: inverse unchanged
  const bad = mem.k.spdInverse(aOff, mOff, np, tOff);
  if (bad >= 0) return { row: bad, pivot: mem.f64(tOff, 1)[0] };
  const P = mem.f64(aOff, np * np);
  for (let i = 0; i < n; i++) A.set(P.subarray(i * np, i * np + n), i * n);
  return undefined;
}

/**
 * Reusable WebAssembly solver for many small SPD systems (sparse EASE's per-item regressions):
 * write A (k×k, row-major) and b into the views from `system(k)`, then `solve(k)` leaves x in b.
 */
export class SmallSpdSolver {
  /** @param {number} maxK */
  constructor(maxK) {
    this.mem = new KernelMemory();
    this.aOff = this.mem.alloc(maxK * maxK * 8);
    this.bOff = this.mem.alloc(maxK * 8);
  }
  /** @param {number} k @returns {{ A: Float64Array, b: Float64Array }} */
  system(k) {
    return { A: this.mem.f64(this.aOff, k * k), b: this.mem.f64(this.bOff, k) };
  }
  /** Solves in place; returns false when A is not positive definite (A and b are then garbage). @param {number} k */
  solve(k) {
    return this.mem.k.choleskySolve(this.aOff, k, this.bOff) < 0;
  }
}

/**
 * Sparse EASE's per-item regressions in WebAssembly (kernels' sparseEaseSolve): G is the pruned
 * Gram matrix (rows by decreasing value), diag its diagonal. Returns per item the number of
 * neighbours k_j and their weights x (row j at j·K), or the item whose system stayed indefinite.
 * @param {{ indptr: Int32Array, indices: Int32Array, data: Float32Array, nRows: number }} G
 * @param {Float64Array} diag @param {number} K @param {number} lambda
 * @returns {{ counts: Int32Array, x: Float32Array, bad?: undefined } | { bad: number }}
 */
export function sparseEaseSolveWasm(G, diag, K, lambda) {
  const n = G.nRows;
  const nnz = G.indptr[n];
  const mem = new KernelMemory();
  const ip = mem.alloc((n + 1) * 4);
  const ix = mem.alloc(nnz * 4);
  const vs = mem.alloc(nnz * 4);
  const dg = mem.alloc(n * 8);
  const lc = mem.alloc(n * 4);
  const A = mem.alloc(K * K * 8);
  const b = mem.alloc(K * 8);
  const ok = mem.alloc(n * 4);
  const ox = mem.alloc(n * K * 4);
  mem.i32(ip, n + 1).set(G.indptr.subarray(0, n + 1));
  mem.i32(ix, nnz).set(G.indices.subarray(0, nnz));
  mem.f32(vs, nnz).set(G.data.subarray(0, nnz));
  mem.f64(dg, n).set(diag);
  mem.i32(lc, n).fill(-1);
  const bad = mem.k.sparseEaseSolve(n, K, lambda, ip, ix, vs, dg, lc, A, b, ok, ox);
  if (bad >= 0) return { bad };
  return { counts: mem.i32(ok, n).slice(), x: mem.f32(ox, n * K).slice() };
}
