;; The numeric kernels of implicit ALS, in WebAssembly SIMD (f32x4), over one shared memory that
;; every worker thread imports.
;;
;; Conventions: every pointer is a byte offset into the memory; a factor vector is `fb` bytes long,
;; where fb is a multiple of 32 (the factors are padded with zeros to a multiple of 8 floats, so each
;; loop step handles two lane groups); a square matrix has fb / 4 rows, fb bytes apart; `idx` points
;; at i32 row numbers and `w` at their f32 weights (one CSR row).
;;
;; Compiled to `als-kernels.wasm.ts` by `npm run wasm` (wabt); a test checks that the two agree.
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; The sum of the four lanes.
  (func $hsum (param $v v128) (result f32)
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
      (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

  ;; a · b
  (func $dot (export "dot") (param $a i32) (param $b i32) (param $fb i32) (result f32)
    (local $i i32) (local $s0 v128) (local $s1 v128)
    (loop $next
      (local.set $s0 (f32x4.add (local.get $s0)
        (f32x4.mul
          (v128.load (i32.add (local.get $a) (local.get $i)))
          (v128.load (i32.add (local.get $b) (local.get $i))))))
      (local.set $s1 (f32x4.add (local.get $s1)
        (f32x4.mul
          (v128.load offset=16 (i32.add (local.get $a) (local.get $i)))
          (v128.load offset=16 (i32.add (local.get $b) (local.get $i))))))
      (br_if $next (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 32))) (local.get $fb))))
    (call $hsum (f32x4.add (local.get $s0) (local.get $s1))))

  ;; out += c × y
  (func $axpy (export "axpy") (param $out i32) (param $c f32) (param $y i32) (param $fb i32)
    (local $i i32) (local $cv v128) (local $o i32) (local $s i32)
    (local.set $cv (f32x4.splat (local.get $c)))
    (loop $next
      (local.set $o (i32.add (local.get $out) (local.get $i)))
      (local.set $s (i32.add (local.get $y) (local.get $i)))
      (v128.store (local.get $o)
        (f32x4.add (v128.load (local.get $o)) (f32x4.mul (local.get $cv) (v128.load (local.get $s)))))
      (v128.store offset=16 (local.get $o)
        (f32x4.add (v128.load offset=16 (local.get $o)) (f32x4.mul (local.get $cv) (v128.load offset=16 (local.get $s)))))
      (br_if $next (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 32))) (local.get $fb)))))

  ;; p = r + beta × p
  (func $xpby (param $p i32) (param $r i32) (param $beta f32) (param $fb i32)
    (local $i i32) (local $bv v128) (local $o i32) (local $s i32)
    (local.set $bv (f32x4.splat (local.get $beta)))
    (loop $next
      (local.set $o (i32.add (local.get $p) (local.get $i)))
      (local.set $s (i32.add (local.get $r) (local.get $i)))
      (v128.store (local.get $o)
        (f32x4.add (v128.load (local.get $s)) (f32x4.mul (local.get $bv) (v128.load (local.get $o)))))
      (v128.store offset=16 (local.get $o)
        (f32x4.add (v128.load offset=16 (local.get $s)) (f32x4.mul (local.get $bv) (v128.load offset=16 (local.get $o)))))
      (br_if $next (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 32))) (local.get $fb)))))

  ;; out[a] += sign × (G row a · v), for every row a of the square matrix G.
  (func $gemvAdd (param $G i32) (param $v i32) (param $out i32) (param $fb i32) (param $sign f32)
    (local $end i32)
    (local.set $end (i32.add (local.get $out) (local.get $fb)))
    (loop $next
      (f32.store (local.get $out)
        (f32.add (f32.load (local.get $out))
          (f32.mul (local.get $sign) (call $dot (local.get $G) (local.get $v) (local.get $fb)))))
      (local.set $G (i32.add (local.get $G) (local.get $fb)))
      (br_if $next (i32.lt_u (local.tee $out (i32.add (local.get $out) (i32.const 4))) (local.get $end)))))

  ;; out = G v
  (func $gemv (export "gemv") (param $G i32) (param $v i32) (param $out i32) (param $fb i32)
    (memory.fill (local.get $out) (i32.const 0) (local.get $fb))
    (call $gemvAdd (local.get $G) (local.get $v) (local.get $out) (local.get $fb) (f32.const 1)))

  ;; out = b − A x, the CG residual, with A = G + Σₖ (cₖ − 1) yₖyₖᵀ, b = Σₖ cₖ yₖ, cₖ = 1 + α wₖ:
  ;; out = Σₖ [cₖ − (cₖ − 1)(yₖ · x)] yₖ − G x
  (func $residual (param $out i32) (param $x i32) (param $Y i32) (param $idx i32) (param $w i32) (param $n i32)
                  (param $alpha f32) (param $G i32) (param $fb i32)
    (local $k i32) (local $y i32) (local $c f32)
    (memory.fill (local.get $out) (i32.const 0) (local.get $fb))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $k) (local.get $n)))
        (local.set $y (i32.add (local.get $Y)
          (i32.mul (i32.load (i32.add (local.get $idx) (i32.shl (local.get $k) (i32.const 2)))) (local.get $fb))))
        (local.set $c (f32.add (f32.const 1)
          (f32.mul (local.get $alpha) (f32.load (i32.add (local.get $w) (i32.shl (local.get $k) (i32.const 2)))))))
        (call $axpy (local.get $out)
          (f32.sub (local.get $c)
            (f32.mul (f32.sub (local.get $c) (f32.const 1)) (call $dot (local.get $y) (local.get $x) (local.get $fb))))
          (local.get $y) (local.get $fb))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $next)))
    (call $gemvAdd (local.get $G) (local.get $x) (local.get $out) (local.get $fb) (f32.const -1)))

  ;; out = A p = G p + α Σₖ wₖ (yₖ · p) yₖ
  (func $applyA (param $out i32) (param $p i32) (param $Y i32) (param $idx i32) (param $w i32) (param $n i32)
                (param $alpha f32) (param $G i32) (param $fb i32)
    (local $k i32) (local $y i32)
    (call $gemv (local.get $G) (local.get $p) (local.get $out) (local.get $fb))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $k) (local.get $n)))
        (local.set $y (i32.add (local.get $Y)
          (i32.mul (i32.load (i32.add (local.get $idx) (i32.shl (local.get $k) (i32.const 2)))) (local.get $fb))))
        (call $axpy (local.get $out)
          (f32.mul
            (f32.mul (local.get $alpha) (f32.load (i32.add (local.get $w) (i32.shl (local.get $k) (i32.const 2)))))
            (call $dot (local.get $y) (local.get $p) (local.get $fb)))
          (local.get $y) (local.get $fb))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $next))))

  ;; Warm-started conjugate gradient on one row: `steps` steps on A x = b, x updated in place.
  ;; `scratch` holds three vectors (r, p, A p).
  (func $cgRow (export "cgRow") (param $x i32) (param $Y i32) (param $idx i32) (param $w i32) (param $n i32)
               (param $alpha f32) (param $G i32) (param $steps i32) (param $scratch i32) (param $fb i32)
    (local $r i32) (local $p i32) (local $Ap i32) (local $it i32)
    (local $rsold f32) (local $rsnew f32) (local $pAp f32) (local $step f32)
    (local.set $r (local.get $scratch))
    (local.set $p (i32.add (local.get $scratch) (local.get $fb)))
    (local.set $Ap (i32.add (local.get $p) (local.get $fb)))
    (call $residual (local.get $r) (local.get $x) (local.get $Y) (local.get $idx) (local.get $w) (local.get $n)
      (local.get $alpha) (local.get $G) (local.get $fb))
    (memory.copy (local.get $p) (local.get $r) (local.get $fb))
    (local.set $rsold (call $dot (local.get $r) (local.get $r) (local.get $fb)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $it) (local.get $steps)))
        (br_if $done (i32.eqz (f32.gt (local.get $rsold) (f32.const 1e-20))))
        (call $applyA (local.get $Ap) (local.get $p) (local.get $Y) (local.get $idx) (local.get $w) (local.get $n)
          (local.get $alpha) (local.get $G) (local.get $fb))
        (local.set $pAp (call $dot (local.get $p) (local.get $Ap) (local.get $fb)))
        (br_if $done (i32.eqz (f32.gt (local.get $pAp) (f32.const 0))))
        (local.set $step (f32.div (local.get $rsold) (local.get $pAp)))
        (call $axpy (local.get $x) (local.get $step) (local.get $p) (local.get $fb))
        (call $axpy (local.get $r) (f32.neg (local.get $step)) (local.get $Ap) (local.get $fb))
        (local.set $rsnew (call $dot (local.get $r) (local.get $r) (local.get $fb)))
        (call $xpby (local.get $p) (local.get $r) (f32.div (local.get $rsnew) (local.get $rsold)) (local.get $fb))
        (local.set $rsold (local.get $rsnew))
        (local.set $it (i32.add (local.get $it) (i32.const 1)))
        (br $next))))

  ;; out[j] = Y[idx[j]] · x, for j < n
  (func $rowDots (export "rowDots") (param $Y i32) (param $idx i32) (param $n i32) (param $x i32) (param $out i32) (param $fb i32)
    (local $j i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $j) (local.get $n)))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 2)))
          (call $dot
            (i32.add (local.get $Y) (i32.mul (i32.load (i32.add (local.get $idx) (i32.shl (local.get $j) (i32.const 2)))) (local.get $fb)))
            (local.get $x) (local.get $fb)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $next))))

  ;; M[j n + k] = M[k n + j] = Y[idx[j]] · Z[idx[k]], for k ≤ j < n (M symmetric, n × n f32)
  (func $crossDots (export "crossDots") (param $Y i32) (param $Z i32) (param $idx i32) (param $n i32) (param $M i32) (param $fb i32)
    (local $j i32) (local $k i32) (local $y i32) (local $d f32)
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $j) (local.get $n)))
        (local.set $y (i32.add (local.get $Y)
          (i32.mul (i32.load (i32.add (local.get $idx) (i32.shl (local.get $j) (i32.const 2)))) (local.get $fb))))
        (local.set $k (i32.const 0))
        (loop $cols
          (local.set $d (call $dot (local.get $y)
            (i32.add (local.get $Z) (i32.mul (i32.load (i32.add (local.get $idx) (i32.shl (local.get $k) (i32.const 2)))) (local.get $fb)))
            (local.get $fb)))
          (f32.store (i32.add (local.get $M) (i32.shl (i32.add (i32.mul (local.get $j) (local.get $n)) (local.get $k)) (i32.const 2))) (local.get $d))
          (f32.store (i32.add (local.get $M) (i32.shl (i32.add (i32.mul (local.get $k) (local.get $n)) (local.get $j)) (i32.const 2))) (local.get $d))
          (br_if $cols (i32.le_u (local.tee $k (i32.add (local.get $k) (i32.const 1))) (local.get $j))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $rows))))

  ;; out += Σⱼ coef[j] × Z[idx[j]], for j < n
  (func $axpyRows (export "axpyRows") (param $out i32) (param $Z i32) (param $idx i32) (param $coef i32) (param $n i32) (param $fb i32)
    (local $j i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $j) (local.get $n)))
        (call $axpy (local.get $out)
          (f32.load (i32.add (local.get $coef) (i32.shl (local.get $j) (i32.const 2))))
          (i32.add (local.get $Z) (i32.mul (i32.load (i32.add (local.get $idx) (i32.shl (local.get $j) (i32.const 2)))) (local.get $fb)))
          (local.get $fb))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $next))))

  ;; G += Σ xxᵀ over the rows x of X[from, to) (G square, f32). Rows go two at a time, so that each
  ;; row of G is loaded and stored once per pair.
  (func $gram (export "gram") (param $X i32) (param $from i32) (param $to i32) (param $G i32) (param $fb i32)
    (local $x1 i32) (local $x2 i32) (local $a i32) (local $g i32) (local $i i32) (local $o i32)
    (local $c1 v128) (local $c2 v128)
    (block $done
      (loop $pairs
        (br_if $done (i32.ge_u (i32.add (local.get $from) (i32.const 1)) (local.get $to)))
        (local.set $x1 (i32.add (local.get $X) (i32.mul (local.get $from) (local.get $fb))))
        (local.set $x2 (i32.add (local.get $x1) (local.get $fb)))
        (local.set $a (i32.const 0))
        (local.set $g (local.get $G))
        (loop $rows
          (local.set $c1 (v128.load32_splat (i32.add (local.get $x1) (local.get $a))))
          (local.set $c2 (v128.load32_splat (i32.add (local.get $x2) (local.get $a))))
          (local.set $i (i32.const 0))
          (loop $cols
            (local.set $o (i32.add (local.get $g) (local.get $i)))
            (v128.store (local.get $o)
              (f32x4.add (v128.load (local.get $o))
                (f32x4.add
                  (f32x4.mul (local.get $c1) (v128.load (i32.add (local.get $x1) (local.get $i))))
                  (f32x4.mul (local.get $c2) (v128.load (i32.add (local.get $x2) (local.get $i)))))))
            (br_if $cols (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 16))) (local.get $fb))))
          (local.set $g (i32.add (local.get $g) (local.get $fb)))
          (br_if $rows (i32.lt_u (local.tee $a (i32.add (local.get $a) (i32.const 4))) (local.get $fb))))
        (local.set $from (i32.add (local.get $from) (i32.const 2)))
        (br $pairs)))
    ;; An odd last row.
    (if (i32.lt_u (local.get $from) (local.get $to))
      (then
        (local.set $x1 (i32.add (local.get $X) (i32.mul (local.get $from) (local.get $fb))))
        (local.set $a (i32.const 0))
        (local.set $g (local.get $G))
        (loop $rows
          (call $axpy (local.get $g) (f32.load (i32.add (local.get $x1) (local.get $a))) (local.get $x1) (local.get $fb))
          (local.set $g (i32.add (local.get $g) (local.get $fb)))
          (br_if $rows (i32.lt_u (local.tee $a (i32.add (local.get $a) (i32.const 4))) (local.get $fb)))))))

  ;; Z[r] = Gi X[r] for the rows r of [from, to) (Gi symmetric)
  (func $project (export "project") (param $X i32) (param $from i32) (param $to i32) (param $Gi i32) (param $Z i32) (param $fb i32)
    (local $o i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $from) (local.get $to)))
        (local.set $o (i32.mul (local.get $from) (local.get $fb)))
        (call $gemv (local.get $Gi) (i32.add (local.get $X) (local.get $o)) (i32.add (local.get $Z) (local.get $o)) (local.get $fb))
        (local.set $from (i32.add (local.get $from) (i32.const 1)))
        (br $next))))
)
