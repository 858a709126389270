"""piconumpy._format: numpy-identical repr/str of float64 arrays.

Expected strings below were produced by numpy 2.x; when numpy is installed
the formatter is also compared with it directly (summarised arrays only
with numpy >= 2.2, which started appending ``shape=(n,)``).
"""
import random
import struct

import pytest

from piconumpy._coerce import nest
from piconumpy._format import array_repr, array_str

inf = float("inf")
nan = float("nan")


class Values:
    """The formatter only needs .tolist() (and .shape for N-D)."""

    def __init__(self, values):
        self.values = list(values)

    def tolist(self):
        return list(self.values)


class Grid:
    """Nested values with an explicit shape, like an N-D array."""

    def __init__(self, flat, shape):
        self.shape = tuple(shape)
        self.flat = [float(x) for x in flat]

    def tolist(self):
        return nest(self.flat, self.shape)


CASES = [
    ([1.0, 2.5, 3.0], "array([1. , 2.5, 3. ])", "[1.  2.5 3. ]"),
    ([], "array([], dtype=float64)", "[]"),
    ([0.0, 1.0, 2.0], "array([0., 1., 2.])", "[0. 1. 2.]"),
    ([1e20], "array([1.e+20])", "[1.e+20]"),
    ([1e-10], "array([1.e-10])", "[1.e-10]"),
    ([1.0, 2000.0], "array([1.e+00, 2.e+03])", "[1.e+00 2.e+03]"),
    ([1e100, 1e-5], "array([1.e+100, 1.e-005])", "[1.e+100 1.e-005]"),
    ([1e20, 1.5e-10], "array([1.0e+20, 1.5e-10])", "[1.0e+20 1.5e-10]"),
    ([nan, -inf], "array([ nan, -inf])", "[ nan -inf]"),
    ([nan, inf], "array([nan, inf])", "[nan inf]"),
    ([nan, 1.0], "array([nan,  1.])", "[nan  1.]"),
    ([-0.0], "array([-0.])", "[-0.]"),
    ([0.1000000001], "array([0.1])", "[0.1]"),
    ([0.999999999], "array([1.])", "[1.]"),
    ([0.123456789], "array([0.12345679])", "[0.12345679]"),
    ([5e-324], "array([5.e-324])", "[5.e-324]"),
    ([12345678.9], "array([12345678.9])", "[12345678.9]"),
    ([1e8], "array([1.e+08])", "[1.e+08]"),
    ([99999999.0], "array([99999999.])", "[99999999.]"),
    ([0.0001, 0.1], "array([0.0001, 0.1   ])", "[0.0001 0.1   ]"),
    ([-1.5, 22.25, 0.0], "array([-1.5 , 22.25,  0.  ])", "[-1.5  22.25  0.  ]"),
    ([1 / 3, 2 / 3], "array([0.33333333, 0.66666667])", "[0.33333333 0.66666667]"),
    ([-1e-300, inf], "array([-1.e-300,      inf])", "[-1.e-300      inf]"),
]


@pytest.mark.parametrize("values,expected_repr,expected_str", CASES)
def test_known_cases(values, expected_repr, expected_str):
    assert array_repr(Values(values)) == expected_repr
    assert array_str(Values(values)) == expected_str


def test_line_wrapping():
    values = [i / 7 for i in range(12)]
    assert array_repr(Values(values)) == (
        "array([0.        , 0.14285714, 0.28571429, 0.42857143, 0.57142857,\n"
        "       0.71428571, 0.85714286, 1.        , 1.14285714, 1.28571429,\n"
        "       1.42857143, 1.57142857])"
    )
    assert array_str(Values(values)) == (
        "[0.         0.14285714 0.28571429 0.42857143 0.57142857 0.71428571\n"
        " 0.85714286 1.         1.14285714 1.28571429 1.42857143 1.57142857]"
    )


def test_summarised():
    values = [float(i) for i in range(2000)]
    assert array_repr(Values(values)) == (
        "array([0.000e+00, 1.000e+00, 2.000e+00, ..., 1.997e+03, 1.998e+03,\n"
        "       1.999e+03], shape=(2000,))"
    )
    assert array_str(Values(values)) == (
        "[0.000e+00 1.000e+00 2.000e+00 ... 1.997e+03 1.998e+03 1.999e+03]"
    )
    short = [i / 1000 for i in range(1001)]
    assert array_repr(Values(short)) == (
        "array([0.   , 0.001, 0.002, ..., 0.998, 0.999, 1.   ], shape=(1001,))"
    )
    assert len(array_repr(Values([0.5] * 1000)).splitlines()) > 1  # not summarised


def test_accepts_ints_and_uses_only_tolist():
    assert array_repr(Values([1, 2])) == "array([1., 2.])"


# ---------------------------------------------------------------------------
# against numpy itself

def _numpy_version(np):
    return tuple(int(part) for part in np.__version__.split(".")[:2])


def _random_value(rng):
    kind = rng.random()
    if kind < 0.1:
        return rng.choice([0.0, -0.0, inf, -inf, nan, 1.0, -1.0, 0.5])
    if kind < 0.3:  # any bit pattern: subnormals, huge, nan payloads
        return struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0]
    if kind < 0.5:
        return float(rng.randint(-10 ** rng.randint(0, 10), 10 ** rng.randint(0, 10)))
    if kind < 0.7:
        return round(rng.uniform(-100, 100), rng.randint(0, 12))
    return rng.uniform(-1, 1) * 10 ** rng.randint(-12, 12)


def _random_arrays(sizes, count, seed=1234):
    rng = random.Random(seed)
    for _ in range(count):
        n = rng.choice(sizes)
        if rng.random() < 0.5:
            yield [_random_value(rng) for _ in range(n)]
        else:  # similar magnitudes: the common, positional case
            base = _random_value(rng)
            yield [base * rng.choice([1, 2, 3, 0.5, 10, 1e-3, -1]) for _ in range(n)]


def _compare_with_numpy(np, values):
    v = np.array(values, dtype=float)
    assert array_repr(Values(values)) == repr(v), values
    assert array_str(Values(values)) == str(v), values


def test_numpy_known_cases(np):
    if np is None:
        return
    for values, _, _ in CASES:
        _compare_with_numpy(np, values)
    _compare_with_numpy(np, [i / 7 for i in range(40)])
    _compare_with_numpy(np, [-i * 1e200 for i in range(300)])


def test_numpy_random_arrays(np):
    if np is None:
        return
    for values in _random_arrays([1, 2, 3, 5, 8, 13, 40], 400):
        _compare_with_numpy(np, values)


def test_numpy_summarised(np):
    if np is None or _numpy_version(np) < (2, 2):
        return
    for values in _random_arrays([1001, 1500], 20):
        _compare_with_numpy(np, values)
    _compare_with_numpy(np, [inf] * 1001)


# ---------------------------------------------------------------------------
# N-D arrays (expected strings from numpy 2.4)

def _cube(n):
    return [float(i) ** 3 for i in range(n)]


ND_CASES = [
    ([0.0, 0.25, 0.5, 0.75, 1.0, 1.25], (2, 3),
     "array([[0.  , 0.25, 0.5 ],\n"
     "       [0.75, 1.  , 1.25]])",
     "[[0.   0.25 0.5 ]\n"
     " [0.75 1.   1.25]]"),
    ([float(i) for i in range(8)], (2, 2, 2),
     "array([[[0., 1.],\n"
     "        [2., 3.]],\n"
     "\n"
     "       [[4., 5.],\n"
     "        [6., 7.]]])",
     "[[[0. 1.]\n"
     "  [2. 3.]]\n"
     "\n"
     " [[4. 5.]\n"
     "  [6. 7.]]]"),
    ([], (0, 3), "array([], shape=(0, 3), dtype=float64)", "[]"),
    ([], (2, 0, 1), "array([], shape=(2, 0, 1), dtype=float64)", "[]"),
    ([1e-5, 1.0, nan, -inf], (2, 2),
     "array([[1.e-05, 1.e+00],\n"
     "       [   nan,   -inf]])",
     "[[1.e-05 1.e+00]\n"
     " [   nan   -inf]]"),
    ([5.0], (1, 1, 1), "array([[[5.]]])", "[[[5.]]]"),
    (_cube(24), (2, 3, 4),
     "array([[[0.0000e+00, 1.0000e+00, 8.0000e+00, 2.7000e+01],\n"
     "        [6.4000e+01, 1.2500e+02, 2.1600e+02, 3.4300e+02],\n"
     "        [5.1200e+02, 7.2900e+02, 1.0000e+03, 1.3310e+03]],\n"
     "\n"
     "       [[1.7280e+03, 2.1970e+03, 2.7440e+03, 3.3750e+03],\n"
     "        [4.0960e+03, 4.9130e+03, 5.8320e+03, 6.8590e+03],\n"
     "        [8.0000e+03, 9.2610e+03, 1.0648e+04, 1.2167e+04]]])",
     "[[[0.0000e+00 1.0000e+00 8.0000e+00 2.7000e+01]\n"
     "  [6.4000e+01 1.2500e+02 2.1600e+02 3.4300e+02]\n"
     "  [5.1200e+02 7.2900e+02 1.0000e+03 1.3310e+03]]\n"
     "\n"
     " [[1.7280e+03 2.1970e+03 2.7440e+03 3.3750e+03]\n"
     "  [4.0960e+03 4.9130e+03 5.8320e+03 6.8590e+03]\n"
     "  [8.0000e+03 9.2610e+03 1.0648e+04 1.2167e+04]]]"),
]


@pytest.mark.parametrize("flat,shape,expected_repr,expected_str", ND_CASES)
def test_nd_known_cases(flat, shape, expected_repr, expected_str):
    assert array_repr(Grid(flat, shape)) == expected_repr
    assert array_str(Grid(flat, shape)) == expected_str


def test_nd_summarised():
    a = Grid(range(2000), (2, 10, 100))
    text = array_repr(a)
    lines = text.splitlines()
    assert lines[0] == (
        "array([[[0.000e+00, 1.000e+00, 2.000e+00, ..., 9.700e+01, 9.800e+01,")
    assert lines[1] == "         9.900e+01],"
    assert lines[6] == "        ...,"
    assert "" in lines  # blank line between the two 10x100 blocks
    assert lines[-1] == "         1.999e+03]]], shape=(2, 10, 100))"
    assert array_str(a).splitlines()[3] == "  ..."
    # only the 3 + 3 edge rows and columns are shown, on every axis
    assert text.count("...") == 2 * 7


def test_one_column_and_one_row_layouts():
    assert array_repr(Grid([1, 2, 3], (3, 1))) == (
        "array([[1.],\n       [2.],\n       [3.]])")
    assert array_str(Grid([1, 2, 3], (1, 3))) == "[[1. 2. 3.]]"


def test_shapeless_nested_input_is_measured():
    # objects without .shape: the nesting of tolist() gives it
    assert array_repr(Values([[1.0, 2.0], [3.0, 4.0]])) == (
        "array([[1., 2.],\n       [3., 4.]])")


def test_nd_against_numpy(np):
    if np is None:
        return
    rng = random.Random(99)
    shapes = [(2, 3), (3, 2, 2), (1, 1), (1, 5), (5, 1), (0, 3), (3, 0),
              (2, 0, 2), (2, 2, 2, 2), (10, 10), (4, 30), (30, 4), (3, 3, 9),
              (6, 7, 8), (2, 3, 4, 5), (1, 1, 1, 1, 1, 1, 1, 1), (12, 1, 13)]
    for shape in shapes:
        for values in _random_arrays([int(np.prod(shape))], 6,
                                     seed=rng.random()):
            x = np.array(values, dtype=float).reshape(shape)
            for v in (x, x.T):
                a = Grid(v.ravel().tolist(), v.shape)
                assert array_repr(a) == repr(v), (shape, values)
                assert array_str(a) == str(v), (shape, values)


def test_nd_summarised_against_numpy(np):
    if np is None or _numpy_version(np) < (2, 2):
        return
    for shape in [(2, 1001), (1001, 2), (11, 11, 11), (7, 7, 7, 7),
                  (3, 3, 200), (2000, 1), (40, 30)]:
        for values in _random_arrays([int(np.prod(shape))], 2):
            x = np.array(values, dtype=float).reshape(shape)
            a = Grid(values, shape)
            assert array_repr(a) == repr(x), shape
            assert array_str(a) == str(x), shape
