;; softmax_forward: x (rows×cols) → out (rows×cols), each row exp(x - max) / sum; out may be x.
;; softmax_xent_backward: logits, probs, grad (rows×cols), labels (rows×1 class ids as f32), loss (1×1):
;;   probs = softmax(logits); grad = (probs - onehot)·scale; loss += Σ -ln clip(p_label). squared_error_backward alike.

(func $softmax_forward (export "softmax_forward")
  (param $x i32) (param $out i32) (param $rows i32) (param $cols i32)
  (local $r i32) (local $c i32) (local $wide i32) (local $src i32) (local $dst i32)
  (local $max f32) (local $sum f32) (local $sums v128) (local $e v128) (local $inv v128)
  (local.set $wide (i32.and (local.get $cols) (i32.const -4)))
  (block $rows_done
    (loop $rows
      (br_if $rows_done (i32.ge_s (local.get $r) (local.get $rows)))
      (local.set $src (i32.add (local.get $x) (i32.shl (i32.mul (local.get $r) (local.get $cols)) (i32.const 2))))
      (local.set $dst (i32.add (local.get $out) (i32.shl (i32.mul (local.get $r) (local.get $cols)) (i32.const 2))))
      (local.set $max (f32.const -inf))
      (local.set $c (i32.const 0))
      (block $max_done
        (loop $max_cols
          (br_if $max_done (i32.ge_s (local.get $c) (local.get $cols)))
          (local.set $max (f32.max (local.get $max) (f32.load (i32.add (local.get $src) (i32.shl (local.get $c) (i32.const 2))))))
          (local.set $c (i32.add (local.get $c) (i32.const 1)))
          (br $max_cols)))
      ;; exponentials: four lanes of partial sums, then the tail one at a time, in a fixed order
      (local.set $sums (v128.const f32x4 0 0 0 0))
      (local.set $c (i32.const 0))
      (block $exp_done
        (loop $exp_cols
          (br_if $exp_done (i32.ge_s (local.get $c) (local.get $wide)))
          (local.set $e (call $exp4 (f32x4.sub (v128.load (i32.add (local.get $src) (i32.shl (local.get $c) (i32.const 2))))
            (f32x4.splat (local.get $max)))))
          (v128.store (i32.add (local.get $dst) (i32.shl (local.get $c) (i32.const 2))) (local.get $e))
          (local.set $sums (f32x4.add (local.get $sums) (local.get $e)))
          (local.set $c (i32.add (local.get $c) (i32.const 4)))
          (br $exp_cols)))
      (local.set $sum (f32.add
        (f32.add (f32x4.extract_lane 0 (local.get $sums)) (f32x4.extract_lane 1 (local.get $sums)))
        (f32.add (f32x4.extract_lane 2 (local.get $sums)) (f32x4.extract_lane 3 (local.get $sums)))))
      (block $tail_done
        (loop $tail
          (br_if $tail_done (i32.ge_s (local.get $c) (local.get $cols)))
          (local.set $e (call $exp4 (f32x4.splat (f32.sub (f32.load (i32.add (local.get $src) (i32.shl (local.get $c) (i32.const 2))))
            (local.get $max)))))
          (f32.store (i32.add (local.get $dst) (i32.shl (local.get $c) (i32.const 2))) (f32x4.extract_lane 0 (local.get $e)))
          (local.set $sum (f32.add (local.get $sum) (f32x4.extract_lane 0 (local.get $e))))
          (local.set $c (i32.add (local.get $c) (i32.const 1)))
          (br $tail)))
      (local.set $inv (f32x4.splat (local.get $sum)))
      (local.set $c (i32.const 0))
      (block $norm_done
        (loop $norm_cols
          (br_if $norm_done (i32.ge_s (local.get $c) (local.get $wide)))
          (v128.store (i32.add (local.get $dst) (i32.shl (local.get $c) (i32.const 2)))
            (f32x4.div (v128.load (i32.add (local.get $dst) (i32.shl (local.get $c) (i32.const 2)))) (local.get $inv)))
          (local.set $c (i32.add (local.get $c) (i32.const 4)))
          (br $norm_cols)))
      (block $norm_tail_done
        (loop $norm_tail
          (br_if $norm_tail_done (i32.ge_s (local.get $c) (local.get $cols)))
          (f32.store (i32.add (local.get $dst) (i32.shl (local.get $c) (i32.const 2)))
            (f32.div (f32.load (i32.add (local.get $dst) (i32.shl (local.get $c) (i32.const 2)))) (local.get $sum)))
          (local.set $c (i32.add (local.get $c) (i32.const 1)))
          (br $norm_tail)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rows))))

;; A label outside [0, cols) matches no class, as in the reference: no loss term, grad = probs·scale.
(func $softmax_xent_backward (export "softmax_xent_backward")
  (param $logits i32) (param $labels i32) (param $probs i32) (param $grad i32) (param $loss i32)
  (param $rows i32) (param $cols i32) (param $scale f32)
  (local $r i32) (local $c i32) (local $label f32) (local $at i32) (local $p f32) (local $total f64)
  (local $prow i32) (local $grow i32)
  (call $softmax_forward (local.get $logits) (local.get $probs) (local.get $rows) (local.get $cols))
  (block $rows_done
    (loop $rows
      (br_if $rows_done (i32.ge_s (local.get $r) (local.get $rows)))
      (local.set $prow (i32.add (local.get $probs) (i32.shl (i32.mul (local.get $r) (local.get $cols)) (i32.const 2))))
      (local.set $grow (i32.add (local.get $grad) (i32.shl (i32.mul (local.get $r) (local.get $cols)) (i32.const 2))))
      (local.set $label (f32.load (i32.add (local.get $labels) (i32.shl (local.get $r) (i32.const 2)))))
      (local.set $at (i32.const -1))
      (if (i32.and (f32.ge (local.get $label) (f32.const 0)) (f32.lt (local.get $label) (f32.convert_i32_s (local.get $cols))))
        (then
          (if (f32.eq (local.get $label) (f32.floor (local.get $label)))
            (then (local.set $at (i32.trunc_f32_s (local.get $label)))))))
      ;; p_label is read before grad (which may be probs) is written
      (if (i32.ge_s (local.get $at) (i32.const 0))
        (then
          (local.set $p (f32.load (i32.add (local.get $prow) (i32.shl (local.get $at) (i32.const 2)))))
          (local.set $total (f64.sub (local.get $total)
            (call $log64 (f64.promote_f32
              (f32.min (f32.max (local.get $p) (f32.const 1.1920928955078125e-7)) (f32.const 0.99999988))))))))
      (local.set $c (i32.const 0))
      (block $cols_done
        (loop $grad_cols
          (br_if $cols_done (i32.ge_s (local.get $c) (local.get $cols)))
          (f32.store (i32.add (local.get $grow) (i32.shl (local.get $c) (i32.const 2)))
            (f32.mul
              (f32.sub (f32.load (i32.add (local.get $prow) (i32.shl (local.get $c) (i32.const 2))))
                (select (f32.const 1) (f32.const 0) (i32.eq (local.get $c) (local.get $at))))
              (local.get $scale)))
          (local.set $c (i32.add (local.get $c) (i32.const 1)))
          (br $grad_cols)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rows)))
  (f32.store (local.get $loss) (f32.demote_f64 (f64.add (f64.promote_f32 (f32.load (local.get $loss))) (local.get $total)))))

;; pred, target, grad (count each): grad = (pred - target)·scale; loss (1×1) += ½ Σ (pred - target)², summed in f64.
(func $squared_error_backward (export "squared_error_backward")
  (param $pred i32) (param $target i32) (param $grad i32) (param $loss i32) (param $count i32) (param $scale f32)
  (local $i i32) (local $d f32) (local $total f64)
  (block $done
    (loop $elements
      (br_if $done (i32.ge_s (local.get $i) (local.get $count)))
      (local.set $d (f32.sub (f32.load (local.get $pred)) (f32.load (local.get $target))))
      (local.set $total (f64.add (local.get $total)
        (f64.mul (f64.const 0.5) (f64.mul (f64.promote_f32 (local.get $d)) (f64.promote_f32 (local.get $d))))))
      (f32.store (local.get $grad) (f32.mul (local.get $d) (local.get $scale)))
      (local.set $pred (i32.add (local.get $pred) (i32.const 4)))
      (local.set $target (i32.add (local.get $target) (i32.const 4)))
      (local.set $grad (i32.add (local.get $grad) (i32.const 4)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $elements)))
  (f32.store (local.get $loss) (f32.demote_f64 (f64.add (f64.promote_f32 (f32.load (local.get $loss))) (local.get $total)))))
