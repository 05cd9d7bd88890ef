/* Workers wait on a generation counter: they spin briefly after each task (a training step issues the
 * next one within microseconds), then sleep on a futex so that an idle pool costs nothing on a shared
 * machine. `state` is the open task: bit 0 set while it takes helpers, the rest counts the workers in it
 * (in steps of 2). A worker joins only while bit 0 is set; the caller clears it when its own part is done
 * and waits for the workers that joined, never for one that has not woken yet. */
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
  _Atomic uint32_t state;
  _Atomic int sleepers; /* workers asleep (or about to be) on generation: only then is a wake-up call needed */
  _Atomic int stop;
  pool_task fn;
  void *ctx;
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

/* Spins up to SPIN_NS while *addr == value; returns the value seen last (== value after a timeout). */
static uint32_t spin_while(_Atomic uint32_t *addr, uint32_t value) {
  long start = 0;
  for (int i = 0;; i++) {
    uint32_t now = atomic_load_explicit(addr, memory_order_acquire);
    if (now != value) return now;
    if ((i & 63) == 63) {
      long t = now_ns();
      if (start == 0) start = t;
      else if (t - start > SPIN_NS) return now;
    }
    cpu_relax();
  }
}

static void *worker_main(void *arg) {
  worker_arg *w = arg;
  pool *p = w->p;
  const int thread = w->thread;
  free(w);
  uint32_t seen = 0;
  for (;;) {
    uint32_t now = spin_while(&p->generation, seen);
    while (now == seen) {
      /* seq_cst with the caller's generation bump and its read of sleepers (a Dekker pair) */
      atomic_fetch_add(&p->sleepers, 1);
      futex_wait(&p->generation, seen);
      atomic_fetch_sub(&p->sleepers, 1);
      now = atomic_load(&p->generation);
    }
    seen = now;
    if (atomic_load_explicit(&p->stop, memory_order_acquire)) return NULL;
    uint32_t s = atomic_load_explicit(&p->state, memory_order_acquire);
    while (s & 1) {
      if (atomic_compare_exchange_weak_explicit(&p->state, &s, s + 2, memory_order_acq_rel, memory_order_acquire)) {
        p->fn(p->ctx, thread);
        if (atomic_fetch_sub_explicit(&p->state, 2, memory_order_acq_rel) == 2) futex_wake(&p->state);
        break;
      }
    }
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

void pool_run(pool *p, pool_task fn, void *ctx) {
  if (p->threads == 1) {
    fn(ctx, 0);
    return;
  }
  p->fn = fn;
  p->ctx = ctx;
  atomic_store_explicit(&p->state, 1, memory_order_release);
  atomic_fetch_add(&p->generation, 1);
  if (atomic_load(&p->sleepers) > 0) futex_wake(&p->generation);
  fn(ctx, 0);
  uint32_t s = atomic_fetch_and_explicit(&p->state, ~1u, memory_order_acq_rel) & ~1u;
  while (s != 0) {
    s = spin_while(&p->state, s);
    if (s != 0) futex_wait(&p->state, s);
    s = atomic_load_explicit(&p->state, memory_order_acquire);
  }
}

void pool_destroy(pool *p) {
  atomic_store_explicit(&p->stop, 1, memory_order_release);
  atomic_fetch_add(&p->generation, 1);
  futex_wake(&p->generation);
  for (int t = 1; t < p->threads; t++) pthread_join(p->workers[t - 1], NULL);
  free(p->workers);
  free(p);
}
