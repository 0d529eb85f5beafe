import { describe, expect, it } from 'vitest';
import { Rng } from '../src/rng.ts';
import { allDotScores, topKBySort, topKDot, topKDotBatch, topKScores, TopKHeap } from '../src/topk.ts';

function randomFactors(n: number, f: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n * f }, () => rng.normal());
}

describe('top-k', () => {
  it('blocked heap top-k equals the full sort, with and without exclusions', () => {
    for (const [n, f, k, seed] of [
      [1000, 16, 10, 1],
      [5000, 64, 50, 2],
      [37, 7, 40, 3],
    ] as const) {
      const Y = randomFactors(n, f, seed);
      const q = randomFactors(1, f, seed + 100);
      const ref = topKBySort(allDotScores(q, Y, f), k);
      const fast = topKDot(q, Y, f, k);
      expect(Array.from(fast.items)).toEqual(Array.from(ref.items));
      expect(Array.from(fast.scores)).toEqual(Array.from(ref.scores));
      const exclude = Array.from(ref.items.subarray(0, 5)).concat([0, 1, 2]);
      const refEx = topKBySort(allDotScores(q, Y, f), k, exclude);
      expect(Array.from(topKDot(q, Y, f, k, { exclude }).items)).toEqual(Array.from(refEx.items));
      expect(Array.from(topKDot(q, Y, f, k, { exclude: new Set(exclude) }).items)).toEqual(Array.from(refEx.items));
    }
  });

  it('ties break by lower item index, like the reference', () => {
    const scores = [1, 3, 3, 2, 3, 0];
    expect(Array.from(topKScores(scores, 3).items)).toEqual([1, 2, 4]);
    expect(Array.from(topKBySort(scores, 3).items)).toEqual([1, 2, 4]);
    const h = new TopKHeap(0);
    h.push(1, 1);
    expect(h.result().items.length).toBe(0);
  });

  it('batch equals single-query results', () => {
    const f = 12;
    const Y = randomFactors(3000, f, 9);
    const Q = randomFactors(7, f, 10);
    const exclude = Array.from({ length: 7 }, (_, u) => [u, u * 10]);
    const batch = topKDotBatch(Q, 7, Y, f, 20, { exclude, blockSize: 256 });
    for (let u = 0; u < 7; u++) {
      const single = topKDot(Q.slice(u * f, u * f + f), Y, f, 20, { exclude: exclude[u] });
      expect(Array.from(batch[u]!.items)).toEqual(Array.from(single.items));
    }
  });
});
