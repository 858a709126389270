/* threads.h -- large element-wise loops and sums split across the CPU's cores.
 *
 * numpy runs every ufunc on one core; on arrays of 10^5+ elements the
 * transcendental functions are compute bound and + - * / copy are bound by
 * one core's cache bandwidth, so a second core nearly doubles them.  Only
 * loops whose result cannot depend on the split are split: element-wise
 * ones (every element is computed by the same code whichever thread runs
 * it) and sum, whose groups are merged in the one-thread association
 * (simd.h); results are bit-identical to one thread's.  argmin and argmax
 * get their blocks' extrema on several threads and choose in block order
 * (kernels.h).  The other reductions (prod, dot, min, max, nan*) stay on
 * one thread: split, their association would change (min/max: the sign of
 * a zero result).
 *
 * The pool: PICONUMPY_NUM_THREADS (default: the CPUs this process may run
 * on -- affinity mask and container quota -- at most PN_DEFAULT_MAX_THREADS)
 * minus one worker threads, started on
 * the first large loop.  The caller cuts [0, n) into chunks, publishes the
 * job and works on chunks itself; workers claim chunks with a
 * compare-and-swap on a ticket that carries the job's generation, so a late
 * worker can never run a chunk of the wrong job.  A worker spins ~50 µs
 * after each job (back-to-back array operations then start in well under a
 * microsecond) and then sleeps on a futex.  Nothing here touches Python:
 * the caller holds the GIL throughout, workers only run kernel code.
 * Linux only (futex), and not in strict ISO C builds (-std=c99: no POSIX
 * declarations); elsewhere everything runs on the calling thread.
 * After fork() the child has no workers: they are restarted on demand.
 */
#ifndef PICONUMPY_THREADS_H
#define PICONUMPY_THREADS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PN_MAX_THREADS 64
#define PN_DEFAULT_MAX_THREADS 8

/* work on [lo, hi) of the job described by `job` */
typedef void (*pn_range_fn)(const void *job, pn_ssize_t lo, pn_ssize_t hi);

static int pn_nthreads = 1;   /* threads an array loop may use, caller included */

#if defined(__linux__) && defined(__GNUC__) && !defined(__STRICT_ANSI__)
#define PN_HAVE_THREADS 1
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>   /* sched_yield */
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* a worker spins this long after a job before it sleeps on the futex
 * (yielding now and then: with several pools in one process -- each
 * piconumpy backend module has its own -- or other busy threads, a spinning
 * worker must not keep a core from the thread that has work) */
#define PN_SPIN_NS 50000
#define PN_SPIN_CHECK 256   /* pause instructions between clock reads */
#define PN_TICKET_CLOSED 0xffffffffu

/* Three cache lines, so that a job costs few transfers between cores (one
 * takes ~0.2 us on the 2-core test VM): what a spinning worker reads (gen,
 * then the job and the ticket: one line), the finished-chunk count
 * (written by workers, read by the waiting caller: its own line), and the
 * caller's bookkeeping.  Measured hand-off cost of a 2-thread job: 0.27 ->
 * 0.24 us, and 0.67 -> 0.58 us when the two vCPUs sit far apart. */
static struct {
    struct {
        uint32_t gen;          /* futex word: bumped for every job */
        uint32_t nchunks;
        uint64_t ticket;       /* gen << 32 | next unclaimed chunk */
        /* the job: written only while no chunk of another job can be
         * claimed */
        pn_range_fn fn;
        const void *job;
        pn_ssize_t n, chunk;
    } __attribute__((aligned(64)));
    struct {
        pn_ssize_t done;       /* chunks finished */
    } __attribute__((aligned(64)));
    struct {
        int sleepers;          /* workers in futex_wait */
        int wake_sent;         /* a FUTEX_WAKE since a worker last slept */
        int started;           /* workers running in this process */
        int cap;               /* most workers this process could start (a
                                  failed pthread_create is not retried) */
        int busy;              /* a job is in progress (never nested) */
        unsigned long jobs;    /* loops split so far (for tests) */
    } __attribute__((aligned(64)));
} pn_pool;

#define PN_LOAD(x) __atomic_load_n(&(x), __ATOMIC_ACQUIRE)
#define PN_RELAXED(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define PN_SET(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

static inline void pn_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

static inline uint64_t pn_now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Claim and run chunks of job generation g until none is left. */
static void pn_pool_work(uint32_t g)
{
    pn_range_fn fn = PN_RELAXED(pn_pool.fn);
    const void *job = PN_RELAXED(pn_pool.job);
    pn_ssize_t n = PN_RELAXED(pn_pool.n), chunk = PN_RELAXED(pn_pool.chunk);
    uint32_t nchunks = PN_RELAXED(pn_pool.nchunks);
    /* the fields above belong to job g if the ticket still says g below:
     * the caller closes the ticket before it writes the next job */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    for (;;) {
        uint64_t t = PN_LOAD(pn_pool.ticket);
        uint32_t c = (uint32_t)t;
        if ((uint32_t)(t >> 32) != g || c >= nchunks)
            return;
        if (!__atomic_compare_exchange_n(&pn_pool.ticket, &t, t + 1, 0,
                                         __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
            continue;
        pn_ssize_t lo = (pn_ssize_t)c * chunk;
        fn(job, lo, lo + chunk < n ? lo + chunk : n);
        __atomic_fetch_add(&pn_pool.done, 1, __ATOMIC_RELEASE);
    }
}

/* set on the pool's threads: they may use more stack than a Python thread */
static __thread int pn_on_worker;

static void *pn_worker_main(void *arg)
{
    const int id = (int)(intptr_t)arg;   /* 0, 1, ... */
    pn_on_worker = 1;
    uint32_t seen = PN_LOAD(pn_pool.gen);
    for (;;) {
        uint32_t g;
        uint64_t start = pn_now_ns();
        for (unsigned i = 1; (g = PN_LOAD(pn_pool.gen)) == seen; i++) {
            pn_cpu_relax();
            if (i % PN_SPIN_CHECK != 0)
                continue;
            /* a worker beyond set_num_threads' count sleeps at once */
            if (id < PN_RELAXED(pn_nthreads) - 1 &&
                pn_now_ns() - start < PN_SPIN_NS) {
                sched_yield();
                continue;
            }
            __atomic_fetch_add(&pn_pool.sleepers, 1, __ATOMIC_SEQ_CST);
            /* after sleepers: a caller that saw this worker counted but
             * the flag still set either published a job this worker has
             * not seen (the futex_wait below returns at once), or its
             * FUTEX_WAKE found nobody waiting and it cleared the flag
             * again for the next job */
            __atomic_store_n(&pn_pool.wake_sent, 0, __ATOMIC_SEQ_CST);
            /* returns at once if gen is no longer `seen` */
            syscall(SYS_futex, &pn_pool.gen, FUTEX_WAIT_PRIVATE, seen, NULL,
                    NULL, 0);
            __atomic_fetch_sub(&pn_pool.sleepers, 1, __ATOMIC_SEQ_CST);
            start = pn_now_ns();
        }
        seen = g;
        if (id < PN_RELAXED(pn_nthreads) - 1)
            pn_pool_work(g);
    }
    return NULL;
}

/* In a fork()ed child the workers are gone: start again when needed. */
static void pn_pool_after_fork(void)
{
    pn_pool.started = 0;
    pn_pool.cap = PN_MAX_THREADS;
    pn_pool.busy = 0;
    pn_pool.sleepers = 0;
    pn_pool.wake_sent = 0;
}

/* Start workers up to want - 1; returns the threads usable (>= 1). */
static int pn_pool_start(int want)
{
    static int atfork_done = 0;
    if (!atfork_done) {
        pn_pool.cap = PN_MAX_THREADS;
        if (pthread_atfork(NULL, NULL, pn_pool_after_fork) != 0)
            pn_pool.cap = 0;   /* no workers then: a child would lack them */
        atfork_done = 1;
    }
    if (want - 1 > pn_pool.cap)
        want = pn_pool.cap + 1;
    if (pn_pool.started >= want - 1)
        return want;
    /* workers take no signals: Python handles them on its main thread */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    /* fused evaluation keeps 132 KB of scratch rows on a worker's stack */
    pthread_attr_setstacksize(&attr, 2 * 1024 * 1024);
    while (pn_pool.started < want - 1) {
        pthread_t tid;
        if (pthread_create(&tid, &attr, pn_worker_main,
                           (void *)(intptr_t)pn_pool.started) != 0) {
            pn_pool.cap = pn_pool.started;
            break;
        }
        pn_pool.started++;
    }
    pthread_attr_destroy(&attr);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return pn_pool.started + 1;
}

/* fn(job, lo, hi) over [0, n) in chunks of at least `grain` items, a
 * multiple of `align` (64 elements keep every SIMD loop's alignment at the
 * chunk edges), on up to pn_nthreads threads.  Below 2 * grain: one plain
 * call. */
static void pn_parallel_for(pn_range_fn fn, const void *job, pn_ssize_t n,
                            pn_ssize_t grain, pn_ssize_t align)
{
    int nt = pn_nthreads;
    /* one job at a time: a call made from inside a job (a fused chunk
     * calls the threaded kernels) runs on its own thread */
    if (nt <= 1 || n < 2 * grain ||
        __atomic_exchange_n(&pn_pool.busy, 1, __ATOMIC_ACQUIRE)) {
        fn(job, 0, n);
        return;
    }
    nt = pn_pool_start(nt);
    pn_ssize_t nchunks = n / grain < nt ? n / grain : nt;
    if (nt <= 1 || nchunks <= 1) {
        __atomic_store_n(&pn_pool.busy, 0, __ATOMIC_RELEASE);
        fn(job, 0, n);
        return;
    }
    pn_pool.jobs++;
    pn_ssize_t chunk = (n + nchunks - 1) / nchunks;
    chunk = (chunk + align - 1) / align * align;
    nchunks = (n + chunk - 1) / chunk;
    uint32_t g = pn_pool.gen + 1;
    /* close the ticket first: no worker can claim a chunk with the old
     * job's fields from here on */
    __atomic_store_n(&pn_pool.ticket, (uint64_t)g << 32 | PN_TICKET_CLOSED,
                     __ATOMIC_SEQ_CST);
    /* ...and visibly so before the fields change (a store-store barrier
     * on weakly ordered CPUs; pairs with the fence in pn_pool_work) */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    PN_SET(pn_pool.fn, fn);
    PN_SET(pn_pool.job, job);
    PN_SET(pn_pool.n, n);
    PN_SET(pn_pool.chunk, chunk);
    PN_SET(pn_pool.nchunks, (uint32_t)nchunks);
    __atomic_store_n(&pn_pool.done, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&pn_pool.ticket, (uint64_t)g << 32, __ATOMIC_SEQ_CST);
    __atomic_store_n(&pn_pool.gen, g, __ATOMIC_SEQ_CST);
    /* one FUTEX_WAKE per sleep: a woken worker can take 10-80 us to run
     * (measured on the 2-vCPU test machine), and meanwhile every job would
     * make the syscall again (0.15 us each) */
    if (__atomic_load_n(&pn_pool.sleepers, __ATOMIC_SEQ_CST) > 0 &&
        !__atomic_exchange_n(&pn_pool.wake_sent, 1, __ATOMIC_SEQ_CST) &&
        syscall(SYS_futex, &pn_pool.gen, FUTEX_WAKE_PRIVATE, INT32_MAX, NULL,
                NULL, 0) == 0)
        /* nobody was waiting yet: a worker counted in sleepers may have
         * seen this job already and then wait on its gen, so the next job
         * must wake again (jobs never overlap: busy) */
        __atomic_store_n(&pn_pool.wake_sent, 0, __ATOMIC_SEQ_CST);
    pn_pool_work(g);
    /* the last chunks may still run on workers */
    for (unsigned i = 1; PN_LOAD(pn_pool.done) < nchunks; i++) {
        pn_cpu_relax();
        if (i % PN_SPIN_CHECK == 0)
            sched_yield();   /* a worker preempted on this core gets it */
    }
    __atomic_store_n(&pn_pool.busy, 0, __ATOMIC_RELEASE);
}

/* A container's CPU quota (cgroup v2 cpu.max "quota period", v1
 * cfs_quota_us / cfs_period_us), rounded up; 0 when there is none.  The
 * affinity mask shows every host CPU in a container limited to one or two:
 * threads beyond the quota would only wait for each other. */
static int pn_cgroup_cpus_from(const char *cpu_max, const char *cfs_quota,
                               const char *cfs_period)
{
    long long quota = -1, period = 0;
    FILE *f = fopen(cpu_max, "r");
    if (f != NULL) {
        char q[32];
        if (fscanf(f, "%31s %lld", q, &period) == 2 && strcmp(q, "max") != 0)
            quota = atoll(q);
        fclose(f);
    }
    else if ((f = fopen(cfs_quota, "r")) != NULL) {
        if (fscanf(f, "%lld", &quota) != 1)
            quota = -1;
        fclose(f);
        f = fopen(cfs_period, "r");
        if (f == NULL || fscanf(f, "%lld", &period) != 1)
            period = 0;
        if (f != NULL)
            fclose(f);
    }
    if (quota <= 0 || period <= 0)
        return 0;
    long long n = (quota + period - 1) / period;
    return n > PN_MAX_THREADS ? PN_MAX_THREADS : (int)n;
}

static int pn_cgroup_cpus(void)
{
    return pn_cgroup_cpus_from("/sys/fs/cgroup/cpu.max",
                               "/sys/fs/cgroup/cpu/cpu.cfs_quota_us",
                               "/sys/fs/cgroup/cpu/cpu.cfs_period_us");
}

/* CPUs this process may run on (its affinity mask, within a container's
 * quota), at least 1.  The raw system call: CPU_COUNT needs _GNU_SOURCE
 * before the first system header, which the HPy universal build does not
 * define. */
static int pn_cpus_available(void)
{
    unsigned long mask[64];   /* 4096 CPUs */
    long bytes = syscall(SYS_sched_getaffinity, 0, sizeof mask, mask);
    int n = 0;
    for (long i = 0; bytes > 0 && i < bytes / (long)sizeof mask[0]; i++)
        n += __builtin_popcountl(mask[i]);
    if (n <= 0) {
        long online = sysconf(_SC_NPROCESSORS_ONLN);
        n = online > 0 ? (int)online : 1;
    }
    int quota = pn_cgroup_cpus();
    return quota > 0 && quota < n ? quota : n;
}

/* Is this one of the pool's threads? */
static inline int pn_on_worker_thread(void) { return pn_on_worker; }

/* for tests: worker threads running, loops split so far */
static void pn_thread_stats(int *workers, unsigned long *jobs)
{
    *workers = pn_pool.started;
    *jobs = pn_pool.jobs;
}

#else /* no threads: every loop runs on the caller */
static void pn_parallel_for(pn_range_fn fn, const void *job, pn_ssize_t n,
                            pn_ssize_t grain, pn_ssize_t align)
{
    (void)grain;
    (void)align;
    fn(job, 0, n);
}
static int pn_cpus_available(void) { return 1; }
static inline int pn_on_worker_thread(void) { return 0; }
static void pn_thread_stats(int *workers, unsigned long *jobs)
{
    *workers = 0;
    *jobs = 0;
}
#endif

/* Thread count for the next loops: 1..PN_MAX_THREADS (callers check). */
static void pn_set_num_threads(int n)
{
#ifdef PN_HAVE_THREADS
    __atomic_store_n(&pn_nthreads, n, __ATOMIC_RELAXED);   /* workers read it */
#else
    (void)n;
    pn_nthreads = 1;
#endif
}

#define PN_THREADS_ENV_ERROR \
    "PICONUMPY_NUM_THREADS must be an integer from 1 to 64"
#define PN_THREADS_RANGE_ERROR \
    "number of threads must be from 1 to 64 (0: only ask)"

/* Read PICONUMPY_NUM_THREADS; -1 when it is not a valid count. */
static int pn_threads_init(void)
{
    const char *want = getenv("PICONUMPY_NUM_THREADS");
    int n;
    if (want == NULL || *want == '\0') {
        n = pn_cpus_available();
        if (n > PN_DEFAULT_MAX_THREADS)
            n = PN_DEFAULT_MAX_THREADS;
    }
    else {
        char *end;
        long v = strtol(want, &end, 10);
        if (*end != '\0' || v < 1 || v > PN_MAX_THREADS)
            return -1;
        n = (int)v;
    }
    pn_set_num_threads(n);
    return 0;
}

#endif /* PICONUMPY_THREADS_H */
