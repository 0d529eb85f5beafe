import { NotPositiveDefiniteError } from './errors.ts';

/** Dot product of a[ao..ao+n) and b[bo..bo+n), 4-way unrolled (the one dot used by every scorer). */
export function dot(a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = 0;
  for (; k + 3 < n; k += 4) {
    s0 += a[ao + k]! * b[bo + k]!;
    s1 += a[ao + k + 1]! * b[bo + k + 1]!;
    s2 += a[ao + k + 2]! * b[bo + k + 2]!;
    s3 += a[ao + k + 3]! * b[bo + k + 3]!;
  }
  for (; k < n; k++) s0 += a[ao + k]! * b[bo + k]!;
  return s0 + s1 + (s2 + s3);
}

/**
 * Gram matrix G = YᵀY + λI (f×f, row-major, float64) of a row-major n×f factor matrix.
 * O(n·f²/2); only the upper triangle is accumulated, then mirrored.
 */
export function gram(Y: Float32Array, n: number, f: number, lambda = 0): Float64Array {
  const G = new Float64Array(f * f);
  for (let i = 0; i < n; i++) {
    const o = i * f;
    for (let a = 0; a < f; a++) {
      const ya = Y[o + a]!;
      if (ya === 0) continue;
      const ra = a * f;
      for (let b = a; b < f; b++) G[ra + b]! += ya * Y[o + b]!;
    }
  }
  for (let a = 0; a < f; a++) {
    G[a * f + a]! += lambda;
    for (let b = a + 1; b < f; b++) G[b * f + a] = G[a * f + b]!;
  }
  return G;
}

/**
 * In-place Cholesky A = LLᵀ of a symmetric positive definite n×n row-major matrix; on return the
 * lower triangle (incl. diagonal) holds L, the strict upper triangle is left untouched.
 * Row-oriented (both inner loops run along rows): L_ij = (A_ij − Σ_{k<j} L_ik L_jk) / L_jj.
 */
export function choleskyInPlace(A: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      const rj = j * n;
      let s = A[ri + j]!;
      for (let k = 0; k < j; k++) s -= A[ri + k]! * A[rj + k]!;
      if (i === j) {
        if (!(s > 0)) throw new NotPositiveDefiniteError(i, s);
        A[ri + i] = Math.sqrt(s);
      } else A[ri + j] = s / A[rj + j]!;
    }
  }
}

/** Solves LLᵀx = b in place in b, given the Cholesky factor L (lower triangle of A). */
export function choleskySolveInPlace(L: Float64Array, n: number, b: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    const ri = i * n;
    for (let k = 0; k < i; k++) s -= L[ri + k]! * b[k]!;
    b[i] = s / L[ri + i]!;
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let k = i + 1; k < n; k++) s -= L[k * n + i]! * b[k]!;
    b[i] = s / L[i * n + i]!;
  }
}

/** Solves the SPD system Ax = b (copies A; Cholesky). */
export function solveSpd(A: Float64Array, n: number, b: ArrayLike<number>): Float64Array {
  const L = Float64Array.from(A);
  choleskyInPlace(L, n);
  const x = Float64Array.from(b);
  choleskySolveInPlace(L, n, x);
  return x;
}

/**
 * In-place inverse of a symmetric positive definite n×n row-major matrix via Cholesky:
 *   A = LLᵀ, M = L⁻¹, A⁻¹ = MᵀM.
 * All three stages are row axpys (cache friendly), n³/6 multiply-adds each (n³/2 total).
 *  - M row i: M_i = (e_i − Σ_{k<i} L_ik M_k) / L_ii  (overwrites row i of L after copying it)
 *  - P = MᵀM = Σ_k M_kᵀ M_k, accumulated row by row: row k of M is consumed at step k and its
 *    storage then becomes row k of P.
 * On return the full symmetric inverse is in A.
 */
export function spdInverseInPlace(A: Float64Array, n: number): void {
  choleskyInPlace(A, n);
  const row = new Float64Array(n);
  // M = L⁻¹ (lower triangular), row by row.
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let k = 0; k <= i; k++) row[k] = A[ri + k]!;
    for (let k = 0; k <= i; k++) A[ri + k] = 0;
    for (let k = 0; k < i; k++) {
      const l = row[k]!;
      if (l === 0) continue;
      const rk = k * n;
      for (let j = 0; j <= k; j++) A[ri + j]! -= l * A[rk + j]!;
    }
    const inv = 1 / row[i]!;
    for (let j = 0; j < i; j++) A[ri + j]! *= inv;
    A[ri + i] = inv;
  }
  // P = MᵀM: P_ab = Σ_{k ≥ max(a,b)} M_ka M_kb, lower triangle.
  for (let k = 0; k < n; k++) {
    const rk = k * n;
    for (let a = 0; a < k; a++) {
      const m = A[rk + a]!;
      if (m === 0) continue;
      const ra = a * n;
      for (let b = 0; b <= a; b++) A[ra + b]! += m * A[rk + b]!;
    }
    const mkk = A[rk + k]!;
    for (let b = 0; b <= k; b++) A[rk + b]! *= mkk;
  }
  // Mirror lower → upper.
  for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) A[a * n + b] = A[b * n + a]!;
}
