;; bias_activation_forward: x (rows×cols), bias (1×cols) → out (rows×cols) = act(x + bias); out may be x.
;; activation_backward: grad (count) *= act'(z) written through y = act(z) (count), as sklearn's derivatives.
;; act codes: 0 identity, 1 relu, 2 tanh, 3 logistic (the order of ACTIVATIONS in backend.ts).

(func $activate4 (param $z v128) (param $act i32) (result v128)
  (local $e v128)
  (if (i32.eq (local.get $act) (i32.const 1))
    (then (return (f32x4.max (local.get $z) (v128.const f32x4 0 0 0 0)))))
  (if (i32.eq (local.get $act) (i32.const 2))
    (then
      ;; tanh|z| = (1 - e^{-2|z|}) / (1 + e^{-2|z|}) never overflows; the sign of z is put back after
      (local.set $e (call $exp4 (f32x4.mul (f32x4.abs (local.get $z)) (v128.const f32x4 -2 -2 -2 -2))))
      (return (v128.or
        (f32x4.div (f32x4.sub (v128.const f32x4 1 1 1 1) (local.get $e)) (f32x4.add (v128.const f32x4 1 1 1 1) (local.get $e)))
        (v128.and (local.get $z) (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000))))))
  (if (i32.eq (local.get $act) (i32.const 3))
    (then
      (return (f32x4.div (v128.const f32x4 1 1 1 1)
        (f32x4.add (v128.const f32x4 1 1 1 1) (call $exp4 (f32x4.neg (local.get $z))))))))
  (local.get $z))

(func $bias_activation_forward (export "bias_activation_forward")
  (param $x i32) (param $bias i32) (param $out i32) (param $rows i32) (param $cols i32) (param $act i32)
  (local $r i32) (local $c i32) (local $wide i32) (local $off i32)
  ;; columns [0, wide) go four at a time; the last cols % 4 one at a time (a bias row has no padding to spare)
  (local.set $wide (i32.and (local.get $cols) (i32.const -4)))
  (block $rows_done
    (loop $rows
      (br_if $rows_done (i32.ge_s (local.get $r) (local.get $rows)))
      (local.set $c (i32.const 0))
      (block $wide_done
        (loop $wide_cols
          (br_if $wide_done (i32.ge_s (local.get $c) (local.get $wide)))
          (local.set $off (i32.shl (i32.add (i32.mul (local.get $r) (local.get $cols)) (local.get $c)) (i32.const 2)))
          (v128.store (i32.add (local.get $out) (local.get $off))
            (call $activate4
              (f32x4.add (v128.load (i32.add (local.get $x) (local.get $off)))
                (v128.load (i32.add (local.get $bias) (i32.shl (local.get $c) (i32.const 2)))))
              (local.get $act)))
          (local.set $c (i32.add (local.get $c) (i32.const 4)))
          (br $wide_cols)))
      (block $tail_done
        (loop $tail
          (br_if $tail_done (i32.ge_s (local.get $c) (local.get $cols)))
          (local.set $off (i32.shl (i32.add (i32.mul (local.get $r) (local.get $cols)) (local.get $c)) (i32.const 2)))
          (f32.store (i32.add (local.get $out) (local.get $off))
            (f32x4.extract_lane 0 (call $activate4
              (f32x4.splat (f32.add (f32.load (i32.add (local.get $x) (local.get $off)))
                (f32.load (i32.add (local.get $bias) (i32.shl (local.get $c) (i32.const 2))))))
              (local.get $act))))
          (local.set $c (i32.add (local.get $c) (i32.const 1)))
          (br $tail)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rows))))

;; Whole f32x4 over ceil(count/4): every allocation is padded to 64 bytes, so the last vector stays inside it.
(func $activation_backward (export "activation_backward")
  (param $grad i32) (param $y i32) (param $count i32) (param $act i32)
  (local $end i32) (local $g v128) (local $v v128)
  (if (i32.eqz (local.get $act)) (then (return)))
  (local.set $end (i32.add (local.get $grad) (i32.shl (local.get $count) (i32.const 2))))
  (block $done
    (loop $vectors
      (br_if $done (i32.ge_u (local.get $grad) (local.get $end)))
      (local.set $g (v128.load (local.get $grad)))
      (local.set $v (v128.load (local.get $y)))
      (v128.store (local.get $grad)
        (if (result v128) (i32.eq (local.get $act) (i32.const 1))
          (then (v128.and (local.get $g) (f32x4.gt (local.get $v) (v128.const f32x4 0 0 0 0))))
          (else (if (result v128) (i32.eq (local.get $act) (i32.const 2))
            (then (f32x4.mul (local.get $g) (f32x4.sub (v128.const f32x4 1 1 1 1) (f32x4.mul (local.get $v) (local.get $v)))))
            (else (f32x4.mul (local.get $g) (f32x4.mul (local.get $v) (f32x4.sub (v128.const f32x4 1 1 1 1) (local.get $v)))))))))
      (local.set $grad (i32.add (local.get $grad) (i32.const 16)))
      (local.set $y (i32.add (local.get $y) (i32.const 16)))
      (br $vectors))))
