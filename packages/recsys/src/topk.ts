import { IndexOutOfRangeError, DimensionMismatchError } from './errors.ts';
import { scanContext, stageQuery, TOPK_KERNEL_BLOCK, TOPK_KERNEL_MAX_FACTORS, type ScanContext } from './topk-wasm.ts';

/** A ranked list, best first. */
export interface TopK {
  items: Int32Array;
  scores: Float32Array;
}

/** Items to exclude: a Set, or any list of indices (sorted internally). */
export type Exclusion = Set<number> | ArrayLike<number> | undefined;

type Excluder = ((i: number) => boolean) | null;

function excluder(ex: Exclusion): Excluder {
  if (ex === undefined) return null;
  if (ex instanceof Set) return ex.size === 0 ? null : (i) => ex.has(i);
  if (ex.length === 0) return null;
  const s = Int32Array.from(ex).sort();
  return (i) => {
    let lo = 0;
    let hi = s.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = s[mid]!;
      if (v === i) return true;
      if (v < i) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  };
}

/**
 * Bounded min-heap of the k best (score, item) pairs; the root is the worst kept.
 * Order: higher score first, ties broken by lower item index (same as the reference sort).
 */
export class TopKHeap {
  readonly k: number;
  size = 0;
  private readonly s: Float64Array;
  private readonly it: Int32Array;
  constructor(k: number) {
    this.k = k;
    this.s = new Float64Array(Math.max(k, 1));
    this.it = new Int32Array(Math.max(k, 1));
  }
  /** Score a candidate must beat when full (−Infinity when not full). */
  get threshold(): number {
    return this.size < this.k ? -Infinity : this.s[0]!;
  }
  private worse(a: number, b: number): boolean {
    const sa = this.s[a]!;
    const sb = this.s[b]!;
    return sa < sb || (sa === sb && this.it[a]! > this.it[b]!);
  }
  /** Would (score, item) enter the heap? */
  accepts(score: number, item: number): boolean {
    if (this.k === 0 || score !== score) return false;
    if (this.size < this.k) return true;
    const r = this.s[0]!;
    return score > r || (score === r && item < this.it[0]!);
  }
  push(score: number, item: number): void {
    if (!this.accepts(score, item)) return;
    const s = this.s;
    const it = this.it;
    if (this.size < this.k) {
      let i = this.size++;
      s[i] = score;
      it[i] = item;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!this.worse(i, p)) break;
        this.swap(i, p);
        i = p;
      }
    } else {
      s[0] = score;
      it[0] = item;
      let i = 0;
      const n = this.size;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < n && this.worse(l, m)) m = l;
        if (r < n && this.worse(r, m)) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
  }
  private swap(a: number, b: number): void {
    const ts = this.s[a]!;
    this.s[a] = this.s[b]!;
    this.s[b] = ts;
    const ti = this.it[a]!;
    this.it[a] = this.it[b]!;
    this.it[b] = ti;
  }
  /** Best-first result. */
  result(): TopK {
    const n = this.size;
    const order = Array.from({ length: n }, (_, i) => i).sort(
      (a, b) => this.s[b]! - this.s[a]! || this.it[a]! - this.it[b]!,
    );
    const items = new Int32Array(n);
    const scores = new Float32Array(n);
    order.forEach((o, r) => {
      items[r] = this.it[o]!;
      scores[r] = this.s[o]!;
    });
    return { items, scores };
  }
}

/**
 * The dot product used by every factor scorer: 4 accumulators, s0 + s1 + (s2 + s3).
 * topKDot inlines exactly this arithmetic so its scores equal the reference's bit for bit.
 */
export function factorDot(q: Float32Array, Y: Float32Array, yo: number, f: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let a = 0;
  for (; a + 3 < f; a += 4) {
    s0 += q[a]! * Y[yo + a]!;
    s1 += q[a + 1]! * Y[yo + a + 1]!;
    s2 += q[a + 2]! * Y[yo + a + 2]!;
    s3 += q[a + 3]! * Y[yo + a + 3]!;
  }
  for (; a < f; a++) s0 += q[a]! * Y[yo + a]!;
  return s0 + s1 + (s2 + s3);
}

export interface TopKDotOptions {
  exclude?: Exclusion;
  /** Score only items [0, nItems) (default Y.length / f). */
  nItems?: number;
}

/**
 * Exact top-k of q·y_i over all items: one pass over the row-major item factors with a bounded
 * heap; exclusion is only checked for candidates that would enter the heap, so it costs
 * O(|heap entries|·log|exclude|), not a mask over the catalog. O(n·f + n_accepted·log k).
 *
 * When Y lives in WebAssembly memory (topKFloat32Array / toTopKMemory; AlsModel puts its item
 * factors there) a SIMD float32 prefilter skips the rows that provably cannot enter the heap and
 * only the rest are scored with factorDot, so the result (items, order, scores) is identical to
 * the JavaScript loop below, which is used for every other array.
 */
export function topKDot(q: Float32Array, Y: Float32Array, f: number, k: number, options: TopKDotOptions = {}): TopK {
  if (q.length !== f) throw new DimensionMismatchError(`query has ${q.length} factors, expected ${f}`);
  const n = options.nItems ?? Math.floor(Y.length / f);
  const heap = new TopKHeap(Math.min(k, n));
  const isEx = excluder(options.exclude);
  const ctx = f > 0 && f <= TOPK_KERNEL_MAX_FACTORS && n * f <= Y.length ? scanContext(Y) : undefined;
  if (ctx !== undefined && heap.k > 0) return topKDotKernel(ctx, q, Y, f, n, heap, isEx);
  let thr = heap.threshold;
  for (let i = 0, yo = 0; i < n; i++, yo += f) {
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let a = 0;
    for (; a + 3 < f; a += 4) {
      s0 += q[a]! * Y[yo + a]!;
      s1 += q[a + 1]! * Y[yo + a + 1]!;
      s2 += q[a + 2]! * Y[yo + a + 2]!;
      s3 += q[a + 3]! * Y[yo + a + 3]!;
    }
    for (; a < f; a++) s0 += q[a]! * Y[yo + a]!;
    const s = s0 + s1 + (s2 + s3);
    if (s < thr) continue;
    if (!heap.accepts(s, i)) continue;
    if (isEx !== null && isEx(i)) continue;
    heap.push(s, i);
    thr = heap.threshold;
  }
  return heap.result();
}

/**
 * topKDot over kernel memory: the kernel emits, block by block, the rows whose float32 score plus
 * its error bound reaches the heap's threshold at the start of the block; each is rescored with
 * factorDot and goes through exactly the reference's checks. A skipped row has reference score
 * < that threshold ≤ the reference's threshold when it reaches the row, so the reference skips it
 * too: the heap sees the same pushes in the same order.
 */
function topKDotKernel(
  ctx: ScanContext,
  q: Float32Array,
  Y: Float32Array,
  f: number,
  n: number,
  heap: TopKHeap,
  isEx: Excluder,
): TopK {
  const { c, e, d } = stageQuery(ctx, q, f);
  const yOff = Y.byteOffset;
  const outBase = ctx.outOff >> 2;
  const i32 = ctx.i32;
  let thr = heap.threshold;
  // Blocks start short and double: the threshold tightens early, so few rows are rescored.
  let block = Math.min(TOPK_KERNEL_BLOCK, Math.max(256, 2 * heap.k));
  for (let i0 = 0, i1 = 0; i0 < n; i0 = i1, block = Math.min(TOPK_KERNEL_BLOCK, 2 * block)) {
    i1 = Math.min(n, i0 + block);
    const m = ctx.scan(ctx.qOff, yOff, f, i0, i1, thr, c, e, d, ctx.outOff);
    for (let j = 0; j < m; j++) {
      const i = i32[outBase + j]!;
      const s = factorDot(q, Y, i * f, f);
      if (s < thr) continue;
      if (!heap.accepts(s, i)) continue;
      if (isEx !== null && isEx(i)) continue;
      heap.push(s, i);
      thr = heap.threshold;
    }
  }
  return heap.result();
}

/**
 * Batch top-k for many queries (rows of Q, nq × f): items are visited in blocks of `blockSize`
 * so a block of item factors stays in cache while every query scores it.
 */
export function topKDotBatch(
  Q: Float32Array,
  nq: number,
  Y: Float32Array,
  f: number,
  k: number,
  options: { exclude?: Exclusion[]; blockSize?: number; nItems?: number } = {},
): TopK[] {
  const n = options.nItems ?? Math.floor(Y.length / f);
  const block = options.blockSize ?? 2048;
  const heaps = Array.from({ length: nq }, () => new TopKHeap(Math.min(k, n)));
  const exs = Array.from({ length: nq }, (_, u) => excluder(options.exclude?.[u]));
  const q = new Float32Array(f);
  for (let b0 = 0; b0 < n; b0 += block) {
    const b1 = Math.min(n, b0 + block);
    for (let u = 0; u < nq; u++) {
      q.set(Q.subarray(u * f, u * f + f));
      const heap = heaps[u]!;
      const isEx = exs[u]!;
      for (let i = b0; i < b1; i++) {
        const s = factorDot(q, Y, i * f, f);
        if (!heap.accepts(s, i)) continue;
        if (isEx !== null && isEx(i)) continue;
        heap.push(s, i);
      }
    }
  }
  return heaps.map((h) => h.result());
}

/** Top-k of a dense score vector (EASE, popularity), with exclusion. */
export function topKScores(scores: ArrayLike<number>, k: number, exclude?: Exclusion): TopK {
  const n = scores.length;
  const heap = new TopKHeap(Math.min(k, n));
  const isEx = excluder(exclude);
  for (let i = 0; i < n; i++) {
    const s = scores[i]!;
    if (!heap.accepts(s, i)) continue;
    if (isEx !== null && isEx(i)) continue;
    heap.push(s, i);
  }
  return heap.result();
}

/** Reference: score everything, full sort (score desc, index asc), drop excluded, take k. O(n log n). */
export function topKBySort(scores: ArrayLike<number>, k: number, exclude?: Exclusion): TopK {
  const ex =
    exclude === undefined ? new Set<number>() : exclude instanceof Set ? exclude : new Set(Array.from(exclude));
  const idx: number[] = [];
  for (let i = 0; i < scores.length; i++) if (!ex.has(i) && scores[i] === scores[i]) idx.push(i);
  idx.sort((a, b) => scores[b]! - scores[a]! || a - b);
  const top = idx.slice(0, k);
  return { items: Int32Array.from(top), scores: Float32Array.from(top.map((i) => scores[i]!)) };
}

/** Reference scorer for topKDot: all scores via factorDot. */
export function allDotScores(q: Float32Array, Y: Float32Array, f: number): Float64Array {
  const n = Math.floor(Y.length / f);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = factorDot(q, Y, i * f, f);
  return out;
}

export function checkIndex(kind: string, i: number, n: number): void {
  if (!(Number.isInteger(i) && i >= 0 && i < n)) throw new IndexOutOfRangeError(kind, i, n);
}
