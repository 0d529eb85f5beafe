import { describe, expect, it } from 'vitest';
import { AlsModel } from '../src/als.ts';
import { Rng } from '../src/rng.ts';
import { allDotScores, topKBySort, topKDot, type Exclusion, type TopK } from '../src/topk.ts';
import {
  inTopKMemory,
  itemFactorStorage,
  toTopKMemory,
  topKFloat32Array,
  topKKernelAvailable,
  TOPK_KERNEL_BLOCK,
} from '../src/topk-wasm.ts';

function normals(len: number, rng: Rng, scale = 1): Float32Array {
  return Float32Array.from({ length: len }, () => rng.normal() * scale);
}

const plain = (t: TopK) => ({ items: Array.from(t.items), scores: Array.from(t.scores) });

/** The reference (score everything with factorDot, full sort) — the old kernel is the JS path of topKDot. */
function reference(q: Float32Array, Y: Float32Array, f: number, k: number, exclude?: Exclusion, nItems?: number) {
  const scores = allDotScores(q, Y.subarray(0, (nItems ?? Math.floor(Y.length / f)) * f), f);
  return plain(topKBySort(scores, k, exclude));
}

/** Kernel path, JS path and the reference all agree exactly (items, order, float32 scores). */
function expectSame(q: Float32Array, Y: Float32Array, f: number, k: number, exclude?: Exclusion, nItems?: number) {
  const W = toTopKMemory(Y);
  expect(inTopKMemory(W)).toBe(true);
  const fast = plain(topKDot(q, W, f, k, { exclude, nItems }));
  const js = plain(topKDot(q, Y, f, k, { exclude, nItems }));
  expect(fast).toEqual(js);
  expect(fast).toEqual(reference(q, Y, f, k, exclude, nItems));
}

describe('top-k SIMD kernel (WebAssembly)', () => {
  it('is available in Node', () => {
    expect(topKKernelAvailable()).toBe(true);
  });

  it('equals the reference on random data: odd factor counts, partial row groups, k > n', () => {
    const rng = new Rng(11);
    for (const [n, f] of [
      [1, 1],
      [3, 3],
      [5, 4],
      [7, 7],
      [257, 16],
      [1001, 5],
      [4099, 64],
      [2050, 65],
      [300, 130],
    ] as const) {
      const Y = normals(n * f, rng);
      const q = normals(f, rng);
      for (const k of [1, 10, 100, n, n + 5]) expectSame(q, Y, f, k);
    }
  });

  it('equals the reference across block boundaries with exclusions (sorted list and Set) and nItems', () => {
    const rng = new Rng(12);
    const f = 32;
    const n = 2 * TOPK_KERNEL_BLOCK + 777;
    const Y = normals(n * f, rng);
    for (let t = 0; t < 3; t++) {
      const q = normals(f, rng);
      const top = reference(q, Y, f, 50);
      const exclude = top.items.slice(0, 20).concat([0, 1, 2, n - 1, TOPK_KERNEL_BLOCK]);
      for (const k of [10, 100, 1000]) {
        expectSame(q, Y, f, k, exclude);
        expectSame(q, Y, f, k, new Set(exclude));
        expectSame(q, Y, f, k, exclude, n - 1234);
      }
    }
    // Excluding everything leaves nothing.
    const all = Array.from({ length: 300 }, (_, i) => i);
    expectSame(normals(f, rng), Y.subarray(0, 300 * f), f, 10, all);
  });

  it('breaks ties by lower index, like the reference (many equal scores, duplicate rows)', () => {
    const rng = new Rng(13);
    const f = 8;
    const n = 20_000;
    // Small integers: exact products and sums, so ties are exact and plentiful.
    const Y = Float32Array.from({ length: n * f }, () => rng.int(5) - 2);
    for (let i = 0; i < n; i += 97) Y.copyWithin(i * f, 0, f); // row 0 repeated throughout
    const q = Float32Array.from({ length: f }, () => rng.int(3) - 1);
    for (const k of [1, 10, 100, 500]) {
      expectSame(q, Y, f, k);
      expectSame(q, Y, f, k, [0, 97, 194]);
    }
    // Zero query: every score is 0, the result is the first k indices.
    const zero = new Float32Array(f);
    expect(Array.from(topKDot(zero, toTopKMemory(Y), f, 5).items)).toEqual([0, 1, 2, 3, 4]);
    expectSame(zero, Y, f, 100, new Set([1, 3]));
  });

  it('stays exact where float32 rounding reorders items (cancellation)', () => {
    // Lanes 0 and 1 add ±1e8 to an O(1) term: float32 keeps multiples of 8, float64 keeps the rest, so
    // a float32-only top-k would return a different list. The bound makes the kernel rescore them.
    const rng = new Rng(16);
    const f = 8;
    const n = 20_000;
    const Y = new Float32Array(n * f);
    for (let i = 0; i < n; i++) {
      Y.set([1e8, -1e8, 0, 0], i * f);
      for (let a = 4; a < f; a++) Y[i * f + a] = rng.normal();
    }
    const q = new Float32Array(f).fill(1);
    for (const k of [1, 10, 100]) expectSame(q, Y, f, k);
  });

  it('stays exact at extreme magnitudes (float32 underflow and overflow inside the prefilter)', () => {
    const rng = new Rng(14);
    const f = 64;
    for (const scale of [1e-25, 1e-20, 1e-3, 1e3, 1e17, 1e19]) {
      const Y = normals(3000 * f, rng, scale);
      const q = normals(f, rng, scale);
      expectSame(q, Y, f, 10);
      expectSame(q, Y, f, 100, [5, 6, 7]);
    }
  });

  it('reads the live array (writes after placement are seen) and works on subarray views', () => {
    const rng = new Rng(15);
    const f = 16;
    const n = 5000;
    const W = topKFloat32Array(n * f);
    W.set(normals(n * f, rng));
    const q = normals(f, rng);
    const before = topKDot(q, W, f, 3);
    // Make item 4321 the clear winner in place.
    for (let a = 0; a < f; a++) W[4321 * f + a] = q[a]! * 100;
    expect(topKDot(q, W, f, 1).items[0]).toBe(4321);
    expect(before.items[0]).not.toBe(4321);
    const view = W.subarray(1000 * f, 4000 * f);
    expect(inTopKMemory(view)).toBe(true);
    expect(plain(topKDot(q, view, f, 20))).toEqual(reference(q, Float32Array.from(view), f, 20));
  });

  it('places only large factor matrices in kernel memory', () => {
    expect(inTopKMemory(itemFactorStorage(new Float32Array(100)))).toBe(false);
    expect(inTopKMemory(itemFactorStorage(new Float32Array(1 << 16)))).toBe(true);
    expect(inTopKMemory(new Float32Array(1 << 16))).toBe(false);
  });

  it('a loaded ALS model keeps large item factors in kernel memory and recommends the same items', () => {
    const rng = new Rng(17);
    const f = 64;
    const src = new AlsModel({ factors: f });
    src.nUsers = 3;
    src.nItems = 2000;
    src.userFactors = normals(3 * f, rng);
    src.itemFactors = normals(2000 * f, rng);
    const m = AlsModel.load(src.save());
    expect(inTopKMemory(m.itemFactors)).toBe(true);
    expect(inTopKMemory(src.itemFactors)).toBe(false);
    for (let u = 0; u < 3; u++)
      expect(plain(m.recommendVector(m.userVector(u), 20, [1, 2, 3]))).toEqual(
        plain(src.recommendVector(src.userVector(u), 20, [1, 2, 3])),
      );
  });

  it('k = 0 and empty catalogs', () => {
    const W = toTopKMemory(new Float32Array(64));
    expect(topKDot(new Float32Array(4), W, 4, 0).items.length).toBe(0);
    expect(topKDot(new Float32Array(4), W, 4, 5, { nItems: 0 }).items.length).toBe(0);
  });
});
