/* C reference for the "board" benchmark (see bench/board.py).
 *
 * Same algorithm, constants and evaluation order as the Python code, on
 * doubles, so that the final states agree with every Python variant to 1e-12.
 * Build (done by bench/run_bench.py):
 *     gcc -O3 -ffp-contract=off board_ref.c -o board_ref -lm
 * (-ffp-contract=off: no fused multiply-add, which would round differently
 * from Python on targets that have FMA.)
 *
 * Usage: board_ref [min_seconds]   (default 0.2)
 * Solves repeatedly until min_seconds have elapsed (and at least 5 times)
 * and prints one JSON object: median and min time of one solve (seconds),
 * number of solves, and the final states.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define N_SLEDS 10
#define N_STEPS 200

static const double PI = 3.141592653589793; /* == math.pi */
static const double G = 9.81, C = 0.5, A = 0.25, B = 0.5;
static const double DT = 0.01, U0 = 3.5, GOLDEN = 0.6180339887498949;
static double P, Q;

/* read through a volatile so the compiler cannot precompute the solve or
 * hoist it out of the timing loop */
static volatile double vzero = 0.0;

static void board(const double X[4], double out[4])
{
    double x = X[0], y = X[1], u = X[2], v = X[3];
    double sx = sin(P * x), cx = cos(P * x);
    double sy = sin(Q * y), cy = cos(Q * y);
    double H_x = -A + B * P * sx * cy;
    double H_xx = B * P * P * cx * cy;
    double H_y = B * Q * cx * sy;
    double H_yy = B * Q * Q * cx * cy;
    double H_xy = -B * Q * P * sx * sy;
    double F = (G + H_xx * u * u + 2 * H_xy * u * v + H_yy * v * v) /
               (1 + H_x * H_x + H_y * H_y);
    out[0] = u;
    out[1] = v;
    out[2] = -F * H_x - C * u;
    out[3] = -F * H_y - C * v;
}

static void rk4(double x0[4], double dt)
{
    double f[4], tmp[4], k1[4], k2[4], k3[4], k4[4];
    int i;
    board(x0, f);
    for (i = 0; i < 4; i++) k1[i] = f[i] * dt;
    for (i = 0; i < 4; i++) tmp[i] = x0[i] + k1[i] / 2;
    board(tmp, f);
    for (i = 0; i < 4; i++) k2[i] = f[i] * dt;
    for (i = 0; i < 4; i++) tmp[i] = x0[i] + k2[i] / 2;
    board(tmp, f);
    for (i = 0; i < 4; i++) k3[i] = f[i] * dt;
    for (i = 0; i < 4; i++) tmp[i] = x0[i] + k3[i];
    board(tmp, f);
    for (i = 0; i < 4; i++) k4[i] = f[i] * dt;
    for (i = 0; i < 4; i++)
        x0[i] = x0[i] + (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]) / 6;
}

static void solve(double finals[N_SLEDS][4])
{
    int k, s;
    for (k = 0; k < N_SLEDS; k++) {
        double X[4];
        X[0] = vzero;
        X[1] = fmod((k + 1) * GOLDEN, 1.0);
        X[2] = U0;
        X[3] = vzero;
        /* t is not used by the right-hand side; the step loop mirrors Python */
        for (s = 0; s < N_STEPS; s++) rk4(X, DT);
        for (s = 0; s < 4; s++) finals[k][s] = X[s];
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
    double min_seconds = argc > 1 ? atof(argv[1]) : 0.2;
    double finals[N_SLEDS][4];
    size_t n = 0, cap = 1024;
    double *times = malloc(cap * sizeof(double));
    double total = 0.0, checksum = 0.0;
    int k, i;

    P = 2 * PI / 10;
    Q = 2 * PI / 4;
    if (!times) return 1;
    while (total < min_seconds || n < 5) {
        double t0 = now(), dt;
        solve(finals);
        dt = now() - t0;
        checksum += finals[0][0];
        if (n == cap) {
            double *more = realloc(times, 2 * cap * sizeof(double));
            if (!more) return 1;
            times = more;
            cap *= 2;
        }
        times[n++] = dt;
        total += dt;
    }
    qsort(times, n, sizeof(double), cmp_double);
    printf("{\"median\": %.9g, \"min\": %.9g, \"n\": %lu, \"checksum\": %.17g,\n",
           n % 2 ? times[n / 2] : 0.5 * (times[n / 2 - 1] + times[n / 2]),
           times[0], (unsigned long)n, checksum);
    printf(" \"states\": [");
    for (k = 0; k < N_SLEDS; k++) {
        printf("%s[", k ? ",\n  " : "");
        for (i = 0; i < 4; i++) printf("%s%.17g", i ? ", " : "", finals[k][i]);
        printf("]");
    }
    printf("]}\n");
    free(times);
    return 0;
}
