/* vmath_avx512.h -- piconumpy's own AVX-512 exp and log (float64).
 *
 * Included by simd.h inside its `#pragma GCC target("avx512f,avx512dq")`
 * region.
 * Why our own: on AVX-512 CPUs numpy ships SIMD exp/log of its own, and
 * glibc's libmvec (_ZGVeN8v_exp/log) is no faster than numpy there (measured
 * on an AMD EPYC with AVX-512: log 0.57 ns/element for both).  AVX-512 has
 * what makes short kernels possible: vpermt2pd looks up 16-entry tables
 * held in two registers, scalef builds 2^n y with correct overflow and
 * underflow, 64-bit integer <-> double conversions, 512-bit FMA.
 *
 * Error analysis (bound asked for: 4 ulp; tests/test_math_accuracy.py
 * measures it against mpmath at 128 bits, special values included):
 *
 * log(x): x = 2^e * m with m in [1 - 1/64, 2 - 1/32), taken from x's bits
 *   (integer subtraction and shifts: cheaper here than getexp/getmant and
 *   their fix-up to a range around 1), j = the interval of m among 16
 *   (the table below), c_j its midpoint (but c_0 = 1), 1/c_j rounded:
 *   log(x) = e ln2 + log(c_j) + log1p(r),  r = m (1/c_j) - 1,  |r| < 0.0313
 *   with log(c_j) = -log(1/c_j) of the rounded 1/c_j, so that rounding 1/c_j
 *   costs nothing.  r comes from one FMA: exact for j = 0 (m - 1,
 *   Sterbenz), else rounded once, at most 2^-59 absolute (|r| < 2^-5),
 *   against a result of at least |e ln2 + log(c_j)| - |r| >= 0.0157 (the
 *   smallest: x just below 1 - 1/64, e = -1, j = 15, where e ln2 +
 *   log(c_j) = log(31/32)).  log1p(r) = r + r^2 P(r), P of degree 7
 *   fitted to (log1p(r) - r)/r^2 on the range of r (Chebyshev, mpmath):
 *   relative error < 2^-55.6 with its coefficients rounded to doubles.
 *   log(c_j) = hi + lo with hi a multiple of 2^-42, so e ln2_hi + hi is
 *   exact (ln2_hi has 32 significant bits, |e| <= 1075); the result is
 *   (e ln2_hi + hi) + (r + (e ln2_lo + lo + r^2 P(r))).  The inner sum
 *   rounds to 0.5 ulp of r, which is less than the result's ulp unless r
 *   and e ln2 + log(c_j) nearly cancel, where |r| is at most about the
 *   result: there r's own rounding, the inner sum's and the final one
 *   add up to 1.5 ulp at most, elsewhere to about 1 ulp.  Near 1 (e = 0,
 *   j = 0) it is r + r^2 P(r) with r exact and r^2 P(r) < r/64: the final
 *   rounding and 1/64 of P's error.  Measured against mpmath: 1.02 ulp at
 *   most over 2 million inputs (interval edges, the neighbourhood of 1,
 *   the whole range), 1.21 ulp in that cancellation range
 *   [1 - 3/64, 1 - 1/64) (200 000 inputs); tests/test_math_accuracy.py
 *   checks the 4-ulp bound on interval edges and near 1.
 *   Tables and P: tools/vmath_tables.py.  0.344 -> 0.26 ns per element
 *   against fdlibm's division-based atanh form, which needed getexp and
 *   getmant.
 *   Inputs outside (0, inf) and subnormals (their bits do not give m)
 *   take the C library's log, lane by lane.
 *
 * exp(x): x = (16 q + j) ln2/16 + r with n = 16 q + j = round(16 x / ln2),
 *   j = n mod 16, |r| <= ln2/32 (+ rounding), and
 *   exp(x) = 2^q * T[j] * exp(r),   T[j] = 2^(j/16) rounded (a 16-entry
 *   table: two zmm registers, one vpermt2pd per vector).  Against the
 *   plain n ln2 reduction the table shrinks r 16-fold, so exp(r) - 1 needs
 *   degree 6 instead of 13: 0.39 -> 0.23 ns per element.
 *   n comes from one FMA with the 1.5 * 2^52 shifter (its low mantissa
 *   bits are n, two's complement, so they index the table directly), n/16
 *   from a second one (t/16 - 1.5 * 2^48: exact).
 *   r = (x - (n/16) ln2_hi) - (n/16) ln2_lo: (n/16) ln2_hi is exact (|n| <=
 *   17232 < 2^15, ln2_hi has 32 bits), the FMA forms x - (n/16) ln2_hi
 *   exactly; the second FMA rounds once, relative to r.
 *   exp(r) - 1 = r Q(r), Q of degree 5 fitted to (exp(r) - 1)/r on
 *   |r| <= ln2/32 (Chebyshev, mpmath; tools/vmath_tables.py): error
 *   < 2^-56 of exp(r) with Q's coefficients rounded to doubles (Taylor's
 *   needs one degree more: 0.276 -> 0.234 ns per element with this Q and
 *   n/16 from t instead of n, then n * (1/16)).
 *   Horner's roundings are relative to the correction (|r Q| < 0.022), so
 *   below 0.1 ulp of the result.
 *   y = T[j] + (T[j] r) Q(r) in one FMA: one rounding (0.5 ulp) on top
 *   of T[j]'s own (0.5 ulp): about 1.1 ulp in all (measured: 1.11 ulp at
 *   most over 2 million inputs, vs mpmath).  scalef(y, n/16)
 *   multiplies by 2^floor(n/16) = 2^q exactly for normal results; a
 *   subnormal result is rounded a second time (< 1 ulp of the subnormal
 *   more); it gives inf / 0 beyond the range.  x is first clamped to
 *   [-746, 710] (NaN kept) so huge |x| cannot make r meaningless.
 */
#ifndef PICONUMPY_VMATH_AVX512_H
#define PICONUMPY_VMATH_AVX512_H

#include <immintrin.h>
#include <math.h>

/* ln2 = PN_LN2_HI + PN_LN2_LO; PN_LN2_HI has its low 21 mantissa bits zero */
#define PN_LN2_HI 6.93147180369123816490e-01
#define PN_LN2_LO 1.90821492927058770002e-10

/* The log table: 16 intervals of m, equal in m's bits, the first one
 * centred on 1 in m's bits: [1 - 1/64, 1 + 1/32), [1 + 1/32, 1 + 3/32),
 * ..., [2 - 3/32, 2 - 1/32) (PN_LOG_OFF: the bits of 1 - 1/64).  1/c_j: 1 over
 * the interval's midpoint, rounded (1 for j = 0); log(c_j) = -log(1/c_j)
 * as hi (a multiple of 2^-42) + lo (mpmath, 200 bits). */
#define PN_LOG_OFF 0x3fef800000000000LL
static const double pn_log_invc[16] __attribute__((aligned(64))) = {
    0x1.0000000000000p+0, 0x1.e1e1e1e1e1e1ep-1, 0x1.c71c71c71c71cp-1,
    0x1.af286bca1af28p-1, 0x1.999999999999ap-1, 0x1.8618618618618p-1,
    0x1.745d1745d1746p-1, 0x1.642c8590b2164p-1, 0x1.5555555555555p-1,
    0x1.47ae147ae147bp-1, 0x1.3b13b13b13b14p-1, 0x1.2f684bda12f68p-1,
    0x1.2492492492492p-1, 0x1.1a7b9611a7b96p-1, 0x1.1111111111111p-1,
    0x1.0842108421084p-1};
static const double pn_log_c_hi[16] __attribute__((aligned(64))) = {
    0x0.0p+0, 0x1.f0a30c0118000p-5, 0x1.e27076e2b0000p-4,
    0x1.5ff3070a7a000p-3, 0x1.c8ff7c79aa000p-3, 0x1.1675cababa000p-2,
    0x1.4618bc21c6000p-2, 0x1.739d7f6bbd000p-2, 0x1.9f323ecbfa000p-2,
    0x1.c8ff7c79aa000p-2, 0x1.f128f5faf0000p-2, 0x1.0be72e4252800p-1,
    0x1.1e85f5e704000p-1, 0x1.307d7334f1000p-1, 0x1.41d8fe8467000p-1,
    0x1.52a2d265bc800p-1};
static const double pn_log_c_lo[16] __attribute__((aligned(64))) = {
    0x0.0p+0, -0x1.d579e83368e91p-45, -0x1.a2c2c2af0003cp-45,
    -0x1.8546f183bebf2p-44, -0x1.7814f689f8434p-45, 0x1.83c0e731f55c4p-44,
    -0x1.3e02f484c84ccp-46, 0x1.c7389314feb50p-52, -0x1.ecc3525ca2643p-44,
    -0x1.77acf689f8434p-44, 0x1.baecd720ec44cp-44, 0x1.419b4c4bdd99fp-44,
    0x1.a17bd8b34be7cp-46, 0x1.7c7f6b2143eadp-46, 0x1.5742325e617a3p-44,
    -0x1.2a68c41ba8752p-44};
/* a 16-entry table lookup: two zmm registers, one vpermt2pd (each lane's
 * index is its low 4 bits) */
static inline __m512d pn_lookup16(const double *table, __m512i index)
{
    return _mm512_permutex2var_pd(_mm512_load_pd(table), index,
                                  _mm512_load_pd(table + 8));
}

static inline __m512d pn_log8(__m512d x)
{
    const __m512d one = _mm512_set1_pd(1.0);
    __m512i ix = _mm512_castpd_si512(x);
    __m512i t = _mm512_sub_epi64(ix, _mm512_set1_epi64(PN_LOG_OFF));
    __m512i k = _mm512_srai_epi64(t, 52);              /* e */
    __m512i j = _mm512_srli_epi64(t, 48);              /* low 4 bits: j */
    __m512d m = _mm512_castsi512_pd(
        _mm512_sub_epi64(ix, _mm512_slli_epi64(k, 52)));
    __m512d e = _mm512_cvtepi64_pd(k);
    __m512d r = _mm512_fmsub_pd(m, pn_lookup16(pn_log_invc, j), one);
    /* P(r) by Horner */
    __m512d p = _mm512_set1_pd(0x1.c4ca6e0331ae2p-4);
    p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(-0x1.005f2b6e84e82p-3));
    p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(0x1.2492c372ce5cap-3));
    p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(-0x1.555547791d09cp-3));
    p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(0x1.9999998cfddaap-3));
    p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(-0x1.0000000052f80p-2));
    p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(0x1.55555555557c8p-2));
    p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(-0x1.ffffffffffff6p-2));
    __m512d lo = _mm512_fmadd_pd(e, _mm512_set1_pd(PN_LN2_LO),
                                 pn_lookup16(pn_log_c_lo, j));
    lo = _mm512_fmadd_pd(_mm512_mul_pd(r, r), p, lo);
    __m512d hi = _mm512_fmadd_pd(e, _mm512_set1_pd(PN_LN2_HI),
                                 pn_lookup16(pn_log_c_hi, j));   /* exact */
    return _mm512_add_pd(hi, _mm512_add_pd(r, lo));
}

/* 2^(j/16), j = 0..15, correctly rounded (mpmath at 200 bits) */
static const double pn_exp2_sixteenths[16] __attribute__((aligned(64))) = {
    0x1.0000000000000p+0, 0x1.0b5586cf9890fp+0, 0x1.172b83c7d517bp+0,
    0x1.2387a6e756238p+0, 0x1.306fe0a31b715p+0, 0x1.3dea64c123422p+0,
    0x1.4bfdad5362a27p+0, 0x1.5ab07dd485429p+0, 0x1.6a09e667f3bcdp+0,
    0x1.7a11473eb0187p+0, 0x1.8ace5422aa0dbp+0, 0x1.9c49182a3f090p+0,
    0x1.ae89f995ad3adp+0, 0x1.c199bdd85529cp+0, 0x1.d5818dcfba487p+0,
    0x1.ea4afa2a490dap+0};

static inline __m512d pn_exp8(__m512d x)
{
    const __m512d shifter = _mm512_set1_pd(0x1.8p52);
    /* min/max return their second operand when either is NaN: NaN kept */
    x = _mm512_min_pd(_mm512_set1_pd(710.0), x);
    x = _mm512_max_pd(_mm512_set1_pd(-746.0), x);
    __m512d t = _mm512_fmadd_pd(x, _mm512_set1_pd(16 * 1.4426950408889634),
                                shifter);
    /* n/16 = t/16 - shifter/16, both exact */
    __m512d n16 = _mm512_fmsub_pd(t, _mm512_set1_pd(1.0 / 16),
                                  _mm512_set1_pd(0x1.8p52 / 16));
    __m512d r = _mm512_fnmadd_pd(n16, _mm512_set1_pd(PN_LN2_HI), x);
    r = _mm512_fnmadd_pd(n16, _mm512_set1_pd(PN_LN2_LO), r);
    /* the index is t's low 4 bits: j = n mod 16 */
    __m512d tj = pn_lookup16(pn_exp2_sixteenths, _mm512_castpd_si512(t));
    /* Q(r) = (exp(r) - 1) / r by Horner */
    __m512d q = _mm512_set1_pd(0x1.6c17ed4ce9ff6p-10);
    q = _mm512_fmadd_pd(q, r, _mm512_set1_pd(0x1.11123cf2011fdp-7));
    q = _mm512_fmadd_pd(q, r, _mm512_set1_pd(0x1.55555554e9466p-5));
    q = _mm512_fmadd_pd(q, r, _mm512_set1_pd(0x1.555555547d375p-3));
    q = _mm512_fmadd_pd(q, r, _mm512_set1_pd(0x1.0000000000001p-1));
    q = _mm512_fmadd_pd(q, r, _mm512_set1_pd(0x1.0000000000003p+0));
    /* T[j] exp(r) = T[j] + (T[j] r) Q(r) */
    __m512d y = _mm512_fmadd_pd(_mm512_mul_pd(tj, r), q, tj);
    return _mm512_scalef_pd(y, n16);   /* 2^floor(n/16) = 2^q */
}

/* The array loop over a vector function F: full vectors, then one masked
 * vector for the tail, so every element goes through the same arithmetic.
 * Masked-off lanes hold 1.0, an ordinary input of both exp and log (0.0
 * would send log to its special-value path).  Outputs of >= PN_STREAM_MIN
 * elements (simd.h; a thread's part of a split loop counts alone) take
 * non-temporal stores, after one masked vector up to the 64-byte boundary:
 * on 1e7 elements, exp 0.39 -> 0.30 ns per element on one core, 0.34 ->
 * 0.27 on two (measured in C); below that size the output is better left
 * in the cache (1e6, two threads: 0.14 -> 0.19). */
/* o[0..count) = F(a[0..count)), count < 8, through one masked vector */
#define PN_AVX512_MASKED(F, O, A, COUNT)                                     \
    do {                                                                     \
        __mmask8 k_ = (__mmask8)((1u << (COUNT)) - 1);                       \
        _mm512_mask_storeu_pd(                                               \
            O, k_, F(_mm512_mask_loadu_pd(_mm512_set1_pd(1.0), k_, A)));     \
    } while (0)
#define PN_AVX512_ARRAY_LOOP(NAME, F)                                        \
    static void NAME(double *o, const double *a, pn_ssize_t n)               \
    {                                                                        \
        pn_ssize_t i = 0;                                                    \
        if (n >= PN_STREAM_MIN && o != a && ((size_t)o & 7) == 0) {          \
            i = (pn_ssize_t)((64 - ((size_t)o & 63)) & 63) / 8;              \
            if (i > 0)                                                       \
                PN_AVX512_MASKED(F, o, a, i);                                \
            for (; i + 8 <= n; i += 8)                                       \
                _mm512_stream_pd(o + i, F(_mm512_loadu_pd(a + i)));          \
            _mm_sfence();                                                    \
        } else {                                                             \
            for (; i + 8 <= n; i += 8)                                       \
                _mm512_storeu_pd(o + i, F(_mm512_loadu_pd(a + i)));          \
        }                                                                    \
        if (i < n)                                                           \
            PN_AVX512_MASKED(F, o + i, a + i, n - i);                        \
    }

PN_AVX512_ARRAY_LOOP(pn_exp_avx512v, pn_exp8)

/* Lanes outside (0, inf) -- zero, negative, inf, nan -- and subnormals take
 * libm's log.  One vfpclasspd (AVX512DQ) finds them: all eight classes but
 * the normal positive numbers (QNaN 0x01, +0 0x02, -0 0x04, +inf 0x08,
 * -inf 0x10, subnormal 0x20, negative finite 0x40, SNaN 0x80). */
static inline __m512d pn_log8_checked(__m512d x)
{
    __m512d r = pn_log8(x);
    __mmask8 bad = _mm512_fpclass_pd_mask(x, 0xFF);
    if (__builtin_expect(bad != 0, 0)) {
        double xs[8], rs[8];
        _mm512_storeu_pd(xs, x);
        _mm512_storeu_pd(rs, r);
        for (int j = 0; j < 8; j++)
            if (bad & (1u << j))
                rs[j] = log(xs[j]);
        r = _mm512_loadu_pd(rs);
    }
    return r;
}

PN_AVX512_ARRAY_LOOP(pn_log_avx512v, pn_log8_checked)

#endif /* PICONUMPY_VMATH_AVX512_H */
