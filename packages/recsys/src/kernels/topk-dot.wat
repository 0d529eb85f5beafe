;; Exact top-k prefilter over row-major f32 item factors, WebAssembly SIMD (f32x4).
;; Source of topk-dot.wasm.ts; rebuild with `npm run build:wasm -w @recgraph/recsys` (wabt's wat2wasm).
;;
;; scan() scores rows [i, end) against q in float32 (4 rows at a time, f32x4 lanes) and also
;; accumulates each row's squared norm. A row is emitted (its index appended at `out`) unless
;;     s32 + c * sqrt(nn32 + e) + d < thr
;; where s32 is the float32 dot product and nn32 the float32 squared norm. With
;; c = 2 (f+3) 2^-24 |q|, e = f 2^-149, d = 2 f 2^-149 (derivation in topk-wasm.ts), that left side is an upper bound of the
;; reference (float64) score, so every row that is skipped would also have been skipped by the
;; reference (score < threshold). The caller rescores emitted rows exactly. NaN (overflow,
;; non-finite inputs) compares false, so such rows are emitted too: never wrongly skipped.
;;
;; Written out by hand, 4 rows per iteration (independent dependency chains); Node 20's V8 does
;; not inline wasm calls, so the per-row epilogue is repeated rather than called.
;;
;; The loop reads ceil(f/4) groups per row: q is zero-padded to a multiple of 4 floats, so the
;; 1–3 floats read past a row's end add 0 to the dot product (and only enlarge nn32, which
;; makes the bound looser, never wrong). The last group of 4 rows may run past `end`; those
;; rows are computed but not emitted, and the memory layout leaves room for the over-read.
(module
  (import "env" "memory" (memory 1))

  ;; q: byte offset of f32[ceil4(f)] (zero-padded); y: byte offset of row 0; rows are f floats.
  ;; Returns how many row indices were written at out.
  (func (export "scan") (param $q i32) (param $y i32) (param $f i32) (param $i i32) (param $end i32)
        (param $thr f64) (param $c f64) (param $e f64) (param $d f64) (param $out i32) (result i32)
    (local $n i32) (local $p i32) (local $fs i32) (local $a i32) (local $pa i32) (local $qv v128) (local $v v128)
    (local $x0 v128) (local $x1 v128) (local $x2 v128) (local $x3 v128)
    (local $m0 v128) (local $m1 v128) (local $m2 v128) (local $m3 v128) (local $zero v128)
    (local.set $fs (i32.shl (local.get $f) (i32.const 2)))
    (local.set $p (i32.add (local.get $y) (i32.mul (local.get $i) (local.get $fs))))
    (block $done (loop $rows
      (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $x0 (local.get $zero)) (local.set $m0 (local.get $zero))
      (local.set $x1 (local.get $zero)) (local.set $m1 (local.get $zero))
      (local.set $x2 (local.get $zero)) (local.set $m2 (local.get $zero))
      (local.set $x3 (local.get $zero)) (local.set $m3 (local.get $zero))
      (local.set $a (i32.const 0))
      (block $d4 (loop $groups
        (br_if $d4 (i32.ge_u (local.get $a) (local.get $fs)))
        (local.set $qv (v128.load (i32.add (local.get $q) (local.get $a))))
        (local.set $pa (i32.add (local.get $p) (local.get $a)))
        (local.set $v (v128.load (local.get $pa)))
        (local.set $x0 (f32x4.add (local.get $x0) (f32x4.mul (local.get $qv) (local.get $v))))
        (local.set $m0 (f32x4.add (local.get $m0) (f32x4.mul (local.get $v) (local.get $v))))
        (local.set $pa (i32.add (local.get $pa) (local.get $fs)))
        (local.set $v (v128.load (local.get $pa)))
        (local.set $x1 (f32x4.add (local.get $x1) (f32x4.mul (local.get $qv) (local.get $v))))
        (local.set $m1 (f32x4.add (local.get $m1) (f32x4.mul (local.get $v) (local.get $v))))
        (local.set $pa (i32.add (local.get $pa) (local.get $fs)))
        (local.set $v (v128.load (local.get $pa)))
        (local.set $x2 (f32x4.add (local.get $x2) (f32x4.mul (local.get $qv) (local.get $v))))
        (local.set $m2 (f32x4.add (local.get $m2) (f32x4.mul (local.get $v) (local.get $v))))
        (local.set $pa (i32.add (local.get $pa) (local.get $fs)))
        (local.set $v (v128.load (local.get $pa)))
        (local.set $x3 (f32x4.add (local.get $x3) (f32x4.mul (local.get $qv) (local.get $v))))
        (local.set $m3 (f32x4.add (local.get $m3) (f32x4.mul (local.get $v) (local.get $v))))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (br $groups)))
      ;; row i+0
      (if (i32.and
            (i32.lt_u (i32.add (local.get $i) (i32.const 0)) (local.get $end))
            (i32.eqz (f64.lt
              (f64.add (f64.promote_f32 (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $x0)) (f32x4.extract_lane 1 (local.get $x0)))
            (f32.add (f32x4.extract_lane 2 (local.get $x0)) (f32x4.extract_lane 3 (local.get $x0)))))
                (f64.add (f64.mul (local.get $c) (f64.sqrt (f64.add (f64.promote_f32 (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $m0)) (f32x4.extract_lane 1 (local.get $m0)))
            (f32.add (f32x4.extract_lane 2 (local.get $m0)) (f32x4.extract_lane 3 (local.get $m0))))) (local.get $e)))) (local.get $d)))
              (local.get $thr))))
        (then
          (i32.store (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 2))) (i32.add (local.get $i) (i32.const 0)))
          (local.set $n (i32.add (local.get $n) (i32.const 1)))))
      ;; row i+1
      (if (i32.and
            (i32.lt_u (i32.add (local.get $i) (i32.const 1)) (local.get $end))
            (i32.eqz (f64.lt
              (f64.add (f64.promote_f32 (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $x1)) (f32x4.extract_lane 1 (local.get $x1)))
            (f32.add (f32x4.extract_lane 2 (local.get $x1)) (f32x4.extract_lane 3 (local.get $x1)))))
                (f64.add (f64.mul (local.get $c) (f64.sqrt (f64.add (f64.promote_f32 (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $m1)) (f32x4.extract_lane 1 (local.get $m1)))
            (f32.add (f32x4.extract_lane 2 (local.get $m1)) (f32x4.extract_lane 3 (local.get $m1))))) (local.get $e)))) (local.get $d)))
              (local.get $thr))))
        (then
          (i32.store (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 2))) (i32.add (local.get $i) (i32.const 1)))
          (local.set $n (i32.add (local.get $n) (i32.const 1)))))
      ;; row i+2
      (if (i32.and
            (i32.lt_u (i32.add (local.get $i) (i32.const 2)) (local.get $end))
            (i32.eqz (f64.lt
              (f64.add (f64.promote_f32 (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $x2)) (f32x4.extract_lane 1 (local.get $x2)))
            (f32.add (f32x4.extract_lane 2 (local.get $x2)) (f32x4.extract_lane 3 (local.get $x2)))))
                (f64.add (f64.mul (local.get $c) (f64.sqrt (f64.add (f64.promote_f32 (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $m2)) (f32x4.extract_lane 1 (local.get $m2)))
            (f32.add (f32x4.extract_lane 2 (local.get $m2)) (f32x4.extract_lane 3 (local.get $m2))))) (local.get $e)))) (local.get $d)))
              (local.get $thr))))
        (then
          (i32.store (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 2))) (i32.add (local.get $i) (i32.const 2)))
          (local.set $n (i32.add (local.get $n) (i32.const 1)))))
      ;; row i+3
      (if (i32.and
            (i32.lt_u (i32.add (local.get $i) (i32.const 3)) (local.get $end))
            (i32.eqz (f64.lt
              (f64.add (f64.promote_f32 (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $x3)) (f32x4.extract_lane 1 (local.get $x3)))
            (f32.add (f32x4.extract_lane 2 (local.get $x3)) (f32x4.extract_lane 3 (local.get $x3)))))
                (f64.add (f64.mul (local.get $c) (f64.sqrt (f64.add (f64.promote_f32 (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $m3)) (f32x4.extract_lane 1 (local.get $m3)))
            (f32.add (f32x4.extract_lane 2 (local.get $m3)) (f32x4.extract_lane 3 (local.get $m3))))) (local.get $e)))) (local.get $d)))
              (local.get $thr))))
        (then
          (i32.store (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 2))) (i32.add (local.get $i) (i32.const 3)))
          (local.set $n (i32.add (local.get $n) (i32.const 1)))))
      (local.set $p (i32.add (local.get $p) (i32.shl (local.get $fs) (i32.const 2))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $rows)))
    (local.get $n))
)
