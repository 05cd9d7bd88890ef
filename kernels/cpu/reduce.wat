;; column_sums_forward: x (rows×cols) → out (1×cols) = column sums (or out += when acc), summed in f64.
;; sum_squares_forward: x (count) → acc (1×1) += Σ x², summed in f64.
;; argmax_forward: x (rows×cols) → out (rows×1) = index of the first largest value of each row, as f32.

;; Two columns at a time in one f64x2, walking down the rows; the order is fixed, so results repeat bit for bit.
(func $column_sums_forward (export "column_sums_forward")
  (param $x i32) (param $out i32) (param $rows i32) (param $cols i32) (param $acc i32)
  (local $c i32) (local $r i32) (local $p i32) (local $stride i32) (local $s v128) (local $t f64)
  (local.set $stride (i32.shl (local.get $cols) (i32.const 2)))
  (block $pairs_done
    (loop $pairs
      (br_if $pairs_done (i32.gt_s (i32.add (local.get $c) (i32.const 2)) (local.get $cols)))
      (local.set $s (v128.const f64x2 0 0))
      (if (local.get $acc)
        (then (local.set $s (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $out) (i32.shl (local.get $c) (i32.const 2))))))))
      (local.set $p (i32.add (local.get $x) (i32.shl (local.get $c) (i32.const 2))))
      (local.set $r (i32.const 0))
      (block $rows_done
        (loop $rows
          (br_if $rows_done (i32.ge_s (local.get $r) (local.get $rows)))
          (local.set $s (f64x2.add (local.get $s) (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $p)))))
          (local.set $p (i32.add (local.get $p) (local.get $stride)))
          (local.set $r (i32.add (local.get $r) (i32.const 1)))
          (br $rows)))
      (v128.store64_lane 0 (i32.add (local.get $out) (i32.shl (local.get $c) (i32.const 2)))
        (f32x4.demote_f64x2_zero (local.get $s)))
      (local.set $c (i32.add (local.get $c) (i32.const 2)))
      (br $pairs)))
  ;; an odd last column
  (if (i32.lt_s (local.get $c) (local.get $cols))
    (then
      (local.set $t (f64.const 0))
      (if (local.get $acc)
        (then (local.set $t (f64.promote_f32 (f32.load (i32.add (local.get $out) (i32.shl (local.get $c) (i32.const 2))))))))
      (local.set $p (i32.add (local.get $x) (i32.shl (local.get $c) (i32.const 2))))
      (local.set $r (i32.const 0))
      (block $rows_done
        (loop $rows
          (br_if $rows_done (i32.ge_s (local.get $r) (local.get $rows)))
          (local.set $t (f64.add (local.get $t) (f64.promote_f32 (f32.load (local.get $p)))))
          (local.set $p (i32.add (local.get $p) (local.get $stride)))
          (local.set $r (i32.add (local.get $r) (i32.const 1)))
          (br $rows)))
      (f32.store (i32.add (local.get $out) (i32.shl (local.get $c) (i32.const 2))) (f32.demote_f64 (local.get $t))))))

(func $sum_squares_forward (export "sum_squares_forward")
  (param $x i32) (param $count i32) (param $acc i32)
  (local $end i32) (local $s v128) (local $v v128) (local $t f64)
  (local.set $end (i32.add (local.get $x) (i32.shl (i32.and (local.get $count) (i32.const -2)) (i32.const 2))))
  (block $done
    (loop $pairs
      (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
      (local.set $v (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $x))))
      (local.set $s (f64x2.add (local.get $s) (f64x2.mul (local.get $v) (local.get $v))))
      (local.set $x (i32.add (local.get $x) (i32.const 8)))
      (br $pairs)))
  (local.set $t (f64.add (f64x2.extract_lane 0 (local.get $s)) (f64x2.extract_lane 1 (local.get $s))))
  (if (i32.and (local.get $count) (i32.const 1))
    (then (local.set $t (f64.add (local.get $t)
      (f64.mul (f64.promote_f32 (f32.load (local.get $x))) (f64.promote_f32 (f32.load (local.get $x))))))))
  (f32.store (local.get $acc) (f32.demote_f64 (f64.add (f64.promote_f32 (f32.load (local.get $acc))) (local.get $t)))))

(func $argmax_forward (export "argmax_forward")
  (param $x i32) (param $out i32) (param $rows i32) (param $cols i32)
  (local $r i32) (local $c i32) (local $best i32) (local $max f32) (local $v f32)
  (block $rows_done
    (loop $rows
      (br_if $rows_done (i32.ge_s (local.get $r) (local.get $rows)))
      (local.set $best (i32.const 0))
      (local.set $max (f32.load (local.get $x)))
      (local.set $c (i32.const 1))
      (block $cols_done
        (loop $cols
          (br_if $cols_done (i32.ge_s (local.get $c) (local.get $cols)))
          (local.set $v (f32.load (i32.add (local.get $x) (i32.shl (local.get $c) (i32.const 2)))))
          (if (f32.gt (local.get $v) (local.get $max))
            (then (local.set $max (local.get $v)) (local.set $best (local.get $c))))
          (local.set $c (i32.add (local.get $c) (i32.const 1)))
          (br $cols)))
      (f32.store (local.get $out) (f32.convert_i32_s (local.get $best)))
      (local.set $x (i32.add (local.get $x) (i32.shl (local.get $cols) (i32.const 2))))
      (local.set $out (i32.add (local.get $out) (i32.const 4)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rows))))
