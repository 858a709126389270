/* C reference for the large-array benchmark (see bench/large_arrays.py).
 *
 * Plain C loops over n float64 elements, the throughput a compiled kernel
 * should reach:
 *     copy  memcpy(o, a, 8n)            (glibc's, dispatched at run time)
 *     add   o[i] = a[i] + b[i]
 *     mul   o[i] = a[i] * 2.5
 *     sum   s += a[i], 8 independent accumulators: a single accumulator
 *           is bound by the latency of one addition per element, 8 of them
 *           is what any SIMD kernel (or numpy's pairwise sum) does
 * Outputs go to a preallocated, already touched array (no page faults).
 * bench/run_bench.py builds it with gcc -O3 once per SIMD level:
 * -march=x86-64 (SSE2, the baseline every x86-64 CPU runs), -mavx2,
 * -mavx512f; and once more per level with -fopenmp, the reference of
 * piconumpy's multi-threaded loops: each kernel cut into equal slices, one
 * per OpenMP thread (OMP_NUM_THREADS), a slice being the same loop.
 *
 * Usage: large_ref n [min_seconds [sample_seconds]]   (defaults 0.2, 0.002)
 * A sample is k back-to-back calls of one kernel, k chosen (per kernel) so
 * that it lasts about sample_seconds, at least one call: the Python side
 * samples the same way, so that both see the same cache state (small arrays
 * stay in cache from one call to the next, 1e7 elements do not).  The four
 * kernels take turns, sample after sample, until min_seconds have been
 * spent in all of them together (and each has at least 5 samples).
 * Prints one JSON object: per kernel, the median and min time of ONE call
 * (seconds) and k, the number of samples, and check values (the sum,
 * o[n/2] after mul) which the Python side verifies.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* external linkage: the clock calls might read them, so the compiler can
 * neither drop the loops nor move them across the timing calls */
double *arr_a, *arr_b, *arr_o;
volatile double sink;

#define BARRIER() __asm__ __volatile__("" ::: "memory")

/* PARALLEL(n, f): f(lo, hi) over [0, n), one equal slice per thread */
#ifdef _OPENMP
#include <omp.h>
#define PARALLEL(n, f)                                                       \
    _Pragma("omp parallel")                                                  \
    {                                                                        \
        size_t t_ = (size_t)omp_get_thread_num(), nt_ = (size_t)omp_get_num_threads(); \
        f((n) * t_ / nt_, (n) * (t_ + 1) / nt_);                             \
    }
#else
#define PARALLEL(n, f) f(0, n);
#endif

static void copy_range(size_t lo, size_t hi)
{
    memcpy(arr_o + lo, arr_a + lo, (hi - lo) * sizeof(double));
}
static void add_range(size_t lo, size_t hi)
{
    const double *restrict a = arr_a, *restrict b = arr_b;
    double *restrict o = arr_o;
    for (size_t i = lo; i < hi; i++) o[i] = a[i] + b[i];
}
static void mul_range(size_t lo, size_t hi)
{
    const double *restrict a = arr_a;
    double *restrict o = arr_o;
    for (size_t i = lo; i < hi; i++) o[i] = a[i] * 2.5;
}
static double sum8(const double *restrict a, size_t n)
{
    double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; j++) acc[j] += a[i + j];
    double s = ((acc[0] + acc[1]) + (acc[2] + acc[3]))
               + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    for (; i < n; i++) s += a[i];
    return s;
}
static void k_copy(size_t n) { PARALLEL(n, copy_range) }
static void k_add(size_t n) { PARALLEL(n, add_range) }
static void k_mul(size_t n) { PARALLEL(n, mul_range) }
static void k_sum(size_t n)
{
    double s = 0.0;
#ifdef _OPENMP
#pragma omp parallel reduction(+ : s)
    {
        size_t t = (size_t)omp_get_thread_num(), nt = (size_t)omp_get_num_threads();
        s += sum8(arr_a + n * t / nt, n * (t + 1) / nt - n * t / nt);
    }
#else
    s = sum8(arr_a, n);
#endif
    sink = s;
}
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

#define NK 4
static const char *names[NK] = {"copy", "add", "mul", "sum"};
static void (*const kernels[NK])(size_t) = {k_copy, k_add, k_mul, k_sum};

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s n [min_seconds [sample_seconds]]\n", argv[0]);
        return 2;
    }
    long long nn = atoll(argv[1]);
    double min_seconds = argc > 2 ? atof(argv[2]) : 0.2;
    double sample_seconds = argc > 3 ? atof(argv[3]) : 0.002;
    if (nn < 2) {
        fprintf(stderr, "need n >= 2\n");
        return 2;
    }
    size_t n = (size_t)nn;
    size_t k[NK];
    arr_a = malloc(n * sizeof(double));
    arr_b = malloc(n * sizeof(double));
    arr_o = malloc(n * sizeof(double));
    size_t cap = 256, count = 0;
    double *times[NK];
    for (int j = 0; j < NK; j++) times[j] = malloc(cap * sizeof(double));
    if (!arr_a || !arr_b || !arr_o) return 1;
    /* same values as bench/large_arrays.py: linspace(0.5, 2.5) and
     * linspace(1.0, 2.0); every page of the output touched beforehand */
    for (size_t i = 0; i < n; i++) {
        arr_a[i] = 0.5 + 2.0 * (double)i / (double)(n - 1);
        arr_b[i] = 1.0 + (double)i / (double)(n - 1);
        arr_o[i] = 0.0;
    }
    for (int j = 0; j < NK; j++) {
        kernels[j](n);   /* warm-up */
        double t1 = 1e30;
        for (int r = 0; r < 3; r++) {   /* k from the best of 3 calls */
            double t0 = now();
            kernels[j](n);
            double dt = now() - t0;
            if (dt < t1) t1 = dt;
        }
        k[j] = t1 > 0 && t1 < sample_seconds ? (size_t)(sample_seconds / t1) : 1;
    }

    double total = 0.0;
    while (total < min_seconds || count < 5) {
        if (count == cap) {
            cap *= 2;
            for (int j = 0; j < NK; j++) {
                times[j] = realloc(times[j], cap * sizeof(double));
                if (!times[j]) return 1;
            }
        }
        for (int j = 0; j < NK; j++) {
            double t0 = now();
            for (size_t r = 0; r < k[j]; r++) {
                kernels[j](n);
                BARRIER();   /* k real calls, not one */
            }
            double dt = now() - t0;
            times[j][count] = dt / k[j];
            total += dt;
        }
        count++;
    }
    k_sum(n);   /* the check value is what the timed kernel computes */
    double s = sink;
    k_mul(n);
    printf("{\"n\": %zu, \"samples\": %zu", n, count);
    for (int j = 0; j < NK; j++) {
        qsort(times[j], count, sizeof(double), cmp_double);
        double med = count % 2 ? times[j][count / 2]
                               : 0.5 * (times[j][count / 2 - 1] + times[j][count / 2]);
        printf(",\n \"%s\": {\"median\": %.9g, \"min\": %.9g, \"k\": %zu}",
               names[j], med, times[j][0], k[j]);
        free(times[j]);
    }
    printf(",\n \"check_sum\": %.17g, \"check_mul_mid\": %.17g}\n", s, arr_o[n / 2]);
    free(arr_a);
    free(arr_b);
    free(arr_o);
    return 0;
}
