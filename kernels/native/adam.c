/* adam: param, grad, m, v (count each, in place): scikit-learn's AdamOptimizer with an L2 term,
 * g = grad + l2·param; m = β1·m + γ1·g; v = β2·v + γ2·g²; param -= lrT·m / (√v + eps),
 * lrT = lr·√(1-β2^t) / (1-β1^t) and γ = 1-β computed by the caller in f64. */
#include <math.h>

#include "ml.h"

void K(adam)(float *restrict w, const float *restrict grad, float *restrict m, float *restrict v, long count,
             float lr_t, float beta1, float gamma1, float beta2, float gamma2, float eps, float l2) {
  for (long i = 0; i < count; i++) {
    const float g = grad[i] + l2 * w[i];
    const float mi = beta1 * m[i] + gamma1 * g;
    const float vi = beta2 * v[i] + gamma2 * (g * g);
    m[i] = mi;
    v[i] = vi;
    w[i] = w[i] - (lr_t * mi) / (sqrtf(vi) + eps);
  }
}
