;; Helpers shared by the kernels: exp on f32x4 (wasm has no exp) and a scalar natural log in f64.
;; exp4: x (f32x4) → e^x (f32x4), about 1 ulp on [-87, 88], clamped outside (e^-87 ≈ 1.6e-38, e^88 ≈ 1.7e38).
;; log64: x (f64, > 0) → ln x (f64), used once per row for the cross-entropy loss.

;; e^x = 2^n · e^r with n = round(x·log2 e) and |r| ≤ ln2/2; e^r by a degree-6 polynomial,
;; 2^n built directly in the exponent bits. ln2 is split in two so that x - n·ln2 stays exact.
(func $exp4 (param $x v128) (result v128)
  (local $n v128) (local $r v128) (local $p v128)
  (local.set $x (f32x4.min (f32x4.max (local.get $x) (v128.const f32x4 -87.0 -87.0 -87.0 -87.0))
    (v128.const f32x4 88.0 88.0 88.0 88.0)))
  (local.set $n (f32x4.nearest (f32x4.mul (local.get $x) (v128.const f32x4 1.44269504 1.44269504 1.44269504 1.44269504))))
  (local.set $r (f32x4.sub (local.get $x) (f32x4.mul (local.get $n) (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375))))
  (local.set $r (f32x4.sub (local.get $r) (f32x4.mul (local.get $n) (v128.const f32x4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4))))
  ;; minimax coefficients (as in Cephes expf) of (e^r - 1 - r) / r² on |r| ≤ ln2/2
  (local.set $p (v128.const f32x4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4))
  (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3)))
  (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3)))
  (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2)))
  (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1)))
  (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1)))
  (local.set $p (f32x4.add (f32x4.add (f32x4.mul (f32x4.mul (local.get $p) (local.get $r)) (local.get $r)) (local.get $r))
    (v128.const f32x4 1.0 1.0 1.0 1.0)))
  ;; 2^n: (n + 127) << 23 as float bits; n ∈ [-126, 127] after the clamp
  (f32x4.mul (local.get $p)
    (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $n)) (v128.const i32x4 127 127 127 127)) (i32.const 23))))

;; ln x = e·ln2 + ln m with x = m·2^e, m ∈ [√½, √2); ln m = 2·atanh(s), s = (m-1)/(m+1), |s| ≤ 0.172,
;; whose odd series to s^13 is within 5e-13 relative. Inputs here are clipped probabilities (≥ 1.19e-7).
(func $log64 (param $x f64) (result f64)
  (local $bits i64) (local $e f64) (local $m f64) (local $s f64) (local $s2 f64)
  (local.set $bits (i64.reinterpret_f64 (local.get $x)))
  (local.set $e (f64.convert_i64_s (i64.sub (i64.shr_u (local.get $bits) (i64.const 52)) (i64.const 1023))))
  (local.set $m (f64.reinterpret_i64 (i64.or (i64.and (local.get $bits) (i64.const 0x000fffffffffffff)) (i64.const 0x3ff0000000000000))))
  (if (f64.gt (local.get $m) (f64.const 1.4142135623730951))
    (then
      (local.set $m (f64.mul (local.get $m) (f64.const 0.5)))
      (local.set $e (f64.add (local.get $e) (f64.const 1)))))
  (local.set $s (f64.div (f64.sub (local.get $m) (f64.const 1)) (f64.add (local.get $m) (f64.const 1))))
  (local.set $s2 (f64.mul (local.get $s) (local.get $s)))
  (f64.add
    (f64.mul (local.get $e) (f64.const 0.6931471805599453))
    (f64.mul (f64.mul (f64.const 2) (local.get $s))
      (f64.add (f64.const 1) (f64.mul (local.get $s2)
      (f64.add (f64.const 0.3333333333333333) (f64.mul (local.get $s2)
      (f64.add (f64.const 0.2) (f64.mul (local.get $s2)
      (f64.add (f64.const 0.14285714285714285) (f64.mul (local.get $s2)
      (f64.add (f64.const 0.1111111111111111) (f64.mul (local.get $s2)
      (f64.add (f64.const 0.09090909090909091) (f64.mul (local.get $s2)
        (f64.const 0.07692307692307693))))))))))))))))
