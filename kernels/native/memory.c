/* gather_rows: src (src_rows×cols), idx (rows u32) → out (rows×cols), out[r] = src[idx[r]]; returns 1, copying
 * nothing, when an index is past src_rows. fill: x (count) = value. add_into: acc (count) += x (count). */
#include <string.h>

#include "ml.h"

int K(gather_rows)(const float *src, long src_rows, long cols, const uint32_t *idx, float *out, long rows) {
  for (long r = 0; r < rows; r++)
    if ((long)idx[r] >= src_rows) return 1;
  /* the rows are scattered (a shuffled mini-batch): ask for the ones a few steps ahead while copying */
  const long ahead = 8;
  for (long r = 0; r < rows; r++) {
    if (r + ahead < rows) {
      const char *next = (const char *)(src + (long)idx[r + ahead] * cols);
      for (long b = 0; b < cols * 4; b += 64) __builtin_prefetch(next + b);
    }
    memcpy(out + r * cols, src + (long)idx[r] * cols, (size_t)cols * 4);
  }
  return 0;
}

void K(fill)(float *x, long count, float value) {
  for (long i = 0; i < count; i++) x[i] = value;
}

void K(add_into)(const float *restrict x, float *restrict acc, long count) {
  for (long i = 0; i < count; i++) acc[i] += x[i];
}
