;; gather_rows_forward: src (srcRows×cols), idx (u32, from offset) → out (rows×cols), out[r] = src[idx[offset + r]].
;; fill_forward: x (count) = value.
;; add_into: acc (count) += x (count), elementwise (summing the gradients of parallel lanes).
;; Both return nothing but gather reports an index past srcRows (returns 1) before copying anything.

(func $gather_rows_forward (export "gather_rows_forward")
  (param $src i32) (param $srcRows i32) (param $cols i32) (param $idx i32) (param $out i32) (param $rows i32) (result i32)
  (local $r i32) (local $row i32) (local $bytes i32)
  (block $checked
    (loop $check
      (br_if $checked (i32.ge_s (local.get $r) (local.get $rows)))
      (if (i32.ge_u (i32.load (i32.add (local.get $idx) (i32.shl (local.get $r) (i32.const 2)))) (local.get $srcRows))
        (then (return (i32.const 1))))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $check)))
  (local.set $bytes (i32.shl (local.get $cols) (i32.const 2)))
  (local.set $r (i32.const 0))
  (block $done
    (loop $copy
      (br_if $done (i32.ge_s (local.get $r) (local.get $rows)))
      (local.set $row (i32.load (i32.add (local.get $idx) (i32.shl (local.get $r) (i32.const 2)))))
      (memory.copy
        (i32.add (local.get $out) (i32.mul (local.get $r) (local.get $bytes)))
        (i32.add (local.get $src) (i32.mul (local.get $row) (local.get $bytes)))
        (local.get $bytes))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $copy)))
  (i32.const 0))

;; Whole f32x4 over ceil(count/4): allocations are padded to 64 bytes.
(func $fill_forward (export "fill_forward") (param $x i32) (param $count i32) (param $value f32)
  (local $end i32) (local $v v128)
  (local.set $v (f32x4.splat (local.get $value)))
  (local.set $end (i32.add (local.get $x) (i32.shl (local.get $count) (i32.const 2))))
  (block $done
    (loop $vectors
      (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
      (v128.store (local.get $x) (local.get $v))
      (local.set $x (i32.add (local.get $x) (i32.const 16)))
      (br $vectors))))

;; Whole f32x4 over ceil(count/4): allocations are padded to 64 bytes.
(func $add_into (export "add_into") (param $x i32) (param $acc i32) (param $count i32)
  (local $end i32)
  (local.set $end (i32.add (local.get $acc) (i32.shl (local.get $count) (i32.const 2))))
  (block $done
    (loop $vectors
      (br_if $done (i32.ge_u (local.get $acc) (local.get $end)))
      (v128.store (local.get $acc) (f32x4.add (v128.load (local.get $acc)) (v128.load (local.get $x))))
      (local.set $acc (i32.add (local.get $acc) (i32.const 16)))
      (local.set $x (i32.add (local.get $x) (i32.const 16)))
      (br $vectors))))
