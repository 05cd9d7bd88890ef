/* softmax: x (rows×cols) → out (rows×cols), each row exp(x - max) / sum; out may be x.
 * softmax_xent: logits, probs, grad (rows×cols), labels (rows×1 class ids as f32), loss (1×1):
 *   probs = softmax(logits); grad = (probs - onehot)·scale; loss += Σ -ln clip(p_label, eps, 1-eps), in f64.
 *   A label outside [0, cols) or not whole matches no class: no loss term, grad = probs·scale.
 * squared_error: pred, target, grad (count): grad = (pred - target)·scale; loss (1×1) += ½ Σ (pred - target)². */
#include <math.h>

#include "ml.h"
#include "act.h"

/* rows a block: the exps of a block are one loop over rows×cols floats, which gcc vectorises however few
 * the columns (a prediction's 5 classes would leave a per-row loop scalar) */
#define SOFTMAX_BLOCK 256

void K(softmax)(const float *x, float *out, long rows, long cols) {
  for (long r0 = 0; r0 < rows; r0 += SOFTMAX_BLOCK) {
    const long r1 = r0 + SOFTMAX_BLOCK < rows ? r0 + SOFTMAX_BLOCK : rows;
    for (long r = r0; r < r1; r++) {
      const float *xr = x + r * cols;
      float *o = out + r * cols;
      float max = -INFINITY;
      for (long c = 0; c < cols; c++) max = xr[c] > max || xr[c] != xr[c] ? xr[c] : max;
      for (long c = 0; c < cols; c++) o[c] = xr[c] - max;
    }
    float *block = out + r0 * cols;
    for (long i = 0; i < (r1 - r0) * cols; i++) block[i] = ml_exp(block[i]);
    for (long r = r0; r < r1; r++) {
      float *o = out + r * cols;
      float sum = 0.0f;
      for (long c = 0; c < cols; c++) sum += o[c];
      for (long c = 0; c < cols; c++) o[c] = o[c] / sum;
    }
  }
}

void K(softmax_xent)(const float *logits, const float *labels, float *probs, float *grad, float *loss, long rows,
                     long cols, float scale) {
  K(softmax)(logits, probs, rows, cols);
  double total = 0.0;
  for (long r = 0; r < rows; r++) {
    const float *p = probs + r * cols;
    float *g = grad + r * cols;
    const float label = labels[r];
    long at = -1;
    if (label >= 0.0f && label < (float)cols && label == floorf(label)) at = (long)label;
    /* p_label is read before grad (which may be probs) is written */
    if (at >= 0) {
      float q = p[at];
      q = q < 1.1920928955078125e-7f ? 1.1920928955078125e-7f : q;
      q = q > 0.99999988f ? 0.99999988f : q;
      total -= log((double)q);
    }
    for (long c = 0; c < cols; c++) g[c] = (p[c] - (c == at ? 1.0f : 0.0f)) * scale;
  }
  loss[0] = (float)((double)loss[0] + total);
}

void K(squared_error)(const float *pred, const float *target, float *grad, float *loss, long count, float scale) {
  double total = 0.0;
  for (long i = 0; i < count; i++) {
    const float d = pred[i] - target[i];
    total += 0.5 * ((double)d * (double)d);
    grad[i] = d * scale;
  }
  loss[0] = (float)((double)loss[0] + total);
}
