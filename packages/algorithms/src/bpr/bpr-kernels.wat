;; One BPR epoch in WebAssembly SIMD (f32x4), over a shared memory that the training worker imports.
;;
;; Conventions: every pointer is a byte offset into the memory; a factor vector is `fb` bytes long,
;; where fb is a multiple of 32 (the factors are padded with zeros to a multiple of 8 floats); the
;; positive pairs are a CSR matrix (i32 row pointers, i32 item indices sorted within each row).
;;
;; Compiled to `bpr-kernels.wasm.ts` by `npm run wasm` (wabt); a test checks that the two agree.
(module
  (import "env" "memory" (memory 1 65536 shared))
  (import "math" "exp" (func $exp (param f64) (result f64)))
  (import "math" "log1p" (func $log1p (param f64) (result f64)))

  ;; xorshift32: the next state (never 0 from a non-zero state).
  (func $next (param $s i32) (result i32)
    (local.set $s (i32.xor (local.get $s) (i32.shl (local.get $s) (i32.const 13))))
    (local.set $s (i32.xor (local.get $s) (i32.shr_u (local.get $s) (i32.const 17))))
    (i32.xor (local.get $s) (i32.shl (local.get $s) (i32.const 5))))

  ;; ⌊s / 2³² × n⌋ for an unsigned state s: a uniform draw in [0, n).
  (func $below (param $s i32) (param $n i32) (result i32)
    (i32.wrap_i64 (i64.shr_u
      (i64.mul (i64.extend_i32_u (local.get $s)) (i64.extend_i32_u (local.get $n)))
      (i64.const 32))))

  ;; Whether row u of the CSR holds item j (binary search of its sorted indices).
  (func $has (param $indptr i32) (param $indices i32) (param $u i32) (param $j i32) (result i32)
    (local $lo i32) (local $hi i32) (local $mid i32) (local $v i32)
    (local.set $lo (i32.load (i32.add (local.get $indptr) (i32.shl (local.get $u) (i32.const 2)))))
    (local.set $hi (i32.sub (i32.load offset=4 (i32.add (local.get $indptr) (i32.shl (local.get $u) (i32.const 2)))) (i32.const 1)))
    (block $absent
      (loop $search
        (br_if $absent (i32.gt_s (local.get $lo) (local.get $hi)))
        (local.set $mid (i32.shr_u (i32.add (local.get $lo) (local.get $hi)) (i32.const 1)))
        (local.set $v (i32.load (i32.add (local.get $indices) (i32.shl (local.get $mid) (i32.const 2)))))
        (if (i32.eq (local.get $v) (local.get $j)) (then (return (i32.const 1))))
        (if (i32.lt_s (local.get $v) (local.get $j))
          (then (local.set $lo (i32.add (local.get $mid) (i32.const 1))))
          (else (local.set $hi (i32.sub (local.get $mid) (i32.const 1)))))
        (br $search)))
    (i32.const 0))

  ;; One epoch (Rendle et al. 2009): as many SGD steps as positive pairs, each on a triple (user u,
  ;; positive i, negative j the user never touched), maximising ln σ(x̂ᵤᵢ − x̂ᵤⱼ), x̂ᵤᵢ = uᵤ·vᵢ + bᵢ.
  ;; The positive pair is drawn uniformly from the CSR. `seed` starts the xorshift32 stream (non-zero).
  ;; Returns the summed loss ln(1 + e^−x).
  (func $epoch (export "epoch")
    (param $U i32) (param $V i32) (param $bias i32) (param $indptr i32) (param $indices i32)
    (param $users i32) (param $items i32) (param $seed i32)
    (param $lr f32) (param $reg f32) (param $breg f32) (param $fb i32)
    (result f64)
    (local $s i32) (local $nnz i32) (local $step i32) (local $k i32) (local $lo i32) (local $hi i32) (local $mid i32)
    (local $u i32) (local $i i32) (local $j i32) (local $uo i32) (local $io i32) (local $jo i32) (local $a i32)
    (local $x f64) (local $z f32) (local $loss f64) (local $acc v128)
    (local $uv v128) (local $vi v128) (local $vj v128) (local $zv v128) (local $lrv v128) (local $regv v128)
    (local $bi i32) (local $bj i32)
    (local.set $s (local.get $seed))
    (local.set $nnz (i32.load (i32.add (local.get $indptr) (i32.shl (local.get $users) (i32.const 2)))))
    (local.set $lrv (f32x4.splat (local.get $lr)))
    (local.set $regv (f32x4.splat (local.get $reg)))
    (block $done
      (loop $steps
        (br_if $done (i32.ge_u (local.get $step) (local.get $nnz)))
        (local.set $step (i32.add (local.get $step) (i32.const 1)))
        ;; A positive pair k, and its user: the last row whose pointer is ≤ k.
        (local.set $s (call $next (local.get $s)))
        (local.set $k (call $below (local.get $s) (local.get $nnz)))
        (local.set $lo (i32.const 0))
        (local.set $hi (i32.sub (local.get $users) (i32.const 1)))
        (block $found
          (loop $search
            (br_if $found (i32.ge_s (local.get $lo) (local.get $hi)))
            (local.set $mid (i32.shr_u (i32.add (i32.add (local.get $lo) (local.get $hi)) (i32.const 1)) (i32.const 1)))
            (if (i32.le_s (i32.load (i32.add (local.get $indptr) (i32.shl (local.get $mid) (i32.const 2)))) (local.get $k))
              (then (local.set $lo (local.get $mid)))
              (else (local.set $hi (i32.sub (local.get $mid) (i32.const 1)))))
            (br $search)))
        (local.set $u (local.get $lo))
        (local.set $i (i32.load (i32.add (local.get $indices) (i32.shl (local.get $k) (i32.const 2)))))
        ;; A user who touched every item has no negative.
        (br_if $steps (i32.ge_s
          (i32.sub
            (i32.load offset=4 (i32.add (local.get $indptr) (i32.shl (local.get $u) (i32.const 2))))
            (i32.load (i32.add (local.get $indptr) (i32.shl (local.get $u) (i32.const 2)))))
          (local.get $items)))
        (loop $negative
          (local.set $s (call $next (local.get $s)))
          (local.set $j (call $below (local.get $s) (local.get $items)))
          (br_if $negative (call $has (local.get $indptr) (local.get $indices) (local.get $u) (local.get $j))))
        (local.set $uo (i32.add (local.get $U) (i32.mul (local.get $u) (local.get $fb))))
        (local.set $io (i32.add (local.get $V) (i32.mul (local.get $i) (local.get $fb))))
        (local.set $jo (i32.add (local.get $V) (i32.mul (local.get $j) (local.get $fb))))
        (local.set $bi (i32.add (local.get $bias) (i32.shl (local.get $i) (i32.const 2))))
        (local.set $bj (i32.add (local.get $bias) (i32.shl (local.get $j) (i32.const 2))))
        ;; x = bᵢ − bⱼ + u · (vᵢ − vⱼ)
        (local.set $acc (v128.const i32x4 0 0 0 0))
        (local.set $a (i32.const 0))
        (loop $dot
          (local.set $acc (f32x4.add (local.get $acc)
            (f32x4.mul (v128.load (i32.add (local.get $uo) (local.get $a)))
              (f32x4.sub (v128.load (i32.add (local.get $io) (local.get $a))) (v128.load (i32.add (local.get $jo) (local.get $a)))))))
          (br_if $dot (i32.lt_u (local.tee $a (i32.add (local.get $a) (i32.const 16))) (local.get $fb))))
        (local.set $x (f64.promote_f32
          (f32.add
            (f32.sub (f32.load (local.get $bi)) (f32.load (local.get $bj)))
            (f32.add
              (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
              (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))))
        ;; z = σ(−x), the gradient scale
        (local.set $z (f32.demote_f64 (f64.div (f64.const 1) (f64.add (f64.const 1) (call $exp (local.get $x))))))
        (local.set $loss (f64.add (local.get $loss) (call $log1p (call $exp (f64.neg (local.get $x))))))
        (f32.store (local.get $bi) (f32.add (f32.load (local.get $bi))
          (f32.mul (local.get $lr) (f32.sub (local.get $z) (f32.mul (local.get $breg) (f32.load (local.get $bi)))))))
        (f32.store (local.get $bj) (f32.add (f32.load (local.get $bj))
          (f32.mul (local.get $lr) (f32.sub (f32.neg (local.get $z)) (f32.mul (local.get $breg) (f32.load (local.get $bj)))))))
        ;; u += lr (z (vᵢ − vⱼ) − reg u);  vᵢ += lr (z u − reg vᵢ);  vⱼ += lr (−z u − reg vⱼ)
        (local.set $zv (f32x4.splat (local.get $z)))
        (local.set $a (i32.const 0))
        (loop $update
          (local.set $uv (v128.load (i32.add (local.get $uo) (local.get $a))))
          (local.set $vi (v128.load (i32.add (local.get $io) (local.get $a))))
          (local.set $vj (v128.load (i32.add (local.get $jo) (local.get $a))))
          (v128.store (i32.add (local.get $uo) (local.get $a))
            (f32x4.add (local.get $uv) (f32x4.mul (local.get $lrv)
              (f32x4.sub (f32x4.mul (local.get $zv) (f32x4.sub (local.get $vi) (local.get $vj))) (f32x4.mul (local.get $regv) (local.get $uv))))))
          (v128.store (i32.add (local.get $io) (local.get $a))
            (f32x4.add (local.get $vi) (f32x4.mul (local.get $lrv)
              (f32x4.sub (f32x4.mul (local.get $zv) (local.get $uv)) (f32x4.mul (local.get $regv) (local.get $vi))))))
          (v128.store (i32.add (local.get $jo) (local.get $a))
            (f32x4.add (local.get $vj) (f32x4.mul (local.get $lrv)
              (f32x4.sub (f32x4.neg (f32x4.mul (local.get $zv) (local.get $uv))) (f32x4.mul (local.get $regv) (local.get $vj))))))
          (br_if $update (i32.lt_u (local.tee $a (i32.add (local.get $a) (i32.const 16))) (local.get $fb))))
        (br $steps)))
    (local.get $loss))
)
