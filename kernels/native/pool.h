/* A fixed set of worker threads that help with one task at a time. pool_run(p, fn, ctx) calls
 * fn(ctx, 0) on the calling thread and fn(ctx, t) on each worker t that wakes while the task is
 * still open; it returns when the caller's call is done and every worker that joined is done. So a
 * task hands out its work itself (an atomic counter of chunks) and must finish even if no worker joins:
 * on a loaded machine a descheduled worker then costs nothing instead of stalling the call. */
#ifndef ML_POOL_H
#define ML_POOL_H

typedef void (*pool_task)(void *ctx, int thread);
typedef struct pool pool;

pool *pool_create(int threads);
void pool_run(pool *p, pool_task fn, void *ctx);
void pool_destroy(pool *p);

#endif
