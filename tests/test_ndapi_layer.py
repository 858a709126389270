"""piconumpy._ndapi: the keyword-taking layer over the C primitives.

Checked on a FAKE backend built on numpy, so that argument handling, axis
validation and error types are tested without any C code.  The fake
primitives assert that they only ever receive what docs/api.md promises
them (positional arguments, normalised axes); numpy computes the values.
The differential tests of the real backends live in tests/test_nd.py.
"""
import types

import pytest

from piconumpy import _ndapi

np = pytest.importorskip("numpy")

BIG = 100   # arrays larger than this get the hidden subclass, as in C


class FakeArray(np.ndarray):
    """The fake backend's ndarray (a subclass: install() sets attributes)."""


class BigFakeArray(FakeArray):
    """Like the C backends' hidden subtype for large arrays."""


def _wrapper(small, big):
    def wrap(x):
        x = np.asarray(x, dtype=float)
        return x.view(big if x.size > BIG else small)
    return wrap


_wrap = _wrapper(FakeArray, BigFakeArray)


def _plain(a):
    return a.view(np.ndarray)


class Calls(list):
    """(primitive name, arguments) of every call the fake backend saw."""

    def names(self):
        return [n for n, _ in self]

    def last(self, name):
        return [args for n, args in self if n == name][-1]


def make_backend(fresh_types=False):
    """A module with the C primitives' signatures, computed by numpy.

    install() sets methods on the array type: backends made for a single
    test get their own types, so they leave the shared fixture alone.
    """
    calls = Calls()
    mod = types.ModuleType("fake_backend")
    if fresh_types:
        small = type("FakeArray", (np.ndarray,), {})
        wrap = _wrapper(small, type("BigFakeArray", (small,), {}))
    else:
        small, wrap = FakeArray, _wrap
    mod.ndarray = small
    mod.wrap = wrap

    def array(obj):
        calls.append(("array", (obj,)))
        if isinstance(obj, (float, int, str)):
            raise TypeError("array() needs a sequence")
        return wrap(np.array(obj, dtype=float))

    def zeros(shape):
        return wrap(np.zeros(shape))

    def _reduce(a, kind, axis, keepdims):
        calls.append(("_reduce", (a, kind, axis, keepdims)))
        assert isinstance(a, small)
        assert axis is None or (type(axis) is int and 0 <= axis < a.ndim)
        name = _ndapi.REDUCTIONS[kind]
        result = getattr(np, name)(_plain(a), axis=axis, keepdims=bool(keepdims))
        if np.ndim(result) == 0:
            return int(result) if name.startswith("arg") else float(result)
        return wrap(result)

    def _unary(kind, x, out):
        calls.append(("_unary", (kind, x, out)))
        func = getattr(np, _ndapi.UNARY[kind])
        if out is None:
            return wrap(func(np.asarray(x, dtype=float)))
        assert isinstance(out, small) and out.shape == np.shape(x)
        func(_plain(x), out=_plain(out))
        return out

    def _reshape(a, shape):
        calls.append(("_reshape", (a, shape)))
        assert type(shape) is tuple and all(type(n) is int for n in shape)
        return _plain(a).reshape(shape).view(type(a))

    def _transpose(a, axes):
        calls.append(("_transpose", (a, axes)))
        assert axes is None or sorted(axes) == list(range(a.ndim))
        return _plain(a).transpose(axes).view(type(a))

    def _matmul(a, b):
        result = np.matmul(np.asarray(a, dtype=float), np.asarray(b, dtype=float))
        return float(result) if np.ndim(result) == 0 else wrap(result)

    def _solve(A, b):
        calls.append(("_solve", (A, b)))
        try:
            return wrap(np.linalg.solve(_plain(A), _plain(b)))
        except np.linalg.LinAlgError:
            return None

    def _inv(A):
        try:
            return wrap(np.linalg.inv(_plain(A)))
        except np.linalg.LinAlgError:
            return None

    def _det(A):
        return float(np.linalg.det(_plain(A)))

    for func in (array, zeros, _reduce, _unary, _reshape, _transpose,
                 _matmul, _solve, _inv, _det):
        setattr(mod, func.__name__, func)
    mod.calls = calls
    return mod


@pytest.fixture(scope="module")
def fake():
    return _ndapi.install(make_backend())


@pytest.fixture
def calls(fake):
    del fake.calls[:]
    return fake.calls


def grid(shape):
    return _wrap(np.arange(float(np.prod(shape))).reshape(shape) * 0.5 - 3)


# ---------------------------------------------------------------------------
# install()

NAMES = (_ndapi.REDUCTIONS + _ndapi.UNARY + (
    "abs", "reshape", "transpose", "ravel", "dot", "matmul", "eye", "linalg",
    "AxisError"))
METHODS = _ndapi.REDUCTIONS + ("reshape", "transpose", "T", "ravel",
                               "flatten", "dot")


def test_install_sets_functions_and_methods(fake):
    for name in NAMES:
        assert hasattr(fake, name), name
    for name in METHODS:
        assert name in vars(FakeArray), name
        assert name not in vars(BigFakeArray), name   # inherited only
    assert fake.abs is fake.absolute
    assert fake.AxisError is _ndapi.AxisError
    assert fake.linalg.LinAlgError is _ndapi.LinAlgError
    assert issubclass(_ndapi.AxisError, ValueError)
    assert issubclass(_ndapi.AxisError, IndexError)
    assert issubclass(_ndapi.LinAlgError, ValueError)


def test_install_twice_changes_nothing(fake):
    before = dict(vars(fake))
    assert _ndapi.install(fake) is fake
    assert dict(vars(fake)) == before


def test_install_needs_every_primitive():
    mod = make_backend(fresh_types=True)
    del mod._matmul
    with pytest.raises(ImportError, match="_matmul"):
        _ndapi.install(mod)


def test_module_functions_are_kept_for_the_plain_path():
    mod = make_backend(fresh_types=True)
    seen = []

    def sin(x):
        seen.append(x)
        return "plain"

    mod.sin = sin
    _ndapi.install(mod)
    assert mod.sin([1.0]) == "plain" and seen == [[1.0]]
    out = mod.wrap(np.zeros(2))
    assert mod.sin([0.0, 1.0], out=out) is out
    assert out.tolist() == [0.0, np.sin(1.0)]


# ---------------------------------------------------------------------------
# reductions

@pytest.mark.parametrize("name", _ndapi.REDUCTIONS)
def test_reductions_pass_normalised_axes(fake, calls, name):
    kind = _ndapi.REDUCTIONS.index(name)
    a = grid((2, 3, 4))
    x = _plain(a)
    axes = [(None, None), (0, 0), (2, 2), (-1, 2), (-3, 0), (np.int64(1), 1)]
    if not name.startswith("arg"):   # numpy's argmin/argmax take no tuple
        axes += [((1,), 1), ((-1,), 2)]
    for axis, normalised in axes:
        for keepdims in (False, True):
            for result in (getattr(fake, name)(a, axis=axis, keepdims=keepdims),
                           getattr(a, name)(axis, keepdims)):
                _, got_kind, got_axis, got_keep = calls.last("_reduce")
                assert (got_kind, got_axis, got_keep) == (kind, normalised, keepdims)
                np_axis = axis if not isinstance(axis, tuple) else axis[0]
                want = getattr(np, name)(x, axis=np_axis, keepdims=keepdims)
                assert np.array_equal(np.asarray(result), want)
    assert "array" not in calls.names()


def test_one_dimensional_reductions_give_numbers(fake, calls):
    # the only axis of a 1-D array is all of them: the primitive is asked
    # for axis=None, so the result is a Python number, never a 0-d array
    a = grid((5,))
    for axis in (0, -1, (0,), (-1,)):
        assert fake.sum(a, axis=axis) == float(_plain(a).sum())
        assert calls.last("_reduce")[2] is None
        assert a.min(axis=axis, keepdims=True).shape == (1,)
        if not isinstance(axis, tuple):
            assert a.argmax(axis) == 4 and type(a.argmax(axis)) is int
    with pytest.raises(_ndapi.AxisError):
        a.sum(axis=1)


def test_reduction_of_non_arrays_converts_with_array(fake, calls):
    assert fake.sum([[1, 2], [3, 4]]) == 10.0
    assert calls[0][0] == "array"
    assert fake.argmax((1.0, 5.0, 2.0)) == 1
    with pytest.raises(TypeError):
        fake.sum(3.0)   # scalars are not arrays, as in the 1-D contract


def test_large_arrays_use_the_hidden_subtype(fake, calls):
    a = grid((20, 30))
    assert type(a) is BigFakeArray
    assert a.sum() == fake.sum(a) == float(_plain(a).sum())
    assert a.T.shape == (30, 20) and a.max(axis=1).shape == (20,)
    assert "array" not in calls.names()   # never copied


@pytest.mark.parametrize("axis", [2, -3, 10])
def test_axis_out_of_range(fake, calls, axis):
    a = grid((2, 3))
    for call in (lambda: fake.sum(a, axis=axis), lambda: a.mean(axis=axis),
                 lambda: fake.argmin(a, axis), lambda: a.nanmax(axis=(axis,))):
        with pytest.raises(_ndapi.AxisError) as info:
            call()
        assert str(info.value) == (
            "axis %d is out of bounds for array of dimension 2" % axis)
        assert info.value.axis == axis and info.value.ndim == 2
    with pytest.raises(ValueError):
        a.sum(axis=axis)
    with pytest.raises(IndexError):
        fake.max(a, axis=axis)
    assert "_reduce" not in calls.names()


@pytest.mark.parametrize("axis", [1.0, "0", True, [0], object()])
def test_axis_must_be_an_integer(fake, axis):
    with pytest.raises(TypeError):
        fake.sum(grid((2, 3)), axis=axis)


def test_tuple_axes(fake, calls):
    a = grid((2, 3, 4))
    assert fake.sum(a, axis=(0, 1, 2)) == float(_plain(a).sum())
    assert calls.last("_reduce")[2] is None
    b = grid((2, 3))
    assert fake.max(b, axis=(1, -2), keepdims=True).shape == (1, 1)
    with pytest.raises(ValueError):
        fake.sum(b, axis=(0, 0))
    with pytest.raises(ValueError):
        fake.sum(b, axis=(0, -2))   # the same axis twice
    with pytest.raises(NotImplementedError):
        fake.sum(a, axis=(0, 1))
    with pytest.raises(NotImplementedError):
        fake.sum(a, axis=())
    with pytest.raises(TypeError):
        fake.argmin(b, axis=(0,))   # numpy refuses tuples here too


def test_reduction_signature(fake):
    a = grid((2, 2))
    with pytest.raises(TypeError):
        fake.sum(a, 0, False, 1)
    with pytest.raises(TypeError):
        a.sum(axiz=0)


# ---------------------------------------------------------------------------
# element-wise functions

@pytest.mark.parametrize("name", _ndapi.UNARY)
def test_unary_with_and_without_out(fake, calls, name):
    kind = _ndapi.UNARY.index(name)
    a = _wrap(np.linspace(0.5, 2.0, 6).reshape(2, 3))
    want = getattr(np, name)(_plain(a))
    assert np.array_equal(np.asarray(getattr(fake, name)(a)), want)
    out = _wrap(np.zeros((2, 3)))
    assert getattr(fake, name)(a, out=out) is out
    assert calls.last("_unary")[0] == kind and calls.last("_unary")[2] is out
    assert np.array_equal(_plain(out), want)
    assert getattr(fake, name)(a, (out,)) is out   # out as numpy's 1-tuple
    as_list = getattr(fake, name)(_plain(a).tolist(), out=out)
    assert as_list is out and np.array_equal(_plain(out), want)


def test_unary_out_errors(fake, calls):
    a = grid((2, 3))
    for bad in (_wrap(np.zeros((3, 2))), _wrap(np.zeros(6)), _wrap(np.zeros((1, 3)))):
        with pytest.raises(ValueError) as info:
            fake.sqrt(a, out=bad)
        assert "(2,3)" in str(info.value)
    for bad in ([0.0] * 6, np.zeros((2, 3)), 1.0):
        with pytest.raises(TypeError):
            fake.exp(a, out=bad)
    assert "_unary" not in calls.names()


# ---------------------------------------------------------------------------
# shapes

def test_reshape_forms(fake, calls):
    a = grid((2, 3, 4))
    for args, shape in (((6, 4), (6, 4)), (((6, 4),), (6, 4)),
                        (([4, 6],), (4, 6)), ((24,), (24,)), ((-1,), (-1,)),
                        ((2, -1), (2, -1)), ((np.int32(3), 8), (3, 8))):
        r = a.reshape(*args)
        assert calls.last("_reshape")[1] == shape
        assert r.shape == _plain(a).reshape(*args).shape
    assert fake.reshape(a, (4, -1)).shape == (4, 6)
    assert fake.reshape(a, 24).shape == (24,)
    assert calls.last("_reshape")[1] == (24,)
    assert fake.reshape(_plain(a).tolist(), [3, 8]).shape == (3, 8)


def test_reshape_errors(fake):
    a = grid((2, 3))
    for args in ((2.0, 3), ((2, 3.0),), ("6",), (None,), (True,)):
        with pytest.raises(TypeError):
            a.reshape(*args)
    with pytest.raises(TypeError):
        a.reshape()
    with pytest.raises(TypeError):
        fake.reshape(a, 6.0)


def test_transpose_forms(fake, calls):
    a = grid((2, 3, 4))
    x = _plain(a)
    assert a.T.shape == (4, 3, 2) and calls.last("_transpose")[1] is None
    assert a.transpose().shape == (4, 3, 2)
    assert a.transpose(None).shape == (4, 3, 2)
    assert calls.last("_transpose")[1] is None
    for axes in ((1, 0, 2), (-1, 0, 1), (2, 1, 0)):
        assert np.array_equal(_plain(a.transpose(*axes)), x.transpose(axes))
        assert np.array_equal(_plain(a.transpose(axes)), x.transpose(axes))
        assert np.array_equal(_plain(a.transpose(list(axes))), x.transpose(axes))
        assert np.array_equal(_plain(fake.transpose(a, axes)), x.transpose(axes))
        assert calls.last("_transpose")[1] == tuple(n % 3 for n in axes)
    assert fake.transpose(x.tolist()).shape == (4, 3, 2)


def test_transpose_errors(fake):
    a = grid((2, 3))
    with pytest.raises(ValueError, match="axes don't match array"):
        a.transpose(0)
    with pytest.raises(ValueError, match="axes don't match array"):
        fake.transpose(a, (0, 1, 2))
    with pytest.raises(ValueError, match="repeated axis"):
        a.transpose(1, 1)
    with pytest.raises(_ndapi.AxisError):
        a.transpose(0, 2)
    with pytest.raises(TypeError):
        a.transpose(0.0, 1)


def test_ravel_and_flatten(fake, calls):
    a = grid((3, 4))
    r = a.ravel()
    assert calls.last("_reshape")[1] == (-1,) and r.shape == (12,)
    assert fake.ravel(a).shape == (12,)
    assert fake.ravel([[1, 2], [3, 4]]).tolist() == [1.0, 2.0, 3.0, 4.0]
    f = a.T.flatten()
    assert f.tolist() == _plain(a).T.flatten().tolist()
    f[0] = 123.0
    assert a[0, 0] != 123.0   # flatten always copies
    f2 = a.flatten()
    f2[1] = 456.0
    assert a[0, 1] != 456.0


# ---------------------------------------------------------------------------
# products, eye, linalg

def test_dot_and_matmul(fake):
    A, B, v = grid((3, 4)), grid((4, 2)), grid((4,))
    for got, want in ((fake.dot(A, B), _plain(A) @ _plain(B)),
                      (A.dot(v), _plain(A) @ _plain(v)),
                      (fake.matmul(A, B), _plain(A) @ _plain(B)),
                      (fake.dot(_plain(A).tolist(), v), _plain(A) @ _plain(v))):
        assert np.array_equal(np.asarray(got), want)
    assert fake.dot(v, v) == float(_plain(v) @ _plain(v))
    assert np.array_equal(np.asarray(fake.dot(2, A)), 2 * _plain(A))
    assert np.array_equal(np.asarray(fake.dot(A, 0.5)), 0.5 * _plain(A))
    assert np.array_equal(np.asarray(fake.dot([1.0, 2.0], 3)), [3.0, 6.0])
    assert fake.dot(2, 3.5) == 7.0
    with pytest.raises(NotImplementedError):
        fake.dot(grid((2, 2, 2)), grid((2, 2)))
    with pytest.raises(ValueError):
        fake.dot(A, A)


@pytest.mark.parametrize("n,m,k", [(3, None, 0), (3, 4, 1), (4, 3, -1),
                                   (3, 3, 3), (3, 3, -5), (0, None, 0),
                                   (1, 5, 4), (5, 1, -4), (2, 0, 0), (4, 6, -2)])
def test_eye(fake, n, m, k):
    assert np.array_equal(_plain(fake.eye(n, m, k)), np.eye(n, m, k))
    assert np.array_equal(_plain(fake.eye(n, M=m, k=k)), np.eye(n, m, k))


def test_eye_errors(fake):
    with pytest.raises(ValueError):
        fake.eye(-1)
    with pytest.raises(ValueError):
        fake.eye(2, -3)
    for args in ((2.0,), (2, 2.5), (2, 2, 1.0), ("3",)):
        with pytest.raises(TypeError):
            fake.eye(*args)
    assert fake.eye(np.int64(2)).shape == (2, 2)


def test_linalg_results(fake):
    M = [[4.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 2.0]]
    A = fake.array(M)
    b = fake.array([1.0, 2.0, 3.0])
    assert np.allclose(_plain(fake.linalg.solve(A, b)), np.linalg.solve(M, [1, 2, 3]))
    assert np.allclose(_plain(fake.linalg.solve(M, [[1.0], [2.0], [3.0]])),
                       np.linalg.solve(M, [[1], [2], [3]]))
    assert np.allclose(_plain(fake.linalg.inv(M)), np.linalg.inv(M))
    assert abs(fake.linalg.det(A) - np.linalg.det(M)) < 1e-12
    assert isinstance(fake.linalg, types.ModuleType)


def test_linalg_errors(fake, calls):
    S = [[1.0, 2.0], [2.0, 4.0]]
    with pytest.raises(fake.linalg.LinAlgError, match="Singular matrix"):
        fake.linalg.solve(S, [1.0, 1.0])
    with pytest.raises(ValueError, match="Singular matrix"):
        fake.linalg.inv(S)
    assert fake.linalg.det(S) == 0.0
    for func in (fake.linalg.inv, fake.linalg.det):
        with pytest.raises(fake.linalg.LinAlgError, match="two-dimensional"):
            func([1.0, 2.0])
        with pytest.raises(fake.linalg.LinAlgError, match="square"):
            func(grid((2, 3)))
        with pytest.raises(NotImplementedError):
            func(grid((2, 2, 2)))
    del calls[:]
    for b in ([1.0, 2.0, 3.0], grid((3, 2)), grid((2, 2, 1))):
        with pytest.raises(ValueError):
            fake.linalg.solve(fake.eye(2), b)
    with pytest.raises(fake.linalg.LinAlgError):
        fake.linalg.solve(grid((2, 3)), [1.0, 2.0])
    assert "_solve" not in calls.names()
