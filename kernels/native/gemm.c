/* gemm: C (m×n) = op(A) (m×k) · op(B) (k×n), or C += when accumulate; then, when asked, the fused epilogues
 * C = act(C + bias) (bias 1×n) or C *= dact'(z) through y = dact(z) (y m×n); and op(B)'s column sums, taken
 * as op(B) is packed; all as in ml.h.
 * op(A)[i][p] = a[i*asi + p*asp], op(B)[p][j] = b[p*bsp + j*bsj], so one routine serves every transpose.
 * Packed and register-blocked, in the GotoBLAS/BLIS loop order:
 *   columns in NC blocks → k in KC blocks (B block packed in NR-wide panels) → rows in MC blocks (A block
 *   packed in MR-tall panels) → MR×NR micro-tiles held in vector registers, the inner loop over the
 *   micro-panels of A or of B, whichever B_PANEL_IN_L1 says is not kept in L1.
 * Each C element sums its products in k order, KC at a time, whatever range of C a call computes. */
#include <string.h>
#include <xmmintrin.h>

#include "ml.h"
#include "tile.h"

/* KC×NR of B (32 KiB at NR 32) and MR×KC of A per micro-kernel call; an MC×KC block of A in L2.
 * With NR ≤ 16 a B micro-panel (≤ 16 KiB) stays in L1 while the A panels stream past it from L2
 * (per k step a 6-row tile reads 24 bytes of A and 64 of B, so A is the cheaper one to stream); at
 * NR 32 the 32 KiB B panel crowds L1 and the A panel stays instead (each order measured 5–10% faster there). */
#define KC 256
#if NR <= 16
#define B_PANEL_IN_L1 1
#define MC (MR * 24)
#else
#define B_PANEL_IN_L1 0
#define MC (MR * 16)
#endif
#define NC 512

typedef float vf __attribute__((vector_size(VW * 4), aligned(4), may_alias));
typedef int vi __attribute__((vector_size(VW * 4)));

static inline long min_l(long a, long b) { return a < b ? a : b; }

/* kc×NR panels of op(B)[pc.., jc..jc+nc), zero past nc: bp[jr*kc + p*NR + j] */
static void pack_b(const gemm_args *g, long pc, long kc, long jc, long nc, float *restrict bp) {
  for (long jr = 0; jr < nc; jr += NR) {
    long w = min_l(NR, nc - jr);
    float *dst = bp + jr * kc;
    const float *src = g->b + pc * g->bsp + (jc + jr) * g->bsj;
    if (g->bsj == 1 && w == NR) {
      // a whole panel row is NV vectors: copied as such (a memcpy call per row cost 7× as much)
      for (long p = 0; p < kc; p++)
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++) *(vf *)(dst + p * NR + v * VW) = *(const vf *)(src + p * g->bsp + v * VW);
    } else if (g->bsj == 1) {
      for (long p = 0; p < kc; p++) {
        memcpy(dst + p * NR, src + p * g->bsp, (size_t)w * 4);
        for (long j = w; j < NR; j++) dst[p * NR + j] = 0.0f;
      }
    } else {
      for (long j = 0; j < w; j++) {
        const float *col = src + j * g->bsj;
        for (long p = 0; p < kc; p++) dst[p * NR + j] = col[p * g->bsp];
      }
      for (long p = 0; p < kc; p++)
        for (long j = w; j < NR; j++) dst[p * NR + j] = 0.0f;
    }
  }
}

/* s[j] += the kc rows of column j of packed panels bp (as pack_b wrote them), for j < nc, in row order, in f64 */
static void sum_packed_b(const float *restrict bp, long kc, long nc, double *restrict s) {
  for (long jr = 0; jr < nc; jr += NR) {
    const float *panel = bp + jr * kc;
    double *sj = s + jr;
    if (nc - jr >= NR) {
      for (long p = 0; p < kc; p++)
#pragma GCC unroll 4
        for (int j = 0; j < NR; j++) sj[j] += (double)panel[p * NR + j];
    } else {
      for (long p = 0; p < kc; p++)
        for (long j = 0; j < nc - jr; j++) sj[j] += (double)panel[p * NR + j];
    }
  }
}

/* colsum[j0..j0+w) as sums start (its old values when colsum_accumulate) and as they end */
static void colsum_start(const gemm_args *g, long j0, long w, double *s) {
  for (long j = 0; j < w; j++) s[j] = g->colsum_accumulate ? (double)g->colsum[j0 + j] : 0.0;
}

static void colsum_end(const gemm_args *g, long j0, long w, const double *s) {
  for (long j = 0; j < w; j++) g->colsum[j0 + j] = (float)s[j];
}

/* MR×kc panels of op(A)[ic..ic+mc, pc..), zero past mc: ap[ir*kc + p*MR + i] */
static void pack_a(const gemm_args *g, long ic, long mc, long pc, long kc, float *restrict ap) {
  for (long ir = 0; ir < mc; ir += MR) {
    long h = min_l(MR, mc - ir);
    float *dst = ap + ir * kc;
    const float *src = g->a + (ic + ir) * g->asi + pc * g->asp;
    if (g->asp == 1 && g->asi != 1) {
      /* rows of A (activations, the forward pass): 4×4 blocks transposed in SSE registers, which every
       * x86-64 has; element by element a pack cost ~2 cycles a float, 15% of a 10k-row prediction */
      long p0 = 0;
      if (h == MR)
        for (; p0 + 4 <= kc; p0 += 4) {
          long i = 0;
          for (; i + 4 <= MR; i += 4) {
            const float *r = src + i * g->asi + p0;
            __m128 r0 = _mm_loadu_ps(r), r1 = _mm_loadu_ps(r + g->asi);
            __m128 r2 = _mm_loadu_ps(r + 2 * g->asi), r3 = _mm_loadu_ps(r + 3 * g->asi);
            _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
            _mm_storeu_ps(dst + p0 * MR + i, r0);
            _mm_storeu_ps(dst + (p0 + 1) * MR + i, r1);
            _mm_storeu_ps(dst + (p0 + 2) * MR + i, r2);
            _mm_storeu_ps(dst + (p0 + 3) * MR + i, r3);
          }
          for (; i < MR; i++)
            for (long p = p0; p < p0 + 4; p++) dst[p * MR + i] = src[i * g->asi + p];
        }
      for (long i = 0; i < h; i++) {
        const float *row = src + i * g->asi;
        for (long p = p0; p < kc; p++) dst[p * MR + i] = row[p];
      }
      for (long p = 0; p < kc; p++)
        for (long i = h; i < MR; i++) dst[p * MR + i] = 0.0f;
    } else {
      for (long p = 0; p < kc; p++) {
        for (long i = 0; i < h; i++) dst[p * MR + i] = src[i * g->asi + p * g->asp];
        for (long i = h; i < MR; i++) dst[p * MR + i] = 0.0f;
      }
    }
  }
}

/* c (mr×nr of an MR×NR tile, row stride ldc) = or += the kc-long product of one A panel and one B panel;
 * on a whole tile, then c = relu?(c + bias) when asked (bias NR wide or NULL): the forward epilogue done in
 * registers, with the same f32 operations in the same order as K(epilogue), so the same bits. */
static inline void micro(long kc, const float *restrict a, const float *restrict b, float *restrict c, long ldc,
                         long mr, long nr, int add, const float *bias, int relu) {
  vf acc[MR][NV];
  // the C tile is read or written only after the k loop: fetch its lines meanwhile
#pragma GCC unroll 16
  for (int i = 0; i < MR; i++) {
    __builtin_prefetch(c + i * ldc, 1, 3);
    __builtin_prefetch(c + i * ldc + NR - 1, 1, 3);
  }
#pragma GCC unroll 16
  for (int i = 0; i < MR; i++)
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) acc[i][v] = (vf){0};
  for (long p = 0; p < kc; p++) {
    vf bv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) bv[v] = *(const vf *)(b + p * NR + v * VW);
#pragma GCC unroll 16
    for (int i = 0; i < MR; i++) {
      float ai = a[p * MR + i];
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) acc[i][v] += ai * bv[v];
    }
  }
  if (mr == MR && nr == NR) {
#pragma GCC unroll 16
    for (int i = 0; i < MR; i++)
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) {
        vf *d = (vf *)(c + i * ldc + v * VW);
        vf r = acc[i][v];
        if (add) r = *d + r;
        if (bias) r += *(const vf *)(bias + v * VW);
        /* z < 0 ? 0 : z, so -0 and NaN pass through as in ml_activate */
        if (relu) r = (vf)((vi)r & ~(vi)(r < (vf){0}));
        *d = r;
      }
    return;
  }
  float tile[MR * NR] __attribute__((aligned(64)));
#pragma GCC unroll 16
  for (int i = 0; i < MR; i++)
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) *(vf *)(tile + i * NR + v * VW) = acc[i][v];
  for (long i = 0; i < mr; i++)
    for (long j = 0; j < nr; j++) c[i * ldc + j] = add ? c[i * ldc + j] + tile[i * NR + j] : tile[i * NR + j];
}

/* Few columns (n < SMALL_N, an output layer's classes): a register tile would be mostly padding, so each
 * element is a dot product over k instead, VW lanes at a time in four running sums added in a fixed order.
 * op(B) is packed transposed (bt[j*k + p]), a row of op(A) too when it is not contiguous. */
#define SMALL_N (NR / 4)

static float dot(const float *restrict x, const float *restrict y, long k) {
  vf s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0};
  long p = 0;
  for (; p + 4 * VW <= k; p += 4 * VW) {
    s0 += *(const vf *)(x + p) * *(const vf *)(y + p);
    s1 += *(const vf *)(x + p + VW) * *(const vf *)(y + p + VW);
    s2 += *(const vf *)(x + p + 2 * VW) * *(const vf *)(y + p + 2 * VW);
    s3 += *(const vf *)(x + p + 3 * VW) * *(const vf *)(y + p + 3 * VW);
  }
  for (; p + VW <= k; p += VW) s0 += *(const vf *)(x + p) * *(const vf *)(y + p);
  vf s = (s0 + s1) + (s2 + s3);
  float total = 0.0f;
  for (int l = 0; l < VW; l++) total += s[l];
  for (; p < k; p++) total += x[p] * y[p];
  return total;
}

static int gemm_small_n(const gemm_args *g, long i0, long i1, scratch *s) {
  const long k = g->k, n = g->n, ldc = g->ldc;
  const int contiguous = g->asp == 1;
  if (scratch_reserve(s, (size_t)(n * k + (contiguous ? 0 : k)))) return -1;
  float *bt = s->buf, *row = s->buf + n * k;
  for (long j = 0; j < n; j++)
    for (long p = 0; p < k; p++) bt[j * k + p] = g->b[p * g->bsp + j * g->bsj];
  if (g->colsum && i0 == 0) {
    // every row chunk transposes all of op(B); the one holding row 0 sums its columns
    double sums[SMALL_N];
    colsum_start(g, 0, n, sums);
    for (long j = 0; j < n; j++)
      for (long p = 0; p < k; p++) sums[j] += (double)bt[j * k + p];
    colsum_end(g, 0, n, sums);
  }
  for (long i = i0; i < i1; i++) {
    const float *a = g->a + i * g->asi;
    if (!contiguous) {
      for (long p = 0; p < k; p++) row[p] = a[p * g->asp];
      a = row;
    }
    float *c = g->c + i * ldc;
    for (long j = 0; j < n; j++) {
      const float d = dot(a, bt + j * k, k);
      c[j] = g->accumulate ? c[j] + d : d;
    }
  }
  if (g->bias != NULL || g->act != ACT_IDENTITY || g->y != NULL)
    K(epilogue)(g->c + i0 * ldc, ldc, i1 - i0, n, g->bias, g->act, g->y ? g->y + i0 * ldc : NULL, g->dact);
  return 0;
}

int K(gemm_small_n)(const gemm_args *g) { return g->n < SMALL_N && g->k > 0; }

/* op(A) for all its rows, every KC block: block pc at dst + pc*mpad (mpad = m rounded up to MR) */
void K(gemm_pack_a_all)(const gemm_args *g, float *dst) {
  const long mpad = (g->m + MR - 1) / MR * MR;
  for (long pc = 0; pc < g->k; pc += KC) pack_a(g, 0, g->m, pc, min_l(KC, g->k - pc), dst + pc * mpad);
}

/* op(B) for all its columns, every KC block: block pc at dst + pc*npad (npad = n rounded up to NR) */
void K(gemm_pack_b_all)(const gemm_args *g, float *dst) {
  const long npad = (g->n + NR - 1) / NR * NR;
  double sums[NC];
  for (long jc = 0; jc < g->n; jc += NC) {
    const long nc = min_l(NC, g->n - jc);
    if (g->colsum) colsum_start(g, jc, nc, sums);
    for (long pc = 0; pc < g->k; pc += KC) {
      const long kc = min_l(KC, g->k - pc);
      float *bp = dst + pc * npad + jc * kc;
      pack_b(g, pc, kc, jc, nc, bp);
      if (g->colsum) sum_packed_b(bp, kc, nc, sums);
    }
    if (g->colsum) colsum_end(g, jc, nc, sums);
  }
}

int K(gemm)(const gemm_args *g, long i0, long i1, long j0, long j1, const gemm_packed *packed, scratch *s) {
  if (i1 <= i0 || j1 <= j0) return 0;
  const long k = g->k, ldc = g->ldc;
  const int fused = g->bias != NULL || g->act != ACT_IDENTITY || g->y != NULL;
  /* a forward epilogue of bias and relu (or none) is applied to whole tiles in registers */
  const int in_registers = fused && g->y == NULL && (g->act == ACT_IDENTITY || g->act == ACT_RELU);
  if (k == 0) {
    if (!g->accumulate)
      for (long i = i0; i < i1; i++) memset(g->c + i * ldc + j0, 0, (size_t)(j1 - j0) * 4);
    if (g->colsum && !g->colsum_accumulate && i0 == 0) memset(g->colsum + j0, 0, (size_t)(j1 - j0) * 4);
    if (fused)
      K(epilogue)(g->c + i0 * ldc + j0, ldc, i1 - i0, j1 - j0, g->bias ? g->bias + j0 : NULL, g->act,
                  g->y ? g->y + i0 * ldc + j0 : NULL, g->dact);
    return 0;
  }
  if (K(gemm_small_n)(g)) return gemm_small_n(g, i0, i1, s);
  const float *ap_all = packed ? packed->a : NULL, *bp_all = packed ? packed->b : NULL;
  const long mpad = (g->m + MR - 1) / MR * MR, npad = (g->n + NR - 1) / NR * NR;
  const long nc_max = bp_all ? 0 : min_l(NC, (j1 - j0 + NR - 1) / NR * NR);
  const long kc_max = min_l(KC, k);
  const long mc_max = ap_all ? 0 : min_l(MC, (i1 - i0 + MR - 1) / MR * MR);
  if (scratch_reserve(s, (size_t)(kc_max * nc_max + mc_max * kc_max))) return -1;
  float *bp_own = s->buf, *ap_own = s->buf + kc_max * nc_max;
  // op(B) packed here (not shared) is packed by the range holding row 0 only once per column: it sums them
  const int colsum = g->colsum && !bp_all && i0 == 0;
  double sums[NC];
  for (long jc = j0; jc < j1; jc += NC) {
    const long nc = min_l(NC, j1 - jc);
    if (colsum) colsum_start(g, jc, nc, sums);
    for (long pc = 0; pc < k; pc += KC) {
      const long kc = min_l(KC, k - pc);
      const int add = pc > 0 || g->accumulate, last = pc + kc == k;
      const float *bp = bp_all ? bp_all + pc * npad + jc * kc : bp_own;
      if (!bp_all) pack_b(g, pc, kc, jc, nc, bp_own);
      if (colsum) sum_packed_b(bp_own, kc, nc, sums);
      for (long ic = i0; ic < i1; ic += MC) {
        const long mc = min_l(MC, i1 - ic);
        const float *ap = ap_all ? ap_all + pc * mpad + ic * kc : ap_own;
        if (!ap_all) pack_a(g, ic, mc, pc, kc, ap_own);
#if B_PANEL_IN_L1
        for (long jr = 0; jr < nc; jr += NR) {
          const long nr = min_l(NR, nc - jr);
          for (long ir = 0; ir < mc; ir += MR) {
            const long mr = min_l(MR, mc - ir);
#else
        for (long ir = 0; ir < mc; ir += MR) {
          const long mr = min_l(MR, mc - ir);
          for (long jr = 0; jr < nc; jr += NR) {
            const long nr = min_l(NR, nc - jr);
#endif
            float *c = g->c + (ic + ir) * ldc + jc + jr;
            const int whole = last && in_registers && mr == MR && nr == NR;
            micro(kc, ap + ir * kc, bp + jr * kc, c, ldc, mr, nr, add, whole && g->bias ? g->bias + jc + jr : NULL,
                  whole && g->act == ACT_RELU);
            if (last && fused && !whole)
              K(epilogue)(c, ldc, mr, nr, g->bias ? g->bias + jc + jr : NULL, g->act,
                          g->y ? g->y + (ic + ir) * ldc + jc + jr : NULL, g->dact);
          }
        }
      }
    }
    if (colsum) colsum_end(g, jc, nc, sums);
  }
  return 0;
}
