import { describe, expect, it } from 'vitest';
import { EaseModel, referenceEase } from '../src/ease.ts';
import { csrFromTriplets } from '../src/csr.ts';
import { CatalogTooLargeError } from '../src/errors.ts';
import { spdInverseInPlace, solveSpd } from '../src/linalg.ts';
import { loadModel } from '../src/persist.ts';
import { smallProblem } from './helpers.ts';

describe('EASE', () => {
  it('hand-computed 2-item case', async () => {
    // users: {0,1}, {0}, {1} → XᵀX = [[2,1],[1,2]]; λ = 1 → P = [[3,1],[1,3]]⁻¹ = ⅛[[3,−1],[−1,3]]
    // B_01 = −P_01/P_11 = (1/8)/(3/8) = 1/3, B_10 = 1/3, diag 0.
    const X = csrFromTriplets(3, 2, [0, 0, 1, 2], [0, 1, 0, 1], [1, 1, 1, 1]);
    const m = new EaseModel({ regularization: 1 });
    await m.fit(X);
    expect(Array.from(m.B).map((v) => +v.toFixed(6))).toEqual([0, 0.333333, 0.333333, 0]);
    // user 1 has item 0 → score of item 1 = B_01 = 1/3
    const r = m.recommend(1, X, 5);
    expect(Array.from(r.items)).toEqual([1]);
    expect(r.scores[0]!).toBeCloseTo(1 / 3, 6);
  });

  it('Cholesky-based fit equals the Gauss-Jordan reference on a random problem', async () => {
    const { userItems } = smallProblem(60, 25, 400, 3);
    const m = new EaseModel({ regularization: 5 });
    await m.fit(userItems);
    const ref = referenceEase(userItems, 5);
    for (let k = 0; k < ref.length; k++) expect(m.B[k]!).toBeCloseTo(ref[k]!, 5);
    const back = loadModel(m.save()) as EaseModel;
    expect(back.B).toEqual(m.B);
    expect(Array.from(back.similarItems(3, 4).items)).toEqual(Array.from(m.similarItems(3, 4).items));
  });

  it('topItems restricts the fitted catalog; refuses catalogs above maxItems', async () => {
    const { userItems } = smallProblem(60, 25, 400, 3);
    const m = new EaseModel({ regularization: 5, topItems: 10 });
    await m.fit(userItems);
    expect(m.nFitted).toBe(10);
    const r = m.recommend(0, userItems, 25);
    for (const i of r.items) expect(Array.from(m.itemIds)).toContain(i);
    await expect(new EaseModel({ maxItems: 20 }).fit(userItems)).rejects.toThrow(CatalogTooLargeError);
  });

  it('SPD inverse times A is the identity', () => {
    const n = 7;
    const A = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) A[i * n + j] = 1 / (1 + Math.abs(i - j)) + (i === j ? n : 0);
    const inv = Float64Array.from(A);
    spdInverseInPlace(inv, n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += A[i * n + k]! * inv[k * n + j]!;
        expect(s).toBeCloseTo(i === j ? 1 : 0, 10);
      }
    const x = solveSpd(A, n, [1, 2, 3, 4, 5, 6, 7]);
    let r0 = 0;
    for (let k = 0; k < n; k++) r0 += A[k]! * x[k]!;
    expect(r0).toBeCloseTo(1, 10);
  });
});
