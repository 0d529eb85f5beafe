// AssemblyScript source of the training kernels (WebAssembly SIMD): ALS's Gram matrix and
// conjugate-gradient row updates, and EASE's SPD inverse. Built by scripts/build-wasm.ts into
// src/kernels/train-kernels.wasm.js; the readable JavaScript references are linalg.ts (gram,
// spdInverseInPlace) and als-kernel.js (cgUpdateRows), and the tests compare the two.
//
// Every function works on raw byte offsets into the module's own memory, laid out by the caller
// (als-wasm.js, ease-wasm.ts). Nothing here allocates.
//
// Why these shapes: V8 does not vectorise, and WebAssembly SIMD has no fused multiply-add, so the
// speed comes from (a) 4-lane f32 (ALS, like implicit's float32) or 2-lane f64 (EASE's inverse)
// arithmetic and (b) register tiles that load each operand once per several multiply-adds.

// ---------------------------------------------------------------------------------------------
// ALS (float32, factor vectors padded to fp = a multiple of 4 with zeros).

/** Horizontal sum of a f32x4. */
function hsum(v: v128): f32 {
  const s = f32x4.add(v, v128.shuffle<f32>(v, v, 2, 3, 0, 1));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1);
}

/** a · b over fp floats (fp % 4 == 0). */
function dot(a: usize, b: usize, fp: i32): f32 {
  let s0 = f32x4.splat(0);
  let s1 = f32x4.splat(0);
  let k = 0;
  for (; k + 8 <= fp; k += 8) {
    const o = <usize>(k << 2);
    s0 = f32x4.add(s0, f32x4.mul(v128.load(a + o), v128.load(b + o)));
    s1 = f32x4.add(s1, f32x4.mul(v128.load(a + o, 16), v128.load(b + o, 16)));
  }
  if (k < fp) {
    const o = <usize>(k << 2);
    s0 = f32x4.add(s0, f32x4.mul(v128.load(a + o), v128.load(b + o)));
  }
  return hsum(f32x4.add(s0, s1));
}

/** out += c · y over fp floats. */
function axpy(out: usize, c: f32, y: usize, fp: i32): void {
  const cv = f32x4.splat(c);
  for (let k = 0; k < fp; k += 4) {
    const o = <usize>(k << 2);
    v128.store(out + o, f32x4.add(v128.load(out + o), f32x4.mul(cv, v128.load(y + o))));
  }
}

/**
 * out = G v for a symmetric fp×fp float32 matrix: out = Σ_b v_b G_b (rows as columns), 16 outputs
 * at a time held in four registers while b runs over all rows.
 */
function matvec(G: usize, v: usize, out: usize, fp: i32): void {
  const row = <usize>(fp << 2);
  let ob = 0;
  for (; ob + 16 <= fp; ob += 16) {
    let a0 = f32x4.splat(0);
    let a1 = f32x4.splat(0);
    let a2 = f32x4.splat(0);
    let a3 = f32x4.splat(0);
    let g = G + <usize>(ob << 2);
    for (let b = 0; b < fp; b++) {
      const s = v128.load32_splat(v + ((<usize>b) << 2));
      a0 = f32x4.add(a0, f32x4.mul(s, v128.load(g)));
      a1 = f32x4.add(a1, f32x4.mul(s, v128.load(g, 16)));
      a2 = f32x4.add(a2, f32x4.mul(s, v128.load(g, 32)));
      a3 = f32x4.add(a3, f32x4.mul(s, v128.load(g, 48)));
      g += row;
    }
    const o = out + ((<usize>ob) << 2);
    v128.store(o, a0);
    v128.store(o, a1, 16);
    v128.store(o, a2, 32);
    v128.store(o, a3, 48);
  }
  for (; ob < fp; ob += 4) {
    let a0 = f32x4.splat(0);
    let g = G + <usize>(ob << 2);
    for (let b = 0; b < fp; b++) {
      a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(v + ((<usize>b) << 2)), v128.load(g)));
      g += row;
    }
    v128.store(out + ((<usize>ob) << 2), a0);
  }
}

/**
 * Conjugate-gradient update of rows [start, end) of X against fixed Y: the same algorithm as
 * als-kernel.js cgUpdateRows (see there), in float32. X, Y: rows of fp floats; G: fp×fp float32
 * YᵀY + λI; indptr/indices: int32 CSR of these rows (indptr[start..end], indices into Y's rows);
 * data: float32 raw weights; scratch: 3·fp floats.
 */
export function cgUpdateRows(
  X: usize,
  Y: usize,
  G: usize,
  indptr: usize,
  indices: usize,
  data: usize,
  fp: i32,
  alpha: f32,
  cgSteps: i32,
  start: i32,
  end: i32,
  scratch: usize,
): void {
  const rowBytes = <usize>(fp << 2);
  const r = scratch;
  const p = r + rowBytes;
  const Ap = p + rowBytes;
  for (let u = start; u < end; u++) {
    const x = X + <usize>u * rowBytes;
    // r = b − A x = −G x + Σ (1 + c1 − c1 (y·x)) y
    matvec(G, x, r, fp);
    for (let k = 0; k < fp; k += 4) {
      const o = <usize>(k << 2);
      v128.store(r + o, f32x4.neg(v128.load(r + o)));
    }
    const s0 = load<i32>(indptr + ((<usize>u) << 2));
    const s1 = load<i32>(indptr + ((<usize>(u + 1)) << 2));
    for (let k = s0; k < s1; k++) {
      const y = Y + <usize>load<i32>(indices + ((<usize>k) << 2)) * rowBytes;
      const c1 = alpha * load<f32>(data + ((<usize>k) << 2));
      const yx = dot(y, x, fp);
      axpy(r, 1 + c1 - c1 * yx, y, fp);
    }
    memory.copy(p, r, rowBytes);
    let rsold = dot(r, r, fp);
    if (rsold < 1e-20) continue;
    for (let it = 0; it < cgSteps; it++) {
      matvec(G, p, Ap, fp);
      for (let k = s0; k < s1; k++) {
        const y = Y + <usize>load<i32>(indices + ((<usize>k) << 2)) * rowBytes;
        const c1 = alpha * load<f32>(data + ((<usize>k) << 2));
        axpy(Ap, c1 * dot(y, p, fp), y, fp);
      }
      const step = rsold / dot(p, Ap, fp);
      const sv = f32x4.splat(step);
      let rn = f32x4.splat(0);
      for (let k = 0; k < fp; k += 4) {
        const o = <usize>(k << 2);
        v128.store(x + o, f32x4.add(v128.load(x + o), f32x4.mul(sv, v128.load(p + o))));
        const rv = f32x4.sub(v128.load(r + o), f32x4.mul(sv, v128.load(Ap + o)));
        v128.store(r + o, rv);
        rn = f32x4.add(rn, f32x4.mul(rv, rv));
      }
      const rsnew = hsum(rn);
      if (rsnew < 1e-20) break;
      const bv = f32x4.splat(rsnew / rsold);
      for (let k = 0; k < fp; k += 4) {
        const o = <usize>(k << 2);
        v128.store(p + o, f32x4.add(v128.load(r + o), f32x4.mul(bv, v128.load(p + o))));
      }
      rsold = rsnew;
    }
  }
}

/**
 * G = YᵀY + λI (fp×fp, float32 out) for n rows of fp floats. Accumulates 4×8 tiles of the upper
 * triangle in float32 registers over chunks of 256 rows and adds each chunk into a float64
 * accumulator acc (fp×fp f64, caller's scratch), so the sum over many rows keeps its precision.
 */
export function gram(Y: usize, n: i32, fp: i32, f: i32, lambda: f64, G: usize, acc: usize): void {
  const rowBytes = <usize>(fp << 2);
  memory.fill(acc, 0, (<usize>(fp * fp)) << 3);
  for (let c0 = 0; c0 < n; c0 += 256) {
    const c1 = min(n, c0 + 256);
    for (let a0 = 0; a0 < fp; a0 += 4) {
      for (let b0 = a0; b0 < fp; b0 += 8) {
        const wide = b0 + 8 <= fp;
        let t00 = f32x4.splat(0),
          t01 = f32x4.splat(0);
        let t10 = f32x4.splat(0),
          t11 = f32x4.splat(0);
        let t20 = f32x4.splat(0),
          t21 = f32x4.splat(0);
        let t30 = f32x4.splat(0),
          t31 = f32x4.splat(0);
        let y = Y + <usize>c0 * rowBytes;
        const ao = <usize>(a0 << 2);
        const bo = <usize>(b0 << 2);
        if (wide) {
          for (let i = c0; i < c1; i++) {
            const yb0 = v128.load(y + bo);
            const yb1 = v128.load(y + bo, 16);
            const s0 = v128.load32_splat(y + ao);
            const s1 = v128.load32_splat(y + ao, 4);
            const s2 = v128.load32_splat(y + ao, 8);
            const s3 = v128.load32_splat(y + ao, 12);
            t00 = f32x4.add(t00, f32x4.mul(s0, yb0));
            t01 = f32x4.add(t01, f32x4.mul(s0, yb1));
            t10 = f32x4.add(t10, f32x4.mul(s1, yb0));
            t11 = f32x4.add(t11, f32x4.mul(s1, yb1));
            t20 = f32x4.add(t20, f32x4.mul(s2, yb0));
            t21 = f32x4.add(t21, f32x4.mul(s2, yb1));
            t30 = f32x4.add(t30, f32x4.mul(s3, yb0));
            t31 = f32x4.add(t31, f32x4.mul(s3, yb1));
            y += rowBytes;
          }
        } else {
          for (let i = c0; i < c1; i++) {
            const yb0 = v128.load(y + bo);
            t00 = f32x4.add(t00, f32x4.mul(v128.load32_splat(y + ao), yb0));
            t10 = f32x4.add(t10, f32x4.mul(v128.load32_splat(y + ao, 4), yb0));
            t20 = f32x4.add(t20, f32x4.mul(v128.load32_splat(y + ao, 8), yb0));
            t30 = f32x4.add(t30, f32x4.mul(v128.load32_splat(y + ao, 12), yb0));
            y += rowBytes;
          }
        }
        addTile(acc, fp, a0, b0, t00, t01, wide);
        addTile(acc, fp, a0 + 1, b0, t10, t11, wide);
        addTile(acc, fp, a0 + 2, b0, t20, t21, wide);
        addTile(acc, fp, a0 + 3, b0, t30, t31, wide);
      }
    }
  }
  // Upper triangle → full matrix in float32, λ on the first f diagonal entries.
  for (let a = 0; a < fp; a++) {
    for (let b = a; b < fp; b++) {
      let v = load<f64>(acc + ((<usize>(a * fp + b)) << 3));
      if (a == b && a < f) v += lambda;
      store<f32>(G + ((<usize>(a * fp + b)) << 2), <f32>v);
      store<f32>(G + ((<usize>(b * fp + a)) << 2), <f32>v);
    }
  }
}

function addTile(acc: usize, fp: i32, a: i32, b0: i32, t0: v128, t1: v128, wide: bool): void {
  const p = acc + ((<usize>(a * fp + b0)) << 3);
  v128.store(p, f64x2.add(v128.load(p), f64x2.promote_low_f32x4(t0)));
  v128.store(p, f64x2.add(v128.load(p, 16), f64x2.promote_low_f32x4(v128.shuffle<f32>(t0, t0, 2, 3, 0, 1))), 16);
  if (wide) {
    v128.store(p, f64x2.add(v128.load(p, 32), f64x2.promote_low_f32x4(t1)), 32);
    v128.store(p, f64x2.add(v128.load(p, 48), f64x2.promote_low_f32x4(v128.shuffle<f32>(t1, t1, 2, 3, 0, 1))), 48);
  }
}

// ---------------------------------------------------------------------------------------------
// EASE: inverse of a symmetric positive definite matrix in float64.
//
// A (np×np, row-major, np a multiple of 4) is factored A = LLᵀ, then M = L⁻¹ is formed as its
// transpose Mt (row j of Mt = column j of M), then P = A⁻¹ = MᵀM. Every step is a dot product of
// two contiguous row segments, so all three run through one 4×2 register tile (dot4x2): four rows
// against two rows over [k0, k1), eight f64x2 accumulators, six loads per eight multiply-adds.
// n³/2 multiply-adds in all, as in LAPACK's potrf + trtri + lauum.

/** T[r·2 + c] = row(a + r·ld) · row(b + c·ld) over k ∈ [k0, k1) (k1 − k0 even, 16-byte aligned). */
function dot4x2(a: usize, b: usize, ld: i32, k0: i32, k1: i32, T: usize): void {
  const rs = (<usize>ld) << 3;
  let s00 = f64x2.splat(0),
    s01 = f64x2.splat(0);
  let s10 = f64x2.splat(0),
    s11 = f64x2.splat(0);
  let s20 = f64x2.splat(0),
    s21 = f64x2.splat(0);
  let s30 = f64x2.splat(0),
    s31 = f64x2.splat(0);
  let pa = a + ((<usize>k0) << 3);
  let pb = b + ((<usize>k0) << 3);
  const endA = a + ((<usize>k1) << 3);
  while (pa < endA) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb + rs);
    const a0 = v128.load(pa);
    s00 = f64x2.add(s00, f64x2.mul(a0, b0));
    s01 = f64x2.add(s01, f64x2.mul(a0, b1));
    const a1 = v128.load(pa + rs);
    s10 = f64x2.add(s10, f64x2.mul(a1, b0));
    s11 = f64x2.add(s11, f64x2.mul(a1, b1));
    const a2 = v128.load(pa + 2 * rs);
    s20 = f64x2.add(s20, f64x2.mul(a2, b0));
    s21 = f64x2.add(s21, f64x2.mul(a2, b1));
    const a3 = v128.load(pa + 3 * rs);
    s30 = f64x2.add(s30, f64x2.mul(a3, b0));
    s31 = f64x2.add(s31, f64x2.mul(a3, b1));
    pa += 16;
    pb += 16;
  }
  store<f64>(T, f64x2.extract_lane(s00, 0) + f64x2.extract_lane(s00, 1));
  store<f64>(T, f64x2.extract_lane(s01, 0) + f64x2.extract_lane(s01, 1), 8);
  store<f64>(T, f64x2.extract_lane(s10, 0) + f64x2.extract_lane(s10, 1), 16);
  store<f64>(T, f64x2.extract_lane(s11, 0) + f64x2.extract_lane(s11, 1), 24);
  store<f64>(T, f64x2.extract_lane(s20, 0) + f64x2.extract_lane(s20, 1), 32);
  store<f64>(T, f64x2.extract_lane(s21, 0) + f64x2.extract_lane(s21, 1), 40);
  store<f64>(T, f64x2.extract_lane(s30, 0) + f64x2.extract_lane(s30, 1), 48);
  store<f64>(T, f64x2.extract_lane(s31, 0) + f64x2.extract_lane(s31, 1), 56);
}

/** row a · row b over [k0, k1) (any bounds). */
function dot1(a: usize, b: usize, k0: i32, k1: i32): f64 {
  let s = f64x2.splat(0);
  let k = k0;
  if (k & 1) {
    s = f64x2.replace_lane(s, 0, load<f64>(a + ((<usize>k) << 3)) * load<f64>(b + ((<usize>k) << 3)));
    k++;
  }
  for (; k + 2 <= k1; k += 2) {
    const o = (<usize>k) << 3;
    s = f64x2.add(s, f64x2.mul(v128.load(a + o), v128.load(b + o)));
  }
  let t = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
  if (k < k1) t += load<f64>(a + ((<usize>k) << 3)) * load<f64>(b + ((<usize>k) << 3));
  return t;
}

function at(A: usize, ld: i32, i: i32, j: i32): usize {
  return A + ((<usize>(i * ld + j)) << 3);
}

/**
 * In place: A (np×np, lower triangle read) → P = A⁻¹ (full, symmetric); Mt: np×np scratch.
 * np % 4 == 0. T: 64 bytes of scratch. Returns −1 on success, else the row whose pivot was not
 * positive (A not positive definite), with that pivot's value in T[0].
 */
export function spdInverse(A: usize, Mt: usize, np: i32, T: usize): i32 {
  const ld = np;
  // 1. Cholesky, lower, rows in blocks of 4: L_ij = (A_ij − Σ_{k<j} L_ik L_jk) / L_jj.
  for (let i0 = 0; i0 < np; i0 += 4) {
    for (let j0 = 0; j0 < i0; j0 += 2) {
      dot4x2(at(A, ld, i0, 0), at(A, ld, j0, 0), ld, 0, j0, T);
      for (let r = 0; r < 4; r++) {
        const i = i0 + r;
        const l0 =
          (load<f64>(at(A, ld, i, j0)) - load<f64>(T + ((<usize>(r * 2)) << 3))) / load<f64>(at(A, ld, j0, j0));
        store<f64>(at(A, ld, i, j0), l0);
        const s1 =
          load<f64>(at(A, ld, i, j0 + 1)) -
          load<f64>(T + ((<usize>(r * 2 + 1)) << 3)) -
          l0 * load<f64>(at(A, ld, j0 + 1, j0));
        store<f64>(at(A, ld, i, j0 + 1), s1 / load<f64>(at(A, ld, j0 + 1, j0 + 1)));
      }
    }
    for (let i = i0; i < i0 + 4; i++) {
      for (let j = i0; j <= i; j++) {
        const s = load<f64>(at(A, ld, i, j)) - dot1(at(A, ld, i, 0), at(A, ld, j, 0), 0, j);
        if (i == j) {
          if (!(s > 0)) {
            store<f64>(T, s);
            return i;
          }
          store<f64>(at(A, ld, i, i), Math.sqrt(s));
        } else store<f64>(at(A, ld, i, j), s / load<f64>(at(A, ld, j, j)));
      }
    }
  }
  // 2. Mt = (L⁻¹)ᵀ: M_ij = −(Σ_{k=j}^{i−1} L_ik M_kj) / L_ii, M_ii = 1 / L_ii; Mt_j[i] = M_ij.
  memory.fill(Mt, 0, (<usize>np * <usize>np) << 3);
  for (let i0 = 0; i0 < np; i0 += 4) {
    for (let j0 = 0; j0 < i0; j0 += 2) {
      dot4x2(at(A, ld, i0, 0), at(Mt, ld, j0, 0), ld, j0, i0, T);
      for (let r = 0; r < 4; r++) {
        const i = i0 + r;
        const inv = 1 / load<f64>(at(A, ld, i, i));
        for (let c = 0; c < 2; c++) {
          const j = j0 + c;
          const s = load<f64>(T + ((<usize>(r * 2 + c)) << 3)) + dot1(at(A, ld, i, 0), at(Mt, ld, j, 0), i0, i);
          store<f64>(at(Mt, ld, j, i), -s * inv);
        }
      }
    }
    for (let i = i0; i < i0 + 4; i++) {
      const inv = 1 / load<f64>(at(A, ld, i, i));
      for (let j = i0; j < i; j++) store<f64>(at(Mt, ld, j, i), -dot1(at(A, ld, i, 0), at(Mt, ld, j, 0), j, i) * inv);
      store<f64>(at(Mt, ld, i, i), inv);
    }
  }
  // 3. P_ab = Σ_{k ≥ max(a,b)} M_ka M_kb = Mt_a · Mt_b over [max(a,b), np), written over A.
  for (let a0 = 0; a0 < np; a0 += 4) {
    for (let b0 = a0 + 4; b0 < np; b0 += 2) {
      dot4x2(at(Mt, ld, a0, 0), at(Mt, ld, b0, 0), ld, b0, np, T);
      for (let r = 0; r < 4; r++)
        for (let c = 0; c < 2; c++) {
          const v = load<f64>(T + ((<usize>(r * 2 + c)) << 3));
          store<f64>(at(A, ld, a0 + r, b0 + c), v);
          store<f64>(at(A, ld, b0 + c, a0 + r), v);
        }
    }
    for (let a = a0; a < a0 + 4; a++)
      for (let b = a; b < a0 + 4; b++) {
        const v = dot1(at(Mt, ld, a, 0), at(Mt, ld, b, 0), b, np);
        store<f64>(at(A, ld, a, b), v);
        store<f64>(at(A, ld, b, a), v);
      }
  }
  return -1;
}

/**
 * Solves A x = b in place (x in b) for a symmetric positive definite k×k row-major A (stride k,
 * lower triangle read, overwritten by its Cholesky factor): the small per-item systems of sparse
 * EASE. Returns −1, or the row whose pivot was not positive.
 */
export function choleskySolve(A: usize, k: i32, b: usize): i32 {
  for (let i = 0; i < k; i++) {
    const ri = at(A, k, i, 0);
    for (let j = 0; j <= i; j++) {
      const s = load<f64>(ri + ((<usize>j) << 3)) - dot1(ri, at(A, k, j, 0), 0, j);
      if (i == j) {
        if (!(s > 0)) return i;
        store<f64>(ri + ((<usize>i) << 3), Math.sqrt(s));
      } else store<f64>(ri + ((<usize>j) << 3), s / load<f64>(at(A, k, j, j)));
    }
  }
  // L y = b (rows), then Lᵀ x = y (columns of L).
  for (let i = 0; i < k; i++) {
    const ri = at(A, k, i, 0);
    store<f64>(
      b + ((<usize>i) << 3),
      (load<f64>(b + ((<usize>i) << 3)) - dot1(ri, b, 0, i)) / load<f64>(ri + ((<usize>i) << 3)),
    );
  }
  for (let i = k - 1; i >= 0; i--) {
    let s = load<f64>(b + ((<usize>i) << 3));
    for (let q = i + 1; q < k; q++) s -= load<f64>(at(A, k, q, i)) * load<f64>(b + ((<usize>q) << 3));
    store<f64>(b + ((<usize>i) << 3), s / load<f64>(at(A, k, i, i)));
  }
  return -1;
}

/**
 * Sparse EASE's per-item regressions, all items in one call (the readable reference is the
 * JavaScript loop in sparse-ease.ts). The pruned Gram matrix is a CSR (indptr, indices: int32;
 * vals: float32; each row's entries by decreasing value) with its diagonal diag (float64). For item
 * j, N = the first min(K, row length) entries of row j; A = G_NN (entries either row holds, else
 * 0) + λI; b = G_{N,j}; x = A⁻¹ b goes to outX[j·K ..] (float32) and the count to outK[j]. When
 * A is not positive definite λ doubles (up to 10⁶ λ). local: n int32 all −1 (restored on return);
 * A: K·K float64; b: K float64. Returns −1, or the item whose system stayed indefinite.
 */
export function sparseEaseSolve(
  n: i32,
  K: i32,
  lambda: f64,
  indptr: usize,
  indices: usize,
  vals: usize,
  diag: usize,
  local: usize,
  A: usize,
  b: usize,
  outK: usize,
  outX: usize,
): i32 {
  for (let j = 0; j < n; j++) {
    const s = load<i32>(indptr + ((<usize>j) << 2));
    const k = min(K, load<i32>(indptr + ((<usize>(j + 1)) << 2)) - s);
    store<i32>(outK + ((<usize>j) << 2), k);
    if (k == 0) continue;
    for (let l = 0; l < k; l++) store<i32>(local + ((<usize>load<i32>(indices + ((<usize>(s + l)) << 2))) << 2), l);
    let ok = false;
    for (let lam = lambda; lam <= lambda * 1e6; lam *= 2) {
      memory.fill(A, 0, (<usize>(k * k)) << 3);
      for (let l = 0; l < k; l++) {
        const a = load<i32>(indices + ((<usize>(s + l)) << 2));
        store<f64>(at(A, k, l, l), load<f64>(diag + ((<usize>a) << 3)) + lam);
        const q1 = load<i32>(indptr + ((<usize>(a + 1)) << 2));
        for (let q = load<i32>(indptr + ((<usize>a) << 2)); q < q1; q++) {
          const m = load<i32>(local + ((<usize>load<i32>(indices + ((<usize>q) << 2))) << 2));
          if (m >= 0) {
            const v = <f64>load<f32>(vals + ((<usize>q) << 2));
            store<f64>(at(A, k, l, m), v);
            store<f64>(at(A, k, m, l), v);
          }
        }
      }
      for (let l = 0; l < k; l++) store<f64>(b + ((<usize>l) << 3), <f64>load<f32>(vals + ((<usize>(s + l)) << 2)));
      if (choleskySolve(A, k, b) < 0) {
        ok = true;
        break;
      }
    }
    for (let l = 0; l < k; l++) store<i32>(local + ((<usize>load<i32>(indices + ((<usize>(s + l)) << 2))) << 2), -1);
    if (!ok) return j;
    const o = outX + ((<usize>j * <usize>K) << 2);
    for (let l = 0; l < k; l++) store<f32>(o + ((<usize>l) << 2), <f32>load<f64>(b + ((<usize>l) << 3)));
  }
  return -1;
}
