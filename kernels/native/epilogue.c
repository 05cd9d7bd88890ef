/* epilogue: the fused tails of a matmul, on a finished rows×cols block of C (row stride ldc), with bias
 * (1×cols) and y (rows×cols, row stride ldc) already offset to the block:
 *   forward c = act(c + bias) when y is NULL; backward c *= act'(z) through y = act(z) otherwise.
 * Apart from gemm.c so that it is compiled as activation.c is (no FMA contraction): fused or not,
 * the same bits. */
#include "ml.h"
#include "act.h"

void K(epilogue)(float *c, long ldc, long rows, long cols, const float *bias, int act, const float *y, int dact) {
  for (long i = 0; i < rows; i++) {
    float *row = c + i * ldc;
    if (y) {
      const float *yr = y + i * ldc;
      switch (dact) {
      case ACT_RELU:
        for (long j = 0; j < cols; j++) row[j] = yr[j] > 0.0f ? row[j] : 0.0f;
        break;
      case ACT_TANH:
        for (long j = 0; j < cols; j++) row[j] = row[j] * (1.0f - yr[j] * yr[j]);
        break;
      case ACT_LOGISTIC:
        for (long j = 0; j < cols; j++) row[j] = row[j] * (yr[j] * (1.0f - yr[j]));
        break;
      default:
        break;
      }
      continue;
    }
    if (bias)
      for (long j = 0; j < cols; j++) row[j] += bias[j];
    switch (act) {
    case ACT_RELU:
      for (long j = 0; j < cols; j++) row[j] = ml_activate(row[j], ACT_RELU);
      break;
    case ACT_TANH:
      for (long j = 0; j < cols; j++) row[j] = ml_activate(row[j], ACT_TANH);
      break;
    case ACT_LOGISTIC:
      for (long j = 0; j < cols; j++) row[j] = ml_activate(row[j], ACT_LOGISTIC);
      break;
    default:
      break;
    }
  }
}

