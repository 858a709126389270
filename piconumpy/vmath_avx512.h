/* vmath_avx512.h -- piconumpy's own AVX-512 exp and log (float64).
 *
 * Included by simd.h inside its `#pragma GCC target("avx512f")` region.
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
 *   inputs, vs mpmath).  The shorter form saves four of 26 vector
 *   instructions (log 0.41 -> 0.36 ns per element).
 *   ln2 is split in ln2_hi (32 significant bits: e*ln2_hi exact for every
 *   exponent) + ln2_lo, added last: e ln2_hi + (log1p(f) + e ln2_lo).  Inputs outside (0, inf) (zero,
 *   negative, inf, nan) take the C library's log, lane by lane.
 *
 * exp(x): x = n ln2 + r, n = round(x / ln2), |r| <= ln2/2 (+ rounding).
 *   r = (x - n ln2_hi) - n ln2_lo: n ln2_hi is exact (|n| <= 1077,
 *   ln2_hi has 32 bits), the FMA forms x - n ln2_hi exactly; the second
 *   FMA rounds once, relative to r (< 2^-53 |r|, half an ulp of r, which
 *   changes exp(r) by < 2^-54.5 relative).  exp(r) is the degree-13
 *   Taylor polynomial (truncation < |r|^14/14! < 4.2e-18 = 2^-57.7
 *   relative), evaluated by Horner with FMA: each step's rounding
 *   (2^-53 relative) is damped by the following multiplications by
 *   |r| < 0.35, so the total stays near 1 ulp.  scalef(p, n) = p 2^n is
 *   exact for normal results; a subnormal result is rounded a second time
 *   (p, then p 2^n: < 1 ulp of the subnormal more); it gives inf / 0
 *   beyond the range.  x is first clamped to [-746, 710] (NaN kept)
 *   so huge |x| cannot make r meaningless.
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
    __m512d z = _mm512_mul_pd(s, s), w = _mm512_mul_pd(z, z);
    __m512d t1 = _mm512_mul_pd(w, _mm512_fmadd_pd(w, _mm512_fmadd_pd(w, lg6, lg4), lg2));
    __m512d t2 = _mm512_mul_pd(z, _mm512_fmadd_pd(w, _mm512_fmadd_pd(w,
                               _mm512_fmadd_pd(w, lg7, lg5), lg3), lg1));
    __m512d rr = _mm512_add_pd(t2, t1);
    __m512d l = _mm512_fnmadd_pd(s, _mm512_sub_pd(f, rr), f);   /* log1p(f) */
    l = _mm512_fmadd_pd(e, _mm512_set1_pd(PN_LN2_LO), l);
    return _mm512_fmadd_pd(e, _mm512_set1_pd(PN_LN2_HI), l);
}

static inline __m512d pn_exp8(__m512d x)
{
    /* Taylor coefficients 1/k!, k = 0..13 */
    static const double c[14] = {
        1.0, 1.0, 1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720,
        1.0 / 5040, 1.0 / 40320, 1.0 / 362880, 1.0 / 3628800,
        1.0 / 39916800, 1.0 / 479001600, 1.0 / 6227020800.0};
    /* min/max return their second operand when either is NaN: NaN kept */
    x = _mm512_min_pd(_mm512_set1_pd(710.0), x);
    x = _mm512_max_pd(_mm512_set1_pd(-746.0), x);
    __m512d n = _mm512_roundscale_pd(
        _mm512_mul_pd(x, _mm512_set1_pd(1.4426950408889634)),
        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512d r = _mm512_fnmadd_pd(n, _mm512_set1_pd(PN_LN2_HI), x);
    r = _mm512_fnmadd_pd(n, _mm512_set1_pd(PN_LN2_LO), r);
    __m512d p = _mm512_set1_pd(c[13]);
    for (int k = 12; k >= 0; k--)
        p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(c[k]));
    return _mm512_scalef_pd(p, n);
}

/* The array loop over a vector function F: full vectors, then one masked
 * vector for the tail, so every element goes through the same arithmetic.
 * Masked-off lanes hold 1.0, an ordinary input of both exp and log (0.0
 * would send log to its special-value path). */
#define PN_AVX512_ARRAY_LOOP(NAME, F)                                        \
    static void NAME(double *o, const double *a, pn_ssize_t n)               \
    {                                                                        \
        pn_ssize_t i = 0;                                                    \
        for (; i + 8 <= n; i += 8)                                           \
            _mm512_storeu_pd(o + i, F(_mm512_loadu_pd(a + i)));              \
        if (i < n) {                                                         \
            __mmask8 k = (__mmask8)((1u << (n - i)) - 1);                    \
            __m512d x = _mm512_mask_loadu_pd(_mm512_set1_pd(1.0), k, a + i); \
            _mm512_mask_storeu_pd(o + i, k, F(x));                           \
        }                                                                    \
    }

PN_AVX512_ARRAY_LOOP(pn_exp_avx512v, pn_exp8)

/* Lanes outside (0, inf) -- zero, negative, inf, nan -- take libm's log. */
static inline __m512d pn_log8_checked(__m512d x)
{
    __m512d r = pn_log8(x);
    __mmask8 bad = _mm512_cmp_pd_mask(x, _mm512_setzero_pd(), _CMP_NGT_UQ) |
                   _mm512_cmp_pd_mask(x, _mm512_set1_pd(INFINITY), _CMP_NLT_UQ);
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
