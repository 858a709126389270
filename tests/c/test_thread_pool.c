/* Driver for tests/test_threads.py: piconumpy/threads.h's pool wakes its
 * sleeping worker for a new job, round after round (a lost wake-up would
 * leave every chunk to the caller: results stay right, the worker never
 * runs again).  Prints "ok" or what went wrong (exit status 1). */
#include <stddef.h>
#include <stdio.h>
#include <time.h>
typedef ptrdiff_t pn_ssize_t;
#include "threads.h"

static volatile int worker_chunks;

static void job(const void *arg, pn_ssize_t lo, pn_ssize_t hi)
{
    (void)arg; (void)lo; (void)hi;
    if (pn_on_worker)
        __atomic_fetch_add(&worker_chunks, 1, __ATOMIC_RELAXED);
}

static double seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

int main(void)
{
    pn_nthreads = 2;
    for (int round = 0; round < 40; round++) {
        /* past its spin time the worker sleeps on the futex (the first
         * round starts it) */
        double t_nap = seconds();
        while (round > 0 &&
               __atomic_load_n(&pn_pool.sleepers, __ATOMIC_SEQ_CST) != 1) {
            struct timespec nap = {0, PN_SPIN_NS};
            nanosleep(&nap, NULL);
            if (seconds() - t_nap > 2.0) {
                printf("round %d: the worker did not go to sleep in 2 s\n", round);
                return 1;
            }
        }
        worker_chunks = 0;
        double t0 = seconds();
        while (worker_chunks == 0) {   /* jobs until the worker takes part */
            pn_parallel_for(job, NULL, 1 << 20, 1024, 64);
            if (seconds() - t0 > 2.0) {
                printf("round %d: the worker did not wake in 2 s\n", round);
                return 1;
            }
        }
    }
    printf("ok\n");
    return 0;
}
