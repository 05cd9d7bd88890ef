/* Worker threads waiting on a generation counter: they spin briefly after each task (a training step
 * issues the next one within microseconds), then sleep on a futex so that an idle pool costs nothing
 * on a shared machine. The caller waits for the last worker the same way. */
#define _GNU_SOURCE
#include "pool.h"

#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define SPIN_NS 50000L /* how long a thread spins before it sleeps */

struct pool {
  int threads;
  pthread_t *workers; /* threads - 1 of them: thread 0 is the caller */
  _Atomic uint32_t generation;
  _Atomic uint32_t pending;
  _Atomic int stop;
  pool_task fn;
  void *ctx;
  int active;
};

typedef struct {
  pool *p;
  int thread;
} worker_arg;

static void futex_wait(_Atomic uint32_t *addr, uint32_t value) {
  syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAIT_PRIVATE, value, NULL, NULL, 0);
}

static void futex_wake(_Atomic uint32_t *addr) {
  syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

static long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000000000L + t.tv_nsec;
}

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

/* Waits until *addr differs from `value`: spins up to SPIN_NS, then sleeps. Returns the new value. */
static uint32_t wait_change(_Atomic uint32_t *addr, uint32_t value) {
  uint32_t now;
  long start = 0;
  for (int i = 0;; i++) {
    now = atomic_load_explicit(addr, memory_order_acquire);
    if (now != value) return now;
    if ((i & 63) == 63) {
      long t = now_ns();
      if (start == 0) start = t;
      else if (t - start > SPIN_NS) break;
    }
    cpu_relax();
  }
  while ((now = atomic_load_explicit(addr, memory_order_acquire)) == value) futex_wait(addr, value);
  return now;
}

static void *worker_main(void *arg) {
  worker_arg *w = arg;
  pool *p = w->p;
  const int thread = w->thread;
  free(w);
  uint32_t seen = 0;
  for (;;) {
    seen = wait_change(&p->generation, seen);
    if (atomic_load_explicit(&p->stop, memory_order_acquire)) return NULL;
    if (thread < p->active) p->fn(p->ctx, thread);
    if (atomic_fetch_sub_explicit(&p->pending, 1, memory_order_acq_rel) == 1) futex_wake(&p->pending);
  }
}

pool *pool_create(int threads) {
  pool *p = calloc(1, sizeof *p);
  if (!p) return NULL;
  p->threads = threads;
  p->workers = calloc((size_t)(threads > 1 ? threads - 1 : 1), sizeof(pthread_t));
  if (!p->workers) {
    free(p);
    return NULL;
  }
  for (int t = 1; t < threads; t++) {
    worker_arg *w = malloc(sizeof *w);
    if (!w || (w->p = p, w->thread = t, pthread_create(&p->workers[t - 1], NULL, worker_main, w)) != 0) {
      free(w);
      p->threads = t; /* the ones started so far are stopped and joined */
      pool_destroy(p);
      return NULL;
    }
  }
  return p;
}

void pool_run(pool *p, pool_task fn, void *ctx, int active) {
  if (active <= 1 || p->threads == 1) {
    fn(ctx, 0);
    return;
  }
  p->fn = fn;
  p->ctx = ctx;
  p->active = active;
  atomic_store_explicit(&p->pending, (uint32_t)(p->threads - 1), memory_order_relaxed);
  atomic_fetch_add_explicit(&p->generation, 1, memory_order_acq_rel);
  futex_wake(&p->generation);
  fn(ctx, 0);
  uint32_t left;
  while ((left = atomic_load_explicit(&p->pending, memory_order_acquire)) != 0) wait_change(&p->pending, left);
}

void pool_destroy(pool *p) {
  atomic_store_explicit(&p->stop, 1, memory_order_release);
  atomic_fetch_add_explicit(&p->generation, 1, memory_order_acq_rel);
  futex_wake(&p->generation);
  for (int t = 1; t < p->threads; t++) pthread_join(p->workers[t - 1], NULL);
  free(p->workers);
  free(p);
}
