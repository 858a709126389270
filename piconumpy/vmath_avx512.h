/* vmath_avx512.h -- piconumpy's own AVX-512 exp and log (float64).
 *
 * Included by simd.h inside its `#pragma GCC target("avx512f,avx512dq")`
 * region.
 * Why our own: on AVX-512 CPUs numpy ships SIMD exp/log of its own, and
 * glibc's libmvec (_ZGVeN8v_exp/log) is no faster than numpy there (measured
 * on an AMD EPYC with AVX-512: log 0.57 ns/element for both).  AVX-512 has
 * what makes short kernels possible: getexp/getmant split a double
 * (subnormals included) in two instructions, scalef rebuilds one with
 * correct overflow/underflow, and 512-bit FMA.
 *
 * Error analysis (bound asked for: 4 ulp; tests/test_math_accuracy.py
 * measures it against mpmath at 128 bits, special values included):
 *
 * log(x): x = 2^e * m, m in [sqrt(2)/2, sqrt(2)), f = m - 1 (exact, Sterbenz),
 *   log(x) = e*ln2 + log1p(f), log1p(f) = 2 atanh(s), s = f / (2 + f),
 *   |s| <= 0.1716.  log1p(f) = f - s (f - R(s^2)) with R the degree-7
 *   minimax polynomial of fdlibm's e_log.c (|error| < 2^-58.45 on this
 *   range, per its documentation; fdlibm uses this form for part of the
 *   range, and a longer one, f - f^2/2 + s (f^2/2 + R), for the rest).  f
 *   is exact and carries the value; the correction s (f - R) is at most
 *   0.2 of |log1p(f)| (f = 0.414: 0.066 of 0.347), so its errors -- s
 *   rounded twice (2 + f, the division: 1.5 ulp of s), R, the product --
 *   count at most 0.2 of their size in the result: with the final FMA's
 *   rounding, about 1 ulp (measured: 1.09 ulp at most over 200 000 random
 *   inputs, vs mpmath).  The shorter form saves four of 30 vector
 *   instructions, R by Horner two more and one vfpclasspd for the special
 *   values two more (log 0.416 -> 0.394 ns per element).
 *   ln2 is split in ln2_hi (32 significant bits: e*ln2_hi exact for every
 *   exponent) + ln2_lo, added last: e ln2_hi + (log1p(f) + e ln2_lo).  Inputs outside (0, inf) (zero,
 *   negative, inf, nan) take the C library's log, lane by lane.
 *
 * exp(x): x = (16 q + j) ln2/16 + r with n = 16 q + j = round(16 x / ln2),
 *   j = n mod 16, |r| <= ln2/32 (+ rounding), and
 *   exp(x) = 2^q * T[j] * exp(r),   T[j] = 2^(j/16) rounded (a 16-entry
 *   table: two zmm registers, one vpermt2pd per vector).  Against the
 *   plain n ln2 reduction the table shrinks r 16-fold, so exp(r) - 1 needs
 *   degree 7 instead of 13: 0.39 -> 0.28 ns per element.
 *   n comes from one FMA with the 1.5 * 2^52 shifter (its low mantissa
 *   bits are n, two's complement, so they index the table directly).
 *   r = (x - n ln2_hi/16) - n ln2_lo/16: n ln2_hi/16 is exact (|n| <=
 *   17232 < 2^15, ln2_hi has 32 bits), the FMA forms x - n ln2_hi/16
 *   exactly; the second FMA rounds once, relative to r.
 *   exp(r) - 1 = r (1 + r/2 + ... + r^6/7!), Taylor: truncation < r^8/8! <
 *   1.2e-18 = 2^-59.5 relative; Horner's roundings are relative to the
 *   correction (|.| < 0.022), so below 0.1 ulp of the result.
 *   y = T[j] + T[j] (exp(r) - 1) in one FMA: one rounding (0.5 ulp) on top
 *   of T[j]'s own (0.5 ulp): about 1.1 ulp in all (measured: 1.02 ulp at
 *   most over 200 000 random inputs, vs mpmath).  scalef(y, n/16)
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

static inline __m512d pn_log8(__m512d x)
{
    /* fdlibm's e_log.c minimax coefficients for R(z) = sum Lg_i z^i */
    const __m512d lg1 = _mm512_set1_pd(6.666666666666735130e-01);
    const __m512d lg2 = _mm512_set1_pd(3.999999999940941908e-01);
    const __m512d lg3 = _mm512_set1_pd(2.857142874366239149e-01);
    const __m512d lg4 = _mm512_set1_pd(2.222219843214978396e-01);
    const __m512d lg5 = _mm512_set1_pd(1.818357216161805012e-01);
    const __m512d lg6 = _mm512_set1_pd(1.531383769920937332e-01);
    const __m512d lg7 = _mm512_set1_pd(1.479819860511658591e-01);
    const __m512d one = _mm512_set1_pd(1.0), half = _mm512_set1_pd(0.5);
    __m512d m = _mm512_getmant_pd(x, _MM_MANT_NORM_1_2, _MM_MANT_SIGN_src);
    __m512d e = _mm512_getexp_pd(x);
    /* [1, 2) -> [sqrt(2)/2, sqrt(2)): halving m is exact */
    __mmask8 big = _mm512_cmp_pd_mask(m, _mm512_set1_pd(1.4142135623730951),
                                      _CMP_GT_OQ);
    m = _mm512_mask_mul_pd(m, big, m, half);
    e = _mm512_mask_add_pd(e, big, e, one);
    __m512d f = _mm512_sub_pd(m, one);
    __m512d s = _mm512_div_pd(f, _mm512_add_pd(_mm512_set1_pd(2.0), f));
    __m512d z = _mm512_mul_pd(s, s);
    /* R(z) by Horner (fdlibm splits it in two for latency; the loop's
     * independent vectors hide that, and Horner is two operations less) */
    __m512d rr = _mm512_fmadd_pd(lg7, z, lg6);
    rr = _mm512_fmadd_pd(rr, z, lg5);
    rr = _mm512_fmadd_pd(rr, z, lg4);
    rr = _mm512_fmadd_pd(rr, z, lg3);
    rr = _mm512_fmadd_pd(rr, z, lg2);
    rr = _mm512_fmadd_pd(rr, z, lg1);
    rr = _mm512_mul_pd(rr, z);
    __m512d l = _mm512_fnmadd_pd(s, _mm512_sub_pd(f, rr), f);   /* log1p(f) */
    l = _mm512_fmadd_pd(e, _mm512_set1_pd(PN_LN2_LO), l);
    return _mm512_fmadd_pd(e, _mm512_set1_pd(PN_LN2_HI), l);
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
    const __m512d t_lo = _mm512_load_pd(pn_exp2_sixteenths);
    const __m512d t_hi = _mm512_load_pd(pn_exp2_sixteenths + 8);
    const __m512d shifter = _mm512_set1_pd(0x1.8p52);
    /* min/max return their second operand when either is NaN: NaN kept */
    x = _mm512_min_pd(_mm512_set1_pd(710.0), x);
    x = _mm512_max_pd(_mm512_set1_pd(-746.0), x);
    __m512d t = _mm512_fmadd_pd(x, _mm512_set1_pd(16 * 1.4426950408889634),
                                shifter);
    __m512d n = _mm512_sub_pd(t, shifter);
    __m512d r = _mm512_fnmadd_pd(n, _mm512_set1_pd(PN_LN2_HI / 16), x);
    r = _mm512_fnmadd_pd(n, _mm512_set1_pd(PN_LN2_LO / 16), r);
    /* the index is t's low 4 bits: j = n mod 16 */
    __m512d tj = _mm512_permutex2var_pd(t_lo, _mm512_castpd_si512(t), t_hi);
    __m512d p = _mm512_set1_pd(1.0 / 5040);   /* 1/7!, ..., 1/2!, 1 */
    p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(1.0 / 720));
    p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(1.0 / 120));
    p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(1.0 / 24));
    p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(1.0 / 6));
    p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(0.5));
    p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(1.0));
    p = _mm512_mul_pd(p, r);                         /* exp(r) - 1 */
    __m512d y = _mm512_fmadd_pd(tj, p, tj);          /* T[j] exp(r) */
    return _mm512_scalef_pd(y, _mm512_mul_pd(n, _mm512_set1_pd(1.0 / 16)));
}

/* The array loop over a vector function F: full vectors, then one masked
 * vector for the tail, so every element goes through the same arithmetic.
 * Masked-off lanes hold 1.0, an ordinary input of both exp and log (0.0
 * would send log to its special-value path).  Outputs of >= PN_STREAM_MIN
 * elements (simd.h; a thread's part of a split loop counts alone) take
 * non-temporal stores, after one masked vector up to the 64-byte boundary:
 * on 1e7 elements, exp 0.39 -> 0.29 ns per element on one core, 0.34 ->
 * 0.27 on two (measured in C); below that size the output is better left
 * in the cache (1e6, two threads: 0.14 -> 0.19). */
#define PN_AVX512_ARRAY_LOOP(NAME, F)                                        \
    static void NAME(double *o, const double *a, pn_ssize_t n)               \
    {                                                                        \
        pn_ssize_t i = 0;                                                    \
        if (n >= PN_STREAM_MIN && o != a && ((size_t)o & 7) == 0) {          \
            pn_ssize_t head = (pn_ssize_t)((64 - ((size_t)o & 63)) & 63) / 8; \
            if (head) {                                                      \
                __mmask8 k = (__mmask8)((1u << head) - 1);                   \
                __m512d x = _mm512_mask_loadu_pd(_mm512_set1_pd(1.0), k, a); \
                _mm512_mask_storeu_pd(o, k, F(x));                           \
                i = head;                                                    \
            }                                                                \
            for (; i + 8 <= n; i += 8)                                       \
                _mm512_stream_pd(o + i, F(_mm512_loadu_pd(a + i)));          \
            _mm_sfence();                                                    \
        } else {                                                             \
            for (; i + 8 <= n; i += 8)                                       \
                _mm512_storeu_pd(o + i, F(_mm512_loadu_pd(a + i)));          \
        }                                                                    \
        if (i < n) {                                                         \
            __mmask8 k = (__mmask8)((1u << (n - i)) - 1);                    \
            __m512d x = _mm512_mask_loadu_pd(_mm512_set1_pd(1.0), k, a + i); \
            _mm512_mask_storeu_pd(o + i, k, F(x));                           \
        }                                                                    \
    }

PN_AVX512_ARRAY_LOOP(pn_exp_avx512v, pn_exp8)

/* Lanes outside (0, inf) -- zero, negative, inf, nan -- take libm's log.
 * One vfpclasspd (AVX512DQ) finds them: classes QNaN 0x01, +0 0x02, -0
 * 0x04, +inf 0x08, -inf 0x10, negative finite 0x40, SNaN 0x80 (not the
 * subnormals, 0x20: getexp/getmant take those). */
static inline __m512d pn_log8_checked(__m512d x)
{
    __m512d r = pn_log8(x);
    __mmask8 bad = _mm512_fpclass_pd_mask(x, 0xDF);
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
