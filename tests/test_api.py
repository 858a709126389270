"""The docs/api.md contract, for every backend (fixtures ``pn``, ``np``,
``backend_name`` come from conftest.py).

Oracles: plain Python float arithmetic (IEEE, exact) and the math module;
numpy too when it is installed.
"""
import array as pyarray
import math
import operator
from decimal import Decimal
from fractions import Fraction

import pytest
from float_checks import assert_same, ieee_div, same_float

inf = float("inf")
nan = float("nan")
ULP_TOL = 2e-16 * 4  # math-function results: 1-ulp-ish differences allowed


def assert_values(arr, expected):
    assert_same(arr.tolist(), expected)


def assert_close(arr, expected):
    got = arr.tolist()
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        if math.isfinite(e) and e != 0.0:
            assert math.isclose(g, e, rel_tol=ULP_TOL), (g, e)
        else:
            assert same_float(g, e), (g, e)


VALUES = [1.0, 2.5, -3.0, 0.0, -0.0, 1e300, 1e-300, 7.0]


# ---------------------------------------------------------------------------
# construction

@pytest.mark.parametrize(
    "source",
    [
        [1, 2.5, -3],
        (1, 2.5, -3),
        range(1, 4),
        [True, False, True],
        [],
        [2 ** 53 + 1, -(2 ** 60)],
    ],
    ids=["list", "tuple", "range", "bools", "empty", "bigints"],
)
def test_array_from_sequences(pn, source):
    a = pn.array(source)
    assert isinstance(a, pn.ndarray)
    assert_values(a, [float(x) for x in source])
    assert all(type(x) is float for x in a.tolist())


def test_array_from_generator_and_iterator(pn):
    assert_values(pn.array(x * 0.5 for x in range(4)), [0.0, 0.5, 1.0, 1.5])
    assert_values(pn.array(iter([3.0, 4.0])), [3.0, 4.0])
    assert_values(pn.array(reversed([1.0, 2.0])), [2.0, 1.0])


def test_array_from_real_number_objects(pn):
    class Real:
        def __float__(self):
            return 0.25

    a = pn.array([Real(), Fraction(1, 8), Decimal("0.5"), 3])
    assert_values(a, [0.25, 0.125, 0.5, 3.0])


def test_array_keeps_special_values(pn):
    assert_values(pn.array([inf, -inf, nan, -0.0]), [inf, -inf, nan, -0.0])


def test_array_from_array_is_a_copy(pn):
    a = pn.array([1.0, 2.0])
    b = pn.array(a)
    assert b is not a
    b[0] = 99.0
    assert a[0] == 1.0


def test_array_from_stdlib_buffer(pn):
    assert_values(pn.array(pyarray.array("d", [1.5, -2.0])), [1.5, -2.0])
    assert_values(pn.array(pyarray.array("i", [1, -2])), [1.0, -2.0])


def test_array_from_numpy(pn, np):
    if np is None:
        return  # nothing to convert from
    assert_values(pn.array(np.arange(5.0)), [0.0, 1.0, 2.0, 3.0, 4.0])
    x = np.arange(10.0)
    assert_values(pn.array(x[::2]), [0.0, 2.0, 4.0, 6.0, 8.0])  # strided
    assert_values(pn.array(x[::-3]), [9.0, 6.0, 3.0, 0.0])
    assert_values(pn.array(np.arange(3)), [0.0, 1.0, 2.0])  # int64
    assert_values(pn.array(np.array([True, False])), [1.0, 0.0])
    assert_values(pn.array(np.array([0.5, 1.5], dtype=np.float32)), [0.5, 1.5])
    assert_values(pn.array([np.float64(1.5), np.int64(2)]), [1.5, 2.0])
    a = pn.array(x)
    x[0] = 42.0
    assert a[0] == 0.0  # a copy, not a view


# ---------------------------------------------------------------------------
# constructors

@pytest.mark.parametrize("n", [0, 1, 5, 100])
def test_zeros_ones_full_empty(pn, n):
    assert_values(pn.zeros(n), [0.0] * n)
    assert_values(pn.ones(n), [1.0] * n)
    assert_values(pn.full(n, 2.5), [2.5] * n)
    assert_values(pn.full(n, 3), [3.0] * n)
    assert pn.empty(n).size == n
    assert isinstance(pn.empty(n), pn.ndarray)


def test_constructor_size_forms(pn, np):
    assert pn.zeros((3,)).shape == (3,)
    assert pn.ones((2,)).tolist() == [1.0, 1.0]
    assert pn.empty((4,)).size == 4
    assert pn.full((2,), -1.0).tolist() == [-1.0, -1.0]
    if np is not None:
        assert pn.zeros(np.int64(3)).size == 3


def test_constructors_return_new_arrays(pn):
    a = pn.zeros(3)
    b = pn.zeros(3)
    a[0] = 1.0
    assert b[0] == 0.0


@pytest.mark.parametrize(
    "args",
    [
        (5,), (0,), (-3,), (2.5,), (1, 5), (5, 1), (-2, 3), (0, 1, 0.25),
        (1, 0, -0.25), (10, 0, -3), (0, 10, 3), (0.5, 3, 0.5), (-1, -10, -2),
        (0, 1, 0.1), (3, 3), (0, 1, 2), (1, 2.5),
    ],
)
def test_arange(pn, np, args):
    start, stop, step = (0.0, args[0], 1.0) if len(args) == 1 else (
        tuple(args) + (1.0,))[:3]
    n = max(0, math.ceil((stop - start) / step))
    expected = [start + i * float(step) for i in range(n)]
    a = pn.arange(*args)
    assert_values(a, [float(x) for x in expected])
    if np is not None:
        assert a.size == np.arange(*args).size


def test_arange_matches_numpy_for_exact_steps(pn, np):
    if np is None:
        return
    for args in [(10,), (2, 7), (0, 2, 0.25), (5, -5, -0.5)]:
        assert pn.arange(*args).tolist() == np.arange(*args, dtype=float).tolist()


def test_linspace(pn, np):
    assert_values(pn.linspace(0, 1, 5), [0.0, 0.25, 0.5, 0.75, 1.0])
    assert_values(pn.linspace(2, 3, 1), [2.0])
    assert_values(pn.linspace(2, 3, 0), [])
    assert_values(pn.linspace(5, -5, 3), [5.0, 0.0, -5.0])
    a, b, n = 0.1, 0.7, 7
    values = pn.linspace(a, b, n).tolist()
    assert values[0] == a and values[-1] == b  # endpoints exact
    for i, v in enumerate(values):
        assert math.isclose(v, a + i * (b - a) / (n - 1), rel_tol=1e-15)
    if np is not None:
        ref = np.linspace(a, b, n).tolist()
        assert all(math.isclose(v, r, rel_tol=1e-15) for v, r in zip(values, ref))


# ---------------------------------------------------------------------------
# attributes and conversions

def test_attributes(pn):
    a = pn.array([1.0, 2.0, 3.0])
    assert a.size == 3 and type(a.size) is int
    assert a.shape == (3,) and type(a.shape) is tuple
    assert a.ndim == 1
    assert pn.zeros(0).shape == (0,)


def test_dtype(pn, np):
    dt = pn.zeros(1).dtype
    assert str(dt) == "float64"
    assert repr(dt) == "dtype('float64')"
    assert dt == "float64"
    assert dt == float
    assert not (dt != "float64")
    assert dt != "float32" and dt != int
    assert pn.array([1.0]).dtype is dt  # one shared object
    if np is not None:
        assert dt == np.dtype("float64") and np.dtype("float64") == dt
        assert dt != np.dtype("float32")


def test_len_iter_tolist(pn):
    a = pn.array([1.0, 2.5, -3.0])
    assert len(a) == 3
    items = list(a)
    assert items == [1.0, 2.5, -3.0] and all(type(x) is float for x in items)
    assert [x for x in a] == items
    assert len(pn.zeros(0)) == 0 and list(pn.zeros(0)) == []
    lst = a.tolist()
    assert type(lst) is list and lst == items
    lst[0] = 100.0
    assert a[0] == 1.0  # tolist() is a copy


def test_copy_is_independent(pn):
    a = pn.array([1.0, 2.0])
    b = a.copy()
    assert isinstance(b, pn.ndarray) and b is not a
    b[0] = 5.0
    a[1] = 7.0
    assert a.tolist() == [1.0, 7.0] and b.tolist() == [5.0, 2.0]


# ---------------------------------------------------------------------------
# indexing

def test_getitem_int(pn, np):
    a = pn.array([1.0, 2.0, 3.0])
    assert a[0] == 1.0 and type(a[0]) is float
    assert a[2] == 3.0
    assert a[-1] == 3.0 and a[-3] == 1.0
    if np is not None:
        assert a[np.int64(1)] == 2.0 and a[np.intp(-1)] == 3.0


def test_setitem_int(pn, np):
    a = pn.zeros(3)
    a[0] = 1.5
    a[-1] = 2  # int value
    a[1] = Fraction(1, 4)
    assert a.tolist() == [1.5, 0.25, 2.0]
    if np is not None:
        a[np.int64(0)] = np.float64(9.0)
        assert a[0] == 9.0 and type(a[0]) is float


SLICES = [
    slice(None), slice(1, None), slice(None, 2), slice(1, 4), slice(None, None, 2),
    slice(1, None, 3), slice(None, None, -1), slice(None, None, -2), slice(4, 1, -1),
    slice(-2, None), slice(None, -2), slice(-100, 100), slice(100, None),
    slice(None, -100), slice(3, 1), slice(5, -100, -2), slice(-1, -7, -3),
    slice(2, 2), slice(10, -10, -1), slice(-7, 3, 2),
]


@pytest.mark.parametrize("s", SLICES, ids=str)
@pytest.mark.parametrize("n", [0, 1, 7])
def test_slicing_like_lists(pn, n, s, backend_name):
    values = [float(i) * 1.5 for i in range(n)]
    a = pn.array(values)
    part = a[s]
    assert isinstance(part, pn.ndarray)
    assert part.tolist() == values[s]
    if len(values[s]):
        part[0] = -1.0
        if backend_name == "purepy":
            assert a.tolist() == values  # purepy (1-D lists): a copy
        else:
            changed = values[:]
            changed[range(n)[s][0]] = -1.0
            assert a.tolist() == changed  # like numpy: a view


@pytest.mark.parametrize("s", SLICES, ids=str)
def test_slice_assign_scalar(pn, s):
    values = [float(i) for i in range(7)]
    a = pn.array(values)
    a[s] = 9.5
    values[s] = [9.5] * len(values[s])
    assert a.tolist() == values


@pytest.mark.parametrize("s", SLICES, ids=str)
def test_slice_assign_sequence(pn, s):
    values = [float(i) for i in range(7)]
    n = len(values[s])
    new = [100.0 + i for i in range(n)]
    for source in (new, tuple(new), pn.array(new)):
        a = pn.array(values)
        a[s] = source
        expected = values[:]
        expected[s] = new
        assert a.tolist() == expected


def test_slice_assign_int_and_self(pn):
    a = pn.array([1.0, 2.0, 3.0, 4.0])
    a[::2] = 0
    assert a.tolist() == [0.0, 2.0, 0.0, 4.0]
    a[:] = a[::-1]
    assert a.tolist() == [4.0, 0.0, 2.0, 0.0]
    a[::-1] = a  # source and destination overlap
    assert a.tolist() == [0.0, 2.0, 0.0, 4.0]
    a[1:3] = [7, True]
    assert a.tolist() == [0.0, 7.0, 1.0, 4.0]


# ---------------------------------------------------------------------------
# binary operators

OPS = {
    "+": (operator.add, operator.iadd, lambda x, y: x + y),
    "-": (operator.sub, operator.isub, lambda x, y: x - y),
    "*": (operator.mul, operator.imul, lambda x, y: x * y),
    "/": (operator.truediv, operator.itruediv, ieee_div),
}
LEFT = [1.0, -2.5, 0.0, -0.0, 1e300, 3.0, inf, nan]
RIGHT = [3.0, 0.5, -0.0, 2.0, 1e10, -7.0, 2.0, 1.0]


@pytest.mark.parametrize("sym", sorted(OPS))
def test_binary_array_array(pn, np, sym):
    op, _, ref = OPS[sym]
    result = op(pn.array(LEFT), pn.array(RIGHT))
    assert isinstance(result, pn.ndarray)
    assert_values(result, [ref(x, y) for x, y in zip(LEFT, RIGHT)])
    if np is not None:
        with np.errstate(all="ignore"):
            expected = op(np.array(LEFT), np.array(RIGHT)).tolist()
        assert_values(result, expected)


@pytest.mark.parametrize("scalar", [2, 0.5, -3, 0.0, True, 2 ** 40])
@pytest.mark.parametrize("sym", sorted(OPS))
def test_binary_with_scalars(pn, sym, scalar):
    op, _, ref = OPS[sym]
    a = pn.array(LEFT)
    s = float(scalar)
    assert_values(op(a, scalar), [ref(x, s) for x in LEFT])
    assert_values(op(scalar, a), [ref(s, x) for x in LEFT])


@pytest.mark.parametrize("sym", sorted(OPS))
def test_binary_with_list_and_tuple(pn, sym):
    op, _, ref = OPS[sym]
    a = pn.array(LEFT)
    expected = [ref(x, y) for x, y in zip(LEFT, RIGHT)]
    assert_values(op(a, RIGHT), expected)
    assert_values(op(a, tuple(RIGHT)), expected)
    assert_values(op(RIGHT, a), [ref(y, x) for x, y in zip(LEFT, RIGHT)])
    assert_values(op(tuple(RIGHT), a), [ref(y, x) for x, y in zip(LEFT, RIGHT)])


@pytest.mark.parametrize("sym", sorted(OPS))
def test_binary_returns_new_array(pn, sym):
    op = OPS[sym][0]
    a = pn.array([1.0, 2.0])
    b = pn.array([4.0, 8.0])
    c = op(a, b)
    assert c is not a and c is not b
    assert a.tolist() == [1.0, 2.0] and b.tolist() == [4.0, 8.0]


@pytest.mark.parametrize("sym", sorted(OPS))
def test_inplace(pn, sym):
    _, iop, ref = OPS[sym]
    for other in (pn.array(RIGHT), RIGHT, 2.0, 3):
        a = pn.array(LEFT)
        ident = id(a)
        result = iop(a, other)
        assert result is a and id(a) == ident
        others = RIGHT if not isinstance(other, (int, float)) else [float(other)] * len(LEFT)
        assert_values(a, [ref(x, y) for x, y in zip(LEFT, others)])


def test_inplace_with_itself(pn):
    a = pn.array([1.0, 2.0, 3.0])
    a += a
    assert a.tolist() == [2.0, 4.0, 6.0]
    a *= a
    assert a.tolist() == [4.0, 16.0, 36.0]


def test_inplace_does_not_touch_other_names(pn):
    a = pn.array([1.0, 2.0])
    b = a
    c = a.copy()
    a += 1.0
    assert b is a and b.tolist() == [2.0, 3.0] and c.tolist() == [1.0, 2.0]


def test_ieee_division_by_zero(pn):
    zeros = pn.zeros(4)
    assert_values(pn.array([1.0, -1.0, 0.0, nan]) / zeros, [inf, -inf, nan, nan])
    assert_values(1 / pn.array([0.0, -0.0]), [inf, -inf])
    assert_values(-1.0 / pn.array([0.0, -0.0]), [-inf, inf])
    assert_values(0.0 / pn.array([0.0]), [nan])
    assert_values(pn.array([2.0, -2.0, 0.0]) / 0, [inf, -inf, nan])
    assert_values(pn.array([2.0]) / -0.0, [-inf])
    a = pn.array([1.0, -1.0])
    a /= 0.0
    assert_values(a, [inf, -inf])


def test_power(pn):
    values = [1.5, -2.0, 0.1, 3.0, -0.0, 1e200, 0.7]
    a = pn.array(values)
    assert_values(a ** 2, [x * x for x in values])  # exact, like x*x
    assert_values(a ** 2.0, [x * x for x in values])
    assert_values(a ** 1, values)
    assert_close(pn.array([4.0, 2.0, 0.3]) ** 0.5, [2.0, math.sqrt(2.0), math.sqrt(0.3)])
    assert_close(a ** 3, [math.pow(x, 3) if abs(x) < 1e100 else inf for x in values])
    assert_close(pn.array([2.0, 4.0]) ** -1, [0.5, 0.25])
    assert_close(2 ** pn.array([0.5, 3.0, -1.0]), [math.sqrt(2.0), 8.0, 0.5])
    assert_close(2.0 ** pn.array([10.0]), [1024.0])
    exps = pn.array([0.5, 2.0, 3.0])
    assert_close(pn.array([2.0, 3.0, 4.0]) ** exps, [math.sqrt(2.0), 9.0, 64.0])
    assert_close(pn.array([2.0, 3.0]) ** [3.0, 2.0], [8.0, 9.0])


def test_power_ieee(pn):
    assert_values(pn.array([0.0, -0.0]) ** -1, [inf, -inf])
    assert_values(pn.array([0.0]) ** -2.0, [inf])
    assert_values(pn.array([-8.0]) ** (1.0 / 3.0), [nan])
    assert_values(pn.array([-8.0]) ** pn.array([0.5]), [nan])
    assert_values(pn.array([10.0, -10.0, -10.0]) ** pn.array([400.0, 401.0, 400.0]),
                  [inf, -inf, inf])
    assert_values(10.0 ** pn.array([400.0, -400.0]), [inf, 0.0])
    assert_values(pn.array([nan, 1.0]) ** 0.0, [1.0, 1.0])
    assert_values(pn.array([2.0, 0.5]) ** inf, [inf, 0.0])
    assert_values(pn.array([-1.0, 4.0]) ** 0.5, [nan, 2.0])


def test_unary_ops(pn):
    values = [1.5, -2.0, 0.0, -0.0, inf, -inf, nan]
    a = pn.array(values)
    assert_values(-a, [-x for x in values])
    pos = +a
    assert pos is not a
    assert_values(pos, values)
    pos[0] = 0.0
    assert a[0] == 1.5
    assert_values(abs(a), [math.fabs(x) for x in values])
    assert_values(a, values)  # unchanged


# ---------------------------------------------------------------------------
# math functions

MATH_INPUTS = [0.0, -0.0, 0.5, 1.0, -1.0, 3.0, 100.0, -7.25, 1e-10, 709.0]


@pytest.mark.parametrize("name", ["sin", "cos", "tan", "exp"])
def test_math_functions(pn, name):
    ref = getattr(math, name)
    a = pn.array(MATH_INPUTS)
    result = getattr(pn, name)(a)
    assert isinstance(result, pn.ndarray) and result is not a
    assert_close(result, [ref(x) for x in MATH_INPUTS])
    assert_values(a, MATH_INPUTS)


def test_log_sqrt_absolute(pn):
    positive = [0.5, 1.0, 2.0, 1e300, 1e-300, 10.0]
    assert_close(pn.log(pn.array(positive)), [math.log(x) for x in positive])
    assert_close(pn.sqrt(pn.array(positive)), [math.sqrt(x) for x in positive])
    values = [-1.5, 0.0, -0.0, 2.0, -inf, nan]
    assert_values(pn.absolute(pn.array(values)), [math.fabs(x) for x in values])
    assert_values(pn.abs(pn.array(values)), [math.fabs(x) for x in values])


def test_math_ieee_domain(pn):
    assert_values(pn.log(pn.array([0.0, -0.0, -1.0, inf, -inf, nan])),
                  [-inf, -inf, nan, inf, nan, nan])
    assert_values(pn.sqrt(pn.array([-1.0, -0.0, inf, -inf, nan])),
                  [nan, -0.0, inf, nan, nan])
    assert_values(pn.exp(pn.array([1000.0, -1000.0, inf, -inf, nan])),
                  [inf, 0.0, inf, 0.0, nan])
    for f in (pn.sin, pn.cos, pn.tan):
        assert_values(f(pn.array([inf, -inf, nan])), [nan, nan, nan])


def test_math_functions_accept_sequences(pn):
    assert_close(pn.sin([0.0, 1.0]), [0.0, math.sin(1.0)])
    assert_close(pn.exp((0, 1)), [1.0, math.e])
    assert_values(pn.sqrt(range(3)), [0.0, 1.0, math.sqrt(2.0)])
    assert isinstance(pn.cos([1.0]), pn.ndarray)


def test_math_functions_empty(pn):
    for name in ("sin", "cos", "tan", "exp", "log", "sqrt", "absolute"):
        assert getattr(pn, name)(pn.zeros(0)).tolist() == []


# ---------------------------------------------------------------------------
# reductions and dot

def test_reductions(pn):
    a = pn.array([3.0, -1.5, 2.0, 10.0])
    for value in (pn.sum(a), a.sum()):
        assert value == 13.5 and type(value) is float
    assert pn.min(a) == a.min() == -1.5
    assert pn.max(a) == a.max() == 10.0
    assert pn.mean(a) == a.mean() == 13.5 / 4
    assert pn.sum([1, 2, 3]) == 6.0
    assert pn.min((4.0, 2.0)) == 2.0 and pn.max(range(5)) == 4.0
    assert pn.mean([1.0, 2.0]) == 1.5


def test_reductions_empty(pn):
    empty = pn.zeros(0)
    assert pn.sum(empty) == 0.0 and type(pn.sum(empty)) is float
    assert empty.sum() == 0.0
    assert math.isnan(pn.mean(empty)) and math.isnan(empty.mean())
    for reduce_empty in (lambda: pn.min(empty), lambda: pn.max(empty),
                         empty.min, empty.max, lambda: pn.min([])):
        with pytest.raises(ValueError):
            reduce_empty()


@pytest.mark.parametrize("position", [0, 1, 3])
def test_min_max_propagate_nan(pn, position):
    values = [2.0, -1.0, 5.0, 0.5]
    values[position] = nan
    a = pn.array(values)
    assert math.isnan(pn.min(a)) and math.isnan(a.min())
    assert math.isnan(pn.max(a)) and math.isnan(a.max())
    assert math.isnan(pn.sum(a)) and math.isnan(pn.mean(a))


def test_reductions_with_infinities(pn):
    a = pn.array([1.0, inf, -5.0])
    assert pn.max(a) == inf and pn.min(a) == -5.0 and pn.sum(a) == inf
    b = pn.array([inf, -inf, 1.0])
    assert math.isnan(pn.sum(b)) and pn.min(b) == -inf and pn.max(b) == inf


def test_sum_is_accurate(pn):
    for n in (7, 8, 9, 127, 128, 129, 1000, 4099):
        values = [0.1 * (i % 17) - 0.7 for i in range(n)]
        exact = math.fsum(values)
        assert math.isclose(pn.sum(values), exact, rel_tol=1e-12, abs_tol=1e-12)
        assert math.isclose(pn.mean(values), exact / n, rel_tol=1e-12, abs_tol=1e-12)
    ints = [float(i) for i in range(1000)]
    assert pn.sum(ints) == 499500.0  # exactly representable: exact result


def test_dot(pn):
    a = pn.array([1.0, 2.0, 3.0])
    b = pn.array([4.0, -5.0, 6.0])
    assert pn.dot(a, b) == 12.0 and type(pn.dot(a, b)) is float
    assert a.dot(b) == 12.0
    assert pn.dot(a, [1, 1, 1]) == 6.0
    assert a.dot((0.5, 0.5, 0.5)) == 3.0
    assert pn.dot(pn.zeros(0), pn.zeros(0)) == 0.0
    values = [math.sin(i) for i in range(1001)]
    exact = math.fsum(x * x for x in values)
    assert math.isclose(pn.dot(values, values), exact, rel_tol=1e-12)
    assert math.isnan(pn.dot([nan, 1.0], [1.0, 1.0]))


# ---------------------------------------------------------------------------
# repr / str (the formatter itself is tested in test_format.py)

REPRS = [
    ([1.0, 2.5, 3.0], "array([1. , 2.5, 3. ])", "[1.  2.5 3. ]"),
    ([], "array([], dtype=float64)", "[]"),
    ([0.0, 1.0, 2.0], "array([0., 1., 2.])", "[0. 1. 2.]"),
    ([1e20], "array([1.e+20])", "[1.e+20]"),
    ([1e-10, 1.0], "array([1.e-10, 1.e+00])", "[1.e-10 1.e+00]"),
    ([nan, inf, -inf], "array([ nan,  inf, -inf])", "[ nan  inf -inf]"),
    ([-0.0, 0.125], "array([-0.   ,  0.125])", "[-0.     0.125]"),
]


@pytest.mark.parametrize("values,expected_repr,expected_str", REPRS)
def test_repr_str(pn, np, values, expected_repr, expected_str):
    a = pn.array(values)
    assert repr(a) == expected_repr
    assert str(a) == expected_str
    if np is not None:
        assert repr(a) == repr(np.array(values, dtype=float))
        assert str(a) == str(np.array(values, dtype=float))


def test_repr_long_arrays(pn, np):
    a = pn.arange(30.0) / 7
    lines = repr(a).splitlines()
    assert len(lines) > 1 and all(len(line) <= 75 for line in lines)
    big = pn.arange(2000)
    text = repr(big)
    assert "..." in text and len(text) < 200
    assert str(big) == "[0.000e+00 1.000e+00 2.000e+00 ... 1.997e+03 1.998e+03 1.999e+03]"
    if np is not None:
        assert repr(a) == repr(np.arange(30.0) / 7)
        assert str(big) == str(np.arange(2000.0))


# ---------------------------------------------------------------------------
# buffer protocol

def test_buffer_protocol(pn, np, backend_name):
    a = pn.array([1.0, 2.0, 3.0])
    if backend_name == "purepy":
        with pytest.raises(TypeError):
            memoryview(a)
        return
    with memoryview(a) as view:
        assert view.format == "d" and view.itemsize == 8
        assert view.shape == (3,) and view.ndim == 1
        assert not view.readonly
        assert view.tolist() == [1.0, 2.0, 3.0]
        view[0] = 42.0  # writes go to the array's memory
        assert a[0] == 42.0
        a[1] = -1.0
        assert view[1] == -1.0
    interface = a.__array_interface__
    assert interface["shape"] == (3,) and interface["typestr"] == "<f8"
    if np is not None:
        v = np.asarray(a)
        assert v.dtype == np.float64 and v.shape == (3,)
        v[2] = 7.5
        assert a[2] == 7.5
        a[0] = -2.0
        assert v[0] == -2.0
        a += 1.0  # in place: the numpy view sees it
        assert v.tolist() == [-1.0, 0.0, 8.5]


def test_buffer_of_empty_array(pn, backend_name):
    if backend_name == "purepy":
        return
    with memoryview(pn.zeros(0)) as view:
        assert view.shape == (0,) and view.tolist() == []


def test_math_functions_on_python_scalars(pn):
    # numpy returns scalars for scalar input: code like sqrt(sum(d * d))
    assert pn.sqrt(4.0) == 2.0 and pn.sqrt(9) == 3.0
    assert pn.absolute(-2.5) == 2.5
    assert pn.log(0.0) == float("-inf")
    assert pn.exp(0.0) == 1.0


def test_constructors_accept_float64_dtype(pn):
    for dtype in ("d", "float64", "f8", float):
        assert pn.zeros(3, dtype).tolist() == [0.0] * 3
        assert pn.ones(2, dtype=dtype).tolist() == [1.0] * 2
        assert pn.full(2, 5.0, dtype=dtype).tolist() == [5.0] * 2
    for bad in ("f4", int, "i8"):
        with pytest.raises(TypeError):
            pn.zeros(3, bad)


@pytest.mark.parametrize("name,op", [("add", lambda x, y: x + y),
                                     ("subtract", lambda x, y: x - y),
                                     ("multiply", lambda x, y: x * y),
                                     ("divide", lambda x, y: x / y),
                                     ("power", lambda x, y: x ** y)])
def test_binary_functions_with_out(pn, name, op):
    f = getattr(pn, name)
    a = pn.array([1.0, 2.0, 3.0, 4.0])
    b = pn.array([0.5, 1.5, 2.5, 3.5])
    assert f(a, b).tolist() == op(a, b).tolist()
    assert f(a, 2.0).tolist() == op(a, 2.0).tolist()
    assert f([1.0, 2.0], 3.0).tolist() == op(pn.array([1.0, 2.0]), 3.0).tolist()
    out = pn.empty(4)
    assert f(a, b, out=out) is out
    assert out.tolist() == op(a, b).tolist()
    expected = op(a, a).tolist()
    assert f(a, a, out=a) is a          # in place, aliasing both operands
    assert a.tolist() == expected
    with pytest.raises(ValueError):
        f(a, b, out=pn.empty(3))
    with pytest.raises(TypeError):
        f(a, b, out=[0.0] * 4)
    assert isinstance(f(3.0, 2.0), float)


def test_copyto(pn):
    """numpy.copyto(dst, src, casting): src broadcast into dst, None back."""
    dst = pn.zeros(4)
    assert pn.copyto(dst, pn.array([1.0, 2.0, 3.0, 4.0])) is None
    assert dst.tolist() == [1.0, 2.0, 3.0, 4.0]
    pn.copyto(dst, [4, 3, 2, 1])
    assert dst.tolist() == [4.0, 3.0, 2.0, 1.0]
    pn.copyto(dst, [7.0])                   # one element broadcasts
    assert dst.tolist() == [7.0] * 4
    pn.copyto(dst, 2.5, casting="unsafe")
    assert dst.tolist() == [2.5] * 4
    src = pn.array([1.0, 2.0, 3.0, 4.0])
    pn.copyto(src, src[::-1])               # overlapping source
    assert src.tolist() == [4.0, 3.0, 2.0, 1.0]
    with pytest.raises(ValueError):
        pn.copyto(dst, [1.0, 2.0])          # not broadcastable
    with pytest.raises(TypeError):
        pn.copyto([0.0] * 4, dst)           # dst must be an array
    with pytest.raises(TypeError):
        pn.copyto(dst, ["x"] * 4)
    with pytest.raises(ValueError):
        pn.copyto(dst, 1.0, casting="sometimes")
    assert dst.tolist() == [2.5] * 4        # failed calls change nothing


def test_copyto_broadcasts_nd(nd, np):
    dst = nd.zeros((2, 3))
    nd.copyto(dst, [1.0, 2.0, 3.0])
    ref = np.zeros((2, 3))
    np.copyto(ref, [1.0, 2.0, 3.0])
    assert dst.tolist() == ref.tolist()
    nd.copyto(dst[:, 1], 7.0)               # a strided view
    assert dst.tolist() == [[1.0, 7.0, 3.0], [1.0, 7.0, 3.0]]


def test_bool_of_arrays(pn):
    """bool() as numpy: an array of one element is true when it is nonzero
    (not "non-empty": bool(zeros(1)) is False); other sizes raise."""
    assert bool(pn.zeros(1)) is False and bool(pn.array([2.75])) is True
    assert bool(pn.array([float("nan")])) is True
    assert bool(pn.array([-0.0])) is False
    for bad in (pn.zeros(0), pn.zeros(3)):
        with pytest.raises(ValueError):
            bool(bad)
        with pytest.raises(ValueError):
            if bad:
                pass


def test_bool_of_arrays_nd(nd, np):
    for shape in ((), (1, 1), (1, 1, 1)):
        for value in (0.0, 3.5):
            assert bool(nd.full(shape, value)) == bool(np.full(shape, value))
    with pytest.raises(ValueError):
        bool(nd.ones((2, 1)))


def test_arrays_of_another_backend_stay_sequences(nd):
    """An array of one backend given to another is a sequence of numbers,
    never one number (bool() on arrays must not change that)."""
    import piconumpy
    pure = piconumpy.get_backend("purepy")
    assert nd.array([[1.0, 2.0], pure.array([3.0, 4.0])]).tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert nd.sin(pure.array([0.0])).tolist() == [0.0]
