/* A fixed set of worker threads that run one task at a time: pool_run(p, fn, ctx, active) calls
 * fn(ctx, t) for t = 0 … active-1, t = 0 on the calling thread, and returns when all are done. */
#ifndef ML_POOL_H
#define ML_POOL_H

typedef void (*pool_task)(void *ctx, int thread);
typedef struct pool pool;

pool *pool_create(int threads);
void pool_run(pool *p, pool_task fn, void *ctx, int active);
void pool_destroy(pool *p);

#endif
