/* bias_activation: x (rows×cols), bias (1×cols) → out (rows×cols) = act(x + bias); out may be x.
 * activation_backward: grad (count) *= act'(z), written through y = act(z) (count), as sklearn's derivatives. */
#include "ml.h"
#include "act.h"

void K(bias_activation)(const float *x, const float *bias, float *out, long rows, long cols, int act) {
  for (long r = 0; r < rows; r++) {
    const float *xr = x + r * cols;
    float *o = out + r * cols;
    switch (act) {
    case ACT_RELU:
      for (long c = 0; c < cols; c++) o[c] = ml_activate(xr[c] + bias[c], ACT_RELU);
      break;
    case ACT_TANH:
      for (long c = 0; c < cols; c++) o[c] = ml_activate(xr[c] + bias[c], ACT_TANH);
      break;
    case ACT_LOGISTIC:
      for (long c = 0; c < cols; c++) o[c] = ml_activate(xr[c] + bias[c], ACT_LOGISTIC);
      break;
    default:
      for (long c = 0; c < cols; c++) o[c] = xr[c] + bias[c];
      break;
    }
  }
}

void K(activation_backward)(float *grad, const float *y, long count, int act) {
  switch (act) {
  case ACT_RELU:
    for (long i = 0; i < count; i++) grad[i] = y[i] > 0.0f ? grad[i] : 0.0f;
    break;
  case ACT_TANH:
    for (long i = 0; i < count; i++) grad[i] = grad[i] * (1.0f - y[i] * y[i]);
    break;
  case ACT_LOGISTIC:
    for (long i = 0; i < count; i++) grad[i] = grad[i] * (y[i] * (1.0f - y[i]));
    break;
  default:
    break;
  }
}
