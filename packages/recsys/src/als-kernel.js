// @ts-check
// The ALS inner loops, in plain JavaScript so the exact same code runs on the main thread
// (threads = 1) and inside worker_threads without a TypeScript loader. Same code ⇒ same
// floating-point operations ⇒ factors identical regardless of thread count.

/**
 * out = M v for a row-major f×f matrix (4 accumulators per row).
 * @param {Float64Array} M @param {Float64Array} v @param {Float64Array} out @param {number} f
 */
function matvec(M, v, out, f) {
  for (let a = 0; a < f; a++) {
    const o = a * f;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let b = 0;
    for (; b + 3 < f; b += 4) {
      s0 += M[o + b] * v[b];
      s1 += M[o + b + 1] * v[b + 1];
      s2 += M[o + b + 2] * v[b + 2];
      s3 += M[o + b + 3] * v[b + 3];
    }
    for (; b < f; b++) s0 += M[o + b] * v[b];
    out[a] = s0 + s1 + (s2 + s3);
  }
}

/**
 * Y[yo .. yo+f) · v (4 accumulators).
 * @param {Float32Array} Y @param {number} yo @param {Float64Array} v @param {number} f
 */
function dotAt(Y, yo, v, f) {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let a = 0;
  for (; a + 3 < f; a += 4) {
    s0 += Y[yo + a] * v[a];
    s1 += Y[yo + a + 1] * v[a + 1];
    s2 += Y[yo + a + 2] * v[a + 2];
    s3 += Y[yo + a + 3] * v[a + 3];
  }
  for (; a < f; a++) s0 += Y[yo + a] * v[a];
  return s0 + s1 + (s2 + s3);
}

/**
 * Conjugate-gradient update of rows [start, end) of X against fixed Y (Takács, Pilászy, Tikk:
 * "Applications of the conjugate gradient method for implicit feedback collaborative filtering",
 * RecSys 2011; the same loop as implicit's `_als.least_squares_cg`).
 *
 * For row u with confidences c_ui = 1 + α·w_ui (Hu, Koren, Volinsky 2008) the exact update is
 *   x_u = (YᵀC_uY + λI)⁻¹ YᵀC_u p_u
 * with YᵀC_uY = YᵀY + Σ_{i∈N(u)} (c_ui − 1) y_i y_iᵀ and YᵀC_u p_u = Σ_{i∈N(u)} c_ui y_i.
 * Instead of solving it we take `cgSteps` CG steps on A x = b warm-started from the previous x_u,
 * never forming A: A·p = G·p + Σ (c_ui − 1)(y_i·p) y_i where G = YᵀY + λI is precomputed.
 *
 * @param {Float32Array} X  row-major rows × f, updated in place
 * @param {Float32Array} Y  row-major cols × f (fixed)
 * @param {Float64Array} G  f × f, YᵀY + λI
 * @param {Int32Array} indptr
 * @param {Int32Array} indices
 * @param {Float32Array} data  raw weights w_ui
 * @param {number} f
 * @param {number} alpha
 * @param {number} cgSteps
 * @param {number} start
 * @param {number} end
 */
export function cgUpdateRows(X, Y, G, indptr, indices, data, f, alpha, cgSteps, start, end) {
  const x = new Float64Array(f);
  const r = new Float64Array(f);
  const p = new Float64Array(f);
  const Ap = new Float64Array(f);
  for (let u = start; u < end; u++) {
    const xo = u * f;
    for (let a = 0; a < f; a++) x[a] = X[xo + a];
    // r = b − A x
    matvec(G, x, r, f);
    for (let a = 0; a < f; a++) r[a] = -r[a];
    const s0 = indptr[u];
    const s1 = indptr[u + 1];
    for (let k = s0; k < s1; k++) {
      const yo = indices[k] * f;
      const c1 = alpha * data[k]; // c_ui − 1
      const yx = dotAt(Y, yo, x, f);
      const coef = 1 + c1 - c1 * yx;
      for (let a = 0; a < f; a++) r[a] += coef * Y[yo + a];
    }
    let rsold = 0;
    for (let a = 0; a < f; a++) {
      p[a] = r[a];
      rsold += r[a] * r[a];
    }
    if (rsold < 1e-20) continue;
    for (let it = 0; it < cgSteps; it++) {
      // Ap = G p + Σ (c−1)(y·p) y
      matvec(G, p, Ap, f);
      for (let k = s0; k < s1; k++) {
        const yo = indices[k] * f;
        const yp = dotAt(Y, yo, p, f);
        const coef = alpha * data[k] * yp;
        for (let a = 0; a < f; a++) Ap[a] += coef * Y[yo + a];
      }
      let pAp = 0;
      for (let a = 0; a < f; a++) pAp += p[a] * Ap[a];
      const step = rsold / pAp;
      let rsnew = 0;
      for (let a = 0; a < f; a++) {
        x[a] += step * p[a];
        r[a] -= step * Ap[a];
        rsnew += r[a] * r[a];
      }
      if (rsnew < 1e-20) break;
      const beta = rsnew / rsold;
      for (let a = 0; a < f; a++) p[a] = r[a] + beta * p[a];
      rsold = rsnew;
    }
    for (let a = 0; a < f; a++) X[xo + a] = x[a];
  }
}

/**
 * Per-row part of the weighted least-squares loss (Hu et al. eq. 3) for rows [start, end):
 *   L_u = Σ_i c_ui (p_ui − x_u·y_i)² + λ‖x_u‖²
 *       = x_uᵀ(YᵀY + λI)x_u + Σ_{i∈N(u)} [c_ui (1 − s_ui)² − s_ui²],  s_ui = x_u·y_i
 * (the first term covers every item as if unobserved; the sum corrects the observed ones).
 * Written to out[u] so the caller can sum in a fixed order (thread-count independent).
 *
 * @param {Float32Array} X @param {Float32Array} Y @param {Float64Array} G
 * @param {Int32Array} indptr @param {Int32Array} indices @param {Float32Array} data
 * @param {number} f @param {number} alpha @param {number} start @param {number} end
 * @param {Float64Array} out
 */
export function rowLosses(X, Y, G, indptr, indices, data, f, alpha, start, end, out) {
  for (let u = start; u < end; u++) {
    const xo = u * f;
    let l = 0;
    for (let a = 0; a < f; a++) {
      let s = 0;
      const ga = a * f;
      for (let b = 0; b < f; b++) s += G[ga + b] * X[xo + b];
      l += s * X[xo + a];
    }
    for (let k = indptr[u]; k < indptr[u + 1]; k++) {
      const yo = indices[k] * f;
      let s = 0;
      for (let a = 0; a < f; a++) s += Y[yo + a] * X[xo + a];
      const c = 1 + alpha * data[k];
      l += c * (1 - s) * (1 - s) - s * s;
    }
    out[u] = l;
  }
}
