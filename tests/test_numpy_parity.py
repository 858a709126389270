"""Bit-for-bit agreement with numpy where numpy's algorithm is fixed."""
import random

import pytest


def same_bits(x, y):
    return x == y or (x != x and y != y)


def test_arange_values_match_numpy(pn, np):
    if np is None:
        pytest.skip("numpy is the oracle here; the math-based checks are in test_api")
    rng = random.Random(7)
    for _ in range(200):
        start = rng.uniform(-10, 10)
        step = rng.choice([-1, 1]) * rng.uniform(1e-3, 3)
        stop = start + step * rng.uniform(0, 40)
        got = pn.arange(start, stop, step).tolist()
        want = np.arange(start, stop, step).tolist()
        assert got == want, (start, stop, step)


def test_arange_underflowing_span_gives_one_element(pn):
    assert pn.arange(0.0, 1.0, float("inf")).tolist() == [0.0]
    assert pn.arange(0.0, 1e-300, 1e300).tolist() == [0.0]
    assert pn.arange(0.0, -1e-300, 1e300).tolist() == []


def test_reciprocal_power_is_exact(pn):
    values = [3.0, 7.0, 0.1, -13.0, 1e-300, 0.0, -0.0]
    got = (pn.array(values) ** -1).tolist()
    expected = [1.0 / v if v != 0.0 else float("inf") if str(v)[0] != "-" else float("-inf")
                for v in values]
    assert all(same_bits(g, e) for g, e in zip(got, expected)), got
