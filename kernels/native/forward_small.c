/* The forward pass of a whole network for a few rows (a served request), as src/ml/predict.ts's
 * predictHost computes it: f32 weights, every sum and activation in f64, layer by layer, each row's
 * products added in the order p = 0..k-1 (skipping zero inputs), then softmax for classification.
 * Compiled with -ffp-contract=off, so each product and sum is rounded as the TypeScript one is; only
 * libm's exp/tanh may differ from the JavaScript engine's in the last bit.
 *
 * net is a record of doubles (see api.c, ml_forward_small): layers L, activation, softmax flag,
 * scratch (two blocks of rows × widest layer doubles), L+1 widths, L weight addresses (fan_in × fan_out
 * row-major f32), L bias addresses. x is rows × width[0] f32; out is rows × width[L] f64. */
#include <math.h>

#include "ml.h"

/* Columns summed together in registers: each column still adds its products in the order p = 0..k-1. */
#define COLS 32

static void dense(const double *restrict a, long rows, long k, long n, const float *restrict w,
                  const float *restrict b, double *restrict z) {
  for (long r = 0; r < rows; r++) {
    double *restrict zr = z + r * n;
    const double *ar = a + r * k;
    long j0 = 0;
    for (; j0 + COLS <= n; j0 += COLS) {
      double acc[COLS];
      for (long j = 0; j < COLS; j++) acc[j] = (double)b[j0 + j];
      for (long p = 0; p < k; p++) {
        const double av = ar[p];
        if (av == 0) continue;
        const float *restrict wp = w + p * n + j0;
        for (long j = 0; j < COLS; j++) acc[j] += av * (double)wp[j];
      }
      for (long j = 0; j < COLS; j++) zr[j0 + j] = acc[j];
    }
    for (long j = j0; j < n; j++) zr[j] = (double)b[j];
    if (j0 == n) continue;
    for (long p = 0; p < k; p++) {
      const double av = ar[p];
      if (av == 0) continue;
      const float *restrict wp = w + p * n;
      for (long j = j0; j < n; j++) zr[j] += av * (double)wp[j];
    }
  }
}

static void activate(double *z, long count, int act) {
  switch (act) {
  case ACT_RELU:
    for (long i = 0; i < count; i++)
      if (z[i] < 0) z[i] = 0;
    return;
  case ACT_TANH:
    for (long i = 0; i < count; i++) z[i] = tanh(z[i]);
    return;
  case ACT_LOGISTIC:
    for (long i = 0; i < count; i++) z[i] = 1 / (1 + exp(-z[i]));
    return;
  default:
    return;
  }
}

/* Math.max semantics: a NaN anywhere makes the row's maximum NaN, and so every probability NaN */
static void softmax_rows(double *z, long rows, long k) {
  for (long r = 0; r < rows; r++) {
    double *zr = z + r * k;
    double max = -INFINITY;
    for (long c = 0; c < k; c++) max = (zr[c] != zr[c] || max != max) ? NAN : (zr[c] > max ? zr[c] : max);
    double sum = 0;
    for (long c = 0; c < k; c++) {
      const double e = exp(zr[c] - max);
      zr[c] = e;
      sum += e;
    }
    for (long c = 0; c < k; c++) zr[c] = zr[c] / sum;
  }
}

void K(forward_small)(const double *net, const float *x, long rows, double *out) {
  const long layers = (long)net[1];
  const int act = (int)net[2], softmax = (int)net[3];
  double *scratch = (double *)(uintptr_t)net[4];
  const double *widths = net + 5;
  const double *weights = widths + layers + 1, *biases = weights + layers;
  long widest = 0;
  for (long l = 0; l <= layers; l++)
    if ((long)widths[l] > widest) widest = (long)widths[l];
  double *bufs[2] = {scratch, scratch + rows * widest};
  const long n0 = (long)widths[0];
  for (long i = 0; i < rows * n0; i++) bufs[0][i] = (double)x[i];
  const double *a = bufs[0];
  for (long l = 0; l < layers; l++) {
    const long k = (long)widths[l], n = (long)widths[l + 1];
    double *z = l == layers - 1 ? out : bufs[(l + 1) & 1];
    dense(a, rows, k, n, (const float *)(uintptr_t)weights[l], (const float *)(uintptr_t)biases[l], z);
    if (l < layers - 1) activate(z, rows * n, act);
    a = z;
  }
  if (softmax) softmax_rows(out, rows, (long)widths[layers]);
}
