;; C (m×n) = op(A) (m×k) · op(B) (k×n), or C += when acc; all row-major f32.
;; op(A)[i][p] = A[i*asi + p*asp] and op(B)[p][j] = B[p*bsp + j*bsj] (strides in elements),
;; so one kernel serves every transpose combination. This call computes rows [i0,i1) × columns [j0,j1).

;; The micro-kernel: a 2×16 tile of C = 2 rows of op(A) (pointers a0, a1, advancing by astep bytes)
;; times one 16-column panel of op(B) (16 contiguous floats per p, advancing by bstep bytes),
;; kept in 8 f32x4 accumulators; the sum over all k is added to (acc) or stored at dst (row stride ldd bytes).
;; Two rows, not four: 8 accumulators + 4 panel vectors + the broadcast + the engine's FMA temporary fit
;; the 16 xmm registers of x86-64, where a 4×16 tile spilled 7 accumulators to the stack every step.
(func $matmul_tile
  (param $a0 i32) (param $a1 i32) (param $astep i32)
  (param $b i32) (param $bstep i32) (param $k i32) (param $dst i32) (param $ldd i32) (param $acc i32)
  (local $c00 v128) (local $c01 v128) (local $c02 v128) (local $c03 v128)
  (local $c10 v128) (local $c11 v128) (local $c12 v128) (local $c13 v128)
  (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128) (local $x v128)
  (local $p i32) (local $d i32)
  (if (i32.gt_s (local.get $k) (i32.const 0))
    (then
      (loop $steps
        (local.set $b0 (v128.load (local.get $b)))
        (local.set $b1 (v128.load offset=16 (local.get $b)))
        (local.set $b2 (v128.load offset=32 (local.get $b)))
        (local.set $b3 (v128.load offset=48 (local.get $b)))
        (local.set $x (v128.load32_splat (local.get $a0)))
        (local.set $c00 (f32x4.relaxed_madd (local.get $x) (local.get $b0) (local.get $c00)))
        (local.set $c01 (f32x4.relaxed_madd (local.get $x) (local.get $b1) (local.get $c01)))
        (local.set $c02 (f32x4.relaxed_madd (local.get $x) (local.get $b2) (local.get $c02)))
        (local.set $c03 (f32x4.relaxed_madd (local.get $x) (local.get $b3) (local.get $c03)))
        (local.set $x (v128.load32_splat (local.get $a1)))
        (local.set $c10 (f32x4.relaxed_madd (local.get $x) (local.get $b0) (local.get $c10)))
        (local.set $c11 (f32x4.relaxed_madd (local.get $x) (local.get $b1) (local.get $c11)))
        (local.set $c12 (f32x4.relaxed_madd (local.get $x) (local.get $b2) (local.get $c12)))
        (local.set $c13 (f32x4.relaxed_madd (local.get $x) (local.get $b3) (local.get $c13)))
        (local.set $a0 (i32.add (local.get $a0) (local.get $astep)))
        (local.set $a1 (i32.add (local.get $a1) (local.get $astep)))
        (local.set $b (i32.add (local.get $b) (local.get $bstep)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br_if $steps (i32.lt_s (local.get $p) (local.get $k))))))
  ;; C = sum, or C + sum: the whole dot product is formed first, as the reference does.
  (local.set $d (local.get $dst))
  (if (local.get $acc)
    (then
      (local.set $c00 (f32x4.add (local.get $c00) (v128.load (local.get $d))))
      (local.set $c01 (f32x4.add (local.get $c01) (v128.load offset=16 (local.get $d))))
      (local.set $c02 (f32x4.add (local.get $c02) (v128.load offset=32 (local.get $d))))
      (local.set $c03 (f32x4.add (local.get $c03) (v128.load offset=48 (local.get $d))))
      (local.set $d (i32.add (local.get $d) (local.get $ldd)))
      (local.set $c10 (f32x4.add (local.get $c10) (v128.load (local.get $d))))
      (local.set $c11 (f32x4.add (local.get $c11) (v128.load offset=16 (local.get $d))))
      (local.set $c12 (f32x4.add (local.get $c12) (v128.load offset=32 (local.get $d))))
      (local.set $c13 (f32x4.add (local.get $c13) (v128.load offset=48 (local.get $d))))
      (local.set $d (local.get $dst))))
  (v128.store (local.get $d) (local.get $c00))
  (v128.store offset=16 (local.get $d) (local.get $c01))
  (v128.store offset=32 (local.get $d) (local.get $c02))
  (v128.store offset=48 (local.get $d) (local.get $c03))
  (local.set $d (i32.add (local.get $d) (local.get $ldd)))
  (v128.store (local.get $d) (local.get $c10))
  (v128.store offset=16 (local.get $d) (local.get $c11))
  (v128.store offset=32 (local.get $d) (local.get $c12))
  (v128.store offset=48 (local.get $d) (local.get $c13)))

;; Copies columns [j, j+16) of op(B) (k×16, zero past column n) into a contiguous panel at dst,
;; so the micro-kernel always reads 16 adjacent floats per step whatever B's layout.
(func $matmul_pack
  (param $b i32) (param $bsp i32) (param $bsj i32) (param $j i32) (param $n i32) (param $k i32) (param $dst i32)
  (local $p i32) (local $q i32) (local $w i32) (local $row i32)
  (local.set $w (i32.sub (local.get $n) (local.get $j)))
  (if (i32.gt_s (local.get $w) (i32.const 16)) (then (local.set $w (i32.const 16))))
  (block $done
    (loop $rows
      (br_if $done (i32.ge_s (local.get $p) (local.get $k)))
      ;; row = &op(B)[p][j]
      (local.set $row (i32.add (local.get $b)
        (i32.shl (i32.add (i32.mul (local.get $p) (local.get $bsp)) (i32.mul (local.get $j) (local.get $bsj))) (i32.const 2))))
      (local.set $q (i32.const 0))
      (block $cols_done
        (loop $cols
          (br_if $cols_done (i32.ge_s (local.get $q) (i32.const 16)))
          (f32.store (i32.add (local.get $dst) (i32.shl (local.get $q) (i32.const 2)))
            (if (result f32) (i32.lt_s (local.get $q) (local.get $w))
              (then (f32.load (i32.add (local.get $row) (i32.shl (i32.mul (local.get $q) (local.get $bsj)) (i32.const 2)))))
              (else (f32.const 0))))
          (local.set $q (i32.add (local.get $q) (i32.const 1)))
          (br $cols)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 64)))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br $rows))))

;; Rows [i0,i1) × columns [j0,j1) of C; j0 is a multiple of 16 (panels never straddle two calls).
;; scratch holds k×16 floats for a packed panel plus an edge tile (k*64 + 256 bytes, 16-aligned).
;; Each C element is one dot product over p = 0..k-1 in order, whichever call computes it,
;; so results do not depend on how the work is split across threads.
(func $matmul_forward (export "matmul_forward")
  (param $a i32) (param $asi i32) (param $asp i32)
  (param $b i32) (param $bsp i32) (param $bsj i32)
  (param $c i32) (param $ldc i32) (param $k i32) (param $n i32)
  (param $i0 i32) (param $i1 i32) (param $j0 i32) (param $j1 i32)
  (param $acc i32) (param $scratch i32)
  (local $j i32) (local $i i32) (local $w i32) (local $h i32)
  (local $panel i32) (local $pstep i32) (local $tile i32)
  (local $a0 i32) (local $a1 i32) (local $rowstep i32)
  (local $r i32) (local $q i32) (local $src i32) (local $dst i32)
  (local $kb i32) (local $kc i32) (local $accb i32) (local $bpanel i32)
  (local.set $tile (i32.add (local.get $scratch) (i32.shl (local.get $k) (i32.const 6))))
  (local.set $rowstep (i32.shl (local.get $asi) (i32.const 2)))
  (local.set $j (local.get $j0))
  (block $panels_done
    (loop $panels
      (br_if $panels_done (i32.ge_s (local.get $j) (local.get $j1)))
      (local.set $w (i32.sub (local.get $n) (local.get $j)))
      (if (i32.gt_s (local.get $w) (i32.const 16)) (then (local.set $w (i32.const 16))))
      ;; B already holds 16 adjacent floats per step when it is not transposed and the panel is full.
      (if (i32.and (i32.eq (local.get $bsj) (i32.const 1)) (i32.eq (local.get $w) (i32.const 16)))
        (then
          (local.set $panel (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))))
          (local.set $pstep (i32.shl (local.get $bsp) (i32.const 2))))
        (else
          (call $matmul_pack (local.get $b) (local.get $bsp) (local.get $bsj) (local.get $j) (local.get $n) (local.get $k) (local.get $scratch))
          (local.set $panel (local.get $scratch))
          (local.set $pstep (i32.const 64))))
      ;; k in blocks of 256, so the panel's slice (256×16 floats, 16 KiB) stays in L1 while every
      ;; row block of this call streams past it; blocks after the first add onto C
      (local.set $kb (i32.const 0))
      (loop $kblocks
      (local.set $kc (i32.sub (local.get $k) (local.get $kb)))
      (if (i32.gt_s (local.get $kc) (i32.const 256)) (then (local.set $kc (i32.const 256))))
      (local.set $accb (i32.or (local.get $acc) (i32.gt_s (local.get $kb) (i32.const 0))))
      (local.set $bpanel (i32.add (local.get $panel) (i32.mul (local.get $kb) (local.get $pstep))))
      (local.set $i (local.get $i0))
      (block $rows_done
        (loop $rows
          (br_if $rows_done (i32.ge_s (local.get $i) (local.get $i1)))
          (local.set $h (i32.sub (local.get $i1) (local.get $i)))
          (if (i32.gt_s (local.get $h) (i32.const 2)) (then (local.set $h (i32.const 2))))
          ;; missing rows of an edge tile re-read row i; their results land in the tile and are dropped
          (local.set $a0 (i32.add (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $rowstep)))
            (i32.shl (i32.mul (local.get $kb) (local.get $asp)) (i32.const 2))))
          (local.set $a1 (select (i32.add (local.get $a0) (local.get $rowstep)) (local.get $a0) (i32.gt_s (local.get $h) (i32.const 1))))
          (if (i32.and (i32.eq (local.get $h) (i32.const 2)) (i32.eq (local.get $w) (i32.const 16)))
            (then
              (call $matmul_tile (local.get $a0) (local.get $a1)
                (i32.shl (local.get $asp) (i32.const 2)) (local.get $bpanel) (local.get $pstep) (local.get $kc)
                (i32.add (local.get $c) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $ldc)) (local.get $j)) (i32.const 2)))
                (i32.shl (local.get $ldc) (i32.const 2)) (local.get $accb)))
            (else
              (call $matmul_tile (local.get $a0) (local.get $a1)
                (i32.shl (local.get $asp) (i32.const 2)) (local.get $bpanel) (local.get $pstep) (local.get $kc)
                (local.get $tile) (i32.const 64) (i32.const 0))
              ;; copy the h×w valid part of the edge tile into C
              (local.set $r (i32.const 0))
              (block $copy_done
                (loop $copy_rows
                  (br_if $copy_done (i32.ge_s (local.get $r) (local.get $h)))
                  (local.set $q (i32.const 0))
                  (block $copy_cols_done
                    (loop $copy_cols
                      (br_if $copy_cols_done (i32.ge_s (local.get $q) (local.get $w)))
                      (local.set $src (i32.add (local.get $tile) (i32.shl (i32.add (i32.shl (local.get $r) (i32.const 4)) (local.get $q)) (i32.const 2))))
                      (local.set $dst (i32.add (local.get $c)
                        (i32.shl (i32.add (i32.mul (i32.add (local.get $i) (local.get $r)) (local.get $ldc)) (i32.add (local.get $j) (local.get $q))) (i32.const 2))))
                      (f32.store (local.get $dst)
                        (select
                          (f32.add (f32.load (local.get $dst)) (f32.load (local.get $src)))
                          (f32.load (local.get $src))
                          (local.get $accb)))
                      (local.set $q (i32.add (local.get $q) (i32.const 1)))
                      (br $copy_cols)))
                  (local.set $r (i32.add (local.get $r) (i32.const 1)))
                  (br $copy_rows)))))
          (local.set $i (i32.add (local.get $i) (i32.const 2)))
          (br $rows)))
      (local.set $kb (i32.add (local.get $kb) (i32.const 256)))
      (br_if $kblocks (i32.lt_s (local.get $kb) (local.get $k))))
      (local.set $j (i32.add (local.get $j) (i32.const 16)))
      (br $panels))))
