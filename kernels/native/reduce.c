/* column_sums: x (rows×cols) → out (1×cols) = column sums (or out += when accumulate), summed in f64 down the rows.
 * sum_squares: x (count) → acc (1×1) += Σ x², summed in f64.
 * argmax: x (rows×cols) → out (rows×1) = index of the first largest value of each row, as f32. */
#include "ml.h"

#define CHUNK 256 /* columns summed at once: the f64 partial sums stay in L1 */

void K(column_sums)(const float *x, float *out, long rows, long cols, int accumulate) {
  double s[CHUNK];
  for (long c0 = 0; c0 < cols; c0 += CHUNK) {
    const long w = cols - c0 < CHUNK ? cols - c0 : CHUNK;
    for (long c = 0; c < w; c++) s[c] = accumulate ? (double)out[c0 + c] : 0.0;
    for (long r = 0; r < rows; r++) {
      const float *row = x + r * cols + c0;
      for (long c = 0; c < w; c++) s[c] += (double)row[c];
    }
    for (long c = 0; c < w; c++) out[c0 + c] = (float)s[c];
  }
}

void K(sum_squares)(const float *x, long count, float *acc) {
  /* eight running sums in a fixed order, so that the loop vectorises and still repeats bit for bit */
  double s[8] = {0};
  long i = 0;
  for (; i + 8 <= count; i += 8)
    for (int l = 0; l < 8; l++) s[l] += (double)x[i + l] * (double)x[i + l];
  double total = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
  for (; i < count; i++) total += (double)x[i] * (double)x[i];
  acc[0] = (float)((double)acc[0] + total);
}

void K(argmax)(const float *x, float *out, long rows, long cols) {
  for (long r = 0; r < rows; r++) {
    const float *row = x + r * cols;
    long best = 0;
    float max = row[0];
    for (long c = 1; c < cols; c++)
      if (row[c] > max) {
        max = row[c];
        best = c;
      }
    out[r] = (float)best;
  }
}
