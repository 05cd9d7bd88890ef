/* The library's entry points, called from src/compute/native.ts through bun:ffi.
 *
 * A call is a record of RECORD doubles: the op code, then its arguments (addresses, counts, flags and
 * f32 parameters all fit a double exactly). ml_call runs one record now (a large matmul split over the
 * pool's threads); ml_run runs programs of records side by side, each on one thread, as `parallel` asks. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "ml.h"
#include "pool.h"

#define RECORD 20
/* below this many multiply-adds (≈ 20 µs on one core) a matmul stays on the calling thread */
#define PARALLEL_MIN_MACS (1L << 20)

enum {
  OP_MATMUL, /* a asi asp b bsp bsj c ldc m k n accumulate bias act y dact colsum colsumAccumulate */
  OP_BIAS_ACTIVATION, /* x bias out rows cols act */
  OP_ACTIVATION_BACKWARD, /* grad y count act */
  OP_SOFTMAX, /* x out rows cols */
  OP_SOFTMAX_XENT, /* logits labels probs grad loss rows cols scale */
  OP_SQUARED_ERROR, /* pred target grad loss count scale */
  OP_COLUMN_SUMS, /* x out rows cols accumulate */
  OP_SUM_SQUARES, /* x count acc */
  OP_ARGMAX, /* x out rows cols */
  OP_ADAM, /* w grad m v count lrT beta1 gamma1 beta2 gamma2 eps l2 */
  OP_GATHER_ROWS, /* src srcRows cols idx out rows */
  OP_FILL, /* x count value */
  OP_ADD_INTO, /* x acc count */
};

/* errors a record can end with: a gather index past the end, or no memory for the packing buffers */
enum { ERR_INDEX = 1, ERR_MEMORY = 2 };

enum { ISA_AVX512 = 0, ISA_AVX2 = 1, ISA_BASELINE = 2 };

typedef struct {
  pool *pool;
  int threads;
  const ml_kernels *k;
  scratch *scratch; /* one per thread */
  scratch shared;   /* an operand packed once for all threads */
} ml_context;

int scratch_reserve(scratch *s, size_t floats) {
  if (floats <= s->floats) return 0;
  size_t bytes = (floats * 4 + 63) / 64 * 64;
  void *buf = NULL;
  if (posix_memalign(&buf, 64, bytes)) return -1;
  free(s->buf);
  s->buf = buf;
  s->floats = bytes / 4;
  return 0;
}

/** 1 when this CPU (and the OS's saved register state) runs the given ISA's kernels. */
int ml_isa_supported(int isa) {
  __builtin_cpu_init();
  switch (isa) {
  case ISA_AVX512:
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
           __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  case ISA_AVX2:
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  case ISA_BASELINE:
    return 1;
  default:
    return 0;
  }
}

/** A context on `threads` threads with the given ISA's kernels, or NULL (unsupported ISA, no memory, no threads). */
ml_context *ml_create(int threads, int isa) {
  if (threads < 1 || threads > 64 || !ml_isa_supported(isa)) return NULL;
  ml_context *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  c->threads = threads;
  c->k = isa == ISA_AVX512 ? &kernels_avx512 : isa == ISA_AVX2 ? &kernels_avx2 : &kernels_baseline;
  c->scratch = calloc((size_t)threads, sizeof(scratch));
  c->pool = c->scratch ? pool_create(threads) : NULL;
  if (!c->pool) {
    free(c->scratch);
    free(c);
    return NULL;
  }
  return c;
}

void ml_destroy(ml_context *c) {
  pool_destroy(c->pool);
  for (int t = 0; t < c->threads; t++) free(c->scratch[t].buf);
  free(c->shared.buf);
  free(c->scratch);
  free(c);
}

/** `bytes` rounded up to 64, 64-byte aligned, zero-filled; NULL when out of memory. calloc, so that a
 * large block comes straight from the kernel's zero pages; its own address is kept just below the block. */
void *ml_alloc(double bytes) {
  size_t size = ((size_t)bytes + 63) / 64 * 64;
  char *raw = calloc(1, size + 128);
  if (!raw) return NULL;
  char *p = (char *)(((uintptr_t)raw + 64 + 63) & ~(uintptr_t)63);
  memcpy(p - sizeof raw, &raw, sizeof raw);
  return p;
}

void ml_free(void *p) {
  if (!p) return;
  char *raw;
  memcpy(&raw, (char *)p - sizeof raw, sizeof raw);
  free(raw);
}

/* A served request's forward pass (forward_small.c), on the calling thread: no pool, no allocation.
 * net: [isa, layers L, activation, softmax 0/1, scratch address (2 × rows × widest layer f64),
 *       L+1 layer widths, L weight addresses (f32), L bias addresses (f32)];
 * x: rows × widths[0] f32 in, out: rows × widths[L] f64 (probabilities when softmax is 1). */
void ml_forward_small(const double *net, const float *x, int rows, double *out) {
  if (rows <= 0) return;
  switch ((int)net[0]) {
  case ISA_AVX512:
    forward_small_avx512(net, x, rows, out);
    return;
  case ISA_AVX2:
    forward_small_avx2(net, x, rows, out);
    return;
  default:
    forward_small_baseline(net, x, rows, out);
    return;
  }
}

#define P(i) ((void *)(uintptr_t)r[i])
#define L(i) ((long)r[i])
#define F(i) ((float)r[i])

static gemm_args matmul_args(const double *r) {
  gemm_args g = {
      .a = P(1), .asi = L(2), .asp = L(3), .b = P(4), .bsp = L(5), .bsj = L(6), .c = P(7), .ldc = L(8),
      .m = L(9), .k = L(10), .n = L(11), .accumulate = (int)r[12], .bias = P(13), .act = (int)r[14], .y = P(15), .dact = (int)r[16],
      .colsum = P(17), .colsum_accumulate = (int)r[18],
  };
  return g;
}

/* One record on thread t (matmuls whole, on this thread alone); 0 or an ERR_ code. */
static int exec(ml_context *c, const double *r, int t) {
  const ml_kernels *k = c->k;
  switch ((int)r[0]) {
  case OP_MATMUL: {
    gemm_args g = matmul_args(r);
    return k->gemm(&g, 0, g.m, 0, g.n, NULL, &c->scratch[t]) ? ERR_MEMORY : 0;
  }
  case OP_BIAS_ACTIVATION:
    k->bias_activation(P(1), P(2), P(3), L(4), L(5), (int)r[6]);
    return 0;
  case OP_ACTIVATION_BACKWARD:
    k->activation_backward(P(1), P(2), L(3), (int)r[4]);
    return 0;
  case OP_SOFTMAX:
    k->softmax(P(1), P(2), L(3), L(4));
    return 0;
  case OP_SOFTMAX_XENT:
    k->softmax_xent(P(1), P(2), P(3), P(4), P(5), L(6), L(7), F(8));
    return 0;
  case OP_SQUARED_ERROR:
    k->squared_error(P(1), P(2), P(3), P(4), L(5), F(6));
    return 0;
  case OP_COLUMN_SUMS:
    k->column_sums(P(1), P(2), L(3), L(4), (int)r[5]);
    return 0;
  case OP_SUM_SQUARES:
    k->sum_squares(P(1), L(2), P(3));
    return 0;
  case OP_ARGMAX:
    k->argmax(P(1), P(2), L(3), L(4));
    return 0;
  case OP_ADAM:
    k->adam(P(1), P(2), P(3), P(4), L(5), F(6), F(7), F(8), F(9), F(10), F(11), F(12));
    return 0;
  case OP_GATHER_ROWS:
    return k->gather_rows(P(1), L(2), L(3), P(4), P(5), L(6)) ? ERR_INDEX : 0;
  case OP_FILL:
    k->fill(P(1), L(2), F(3));
    return 0;
  case OP_ADD_INTO:
    k->add_into(P(1), P(2), L(3));
    return 0;
  default:
    return 0;
  }
}

/* A matmul split into chunks of C, handed out by an atomic counter to whichever threads are running:
 * whole row blocks over all columns (op(B) packed once beforehand, shared) or whole column panels over
 * all rows (op(A) packed once, shared), whichever divides more evenly. Each element is computed by one
 * chunk, in the same order as on one thread, so the split never changes a bit. */
typedef struct {
  ml_context *c;
  gemm_args g;
  gemm_packed packed;
  int by_columns;
  long units, chunks, unit; /* units (row blocks or column panels) of `unit` rows or columns, in chunks as even as can be */
  _Atomic long next;
  _Atomic int error;
} split_task;

static void split_part(void *arg, int t) {
  split_task *s = arg;
  for (;;) {
    long chunk = atomic_fetch_add_explicit(&s->next, 1, memory_order_relaxed);
    if (chunk >= s->chunks) return;
    long u0 = chunk * s->units / s->chunks, u1 = (chunk + 1) * s->units / s->chunks;
    long lo = u0 * s->unit, hi = u1 * s->unit;
    long i0 = 0, i1 = s->g.m, j0 = 0, j1 = s->g.n;
    if (s->by_columns) j0 = lo, j1 = hi < s->g.n ? hi : s->g.n;
    else i0 = lo, i1 = hi < s->g.m ? hi : s->g.m;
    if (s->c->k->gemm(&s->g, i0, i1, j0, j1, &s->packed, &s->c->scratch[t])) s->error = ERR_MEMORY;
  }
}

static int matmul_split(ml_context *c, const double *r) {
  const ml_kernels *k = c->k;
  split_task s = {.c = c, .g = matmul_args(r)};
  const long m = s.g.m, n = s.g.n;
  if (m == 0 || n == 0) return 0;
  if (c->threads == 1 || (double)m * (double)n * (double)s.g.k < (double)PARALLEL_MIN_MACS)
    return k->gemm(&s.g, 0, m, 0, n, NULL, &c->scratch[0]) ? ERR_MEMORY : 0;
  const long panels = (n + k->nr - 1) / k->nr, blocks = (m + k->mr - 1) / k->mr;
  /* three chunks a thread, so that a late or slow thread leaves little behind (6 beat 4 and 8 on 2 threads) */
  const long want = 3L * c->threads;
  if (k->gemm_small_n(&s.g)) {
    /* few columns: chunks of rows, nothing shared to pack */
    s.units = blocks;
    s.unit = k->mr;
    s.chunks = s.units < want ? s.units : want;
    pool_run(c->pool, split_part, &s);
    return s.error;
  }
  s.by_columns = panels > blocks;
  s.units = s.by_columns ? panels : blocks;
  s.unit = s.by_columns ? k->nr : k->mr;
  s.chunks = s.units < want ? s.units : want;
  const size_t shared = s.by_columns ? (size_t)(blocks * k->mr) * (size_t)s.g.k : (size_t)(panels * k->nr) * (size_t)s.g.k;
  if (scratch_reserve(&c->shared, shared)) return ERR_MEMORY;
  if (s.by_columns) {
    k->gemm_pack_a_all(&s.g, c->shared.buf);
    s.packed.a = c->shared.buf;
  } else {
    k->gemm_pack_b_all(&s.g, c->shared.buf);
    s.packed.b = c->shared.buf;
  }
  pool_run(c->pool, split_part, &s);
  return s.error;
}

/** Runs one record now; 0 or an ERR_ code. */
int ml_call(ml_context *c, const double *r) {
  if ((int)r[0] == OP_MATMUL) return matmul_split(c, r);
  return exec(c, r, 0);
}

typedef struct {
  ml_context *c;
  const double *records;
  const int32_t *starts; /* program i is records [starts[i], starts[i+1]) */
  int32_t *failed;       /* per program: 1 + the index of the record that failed, or 0 */
  int32_t *errors;       /* per program: its ERR_ code */
  int programs;
  _Atomic int next;
} programs_task;

/* Programs go to whichever threads are running, one whole program at a time (a program's records
 * run in order on one thread; which thread does not change its results). */
static void program_part(void *arg, int t) {
  programs_task *s = arg;
  for (;;) {
    int p = atomic_fetch_add_explicit(&s->next, 1, memory_order_relaxed);
    if (p >= s->programs) return;
    for (int32_t i = s->starts[p]; i < s->starts[p + 1]; i++) {
      int err = exec(s->c, s->records + (size_t)i * RECORD, t);
      if (err) {
        s->failed[p] = i - s->starts[p] + 1;
        s->errors[p] = err;
        break;
      }
    }
  }
}

/** Runs `programs` programs side by side, each on one thread; a failed record stops its program only. */
void ml_run(ml_context *c, const double *records, const int32_t *starts, int programs, int32_t *failed,
            int32_t *errors) {
  programs_task s = {.c = c, .records = records, .starts = starts, .failed = failed, .errors = errors, .programs = programs};
  for (int p = 0; p < programs; p++) failed[p] = errors[p] = 0;
  pool_run(c->pool, program_part, &s);
}
