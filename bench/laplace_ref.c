/* C reference for the Laplace benchmark (see bench/laplace.py).
 *
 * Jacobi iterations of the 5-point Laplace stencil on an nx x ny grid,
 * alternating two arrays, with exactly the operations and evaluation order
 * of the Python variants, so that the final grids agree bit for bit.
 * Build (done by bench/run_bench.py):
 *     gcc -O3 -ffp-contract=off laplace_ref.c -o laplace_ref
 * (-ffp-contract=off: no fused multiply-add, which would round differently
 * from Python on targets that have FMA.)
 *
 * Usage: laplace_ref nx ny iterations [min_seconds]   (default 0.2)
 * Solves repeatedly (fresh grid each time) until min_seconds have been
 * spent iterating (and at least 5 times); only the iteration loop is timed.
 * Prints one JSON object: median and min time of ONE iteration (seconds),
 * number of solves, the final grid's row and column sums (each a plain
 * left-to-right sum) plus their total, which the Python side recomputes, and
 * a few probe values [i, j, u[i][j]] that are cheap to compare every round.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* must match bench/laplace.py */
static const double DX = 0.1, DY = 0.1;
static const double TOP = 1.0, LEFT = 0.5;

/* external linkage: the clock calls might read them, so the compiler cannot
 * move grid updates across the timing calls */
double *grid_u, *grid_v;

static void init(double *u, int nx, int ny)
{
    int i, j;
    memset(u, 0, (size_t)nx * ny * sizeof(double));
    for (j = 0; j < ny; j++) u[j] = TOP;
    for (i = 1; i < nx; i++) u[(size_t)i * ny] = LEFT;
}

/* u = one Jacobi step of src: the same expression tree as the Python
 * `((up + down)*dy2 + (left + right)*dx2)*dnr_inv`, then the four edges */
static void step(double *restrict u, const double *restrict src, int nx,
                 int ny, double dx2, double dy2, double dnr_inv)
{
    int i, j;
    for (i = 1; i < nx - 1; i++) {
        const double *up = src + (size_t)(i - 1) * ny;
        const double *row = src + (size_t)i * ny;
        const double *down = src + (size_t)(i + 1) * ny;
        double *out = u + (size_t)i * ny;
        for (j = 1; j < ny - 1; j++)
            out[j] = ((up[j] + down[j]) * dy2 + (row[j - 1] + row[j + 1]) * dx2)
                     * dnr_inv;
    }
    memcpy(u, src, (size_t)ny * sizeof(double));
    memcpy(u + (size_t)(nx - 1) * ny, src + (size_t)(nx - 1) * ny,
           (size_t)ny * sizeof(double));
    for (i = 0; i < nx; i++) {
        u[(size_t)i * ny] = src[(size_t)i * ny];
        u[(size_t)i * ny + ny - 1] = src[(size_t)i * ny + ny - 1];
    }
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s nx ny iterations [min_seconds]\n", argv[0]);
        return 2;
    }
    int nx = atoi(argv[1]), ny = atoi(argv[2]), iterations = atoi(argv[3]);
    double min_seconds = argc > 4 ? atof(argv[4]) : 0.2;
    if (nx < 3 || ny < 3 || iterations < 1) {
        fprintf(stderr, "need nx, ny >= 3 and iterations >= 1\n");
        return 2;
    }
    const double dx2 = DX * DX, dy2 = DY * DY;
    const double dnr_inv = 0.5 / (dx2 + dy2);
    size_t n = 0, cap = 1024;
    double *times = malloc(cap * sizeof(double));
    grid_u = malloc((size_t)nx * ny * sizeof(double));
    grid_v = malloc((size_t)nx * ny * sizeof(double));
    if (!times || !grid_u || !grid_v) return 1;
    double total = 0.0, *final = grid_u;

    while (total < min_seconds || n < 5) {
        double *u = grid_u, *v = grid_v, *t;
        init(u, nx, ny);
        init(v, nx, ny);
        double t0 = now();
        for (int it = 0; it < iterations; it++) {
            step(v, u, nx, ny, dx2, dy2, dnr_inv);
            t = u, u = v, v = t;          /* the new grid is the next source */
        }
        double dt = now() - t0;
        final = u;
        if (n == cap) {
            double *more = realloc(times, 2 * cap * sizeof(double));
            if (!more) return 1;
            times = more;
            cap *= 2;
        }
        times[n++] = dt / iterations;
        total += dt;
    }
    qsort(times, n, sizeof(double), cmp_double);

    double *col = calloc((size_t)ny, sizeof(double));
    if (!col) return 1;
    double checksum = 0.0;
    printf("{\"median\": %.9g, \"min\": %.9g, \"n\": %lu, \"nx\": %d, \"ny\": %d, "
           "\"iterations\": %d,\n \"row_sums\": [",
           n % 2 ? times[n / 2] : 0.5 * (times[n / 2 - 1] + times[n / 2]),
           times[0], (unsigned long)n, nx, ny, iterations);
    for (int i = 0; i < nx; i++) {
        double s = 0.0;
        for (int j = 0; j < ny; j++) {
            s += final[(size_t)i * ny + j];
            col[j] += final[(size_t)i * ny + j];
        }
        checksum += s;
        printf("%s%.17g", i ? ", " : "", s);
    }
    printf("],\n \"col_sums\": [");
    for (int j = 0; j < ny; j++) printf("%s%.17g", j ? ", " : "", col[j]);
    /* probes: near the top and left edges, where the values are non-zero
     * even after a few iterations, and the middle of the grid */
    const int pi[] = {1, 2, 3, nx / 10, nx / 2, nx - 2};
    const int pj[] = {1, 2, ny / 3, ny / 2, ny - 2};
    printf("],\n \"probes\": [");
    for (int a = 0; a < 6; a++)
        for (int b = 0; b < 5; b++)
            printf("%s[%d, %d, %.17g]", a + b ? ", " : "", pi[a], pj[b],
                   final[(size_t)pi[a] * ny + pj[b]]);
    printf("],\n \"checksum\": %.17g}\n", checksum);
    free(col);
    free(times);
    free(grid_u);
    free(grid_v);
    return 0;
}
