import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AlsModel } from '../src/als.ts';
import { gram, spdInverseInPlace } from '../src/linalg.ts';
import { Rng } from '../src/rng.ts';
import { KernelMemory, gramWasm, padded, spdInverseWasm } from '../src/train-wasm.js';
import { trainKernelsSha256, trainKernelsWasm } from '../src/kernels/train-kernels.wasm.js';
import { buildTrainKernels } from '../scripts/build-wasm.ts';
import { smallProblem } from './helpers.ts';

const maxAbs = (a: ArrayLike<number>) => Array.from(a).reduce((m, v) => Math.max(m, Math.abs(v)), 0);

/** A random SPD matrix XᵀX + λI (n×n) from k random rows. */
function spd(n: number, k: number, lambda: number, rng: Rng): Float64Array {
  const X = Float64Array.from({ length: k * n }, () => (rng.next() < 0.3 ? 1 : 0));
  const A = new Float64Array(n * n);
  for (let r = 0; r < k; r++)
    for (let i = 0; i < n; i++) {
      const xi = X[r * n + i]!;
      if (xi) for (let j = 0; j < n; j++) A[i * n + j]! += xi * X[r * n + j]!;
    }
  for (let i = 0; i < n; i++) A[i * n + i]! += lambda;
  return A;
}

describe('WebAssembly training kernels', () => {
  it('the checked-in module is what assembly/train-kernels.ts builds to (and its checksum)', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'train-kernels-'));
    try {
      const built = buildTrainKernels(tmp);
      const committed = Buffer.from(trainKernelsWasm, 'base64');
      expect(createHash('sha256').update(committed).digest('hex')).toBe(trainKernelsSha256);
      expect(createHash('sha256').update(built).digest('hex')).toBe(trainKernelsSha256);
      expect(readFileSync(new URL('../src/kernels/train-kernels.wasm.js', import.meta.url), 'utf8')).toContain(
        trainKernelsSha256,
      );
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }, 60_000);

  it('gram: YᵀY + λI equals the float64 reference (also for f not a multiple of 4, and > 256 rows)', () => {
    const rng = new Rng(5);
    const mem = new KernelMemory();
    for (const [n, f] of [
      [1, 4],
      [7, 13],
      [600, 64],
      [300, 10],
    ] as const) {
      const Y = Float32Array.from({ length: n * f }, () => rng.normal());
      const ref = gram(Y, n, f, 0.5);
      const fp = padded(f);
      const G = gramWasm(mem, Y, n, f, 0.5);
      const scale = maxAbs(ref);
      for (let a = 0; a < fp; a++)
        for (let b = 0; b < fp; b++) {
          const want = a < f && b < f ? ref[a * f + b]! : 0;
          expect(Math.abs(G[a * fp + b]! - want)).toBeLessThan(1e-5 * scale);
          expect(G[a * fp + b]).toBe(G[b * fp + a]); // exactly symmetric
        }
    }
  });

  it('SPD inverse equals the readable Cholesky reference for every size class; reports a non-positive pivot', () => {
    const rng = new Rng(9);
    for (const n of [1, 2, 3, 4, 5, 8, 13, 150]) {
      const A = spd(n, 2 * n + 3, 2, rng);
      const ref = A.slice();
      spdInverseInPlace(ref, n);
      const got = A.slice();
      expect(spdInverseWasm(got, n)).toBeUndefined();
      const scale = maxAbs(ref);
      for (let k = 0; k < n * n; k++) expect(Math.abs(got[k]! - ref[k]!)).toBeLessThan(1e-12 * scale);
    }
    const bad = spd(9, 30, 1, rng);
    bad[5 * 9 + 5] = -1;
    expect(spdInverseWasm(bad, 9)).toMatchObject({ row: 5 });
  });

  it('ALS: the WebAssembly CG update follows the float64 JavaScript reference', async () => {
    const { userItems } = smallProblem(60, 45, 700, 21);
    for (const factors of [8, 13]) {
      const o = { factors, regularization: 0.1, alpha: 2, seed: 4, threads: 1 };
      // One sweep from the same start: float32 vs float64 arithmetic only (CG amplifies rounding a little).
      const a = new AlsModel({ ...o, iterations: 1, kernel: 'wasm' });
      const b = new AlsModel({ ...o, iterations: 1, kernel: 'js' });
      await Promise.all([a.fit(userItems), b.fit(userItems)]);
      const scale = maxAbs(b.itemFactors);
      for (let k = 0; k < a.itemFactors.length; k++)
        expect(Math.abs(a.itemFactors[k]! - b.itemFactors[k]!)).toBeLessThan(1e-3 * scale);
      // Converged: the same training loss.
      const c = new AlsModel({ ...o, iterations: 10, kernel: 'wasm', calculateTrainingLoss: true });
      const d = new AlsModel({ ...o, iterations: 10, kernel: 'js', calculateTrainingLoss: true });
      await Promise.all([c.fit(userItems), d.fit(userItems)]);
      expect(Math.abs(c.losses.at(-1)! - d.losses.at(-1)!)).toBeLessThan(1e-3 * d.losses.at(-1)!);
    }
  });

  it('ALS with the WebAssembly kernels is bit-identical for 1, 2 and 3 threads (padded factors too)', async () => {
    const { userItems } = smallProblem(80, 50, 900, 2);
    const fits = await Promise.all(
      [1, 2, 3].map(async (threads) => {
        const m = new AlsModel({ factors: 10, regularization: 0.1, alpha: 2, iterations: 4, seed: 8, threads });
        await m.fit(userItems);
        return m;
      }),
    );
    for (const m of fits.slice(1)) {
      expect(m.userFactors).toEqual(fits[0]!.userFactors);
      expect(m.itemFactors).toEqual(fits[0]!.itemFactors);
    }
  });
});
