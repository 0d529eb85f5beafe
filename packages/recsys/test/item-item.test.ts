import { describe, expect, it } from 'vitest';
import { csrFromTriplets, type CsrMatrix } from '../src/csr.ts';
import { EaseModel } from '../src/ease.ts';
import { EmptyInputError, NotFittedError } from '../src/errors.ts';
import { selectTop } from '../src/item-item.ts';
import { loadModel } from '../src/persist.ts';
import { Rng } from '../src/rng.ts';
import { Rp3betaModel } from '../src/rp3beta.ts';
import { SparseEaseModel } from '../src/sparse-ease.ts';
import { smallProblem } from './helpers.ts';

/** Users × items with every item pair co-occurring (user 0 has everything), random weights. */
function denseCooccurrence(nUsers: number, nItems: number, seed: number): CsrMatrix {
  const rng = new Rng(seed);
  const r: number[] = [];
  const c: number[] = [];
  const v: number[] = [];
  for (let u = 0; u < nUsers; u++)
    for (let i = 0; i < nItems; i++)
      if (u === 0 || rng.next() < 0.4) {
        r.push(u);
        c.push(i);
        v.push(1 + rng.int(4));
      }
  return csrFromTriplets(nUsers, nItems, r, c, v);
}

/** Dense W entry (row i → column j) of the sparse model, 0 when not kept. */
function wAt(W: CsrMatrix, i: number, j: number): number {
  for (let k = W.indptr[i]!; k < W.indptr[i + 1]!; k++) if (W.indices[k] === j) return W.data[k]!;
  return 0;
}

describe('sparse item-item models', () => {
  it('sparse EASE with every item as neighbour equals dense EASE', async () => {
    const X = denseCooccurrence(80, 14, 3);
    const n = X.nCols;
    const dense = new EaseModel({ regularization: 5 });
    const sparse = new SparseEaseModel({ regularization: 5, neighbours: n - 1, gramNeighbours: n - 1 });
    await Promise.all([dense.fit(X), sparse.fit(X)]);
    let scale = 0;
    for (const v of dense.B) scale = Math.max(scale, Math.abs(v));
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++)
        expect(Math.abs(wAt(sparse.W, i, j) - dense.B[i * n + j]!)).toBeLessThan(1e-5 * scale);
  });

  it('sparse EASE keeps at most K weights per item, on its strongest co-occurrences', async () => {
    const { userItems } = smallProblem(120, 60, 1500, 5);
    const m = new SparseEaseModel({ regularization: 10, neighbours: 5, gramNeighbours: 12 });
    await m.fit(userItems);
    // Per target column j: at most K sources.
    const perTarget = new Int32Array(m.nItems);
    for (const j of m.W.indices) perTarget[j]!++;
    expect(Math.max(...perTarget)).toBeLessThanOrEqual(5);
    expect(m.W.indices.length).toBeGreaterThan(0);
    const top = m.recommend(3, userItems, 10);
    const seen = new Set(userItems.indices.subarray(userItems.indptr[3]!, userItems.indptr[4]!));
    for (const i of top.items) expect(seen.has(i)).toBe(false);
  });

  it('sparse EASE: the WebAssembly per-item solves give exactly the JavaScript reference weights', async () => {
    const { userItems } = smallProblem(150, 80, 2500, 13);
    for (const o of [
      { regularization: 3, neighbours: 6, gramNeighbours: 9 },
      { regularization: 20, neighbours: 30, gramNeighbours: 60 },
    ]) {
      const wasm = new SparseEaseModel({ ...o, kernel: 'wasm' });
      const js = new SparseEaseModel({ ...o, kernel: 'js' });
      await Promise.all([wasm.fit(userItems), js.fit(userItems)]);
      expect(wasm.W.indptr).toEqual(js.W.indptr);
      expect(wasm.W.indices).toEqual(js.W.indices);
      expect(wasm.W.data).toEqual(js.W.data);
    }
  });

  it('RP3beta equals the literal random-walk formula (no pruning) and prunes to the top neighbours', async () => {
    const { userItems: X } = smallProblem(50, 20, 400, 9);
    const n = X.nCols;
    const o = { alpha: 0.7, beta: 0.4, binarize: false };
    const full = new Rp3betaModel({ ...o, neighbours: n });
    await full.fit(X);
    // Literal: W_ij = Σ_u (x_ui/deg_i)^α (x_uj/deg_u)^α / deg_j^β, weighted degrees.
    const dense = new Float64Array(X.nRows * n);
    for (let u = 0; u < X.nRows; u++)
      for (let k = X.indptr[u]!; k < X.indptr[u + 1]!; k++) dense[u * n + X.indices[k]!] = X.data[k]!;
    const degU = Array.from({ length: X.nRows }, (_, u) =>
      dense.subarray(u * n, (u + 1) * n).reduce((a, b) => a + b, 0),
    );
    const degI = Array.from({ length: n }, (_, i) => degU.reduce((a, _d, u) => a + dense[u * n + i]!, 0));
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let w = 0;
        if (i !== j)
          for (let u = 0; u < X.nRows; u++) {
            const a = dense[u * n + i]!;
            const b = dense[u * n + j]!;
            if (a > 0 && b > 0) w += (a / degI[i]!) ** o.alpha * (b / degU[u]!) ** o.alpha;
          }
        if (degI[j]! > 0) w /= degI[j]! ** o.beta;
        expect(wAt(full.W, i, j)).toBeCloseTo(w, 6);
      }
    const pruned = new Rp3betaModel({ ...o, neighbours: 3 });
    await pruned.fit(X);
    for (let i = 0; i < n; i++) {
      const row = Array.from({ length: n }, (_, j) => wAt(full.W, i, j)).sort((a, b) => b - a);
      const kept = pruned.W.data.subarray(pruned.W.indptr[i]!, pruned.W.indptr[i + 1]!);
      expect(kept.length).toBeLessThanOrEqual(3);
      for (const v of kept) expect(v).toBeGreaterThanOrEqual(row[Math.min(2, row.length - 1)]! * (1 - 1e-6));
    }
    expect(pruned.similarItems(0, 2).items.length).toBeLessThanOrEqual(2);
  });

  it('selectTop keeps the m largest, ties by lower index, in decreasing order', () => {
    const rng = new Rng(4);
    for (let trial = 0; trial < 50; trial++) {
      const n = 1 + rng.int(40);
      const acc = Float64Array.from({ length: n }, () => rng.int(6));
      const touched = Int32Array.from({ length: n }, (_, i) => i).sort(() => rng.next() - 0.5);
      const m = 1 + rng.int(10);
      const out = new Int32Array(n);
      const kept = selectTop(touched, n, acc, m, 0, out, new Float64Array(n));
      const want = Array.from({ length: n }, (_, i) => i)
        .filter((i) => i !== 0 && acc[i]! > 0)
        .sort((a, b) => acc[b]! - acc[a]! || a - b)
        .slice(0, m);
      expect(Array.from(out.subarray(0, kept))).toEqual(want);
    }
  });

  it('artifacts round-trip through loadModel; clear errors before fit and on empty input', async () => {
    const { userItems } = smallProblem(60, 30, 500, 1);
    for (const m of [new SparseEaseModel({ neighbours: 8, gramNeighbours: 16 }), new Rp3betaModel({ neighbours: 8 })]) {
      expect(() => m.recommend(0, userItems, 5)).toThrow(NotFittedError);
      await m.fit(userItems);
      const back = loadModel(m.save());
      expect(back.kind).toBe(m.kind);
      expect(back.recommend(2, userItems, 5)).toEqual(m.recommend(2, userItems, 5));
      expect(back.similarItems(1, 4)).toEqual(m.similarItems(1, 4));
    }
    const empty = csrFromTriplets(3, 4, [], [], []);
    await expect(new Rp3betaModel().fit(empty)).rejects.toThrow(EmptyInputError);
    await expect(new SparseEaseModel().fit(empty)).rejects.toThrow(EmptyInputError);
  });
});
