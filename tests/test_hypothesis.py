"""Differential tests: piconumpy against numpy (or, without numpy, against
plain-Python IEEE references) on random floats including inf, nan and
signed zeros.  Element-wise + - * / and the unary operators must be
bit-identical (any nan equals any nan); ** and the math functions may differ
by rounding only.
"""
import math
import operator

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from float_checks import assert_same, ieee_div

inf = float("inf")
nan = float("nan")

# the pn/np fixtures do not change between examples
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

SPECIAL = [0.0, -0.0, inf, -inf, nan, 1.0, -1.0, 0.5, 2.0, 3.0, -2.0, 1e308, 5e-324]
elements = st.one_of(st.floats(width=64), st.sampled_from(SPECIAL))


@st.composite
def two_lists(draw, max_size=12):
    n = draw(st.integers(0, max_size))
    pair = st.lists(elements, min_size=n, max_size=n)
    return draw(pair), draw(pair)


def assert_nearly(got, expected, ulps=4):
    """Equal up to a few ulps (or subnormal noise); same inf/nan otherwise."""
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        if math.isfinite(e) and math.isfinite(g):
            assert math.isclose(g, e, rel_tol=ulps * 2.2205e-16, abs_tol=1e-320), (g, e)
        elif e != e:
            assert g != g, (g, e)
        else:
            assert g == e, (g, e)  # infinities keep their sign


def eq_or_both_nan(x, y):
    return x == y or (x != x and y != y)


# ---------------------------------------------------------------------------
# plain-Python references (C99/IEEE semantics, like numpy)

ref_div = ieee_div

def _odd_integer(y):
    return math.isfinite(y) and y == int(y) and int(y) % 2 == 1


def ref_pow(x, y):
    """C99 Annex F pow, special cases spelled out (math.pow raises for some
    of them, differently on CPython and PyPy)."""
    if y == 0 or x == 1:
        return 1.0
    if math.isnan(x) or math.isnan(y):
        return nan
    if math.isinf(y):
        if abs(x) == 1:
            return 1.0
        grows = abs(x) > 1
        return inf if grows == (y > 0) else 0.0
    if x == 0:
        result = inf if y < 0 else 0.0
        return math.copysign(result, x) if _odd_integer(y) else result
    if math.isinf(x):
        result = inf if y > 0 else 0.0
        return math.copysign(result, x) if _odd_integer(y) else result
    if x < 0 and y != int(y):
        return nan
    try:
        return math.pow(x, y)
    except OverflowError:
        return -inf if x < 0 and _odd_integer(y) else inf


def ref_pow_scalar(x, s):
    # numpy (and the C backends) use x*x for **2 and sqrt for **0.5
    if s == 2.0:
        return x * x
    if s == 0.5:
        return ref_sqrt(x)
    return ref_pow(x, s)


def ref_sqrt(x):
    return math.sqrt(x) if x >= 0 or x != x else nan


EXACT_OPS = {
    "+": (operator.add, operator.iadd, operator.add),
    "-": (operator.sub, operator.isub, operator.sub),
    "*": (operator.mul, operator.imul, operator.mul),
    "/": (operator.truediv, operator.itruediv, ref_div),
}


def numpy_result(np, op, x, y):
    with np.errstate(all="ignore"):
        return np.asarray(op(x, y), dtype=float).tolist()


# ---------------------------------------------------------------------------
# + - * /: bit-identical

@pytest.mark.parametrize("sym", sorted(EXACT_OPS))
@SETTINGS
@given(data=two_lists())
def test_exact_ops_array_array(pn, np, sym, data):
    op, iop, ref = EXACT_OPS[sym]
    xs, ys = data
    got = op(pn.array(xs), pn.array(ys)).tolist()
    assert_same(got, [ref(x, y) for x, y in zip(xs, ys)])
    if np is not None:
        assert_same(got, numpy_result(np, op, np.array(xs, dtype=float),
                                      np.array(ys, dtype=float)))
    a = pn.array(xs)
    iop(a, pn.array(ys))
    assert_same(a.tolist(), got)


@pytest.mark.parametrize("sym", sorted(EXACT_OPS))
@SETTINGS
@given(xs=st.lists(elements, max_size=12), s=elements)
def test_exact_ops_with_scalar(pn, np, sym, xs, s):
    op, iop, ref = EXACT_OPS[sym]
    a = pn.array(xs)
    right = op(a, s).tolist()
    left = op(s, a).tolist()
    assert_same(right, [ref(x, s) for x in xs])
    assert_same(left, [ref(s, x) for x in xs])
    if np is not None:
        v = np.array(xs, dtype=float)
        assert_same(right, numpy_result(np, op, v, np.float64(s)))
        assert_same(left, numpy_result(np, op, np.float64(s), v))
    iop(a, s)
    assert_same(a.tolist(), right)


@SETTINGS
@given(xs=st.lists(elements, max_size=12))
def test_unary_ops(pn, np, xs):
    a = pn.array(xs)
    assert_same((-a).tolist(), [-x for x in xs])
    assert_same((+a).tolist(), xs)
    assert_same(abs(a).tolist(), [math.fabs(x) for x in xs])
    assert_same(pn.absolute(a).tolist(), [math.fabs(x) for x in xs])
    if np is not None:
        v = np.array(xs, dtype=float)
        assert_same((-a).tolist(), (-v).tolist())
        assert_same(abs(a).tolist(), np.abs(v).tolist())


@SETTINGS
@given(xs=st.lists(elements, max_size=12))
def test_min_max(pn, np, xs):
    if not xs:
        return
    has_nan = any(x != x for x in xs)
    a = pn.array(xs)
    for got in (pn.min(a), a.min()):
        assert eq_or_both_nan(got, nan if has_nan else min(xs))
    for got in (pn.max(a), a.max()):
        assert eq_or_both_nan(got, nan if has_nan else max(xs))
    if np is not None:
        v = np.array(xs, dtype=float)
        assert eq_or_both_nan(pn.min(a), float(v.min()))
        assert eq_or_both_nan(pn.max(a), float(v.max()))


# ---------------------------------------------------------------------------
# **: C99 pow semantics, rounding may differ by an ulp

@SETTINGS
@given(data=two_lists())
def test_pow_array_array(pn, np, data):
    xs, ys = data
    got = (pn.array(xs) ** pn.array(ys)).tolist()
    assert_nearly(got, [ref_pow(x, y) for x, y in zip(xs, ys)])
    if np is not None:
        assert_nearly(got, numpy_result(np, operator.pow, np.array(xs, dtype=float),
                                        np.array(ys, dtype=float)))


EXPONENTS = st.one_of(elements, st.sampled_from([2, 3, -1, 0, 0.5, 2.0, -0.5, 1.0]))


@SETTINGS
@given(xs=st.lists(elements, max_size=12), s=EXPONENTS)
def test_pow_with_scalar(pn, np, xs, s):
    a = pn.array(xs)
    got = (a ** s).tolist()
    assert_nearly(got, [ref_pow_scalar(x, float(s)) for x in xs])
    if float(s) == 2.0:
        assert_same(got, [x * x for x in xs])  # exact
    got_left = (s ** a).tolist()
    assert_nearly(got_left, [ref_pow(float(s), x) for x in xs])
    if np is not None:
        v = np.array(xs, dtype=float)
        assert_nearly(got, numpy_result(np, operator.pow, v, float(s)))
        assert_nearly(got_left, numpy_result(np, operator.pow, np.float64(s), v))


# ---------------------------------------------------------------------------
# math functions: the math module's values (IEEE for domain errors)

def _finite_or_nan(f):
    return lambda x: f(x) if math.isfinite(x) else nan


def ref_log(x):
    if x > 0:
        return math.log(x)
    return -inf if x == 0 else nan


def ref_exp(x):
    try:
        return math.exp(x)
    except OverflowError:
        return inf


MATH_REFS = {
    "sin": _finite_or_nan(math.sin),
    "cos": _finite_or_nan(math.cos),
    "tan": _finite_or_nan(math.tan),
    "exp": ref_exp,
    "log": ref_log,
    "sqrt": ref_sqrt,
}
# huge arguments make sin/cos/tan implementations legitimately differ more
math_elements = st.one_of(
    st.floats(min_value=-1e6, max_value=1e6), st.sampled_from(SPECIAL[:9])
)


@pytest.mark.parametrize("name", sorted(MATH_REFS))
@SETTINGS
@given(xs=st.lists(math_elements, max_size=12))
def test_math_functions(pn, name, xs):
    ref = MATH_REFS[name]
    got = getattr(pn, name)(pn.array(xs)).tolist()
    expected = [ref(x) for x in xs]
    # tan near its poles amplifies argument rounding: compare loosely there
    assert_nearly(got, expected, ulps=4 if name != "tan" else 64)
