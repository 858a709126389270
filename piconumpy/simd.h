/* simd.h -- runtime CPU dispatch of the element-wise kernels and reductions.
 *
 * Included by kernels.h after the generic kernels (pn_*_k).  Each level
 * compiles the SAME generic kernel bodies for its instruction set (gcc
 * inlines a plain function into a caller with a wider target and
 * vectorises it there), so there is one kernel per operation, not one per
 * level:
 *   baseline  x86-64 (SSE2), runs everywhere;
 *   avx2      256-bit vectors; sin cos tan exp log pow from glibc's libmvec
 *             (_ZGVdN4v_*, documented max error 4 ulp);
 *   avx512    512-bit vectors (AVX512F and DQ); libmvec's _ZGVeN8v_* for sin
 *             cos tan pow, our own exp and log (vmath_avx512.h, with their
 *             error analysis).
 * The best level the CPU supports is chosen when the module loads;
 * PICONUMPY_SIMD=baseline|avx2|avx512 lowers it (for tests and benchmarks).
 * No -ffast-math and no FMA contraction: add/sub/mul/div/sqrt and the sums
 * (fixed association, see pn_sum_k) give bit-identical results at
 * every level; only sin cos tan exp log and the general ** differ, within
 * their 4 ulp.
 */
#ifndef PICONUMPY_SIMD_H
#define PICONUMPY_SIMD_H

#include <stdlib.h>
#include <string.h>

#include "threads.h"

typedef struct {
    const char *name;
    void (*add_vv)(double *, const double *, const double *, pn_ssize_t);
    void (*add_vs)(double *, const double *, double, pn_ssize_t);
    void (*add_sv)(double *, double, const double *, pn_ssize_t);
    void (*sub_vv)(double *, const double *, const double *, pn_ssize_t);
    void (*sub_vs)(double *, const double *, double, pn_ssize_t);
    void (*sub_sv)(double *, double, const double *, pn_ssize_t);
    void (*mul_vv)(double *, const double *, const double *, pn_ssize_t);
    void (*mul_vs)(double *, const double *, double, pn_ssize_t);
    void (*mul_sv)(double *, double, const double *, pn_ssize_t);
    void (*div_vv)(double *, const double *, const double *, pn_ssize_t);
    void (*div_vs)(double *, const double *, double, pn_ssize_t);
    void (*div_sv)(double *, double, const double *, pn_ssize_t);
    void (*neg)(double *, const double *, pn_ssize_t);
    void (*absolute)(double *, const double *, pn_ssize_t);
    void (*sqrt)(double *, const double *, pn_ssize_t);
    void (*sin)(double *, const double *, pn_ssize_t);
    void (*cos)(double *, const double *, pn_ssize_t);
    void (*tan)(double *, const double *, pn_ssize_t);
    void (*exp)(double *, const double *, pn_ssize_t);
    void (*log)(double *, const double *, pn_ssize_t);
    void (*fill)(double *, double, pn_ssize_t);
    double (*sum)(const double *, pn_ssize_t);
    void (*sum_group)(double *, const double *, pn_ssize_t);   /* 16 lanes */
    double (*dot)(const double *, const double *, pn_ssize_t);
    double (*min)(const double *, pn_ssize_t);
    double (*max)(const double *, pn_ssize_t);
    /* pow: general case (pn_pow_vs in kernels.h adds numpy's shortcuts) */
    void (*pow_vv)(double *, const double *, const double *, pn_ssize_t);
    void (*pow_vs)(double *, const double *, double, pn_ssize_t);
    void (*pow_sv)(double *, double, const double *, pn_ssize_t);
    /* pair[i][j]: out = (a OPi b) OPj s, i and j in add sub mul div order */
    void (*pair[4][4])(double *, const double *, const double *, double,
                       pn_ssize_t);
} pn_simd_table;

/* One level's wrappers around the generic kernels; SFX names the level. */
#define PN_LEVEL_BINARY(SFX, NAME)                                           \
    static void pn_##NAME##_vv_##SFX(double *o, const double *a,             \
                                     const double *b, pn_ssize_t n)          \
    { pn_##NAME##_vv_k(o, a, b, n); }                                        \
    static void pn_##NAME##_vs_##SFX(double *o, const double *a, double s,   \
                                     pn_ssize_t n)                           \
    { pn_##NAME##_vs_k(o, a, s, n); }                                        \
    static void pn_##NAME##_sv_##SFX(double *o, double s, const double *b,   \
                                     pn_ssize_t n)                           \
    { pn_##NAME##_sv_k(o, s, b, n); }

#define PN_LEVEL_PAIR(SFX, N1, OP1, N2, OP2)                                 \
    static void pn_##N1##_##N2##_pair_##SFX(double *o, const double *a,      \
                                            const double *b, double s,       \
                                            pn_ssize_t n)                    \
    { pn_##N1##_##N2##_pair_k(o, a, b, s, n); }
#define PN_PAIR_ROW(SFX, N1)                                                 \
    {pn_##N1##_add_pair_##SFX, pn_##N1##_sub_pair_##SFX,                     \
     pn_##N1##_mul_pair_##SFX, pn_##N1##_div_pair_##SFX}

#define PN_LEVEL_UNARY(SFX, NAME)                                            \
    static void pn_##NAME##_##SFX(double *o, const double *a, pn_ssize_t n)  \
    { pn_##NAME##_k(o, a, n); }

#define PN_LEVEL_COMMON(SFX)                                                 \
    PN_LEVEL_BINARY(SFX, add)                                                \
    PN_LEVEL_BINARY(SFX, sub)                                                \
    PN_LEVEL_BINARY(SFX, mul)                                                \
    PN_LEVEL_BINARY(SFX, div)                                                \
    PN_LEVEL_REST(SFX)
/* everything but + - * / (the vector levels stream large outputs) */
#define PN_LEVEL_REST(SFX)                                                   \
    PN_FOR_EACH_PAIR(PN_LEVEL_PAIR, SFX)                                     \
    PN_LEVEL_UNARY(SFX, neg)                                                 \
    PN_LEVEL_UNARY(SFX, absolute)                                            \
    PN_LEVEL_UNARY(SFX, sqrt)                                                \
    static void pn_fill_##SFX(double *o, double v, pn_ssize_t n)             \
    { pn_fill_k(o, v, n); }                                                  \
    static double pn_sum_##SFX(const double *a, pn_ssize_t n)                \
    { return pn_sum_k(a, n); }                                               \
    static void pn_sum_group_##SFX(double *r, const double *a, pn_ssize_t n) \
    { pn_sum_group_k(r, a, n); }                                             \
    static double pn_dot_##SFX(const double *a, const double *b,             \
                               pn_ssize_t n)                                 \
    { return pn_dot_k(a, b, n); }                                            \
    static double pn_min_##SFX(const double *a, pn_ssize_t n)                \
    { return pn_min_k(a, n); }                                               \
    static double pn_max_##SFX(const double *a, pn_ssize_t n)                \
    { return pn_max_k(a, n); }

#define PN_LEVEL_TABLE(SFX, SIN, COS, TAN, EXP, LOG)                         \
    PN_LEVEL_TABLE_MM(SFX, SIN, COS, TAN, EXP, LOG, pn_min_##SFX, pn_max_##SFX)
/* pow_vv, pow_vs and pow_sv of level SFX must exist */
#define PN_LEVEL_TABLE_MM(SFX, SIN, COS, TAN, EXP, LOG, MIN, MAX)            \
    static const pn_simd_table pn_simd_##SFX = {                             \
        #SFX,                                                                \
        pn_add_vv_##SFX, pn_add_vs_##SFX, pn_add_sv_##SFX,                   \
        pn_sub_vv_##SFX, pn_sub_vs_##SFX, pn_sub_sv_##SFX,                   \
        pn_mul_vv_##SFX, pn_mul_vs_##SFX, pn_mul_sv_##SFX,                   \
        pn_div_vv_##SFX, pn_div_vs_##SFX, pn_div_sv_##SFX,                   \
        pn_neg_##SFX, pn_absolute_##SFX, pn_sqrt_##SFX,                      \
        SIN, COS, TAN, EXP, LOG,                                             \
        pn_fill_##SFX, pn_sum_##SFX, pn_sum_group_##SFX, pn_dot_##SFX, MIN,  \
        MAX,                                                                 \
        pn_pow_vv_##SFX, pn_pow_vs_##SFX, pn_pow_sv_##SFX,                   \
        {PN_PAIR_ROW(SFX, add), PN_PAIR_ROW(SFX, sub), PN_PAIR_ROW(SFX, mul),  \
         PN_PAIR_ROW(SFX, div)},                                             \
    };

/* ---- baseline: x86-64 as compiled, scalar libm for the functions ---- */
PN_LEVEL_COMMON(baseline)
PN_LEVEL_UNARY(baseline, sin)
PN_LEVEL_UNARY(baseline, cos)
PN_LEVEL_UNARY(baseline, tan)
PN_LEVEL_UNARY(baseline, exp)
PN_LEVEL_UNARY(baseline, log)
PN_LEVEL_BINARY(baseline, pow)
PN_LEVEL_TABLE(baseline, pn_sin_baseline, pn_cos_baseline, pn_tan_baseline,
               pn_exp_baseline, pn_log_baseline)

#if defined(__x86_64__) && defined(__GNUC__) && defined(PN_HAVE_LIBMVEC)
#include <immintrin.h>
#define PN_SIMD_X86 1

/* Vector loop over libmvec's function VF (WIDTH doubles per call); the
 * remainder goes through scalar libm (same 4-ulp bound, C99 specials). */
#define PN_LEVEL_MVEC(SFX, NAME, VTYPE, WIDTH, LOAD, STORE, VF)              \
    VTYPE VF(VTYPE);                                                         \
    static void pn_##NAME##_##SFX(double *o, const double *a, pn_ssize_t n)  \
    {                                                                        \
        pn_ssize_t i = 0;                                                    \
        for (; i + WIDTH <= n; i += WIDTH)                                   \
            STORE(o + i, VF(LOAD(a + i)));                                   \
        for (; i < n; i++)                                                   \
            o[i] = NAME(a[i]);                                               \
    }

/* Vector pow over libmvec's VF (WIDTH doubles per call).  The tail goes
 * through VF too, padded with 1.0: every element sees the same function
 * however an array is cut into calls (fused evaluation works in blocks). */
#define PN_LEVEL_MVEC_POW(SFX, VTYPE, WIDTH, LOAD, STORE, SET1, VF)          \
    VTYPE VF(VTYPE, VTYPE);                                                  \
    static inline void pn_pow_tail_##SFX(const double *a, const double *b,   \
                                         pn_ssize_t sa, pn_ssize_t sb,       \
                                         pn_ssize_t m, double *o)            \
    {                                                                        \
        double x[WIDTH], y[WIDTH], r[WIDTH];                                 \
        for (int j = 0; j < WIDTH; j++) {                                    \
            x[j] = j < m ? a[j * sa] : 1.0;                                  \
            y[j] = j < m ? b[j * sb] : 1.0;                                  \
        }                                                                    \
        STORE(r, VF(LOAD(x), LOAD(y)));                                      \
        for (pn_ssize_t j = 0; j < m; j++)                                   \
            o[j] = r[j];                                                     \
    }                                                                        \
    static void pn_pow_vv_##SFX(double *o, const double *a, const double *b, \
                                pn_ssize_t n)                                \
    {                                                                        \
        pn_ssize_t i = 0;                                                    \
        for (; i + WIDTH <= n; i += WIDTH)                                   \
            STORE(o + i, VF(LOAD(a + i), LOAD(b + i)));                      \
        if (i < n)                                                           \
            pn_pow_tail_##SFX(a + i, b + i, 1, 1, n - i, o + i);             \
    }                                                                        \
    static void pn_pow_vs_##SFX(double *o, const double *a, double s,        \
                                pn_ssize_t n)                                \
    {                                                                        \
        pn_ssize_t i = 0;                                                    \
        for (; i + WIDTH <= n; i += WIDTH)                                   \
            STORE(o + i, VF(LOAD(a + i), SET1(s)));                          \
        if (i < n)                                                           \
            pn_pow_tail_##SFX(a + i, &s, 1, 0, n - i, o + i);                \
    }                                                                        \
    static void pn_pow_sv_##SFX(double *o, double s, const double *b,        \
                                pn_ssize_t n)                                \
    {                                                                        \
        pn_ssize_t i = 0;                                                    \
        for (; i + WIDTH <= n; i += WIDTH)                                   \
            STORE(o + i, VF(SET1(s), LOAD(b + i)));                          \
        if (i < n)                                                           \
            pn_pow_tail_##SFX(&s, b + i, 0, 1, n - i, o + i);                \
    }

/* + - * / with outputs of >= PN_STREAM_MIN elements (16 MB, beyond what
 * the L3 cache keeps) use non-temporal stores: the destination is not read
 * for ownership first, a third less memory traffic for a + b (a + b on
 * 1e7 elements: 0.56 -> 0.41 ns per element, AVX-512, measured in C).  The
 * same IEEE operations in the same order: the same bits.  The first
 * elements go one by one until the output is aligned for the vector store.
 * The AVX-512 exp and log stream too (vmath_avx512.h: a masked vector
 * instead of the one-by-one head, so every element takes the same code). */
#define PN_STREAM_MIN ((pn_ssize_t)(2 * 1024 * 1024))
#define PN_STREAM_LOOP(W, ALIGN, STREAM, VEXPR, SEXPR)                       \
    pn_ssize_t i = 0;                                                        \
    for (; i < n && ((size_t)(o + i) & (ALIGN - 1)) != 0; i++)               \
        o[i] = SEXPR;                                                        \
    for (; i + W <= n; i += W)                                               \
        STREAM(o + i, VEXPR);                                                \
    for (; i < n; i++)                                                       \
        o[i] = SEXPR;                                                        \
    _mm_sfence();
#define PN_LEVEL_STREAM_BINARY(SFX, NAME, OP, VOP, W, ALIGN, LOADU, STREAM,  \
                               SET1)                                         \
    static void pn_##NAME##_vv_##SFX(double *o, const double *a,             \
                                     const double *b, pn_ssize_t n)          \
    {                                                                        \
        if (n < PN_STREAM_MIN || o == a || o == b) {                         \
            pn_##NAME##_vv_k(o, a, b, n);                                    \
            return;                                                          \
        }                                                                    \
        PN_STREAM_LOOP(W, ALIGN, STREAM, VOP(LOADU(a + i), LOADU(b + i)),    \
                       a[i] OP b[i])                                         \
    }                                                                        \
    static void pn_##NAME##_vs_##SFX(double *o, const double *a, double s,   \
                                     pn_ssize_t n)                           \
    {                                                                        \
        if (n < PN_STREAM_MIN || o == a) {                                   \
            pn_##NAME##_vs_k(o, a, s, n);                                    \
            return;                                                          \
        }                                                                    \
        PN_STREAM_LOOP(W, ALIGN, STREAM, VOP(LOADU(a + i), SET1(s)), a[i] OP s) \
    }                                                                        \
    static void pn_##NAME##_sv_##SFX(double *o, double s, const double *b,   \
                                     pn_ssize_t n)                           \
    {                                                                        \
        if (n < PN_STREAM_MIN || o == b) {                                   \
            pn_##NAME##_sv_k(o, s, b, n);                                    \
            return;                                                          \
        }                                                                    \
        PN_STREAM_LOOP(W, ALIGN, STREAM, VOP(SET1(s), LOADU(b + i)), s OP b[i]) \
    }
#define PN_LEVEL_STREAM_ARITH(SFX, P, W, ALIGN)                              \
    PN_LEVEL_STREAM_BINARY(SFX, add, +, P##_add_pd, W, ALIGN, P##_loadu_pd,  \
                           P##_stream_pd, P##_set1_pd)                       \
    PN_LEVEL_STREAM_BINARY(SFX, sub, -, P##_sub_pd, W, ALIGN, P##_loadu_pd,  \
                           P##_stream_pd, P##_set1_pd)                       \
    PN_LEVEL_STREAM_BINARY(SFX, mul, *, P##_mul_pd, W, ALIGN, P##_loadu_pd,  \
                           P##_stream_pd, P##_set1_pd)                       \
    PN_LEVEL_STREAM_BINARY(SFX, div, /, P##_div_pd, W, ALIGN, P##_loadu_pd,  \
                           P##_stream_pd, P##_set1_pd)

#pragma GCC push_options
#pragma GCC target("avx2")
PN_LEVEL_STREAM_ARITH(avx2, _mm256, 4, 32)
PN_LEVEL_REST(avx2)
PN_LEVEL_MVEC_POW(avx2, __m256d, 4, _mm256_loadu_pd, _mm256_storeu_pd, _mm256_set1_pd, _ZGVdN4vv_pow)
#define PN_MVEC_AVX2(NAME)                                                   \
    PN_LEVEL_MVEC(avx2, NAME, __m256d, 4, _mm256_loadu_pd, _mm256_storeu_pd, \
                  _ZGVdN4v_##NAME)
PN_MVEC_AVX2(sin)
PN_MVEC_AVX2(cos)
PN_MVEC_AVX2(tan)
PN_MVEC_AVX2(exp)
PN_MVEC_AVX2(log)
/* min/max: gcc does not vectorise the compare-select reduction by itself.
 * _mm256_min_pd(x, m) returns m when x is NaN, like `x < m ? x : m`; NaNs
 * are collected with an unordered compare (numpy: any NaN gives NaN). */
#define PN_AVX2_MINMAX(NAME, INTRIN, GENERIC)                                \
    static double pn_##NAME##_avx2v(const double *a, pn_ssize_t n)           \
    {                                                                        \
        if (n < 16)                                                          \
            return GENERIC(a, n);                                            \
        __m256d m0 = _mm256_set1_pd(a[0]), m1 = m0;                          \
        __m256d nan = _mm256_setzero_pd();                                   \
        pn_ssize_t i = 0;                                                    \
        for (; i + 8 <= n; i += 8) {                                         \
            __m256d x0 = _mm256_loadu_pd(a + i), x1 = _mm256_loadu_pd(a + i + 4); \
            nan = _mm256_or_pd(nan, _mm256_cmp_pd(x0, x1, _CMP_UNORD_Q));   \
            m0 = INTRIN(x0, m0);                                             \
            m1 = INTRIN(x1, m1);                                             \
        }                                                                    \
        if (_mm256_movemask_pd(nan))                                         \
            return NAN;                                                      \
        double lanes[8];                                                     \
        _mm256_storeu_pd(lanes, m0);                                         \
        _mm256_storeu_pd(lanes + 4, m1);                                     \
        double r = GENERIC(lanes, 8), t = i < n ? GENERIC(a + i, n - i) : r; \
        if (t != t)                                                          \
            return NAN;                                                      \
        return GENERIC##_pair(r, t);                                         \
    }

static inline double pn_min_k_pair(double r, double t) { return t < r ? t : r; }
static inline double pn_max_k_pair(double r, double t) { return t > r ? t : r; }
PN_AVX2_MINMAX(min, _mm256_min_pd, pn_min_k)
PN_AVX2_MINMAX(max, _mm256_max_pd, pn_max_k)
#pragma GCC pop_options
PN_LEVEL_TABLE_MM(avx2, pn_sin_avx2, pn_cos_avx2, pn_tan_avx2, pn_exp_avx2,
                  pn_log_avx2, pn_min_avx2v, pn_max_avx2v)

#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq")
PN_LEVEL_STREAM_ARITH(avx512, _mm512, 8, 64)
PN_LEVEL_REST(avx512)
PN_LEVEL_MVEC_POW(avx512, __m512d, 8, _mm512_loadu_pd, _mm512_storeu_pd, _mm512_set1_pd, _ZGVeN8vv_pow)
#define PN_MVEC_AVX512(NAME)                                                 \
    PN_LEVEL_MVEC(avx512, NAME, __m512d, 8, _mm512_loadu_pd,                 \
                  _mm512_storeu_pd, _ZGVeN8v_##NAME)
PN_MVEC_AVX512(sin)
PN_MVEC_AVX512(cos)
PN_MVEC_AVX512(tan)
/* exp and log: our own kernels, faster than libmvec's on AVX-512 */
#include "vmath_avx512.h"
#pragma GCC pop_options
PN_LEVEL_TABLE_MM(avx512, pn_sin_avx512, pn_cos_avx512, pn_tan_avx512,
                  pn_exp_avx512v, pn_log_avx512v, pn_min_avx2v, pn_max_avx2v)
#endif

static const pn_simd_table *pn_simd = &pn_simd_baseline;

/* Choose the level: the best the CPU has, lowered by PICONUMPY_SIMD.
 * Returns -1 for an unknown PICONUMPY_SIMD value (the module then fails to
 * load with a ValueError naming the valid ones). */
#define PN_SIMD_ENV_ERROR \
    "PICONUMPY_SIMD must be one of baseline, avx2, avx512"

static int pn_simd_init(void)
{
    const char *want = getenv("PICONUMPY_SIMD");
    if (want != NULL && *want == '\0')
        want = NULL;   /* PICONUMPY_SIMD= (empty): no request */
    if (want != NULL && strcmp(want, "baseline") != 0 &&
        strcmp(want, "avx2") != 0 && strcmp(want, "avx512") != 0)
        return -1;
    pn_simd = &pn_simd_baseline;
#ifdef PN_SIMD_X86
    __builtin_cpu_init();
    int allow512 = !want || strcmp(want, "avx512") == 0;
    int allow2 = allow512 || strcmp(want, "avx2") == 0;
    if (allow512 && __builtin_cpu_supports("avx512f") &&
        __builtin_cpu_supports("avx512dq"))
        pn_simd = &pn_simd_avx512;
    else if (allow2 && __builtin_cpu_supports("avx2"))
        pn_simd = &pn_simd_avx2;
#endif
    return 0;
}

/* The names used everywhere else: one indirect call to the active level;
 * element-wise loops and sums of at least 2 * grain elements are split
 * across threads (threads.h).  Grains, measured on a 2-core AVX-512 machine
 * (the split pays once each part runs for a few microseconds): */
#define PN_GRAIN_MEMORY ((pn_ssize_t)8192)   /* + - * / neg abs fill copy sum */
#define PN_GRAIN_MATH ((pn_ssize_t)4096)      /* sqrt sin cos tan exp log pow */

typedef struct {
    union {
        void (*unary)(double *, const double *, pn_ssize_t);
        void (*vv)(double *, const double *, const double *, pn_ssize_t);
        void (*vs)(double *, const double *, double, pn_ssize_t);
        void (*sv)(double *, double, const double *, pn_ssize_t);
        void (*fill)(double *, double, pn_ssize_t);
    } f;
    double *o;
    const double *a, *b;
    double s;
} pn_job;

static void pn_run_unary(const void *j, pn_ssize_t lo, pn_ssize_t hi)
{ const pn_job *t = j; t->f.unary(t->o + lo, t->a + lo, hi - lo); }
static void pn_run_vv(const void *j, pn_ssize_t lo, pn_ssize_t hi)
{ const pn_job *t = j; t->f.vv(t->o + lo, t->a + lo, t->b + lo, hi - lo); }
static void pn_run_vs(const void *j, pn_ssize_t lo, pn_ssize_t hi)
{ const pn_job *t = j; t->f.vs(t->o + lo, t->a + lo, t->s, hi - lo); }
static void pn_run_sv(const void *j, pn_ssize_t lo, pn_ssize_t hi)
{ const pn_job *t = j; t->f.sv(t->o + lo, t->s, t->b + lo, hi - lo); }
static void pn_run_fill(const void *j, pn_ssize_t lo, pn_ssize_t hi)
{ const pn_job *t = j; t->f.fill(t->o + lo, t->s, hi - lo); }
static void pn_run_copy(const void *j, pn_ssize_t lo, pn_ssize_t hi)
{ const pn_job *t = j; pn_copy_k(t->o + lo, t->a + lo, hi - lo); }

/* the functions F of the active table, through the thread pool */
#define PN_THREADED(RUN, GRAIN, F, ...)                                      \
    do {                                                                     \
        if (n < 2 * (GRAIN) || pn_nthreads <= 1) {                           \
            F;                                                               \
            return;                                                          \
        }                                                                    \
        pn_job job = {__VA_ARGS__};                                          \
        pn_parallel_for(RUN, &job, n, GRAIN, 64);                           \
    } while (0)

#define PN_DISPATCH_BINARY(NAME, GRAIN)                                      \
    static inline void pn_##NAME##_vv(double *o, const double *a,            \
                                      const double *b, pn_ssize_t n)         \
    {                                                                        \
        PN_THREADED(pn_run_vv, GRAIN, pn_simd->NAME##_vv(o, a, b, n),        \
                    .f.vv = pn_simd->NAME##_vv, .o = o, .a = a, .b = b);     \
    }                                                                        \
    static inline void pn_##NAME##_vs(double *o, const double *a, double s,  \
                                      pn_ssize_t n)                          \
    {                                                                        \
        PN_THREADED(pn_run_vs, GRAIN, pn_simd->NAME##_vs(o, a, s, n),        \
                    .f.vs = pn_simd->NAME##_vs, .o = o, .a = a, .s = s);     \
    }                                                                        \
    static inline void pn_##NAME##_sv(double *o, double s, const double *b,  \
                                      pn_ssize_t n)                          \
    {                                                                        \
        PN_THREADED(pn_run_sv, GRAIN, pn_simd->NAME##_sv(o, s, b, n),        \
                    .f.sv = pn_simd->NAME##_sv, .o = o, .b = b, .s = s);     \
    }

#define PN_DISPATCH_UNARY(NAME, GRAIN)                                       \
    static inline void pn_##NAME(double *o, const double *a, pn_ssize_t n)   \
    {                                                                        \
        PN_THREADED(pn_run_unary, GRAIN, pn_simd->NAME(o, a, n),             \
                    .f.unary = pn_simd->NAME, .o = o, .a = a);               \
    }

/* + - * /: outputs of >= PN_STREAM_MIN elements take non-temporal stores,
 * which each call decides from its own length: such outputs are cut into
 * parts of at least PN_STREAM_MIN (at DRAM sizes the stores matter more
 * than a second core).  exp and log keep the math grain (compute bound:
 * the second core matters more), so their parts stream only from
 * PN_STREAM_MIN elements each. */
static inline pn_ssize_t pn_grain_arith(pn_ssize_t n)
{
#ifdef PN_STREAM_MIN
    if (n >= PN_STREAM_MIN)
        return PN_STREAM_MIN;
#endif
    (void)n;
    return PN_GRAIN_MEMORY;
}
#define PN_GRAIN_ARITH pn_grain_arith(n)
PN_DISPATCH_BINARY(add, PN_GRAIN_ARITH)
PN_DISPATCH_BINARY(sub, PN_GRAIN_ARITH)
PN_DISPATCH_BINARY(mul, PN_GRAIN_ARITH)
PN_DISPATCH_BINARY(div, PN_GRAIN_ARITH)
PN_DISPATCH_UNARY(neg, PN_GRAIN_MEMORY)
PN_DISPATCH_UNARY(absolute, PN_GRAIN_MEMORY)
PN_DISPATCH_UNARY(sqrt, PN_GRAIN_MATH)
PN_DISPATCH_UNARY(sin, PN_GRAIN_MATH)
PN_DISPATCH_UNARY(cos, PN_GRAIN_MATH)
PN_DISPATCH_UNARY(tan, PN_GRAIN_MATH)
PN_DISPATCH_UNARY(exp, PN_GRAIN_MATH)
PN_DISPATCH_UNARY(log, PN_GRAIN_MATH)

static inline void pn_pow_vv(double *o, const double *a, const double *b,
                             pn_ssize_t n)
{
    PN_THREADED(pn_run_vv, PN_GRAIN_MATH, pn_simd->pow_vv(o, a, b, n),
                .f.vv = pn_simd->pow_vv, .o = o, .a = a, .b = b);
}

/* the level's general a ** s (kernels.h's pn_pow_vs adds numpy's shortcuts) */
static inline void pn_pow_vs_general(double *o, const double *a, double s,
                                     pn_ssize_t n)
{
    PN_THREADED(pn_run_vs, PN_GRAIN_MATH, pn_simd->pow_vs(o, a, s, n),
                .f.vs = pn_simd->pow_vs, .o = o, .a = a, .s = s);
}

static inline void pn_pow_sv(double *o, double s, const double *b, pn_ssize_t n)
{
    PN_THREADED(pn_run_sv, PN_GRAIN_MATH, pn_simd->pow_sv(o, s, b, n),
                .f.sv = pn_simd->pow_sv, .o = o, .b = b, .s = s);
}

/* o[0:n] = a[0:n] (o == a or no overlap) */
static inline void pn_copy(double *o, const double *a, pn_ssize_t n)
{
    PN_THREADED(pn_run_copy, PN_GRAIN_MEMORY, pn_copy_k(o, a, n), .o = o, .a = a);
}

static inline void pn_fill(double *o, double v, pn_ssize_t n)
{
    PN_THREADED(pn_run_fill, PN_GRAIN_MEMORY, pn_simd->fill(o, v, n),
                .f.fill = pn_simd->fill, .o = o, .s = v);
}
/* sum: long arrays are cut into groups of a power-of-two number of blocks
 * (kernels.h, pn_sum_group_k); each group's 16 lanes are summed on any
 * thread, and the groups' lanes are then merged by the same binary counter
 * as the blocks within a group: the association of the one-thread sum, so
 * the same bits for any thread count. */
#define PN_SUM_MAX_GROUPS 64
typedef struct {
    const double *a;
    pn_ssize_t n, group;   /* elements in all, per group */
    double (*lanes)[PN_SUM_LANES];
} pn_sum_job;

static void pn_run_sum(const void *j, pn_ssize_t lo, pn_ssize_t hi)
{
    const pn_sum_job *t = j;
    for (pn_ssize_t g = lo; g < hi; g++) {
        pn_ssize_t start = g * t->group;
        pn_ssize_t m = t->n - start < t->group ? t->n - start : t->group;
        pn_simd->sum_group(t->lanes[g], t->a + start, m);
    }
}

static inline double pn_sum(const double *a, pn_ssize_t n)
{
    const int nt = pn_nthreads;
    if (nt <= 1 || n < 2 * PN_GRAIN_MEMORY)
        return pn_simd->sum(a, n);
    /* groups: a power-of-two number of blocks, about n / (2 nt) elements */
    pn_ssize_t group = PN_SUM_BLOCK;
    while (group * 2 <= n / (2 * nt) || (n + group - 1) / group > PN_SUM_MAX_GROUPS)
        group *= 2;
    const pn_ssize_t ngroups = (n + group - 1) / group;
    double lanes[PN_SUM_MAX_GROUPS][PN_SUM_LANES];
    pn_sum_job job = {a, n, group, lanes};
    pn_parallel_for(pn_run_sum, &job, ngroups, 1, 1);
    /* the counter over the complete groups; the last one, if partial, is
     * already combined within (pn_sum_group_k) and is added first */
    double stack[8][PN_SUM_LANES], r[PN_SUM_LANES];   /* 64 groups: 7 */
    int top = 0;
    const pn_ssize_t full = n % group ? ngroups - 1 : ngroups;
    for (pn_ssize_t g = 0; g < full; g++) {
        memcpy(r, lanes[g], sizeof r);
        pn_sum_push_k(stack, &top, r, g + 1);
    }
    memcpy(r, full < ngroups ? lanes[ngroups - 1] : stack[--top], sizeof r);
    pn_sum_drain_k(stack, top, r);
    return pn_sum_fold_k(r);
}
static inline double pn_dot(const double *a, const double *b, pn_ssize_t n)
{
    return pn_simd->dot(a, b, n);
}
static inline double pn_min(const double *a, pn_ssize_t n) { return pn_simd->min(a, n); }
static inline double pn_max(const double *a, pn_ssize_t n) { return pn_simd->max(a, n); }

#endif /* PICONUMPY_SIMD_H */
