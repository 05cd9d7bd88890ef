/* One ISA's kernels, gathered for api.c to pick from at run time. */
#include "ml.h"
#include "tile.h"

#define STR2(x) #x
#define STR(x) STR2(x)

int K(gemm)(const gemm_args *g, long i0, long i1, long j0, long j1, const gemm_packed *packed, scratch *s);
int K(gemm_small_n)(const gemm_args *g);
void K(gemm_pack_a_all)(const gemm_args *g, float *dst);
void K(gemm_pack_b_all)(const gemm_args *g, float *dst);
void K(bias_activation)(const float *x, const float *bias, float *out, long rows, long cols, int act);
void K(activation_backward)(float *grad, const float *y, long count, int act);
void K(softmax)(const float *x, float *out, long rows, long cols);
void K(softmax_xent)(const float *logits, const float *labels, float *probs, float *grad, float *loss, long rows,
                     long cols, float scale);
void K(squared_error)(const float *pred, const float *target, float *grad, float *loss, long count, float scale);
void K(column_sums)(const float *x, float *out, long rows, long cols, int accumulate);
void K(sum_squares)(const float *x, long count, float *acc);
void K(argmax)(const float *x, float *out, long rows, long cols);
void K(adam)(float *w, const float *grad, float *m, float *v, long count, float lr_t, float beta1, float gamma1,
             float beta2, float gamma2, float eps, float l2);
int K(gather_rows)(const float *src, long src_rows, long cols, const uint32_t *idx, float *out, long rows);
void K(fill)(float *x, long count, float value);
void K(add_into)(const float *x, float *acc, long count);

const ml_kernels K(kernels) = {
    .name = STR(ML_ISA),
    .mr = MR,
    .nr = NR,
    .gemm = K(gemm),
    .gemm_small_n = K(gemm_small_n),
    .gemm_pack_a_all = K(gemm_pack_a_all),
    .gemm_pack_b_all = K(gemm_pack_b_all),
    .bias_activation = K(bias_activation),
    .activation_backward = K(activation_backward),
    .softmax = K(softmax),
    .softmax_xent = K(softmax_xent),
    .squared_error = K(squared_error),
    .column_sums = K(column_sums),
    .sum_squares = K(sum_squares),
    .argmax = K(argmax),
    .adam = K(adam),
    .gather_rows = K(gather_rows),
    .fill = K(fill),
    .add_into = K(add_into),
};
