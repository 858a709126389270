/* Test driver for piconumpy/linalg.h, run by tests/test_linalg_c.py.
 *
 * Reads commands from stdin, whitespace separated, matrices row-major:
 *
 *   matmul n k m   <a: n*k values> <b: k*m values>
 *   lu n           <a: n*n>
 *   solve n nrhs   <a: n*n> <b: n*nrhs>
 *   det n          <a: n*n>
 *   inv n          <a: n*n>
 *
 * and prints one line per command: a status (0, or 1 for a singular matrix)
 * followed by the results, doubles as %.17g so that they round-trip:
 *
 *   matmul: 0 <out: n*m>        det: 0 <det>
 *   lu:     <status> <sign> [<piv: n> <lu: n*n>  when status == 0]
 *   solve:  <status> [<x: n*nrhs>]            inv: <status> [<inv: n*n>]
 *
 * Every buffer is malloc'ed at its exact size so that a sanitizer build
 * (-fsanitize=address,undefined) catches out-of-bounds accesses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linalg.h"

static void die(const char *msg)
{
    fprintf(stderr, "test_linalg: %s\n", msg);
    exit(2);
}

static pn_ssize_t read_size(void)
{
    long v;
    if (scanf("%ld", &v) != 1 || v < 0)
        die("bad size");
    return (pn_ssize_t)v;
}

/* malloc(0) may return NULL: always ask for at least one element */
static void *xmalloc(size_t count, size_t size)
{
    void *p = malloc((count ? count : 1) * size);
    if (!p)
        die("out of memory");
    return p;
}

static double *read_doubles(pn_ssize_t count)
{
    double *p = xmalloc((size_t)count, sizeof(double));
    for (pn_ssize_t i = 0; i < count; i++)
        if (scanf("%lf", &p[i]) != 1)
            die("bad number");
    return p;
}

static void print_doubles(const double *p, pn_ssize_t count)
{
    for (pn_ssize_t i = 0; i < count; i++)
        printf(" %.17g", p[i]);
}

int main(void)
{
    char cmd[16];
    while (scanf("%15s", cmd) == 1) {
        if (!strcmp(cmd, "matmul")) {
            pn_ssize_t n = read_size(), k = read_size(), m = read_size();
            double *a = read_doubles(n * k), *b = read_doubles(k * m);
            double *out = xmalloc((size_t)(n * m), sizeof(double));
            pn_matmul(out, a, b, n, k, m);
            printf("0");
            print_doubles(out, n * m);
            free(a), free(b), free(out);
        }
        else if (!strcmp(cmd, "lu")) {
            pn_ssize_t n = read_size();
            double *a = read_doubles(n * n);
            pn_ssize_t *piv = xmalloc((size_t)n, sizeof(pn_ssize_t));
            int sign = 0;
            int status = pn_lu_factor(a, n, piv, &sign);
            printf("%d %d", status, sign);
            if (status == 0) {
                for (pn_ssize_t i = 0; i < n; i++)
                    printf(" %ld", (long)piv[i]);
                print_doubles(a, n * n);
            }
            free(a), free(piv);
        }
        else if (!strcmp(cmd, "solve")) {
            pn_ssize_t n = read_size(), nrhs = read_size();
            double *a = read_doubles(n * n), *b = read_doubles(n * nrhs);
            pn_ssize_t *piv = xmalloc((size_t)n, sizeof(pn_ssize_t));
            int status = pn_solve(a, n, piv, b, nrhs);
            printf("%d", status);
            if (status == 0)
                print_doubles(b, n * nrhs);
            free(a), free(b), free(piv);
        }
        else if (!strcmp(cmd, "det")) {
            pn_ssize_t n = read_size();
            double *a = read_doubles(n * n);
            pn_ssize_t *piv = xmalloc((size_t)n, sizeof(pn_ssize_t));
            printf("0 %.17g", pn_det(a, n, piv));
            free(a), free(piv);
        }
        else if (!strcmp(cmd, "inv")) {
            pn_ssize_t n = read_size();
            double *a = read_doubles(n * n);
            double *out = xmalloc((size_t)(n * n), sizeof(double));
            pn_ssize_t *piv = xmalloc((size_t)n, sizeof(pn_ssize_t));
            int status = pn_inv(a, n, piv, out);
            printf("%d", status);
            if (status == 0)
                print_doubles(out, n * n);
            free(a), free(out), free(piv);
        }
        else {
            die("unknown command");
        }
        printf("\n");
    }
    return 0;
}
