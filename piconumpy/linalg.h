/* linalg.h -- dense linear algebra on contiguous row-major double buffers.
 *
 * Pure C99, no Python API: included by both C sources after kernels.h
 * (which it includes itself for pn_ssize_t and pn_dot).  All buffers are
 * C-contiguous float64; the caller owns every buffer (nothing here
 * allocates), so the Python layer decides where copies happen.
 *
 *   pn_matmul     out(n x m) = a(n x k) @ b(k x m)   (m == 1: pn_matvec)
 *   pn_lu_factor  in-place LU with partial pivoting (LAPACK dgetrf layout)
 *   pn_lu_solve   solve with a factored matrix, b (n x nrhs) in place
 *   pn_solve      factor + solve
 *   pn_det        determinant (destroys a)
 *   pn_inv        inverse into a separate buffer (destroys a)
 *
 * Singularity follows LAPACK (and so numpy): a matrix is singular when an
 * elimination step meets an exactly zero pivot; tiny pivots are not
 * singular.  Element-by-element the arithmetic is plain IEEE (no -ffast-math
 * assumptions): inf/nan propagate, nothing is skipped because it is zero.
 */
#ifndef PICONUMPY_LINALG_H
#define PICONUMPY_LINALG_H

#include <math.h>
#include <string.h>

#include "kernels.h"

/* y += alpha * x.  `restrict` (callers never pass overlapping rows) lets gcc
 * vectorise without the run-time overlap check it would otherwise emit;
 * this one loop is where matmul, LU and the solves spend their time. */
static inline void pn_la_axpy(double *restrict y, double alpha,
                              const double *restrict x, pn_ssize_t n)
{
    for (pn_ssize_t i = 0; i < n; i++)
        y[i] += alpha * x[i];
}

static inline void pn_la_swap_rows(double *restrict r, double *restrict s,
                                   pn_ssize_t n)
{
    for (pn_ssize_t i = 0; i < n; i++) {
        const double t = r[i];
        r[i] = s[i];
        s[i] = t;
    }
}

/* ---- products --------------------------------------------------------- */

/* out(n) = a(n x k) @ x(k): one dot product per row.  A separate routine
 * because in pn_matmul's loop order m == 1 would make the inner loop one
 * element long; pn_dot's independent accumulators keep the FPU busy. */
static inline void pn_matvec(double *restrict out, const double *a,
                             const double *x, pn_ssize_t n, pn_ssize_t k)
{
    for (pn_ssize_t i = 0; i < n; i++)
        out[i] = pn_dot(a + i * k, x, k);
}

/* out(n x m) = a(n x k) @ b(k x m); out must not alias a or b.
 * i-k-j order: row i of out accumulates a[i][p] * (row p of b), a contiguous
 * axpy over m.  Every element is still summed in the order p = 0, 1, ..., so
 * the result equals the textbook triple loop bit for bit.  n == 1 (vector @
 * matrix) is already efficient in this order; m == 1 (matrix @ vector, and
 * vector . vector) goes to pn_matvec. */
static void pn_matmul(double *restrict out, const double *a, const double *b,
                      pn_ssize_t n, pn_ssize_t k, pn_ssize_t m)
{
    if (m == 1) {
        pn_matvec(out, a, b, n, k);
        return;
    }
    if (n * m > 0)
        memset(out, 0, (size_t)(n * m) * sizeof(double));
    for (pn_ssize_t i = 0; i < n; i++) {
        double *oi = out + i * m;
        const double *ai = a + i * k;
        for (pn_ssize_t p = 0; p < k; p++)
            pn_la_axpy(oi, ai[p], b + p * m, m);
    }
}

/* ---- LU decomposition ------------------------------------------------- */

/* Factor the n x n matrix a in place as P a = L U (L unit lower triangular
 * below the diagonal, U on and above it), right-looking Gaussian elimination
 * with partial pivoting.  piv[j] is the row swapped with row j at step j
 * (LAPACK's ipiv, 0-based); *sign is the permutation's parity (+1/-1).
 * Returns 0, or 1 when a pivot is exactly zero: the matrix is singular, the
 * elimination stops there and a, piv[j..] are then unspecified. */
static int pn_lu_factor(double *a, pn_ssize_t n, pn_ssize_t *piv, int *sign)
{
    int s = 1;
    for (pn_ssize_t j = 0; j < n; j++) {
        /* pivot: the first largest |a[i][j]|, i >= j, as LAPACK's idamax
         * picks it (a NaN never wins, as there) */
        pn_ssize_t p = j;
        double best = fabs(a[j * n + j]);
        for (pn_ssize_t i = j + 1; i < n; i++) {
            const double v = fabs(a[i * n + j]);
            if (v > best) {
                best = v;
                p = i;
            }
        }
        piv[j] = p;
        double *rj = a + j * n;
        if (p != j) {
            /* whole rows, so that L's columns follow the swap too */
            pn_la_swap_rows(rj, a + p * n, n);
            s = -s;
        }
        const double d = rj[j];
        if (d == 0.0) {
            *sign = s;
            return 1;
        }
        /* divide rather than multiply by 1/d: exact when possible, and no
         * overflow of 1/d for a tiny pivot; it is O(n^2) work anyway */
        for (pn_ssize_t i = j + 1; i < n; i++) {
            double *ri = a + i * n;
            const double l = ri[j] / d;
            ri[j] = l;
            pn_la_axpy(ri + j + 1, -l, rj + j + 1, n - j - 1);
        }
    }
    *sign = s;
    return 0;
}

/* Solve A x = b for the nrhs columns of b (n x nrhs, row-major), in place,
 * given lu/piv from a successful pn_lu_factor.  Row operations are axpys
 * over the nrhs columns; a single right-hand side uses dot products. */
static void pn_lu_solve(const double *lu, const pn_ssize_t *piv, pn_ssize_t n,
                        double *b, pn_ssize_t nrhs)
{
    /* b := P b, the swaps in the order they were made */
    for (pn_ssize_t j = 0; j < n; j++)
        if (piv[j] != j)
            pn_la_swap_rows(b + j * nrhs, b + piv[j] * nrhs, nrhs);

    /* forward: L y = P b (unit diagonal) */
    for (pn_ssize_t i = 1; i < n; i++) {
        const double *li = lu + i * n;
        double *bi = b + i * nrhs;
        if (nrhs == 1)
            bi[0] -= pn_dot(li, b, i);
        else
            for (pn_ssize_t p = 0; p < i; p++)
                pn_la_axpy(bi, -li[p], b + p * nrhs, nrhs);
    }

    /* backward: U x = y */
    for (pn_ssize_t i = n - 1; i >= 0; i--) {
        const double *ui = lu + i * n;
        double *bi = b + i * nrhs;
        if (nrhs == 1) {
            bi[0] = (bi[0] - pn_dot(ui + i + 1, b + i + 1, n - i - 1)) / ui[i];
        }
        else {
            for (pn_ssize_t p = i + 1; p < n; p++)
                pn_la_axpy(bi, -ui[p], b + p * nrhs, nrhs);
            const double d = ui[i];
            for (pn_ssize_t c = 0; c < nrhs; c++)
                bi[c] /= d;
        }
    }
}

/* Solve a x = b in place (b n x nrhs); a is overwritten by its LU factors,
 * piv is scratch of n entries.  Returns 1 (b unspecified) when singular. */
static int pn_solve(double *a, pn_ssize_t n, pn_ssize_t *piv, double *b,
                    pn_ssize_t nrhs)
{
    int sign;
    if (pn_lu_factor(a, n, piv, &sign))
        return 1;
    pn_lu_solve(a, piv, n, b, nrhs);
    return 0;
}

/* Determinant of a (destroyed: LU factors on return); piv is scratch of n
 * entries.  0.0 when singular, 1.0 for n == 0 (as numpy).  The product of
 * the pivots is kept as mantissa * 2**exponent so that it only overflows or
 * underflows if the determinant itself does (1e200 * 1e200 * 1e-300 is
 * 1e100, not inf). */
static double pn_det(double *a, pn_ssize_t n, pn_ssize_t *piv)
{
    int sign;
    if (pn_lu_factor(a, n, piv, &sign))
        return 0.0;
    double m = (double)sign;
    long e = 0;
    for (pn_ssize_t i = 0; i < n; i++) {
        m *= a[i * n + i];
        if (isfinite(m) && m != 0.0) {
            int ei;
            m = frexp(m, &ei);      /* exact: only the exponent moves */
            e += ei;
        }
    }
    /* beyond +-3000 the result is inf or 0 whatever the mantissa */
    if (e > 3000)
        e = 3000;
    if (e < -3000)
        e = -3000;
    return ldexp(m, (int)e);
}

/* Inverse: out (n x n, must not alias a) = a^-1 by solving a X = I; a is
 * destroyed (LU factors), piv is scratch of n entries.  Returns 0, or 1 when
 * singular (out unspecified). */
static int pn_inv(double *a, pn_ssize_t n, pn_ssize_t *piv, double *out)
{
    int sign;
    if (pn_lu_factor(a, n, piv, &sign))
        return 1;
    if (n > 0)
        memset(out, 0, (size_t)(n * n) * sizeof(double));
    for (pn_ssize_t i = 0; i < n; i++)
        out[i * n + i] = 1.0;
    pn_lu_solve(a, piv, n, out, n);
    return 0;
}

#endif /* PICONUMPY_LINALG_H */
