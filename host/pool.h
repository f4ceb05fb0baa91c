/* The run's band pool: a few threads that execute parallel_for items and
 * strip bands. The calling thread always works on its own job too, so a
 * pool of zero threads is a valid, serial pool. */
#ifndef UH_POOL_H
#define UH_POOL_H

#include <stdint.h>
#include <uberhost/uh_sdk.h>

typedef struct pool pool;

/* Item callback: `slot` is 0 on the calling thread, 1..threads on the pool's
 * threads, so per-thread state can be indexed by it. */
typedef uh_status (*pool_fn)(void *arg, uint32_t slot, uint32_t i);

/* Starts `threads` threads (0 is fine). Returns NULL on failure. */
pool *pool_create(uint32_t threads);

/* Runs fn(arg, slot, i) for i in [0, n) and returns when all have run (or
 * were skipped after a failure or `*cancel` became nonzero). Returns UH_OK,
 * the status of the lowest failing i, or UH_ECANCELED. Several threads may
 * call pool_run at once; their jobs share the pool. */
uh_status pool_run(pool *p, uint32_t n, pool_fn fn, void *arg,
                   const volatile int *cancel);

/* Threads of the pool (not counting callers). */
uint32_t pool_threads(const pool *p);

/* Joins the threads. NULL ok. */
void pool_destroy(pool *p);

#endif
