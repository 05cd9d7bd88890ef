;; adam_step: param, grad, m, v (count each, in place) — scikit-learn's AdamOptimizer with an L2 term:
;; g = grad + l2·param; m = β1·m + (1-β1)·g; v = β2·v + (1-β2)·g²; param -= lrT·m / (√v + eps),
;; lrT = lr·√(1-β2^t) / (1-β1^t) and γ = 1-β come from the caller in f64 (1 - f32(0.999) is off by 1e-5).

(func $adam_step (export "adam_step")
  (param $w i32) (param $grad i32) (param $m i32) (param $v i32) (param $count i32)
  (param $lrT f32) (param $beta1 f32) (param $gamma1 f32) (param $beta2 f32) (param $gamma2 f32) (param $eps f32) (param $l2 f32)
  (local $end i32) (local $g v128) (local $mv v128) (local $vv v128)
  (local $b1 v128) (local $c1 v128) (local $b2 v128) (local $c2 v128) (local $lr v128) (local $e v128) (local $l v128)
  (local.set $b1 (f32x4.splat (local.get $beta1)))
  (local.set $c1 (f32x4.splat (local.get $gamma1)))
  (local.set $b2 (f32x4.splat (local.get $beta2)))
  (local.set $c2 (f32x4.splat (local.get $gamma2)))
  (local.set $lr (f32x4.splat (local.get $lrT)))
  (local.set $e (f32x4.splat (local.get $eps)))
  (local.set $l (f32x4.splat (local.get $l2)))
  ;; whole f32x4 over ceil(count/4): allocations are padded to 64 bytes
  (local.set $end (i32.add (local.get $w) (i32.shl (local.get $count) (i32.const 2))))
  (block $done
    (loop $vectors
      (br_if $done (i32.ge_u (local.get $w) (local.get $end)))
      (local.set $g (f32x4.add (v128.load (local.get $grad)) (f32x4.mul (local.get $l) (v128.load (local.get $w)))))
      (local.set $mv (f32x4.add (f32x4.mul (local.get $b1) (v128.load (local.get $m))) (f32x4.mul (local.get $c1) (local.get $g))))
      (local.set $vv (f32x4.add (f32x4.mul (local.get $b2) (v128.load (local.get $v)))
        (f32x4.mul (local.get $c2) (f32x4.mul (local.get $g) (local.get $g)))))
      (v128.store (local.get $m) (local.get $mv))
      (v128.store (local.get $v) (local.get $vv))
      (v128.store (local.get $w)
        (f32x4.sub (v128.load (local.get $w))
          (f32x4.div (f32x4.mul (local.get $lr) (local.get $mv)) (f32x4.add (f32x4.sqrt (local.get $vv)) (local.get $e)))))
      (local.set $w (i32.add (local.get $w) (i32.const 16)))
      (local.set $grad (i32.add (local.get $grad) (i32.const 16)))
      (local.set $m (i32.add (local.get $m) (i32.const 16)))
      (local.set $v (i32.add (local.get $v) (i32.const 16)))
      (br $vectors))))
