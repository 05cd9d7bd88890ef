/* Activations for one f32, written so that gcc vectorises loops over them (no libm calls, no branches
 * the vectoriser cannot turn into selects). exp is Cephes' expf polynomial, as kernels/cpu/math.wat:
 * e^x = 2^n · e^r, n = round(x·log2 e), |r| ≤ ln2/2, about 1 ulp on [-87, 88], clamped outside. */
#ifndef ML_ACT_H
#define ML_ACT_H

#include <stdint.h>
#include <string.h>

static inline float ml_exp(float in) {
  /* clamped with NaN sent to -87, so the float→int conversion below is always defined; NaN is put back at the end */
  float x = in > -87.0f ? in : -87.0f;
  x = x < 88.0f ? x : 88.0f;
  /* round to nearest by the 1.5·2^23 trick: exact for |x·log2 e| < 2^22 */
  float n = (x * 1.44269504f + 12582912.0f) - 12582912.0f;
  float r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  int32_t bits = ((int32_t)n + 127) << 23;
  float scale;
  memcpy(&scale, &bits, 4);
  float y = p * scale;
  return in == in ? y : in;
}

static inline float ml_activate(float z, int act) {
  if (act == ACT_RELU) return z < 0.0f ? 0.0f : z; /* NaN passes through, so a diverged fit shows */
  if (act == ACT_TANH) {
    /* tanh|z| = (1 - e^{-2|z|}) / (1 + e^{-2|z|}) never overflows; the sign is put back after */
    float a = z < 0.0f ? -z : z;
    float e = ml_exp(-2.0f * a);
    float t = (1.0f - e) / (1.0f + e);
    return z < 0.0f ? -t : t;
  }
  if (act == ACT_LOGISTIC) return 1.0f / (1.0f + ml_exp(-z));
  return z;
}

#endif
