/* Shared declarations of the native CPU kernels (row-major f32 matrices, counts in elements).
 * The kernel files (gemm.c, activation.c, softmax.c, reduce.c, adam.c, memory.c, table.c) are
 * compiled once per instruction set with -DML_ISA=<name> and that ISA's -m flags; K(name) gives
 * each copy its own symbol (gemm_avx512, gemm_avx2, gemm_baseline). pool.c and api.c are built once. */
#ifndef ML_H
#define ML_H

#include <stddef.h>
#include <stdint.h>

#define ML_CAT2(a, b) a##_##b
#define ML_CAT(a, b) ML_CAT2(a, b)
#define K(name) ML_CAT(name, ML_ISA)

/* activation codes: the order of ACTIVATIONS in src/compute/backend.ts */
enum { ACT_IDENTITY = 0, ACT_RELU = 1, ACT_TANH = 2, ACT_LOGISTIC = 3 };

/* op(A)[i][p] = a[i*asi + p*asp], op(B)[p][j] = b[p*bsp + j*bsj] (element strides), C is m×n with row stride ldc.
 * The fused epilogues, applied to each block of C once its last k step is summed:
 *   forward: C = act(C + bias), bias 1×n (when bias is not NULL or act is not identity);
 *   backward: C *= dact'(z) through y = dact(z), y m×n with row stride ldc (when y is not NULL);
 * and, read from op(B) as it is packed: colsum (1×n) = its column sums (or += when colsum_accumulate),
 *   summed in f64 down the k rows, the bits of column_sums (a bias gradient beside its weight gradient). */
typedef struct {
  const float *a;
  long asi, asp;
  const float *b;
  long bsp, bsj;
  float *c;
  long ldc;
  long m, k, n;
  int accumulate;
  const float *bias;
  int act;
  const float *y;
  int dact;
  float *colsum;
  int colsum_accumulate;
} gemm_args;

/* A thread's packing buffers, grown on demand and kept between calls. */
typedef struct {
  float *buf;
  size_t floats;
} scratch;

/* op(A) or op(B) packed once for all threads (gemm_pack_a_all / gemm_pack_b_all), or NULL: each call packs its own. */
typedef struct {
  const float *a, *b;
} gemm_packed;

/* Rows [i0,i1) × columns [j0,j1) of C, i0 a multiple of mr and j0 of nr; 0, or -1 when out of memory.
 * The blocking depends on (m, k, n) only, never on the range, so every element sums its k products
 * in the same order whichever thread computes it. */
typedef int (*gemm_fn)(const gemm_args *g, long i0, long i1, long j0, long j1, const gemm_packed *packed, scratch *s);

typedef struct {
  const char *name;
  /* the micro-tile: C is split into mr×nr blocks; a thread's range starts at a multiple of them */
  int mr, nr;
  gemm_fn gemm;
  /* 1 when gemm takes the few-columns path (whole rows, no packed operands: split C by rows) */
  int (*gemm_small_n)(const gemm_args *g);
  /* fill a buffer of round_up(m, mr)·k (A) or round_up(n, nr)·k (B) floats for gemm_packed */
  void (*gemm_pack_a_all)(const gemm_args *g, float *dst);
  void (*gemm_pack_b_all)(const gemm_args *g, float *dst);
  void (*bias_activation)(const float *x, const float *bias, float *out, long rows, long cols, int act);
  void (*activation_backward)(float *grad, const float *y, long count, int act);
  void (*softmax)(const float *x, float *out, long rows, long cols);
  void (*softmax_xent)(const float *logits, const float *labels, float *probs, float *grad, float *loss, long rows,
                       long cols, float scale);
  void (*squared_error)(const float *pred, const float *target, float *grad, float *loss, long count, float scale);
  void (*column_sums)(const float *x, float *out, long rows, long cols, int accumulate);
  void (*sum_squares)(const float *x, long count, float *acc);
  void (*argmax)(const float *x, float *out, long rows, long cols);
  void (*adam)(float *w, const float *grad, float *m, float *v, long count, float lr_t, float beta1, float gamma1,
               float beta2, float gamma2, float eps, float l2);
  int (*gather_rows)(const float *src, long src_rows, long cols, const uint32_t *idx, float *out, long rows);
  void (*fill)(float *x, long count, float value);
  void (*add_into)(const float *x, float *acc, long count);
} ml_kernels;

extern const ml_kernels kernels_avx512, kernels_avx2, kernels_baseline;

/* A few rows through a whole network in f64 (forward_small.c; the record is described there and in api.c). */
void forward_small_avx512(const double *net, const float *x, long rows, double *out);
void forward_small_avx2(const double *net, const float *x, long rows, double *out);
void forward_small_baseline(const double *net, const float *x, long rows, double *out);

void K(epilogue)(float *c, long ldc, long rows, long cols, const float *bias, int act, const float *y, int dact);

/* Grows s to at least `floats` floats (64-byte aligned); 0 on success, -1 when out of memory. */
int scratch_reserve(scratch *s, size_t floats);

#endif
