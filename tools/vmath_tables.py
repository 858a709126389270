"""Print the constants of piconumpy/vmath_avx512.h: exp's table 2^(j/16)
and polynomial Q, log's table (1/c_j, log(c_j) as hi + lo) and polynomial
P, each polynomial with its error over its range of r.

    python tools/vmath_tables.py        (needs mpmath)
"""
import struct

import mpmath

mpmath.mp.prec = 200
LOG_OFF = 0x3FEF800000000000   # the bits of 1 - 1/64: interval 0 is centred on 1
P_DEGREE = 7
Q_DEGREE = 5


def from_bits(bits):
    return struct.unpack("<d", struct.pack("<q", bits))[0]


def hexes(values):
    return ", ".join(float(v).hex() for v in values)


def exp_table():
    return [float(mpmath.mpf(2) ** (mpmath.mpf(j) / 16)) for j in range(16)]


def exp_poly():
    """Q (highest degree first), fitted to (exp(r) - 1) / r on |r| <= ln2/32
    (and a little more: r is rounded), and the largest error of r Q(r)
    against exp(r) - 1, relative to exp(r), with Q's coefficients rounded."""
    h = float(mpmath.log(2) / 32) * (1 + 2.0 ** -20)

    def target(r):
        return mpmath.mpf(1) if r == 0 else mpmath.expm1(r) / r
    coefs = [float(c) for c in mpmath.chebyfit(target, [-h, h], Q_DEGREE + 1)]
    worst = mpmath.mpf(0)
    for i in range(4001):
        r = mpmath.mpf(-h) + 2 * mpmath.mpf(h) * i / 4000
        worst = max(worst, abs(r * horner(coefs, r) - mpmath.expm1(r)) / mpmath.exp(r))
    return coefs, float(mpmath.log(worst, 2))


def horner(coefs, r):
    p = mpmath.mpf(0)
    for c in coefs:
        p = p * r + c
    return p


def log_table():
    """(1/c_j, hi_j, lo_j) for the 16 intervals, and the range of r."""
    rows, rmin, rmax = [], 0.0, 0.0
    for j in range(16):
        lo_edge = mpmath.mpf(from_bits(LOG_OFF + j * (1 << 48)))
        hi_edge = mpmath.mpf(from_bits(LOG_OFF + (j + 1) * (1 << 48)))
        invc = 1.0 if j == 0 else float(2 / (lo_edge + hi_edge))
        logc = -mpmath.log(mpmath.mpf(invc))
        hi = float(mpmath.nint(logc * 2 ** 42) / 2 ** 42)   # e ln2_hi + hi exact
        rows.append((invc, hi, float(logc - hi)))
        rmin = min(rmin, float(lo_edge * invc - 1))
        rmax = max(rmax, float(hi_edge * invc - 1))
    return rows, rmin, rmax


def log_poly(rmin, rmax):
    """P (highest degree first), fitted to (log1p(r) - r) / r^2, and the
    largest relative error of r + r^2 P(r) with P's coefficients rounded."""
    def target(r):
        return mpmath.mpf(-0.5) if r == 0 else (mpmath.log1p(r) - r) / r ** 2
    coefs = [float(c) for c in mpmath.chebyfit(target, [rmin, rmax], P_DEGREE + 1)]
    worst = mpmath.mpf(0)
    for i in range(4001):
        r = mpmath.mpf(rmin) + (mpmath.mpf(rmax) - rmin) * i / 4000
        if r == 0:
            continue
        exact = mpmath.log1p(r)
        worst = max(worst, abs((r + r * r * horner(coefs, r) - exact) / exact))
    return coefs, float(mpmath.log(worst, 2))


def main():
    print("2^(j/16):", hexes(exp_table()))
    coefs, err = exp_poly()
    print("Q, highest degree first:", hexes(coefs))
    print("error of r Q(r), relative to exp(r): 2^%.1f" % err)
    rows, rmin, rmax = log_table()
    print("1/c_j:", hexes(r[0] for r in rows))
    print("log(c_j) hi:", hexes(r[1] for r in rows))
    print("log(c_j) lo:", hexes(r[2] for r in rows))
    coefs, err = log_poly(rmin, rmax)
    print("r in [%r, %r]" % (rmin, rmax))
    print("P, highest degree first:", hexes(coefs))
    print("relative error of r + r^2 P(r): 2^%.1f" % err)


if __name__ == "__main__":
    main()
