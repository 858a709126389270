"""Every backend gives bit-identical results: compare each one with the
pure-Python backend, which is always importable.

This covers what the other tests can only check approximately (summation
order of sum/mean/dot, arange/linspace rounding, pow's shortcuts).  sin cos
tan exp log and the general ``**`` come from glibc's libmvec (or, for exp and
log at the AVX-512 level, vmath_avx512.h) at the AVX2/AVX-512 levels
(simd.h): there the C backends agree with purepy (libm) within 4 ulp, and bit
for bit at PICONUMPY_SIMD=baseline.
"""
import math
import random
import struct

import pytest

import piconumpy.purepy as reference


def same_float(x, y):
    if x != x or y != y:
        return x != x and y != y
    return struct.pack("<d", x) == struct.pack("<d", y)


def assert_identical(got, expected):
    if isinstance(expected, list):
        assert len(got) == len(expected)
        bad = [(g, e) for g, e in zip(got, expected) if not same_float(g, e)]
        assert not bad, bad[:5]
    else:
        assert same_float(got, expected), (got, expected)


def assert_within_ulps(got, expected, ulps=4):
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        if math.isfinite(e) and math.isfinite(g):
            assert abs(g - e) <= ulps * math.ulp(e), (g, e)
        else:
            assert same_float(g, e), (g, e)


def _make_cases(count=24, seed=2024):
    rng = random.Random(seed)
    cases = []
    for _ in range(count):
        n = rng.choice([0, 1, 3, 7, 8, 9, 31, 128, 129, 300, 1031])
        scale = 10.0 ** rng.randint(-3, 3)
        xs = [rng.uniform(-scale, scale) for _ in range(n)]
        ys = [rng.uniform(-2.0, 2.0) for _ in range(n)]
        ramp = (rng.uniform(-10, 10), rng.uniform(0.001, 1.0), rng.randint(0, 300))
        cases.append((xs, ys, ramp))
    return cases


CASES = _make_cases()


def _results(mod, xs, ys, ramp):
    start, step, count = ramp
    a = mod.array(xs)
    b = mod.array(ys)
    return [
        mod.sum(a), mod.mean(a), mod.dot(a, b), a.sum(), a.dot(b),
        mod.arange(start, start + step * count, step).tolist(),
        mod.arange(start, start - step * count, -step).tolist(),
        mod.linspace(start, start * 3 + 1, count).tolist(),
        (a ** 0.5).tolist(), (a ** 2.0).tolist(), (a ** -1.0).tolist(),
        mod.sqrt(a).tolist(),
    ]


def _vector_math(mod, xs, ys):
    a = mod.array(xs)
    b = mod.array(ys)
    return [mod.sin(a).tolist(), mod.cos(a).tolist(), mod.tan(a).tolist(),
            mod.exp(b).tolist(), mod.log(a).tolist(),
            (a ** 3.7).tolist(), (2.5 ** b).tolist(), (a ** b).tolist()]


@pytest.mark.parametrize("case", range(len(CASES)))
def test_same_bits_as_purepy(pn, case):
    xs, ys, ramp = CASES[case]
    got = _results(pn, xs, ys, ramp)
    expected = _results(reference, xs, ys, ramp)
    for g, e in zip(got, expected):
        assert_identical(g, e)
    exact = pn is reference or pn._simd_level() == "baseline"
    for g, e in zip(_vector_math(pn, xs, ys), _vector_math(reference, xs, ys)):
        if exact:
            assert_identical(g, e)
        else:
            assert_within_ulps(g, e)


@pytest.mark.parametrize("n", [7, 600, 5000])   # 5000: deferred (fused.h)
def test_power_same_bits_on_every_path(pn, n):
    """Contiguous, strided (gathered into rows) and deferred `**` run the
    same kernels: the vector pow differs from C's scalar pow in the last
    bit, so a scalar fallback on one path would show here."""
    xs = [0.1 + 0.37 * k for k in range(n)]
    ys = [0.5 + 0.013 * (k % 97) for k in range(n)]
    expected = (pn.array(xs) ** pn.array(ys)).tolist()
    a2 = pn.array([v for x in xs for v in (x, -1.0)])
    b2 = pn.array([v for y in ys for v in (y, 3.0)])
    assert_identical((a2[::2] ** b2[::2]).tolist(), expected)
    assert_identical((a2[::2] ** pn.array(ys)).tolist(), expected)
    out = pn.zeros(2 * n)
    if hasattr(pn, "power") and pn is not reference:
        pn.power(pn.array(xs), pn.array(ys), out=out[::2])
        assert_identical(out[::2].tolist(), expected)
