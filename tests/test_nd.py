"""N-D arrays: views, indexing, broadcasting, reductions, linear algebra,
with numpy as the oracle.  purepy is 1-D only: there every N-D request
must raise NotImplementedError (checked by test_purepy_is_1d_only)."""
import itertools
import random
import sys

import pytest

from float_checks import assert_same

# `nd` (tests/conftest.py): every C backend plus HPy debug mode; numpy is
# the oracle here (installed on both interpreters by `make test`).
np = pytest.importorskip("numpy")


def test_purepy_is_1d_only():
    import piconumpy.purepy as pn
    with pytest.raises(NotImplementedError):
        pn.zeros((2, 3))
    with pytest.raises(NotImplementedError):
        pn.array([[1.0, 2.0], [3.0, 4.0]])


def same(a, b):
    """piconumpy array a equals numpy array b: shape and every bit."""
    assert tuple(a.shape) == tuple(b.shape), (a.shape, b.shape)
    assert_same(flat(a.tolist()), [float(x) for x in b.ravel().tolist()])


def flat(x):
    if isinstance(x, list):
        return [y for item in x for y in flat(item)]
    return [x]


def grid(nd, shape, seed=0):
    rng = random.Random(seed)
    values = [rng.uniform(-5, 5) for _ in range(int(np.prod(shape)))]
    return nd.array(values).reshape(shape), np.array(values).reshape(shape)


# ---------------------------------------------------------------------------
# construction and attributes

def test_nested_lists_and_attributes(nd):
    a = nd.array([[1, 2, 3], [4, 5, 6]])
    assert a.shape == (2, 3) and a.ndim == 2 and a.size == 6
    assert a.strides == (24, 8)
    assert a.tolist() == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    assert len(a) == 2
    same(nd.zeros((2, 3, 4)), np.zeros((2, 3, 4)))
    same(nd.ones((3, 1)), np.ones((3, 1)))
    same(nd.full((2, 2), 7.5), np.full((2, 2), 7.5))
    assert nd.empty((4, 0)).shape == (4, 0)
    same(nd.eye(3), np.eye(3))
    same(nd.eye(3, 4, 1), np.eye(3, 4, 1))
    same(nd.arange(12).reshape(3, 4), np.arange(12.0).reshape(3, 4))


def test_ragged_input_is_a_value_error(nd):
    with pytest.raises(ValueError):
        nd.array([[1.0, 2.0], [3.0]])
    with pytest.raises(ValueError):
        nd.array([[1.0, 2.0], 3.0])


def test_array_from_numpy_any_layout(nd):
    x = np.arange(24.0).reshape(2, 3, 4)
    for v in (x, x.T, x[:, ::2, ::-1], x.transpose(1, 0, 2)):
        same(nd.array(v), v)


def test_bad_shapes(nd):
    with pytest.raises(ValueError):
        nd.zeros((2, -1))
    with pytest.raises(TypeError):
        nd.zeros((2, 1.5))
    with pytest.raises((ValueError, MemoryError)):
        nd.zeros((2**40, 2**40))
    with pytest.raises(ValueError):
        nd.zeros((1,) * 9)    # more than 8 dimensions


# ---------------------------------------------------------------------------
# indexing and views

def test_basic_indexing_matches_numpy(nd):
    a, x = grid(nd, (4, 5, 6))
    keys = [0, -1, (1, 2), (1, 2, 3), (-1, -2, -3), slice(None), slice(1, 3),
            (slice(None), 1), (slice(None, None, -1), slice(1, None, 2)),
            (Ellipsis, 0), (0, Ellipsis), (None, 1), (1, None, slice(2)),
            (slice(3, 0, -2), Ellipsis, None), (Ellipsis,), ()]
    same_items(a, x, keys)


def same_items(a, x, keys):
    """a[key] is numpy's x[key] (a float for a single element)."""
    for key in keys:
        got, want = a[key], x[key]
        if isinstance(want, float) or getattr(want, "ndim", 1) == 0:
            assert got == float(want), key
        else:
            same(got, want)


class _Index:
    """Not an int, but has __index__ (numpy takes it as an integer)."""
    def __init__(self, v):
        self.v = v

    def __index__(self):
        return self.v


def test_index_items_of_every_integer_kind(nd):
    # ints, __index__ objects and numpy integers as items and slice bounds;
    # bounds beyond any size clamp, items beyond any size are IndexError
    a, x = grid(nd, (4, 5))
    huge = 2 ** 100
    keys = [(_Index(1), slice(_Index(1), _Index(-1))), (np.int64(-1), 2),
            (slice(-huge, huge), slice(huge, -huge, -1)),
            (slice(1, None, _Index(2)), np.int32(0)),
            (slice(2 ** 40), -5)]
    same_items(a, x, keys)
    for key in [(huge, 0), (0, -huge), (_Index(4), 0), (0, np.int64(5))]:
        with pytest.raises(IndexError):
            a[key]
        with pytest.raises(IndexError):
            a[key] = 1.0
    with pytest.raises(TypeError):
        a[0, 1.5:]


def test_views_share_memory_and_keep_base_alive(nd):
    a = nd.zeros((3, 4))
    row = a[1]
    col = a[:, 2]
    row[0] = 5.0
    col[0] = 7.0
    assert a[1, 0] == 5.0 and a[0, 2] == 7.0
    t = a.T
    t[3, 2] = 9.0
    assert a[2, 3] == 9.0
    v = nd.arange(10.0)[2:8].reshape(2, 3)[:, 1]
    del a
    import gc
    gc.collect()
    assert v.tolist() == [3.0, 6.0]   # the base is still alive
    assert np.shares_memory(np.asarray(t), np.asarray(row)) in (True, False)


def test_index_errors(nd):
    a = nd.zeros((3, 4))
    for key in [3, -4, (0, 4), (0, 0, 0), (Ellipsis, Ellipsis), 1.5, "x",
                (slice(None), "x")]:
        with pytest.raises(IndexError):
            a[key]
    with pytest.raises(ValueError):
        a[::0]
    with pytest.raises(IndexError):
        a[5] = 1.0
    assert a.tolist() == [[0.0] * 4] * 3


def test_assignment_with_broadcasting(nd):
    a, x = grid(nd, (5, 6))
    src, xs = grid(nd, (6,), seed=1)
    a[1:-1, 1:-1] = 0.5
    x[1:-1, 1:-1] = 0.5
    a[0] = src
    x[0] = xs
    a[:, -1] = 0.0
    x[:, -1] = 0.0
    a[::2, ::3] = [[1.0, 2.0]]
    x[::2, ::3] = [[1.0, 2.0]]
    a[..., 0] = nd.arange(5.0)
    x[..., 0] = np.arange(5.0)
    same(a, x)
    before = a.tolist()
    with pytest.raises(ValueError):
        a[0] = nd.zeros(5)
    with pytest.raises(ValueError):
        a[1:3] = nd.zeros((3, 6))
    with pytest.raises(TypeError):
        a[0] = "abc"
    assert a.tolist() == before


def test_overlapping_assignment(nd):
    a, x = grid(nd, (6, 6))
    a[1:, :] = a[:-1, :]
    x[1:, :] = x[:-1, :].copy()
    a[:, ::-1] = a
    x[:, ::-1] = x.copy()
    same(a, x)


# ---------------------------------------------------------------------------
# arithmetic

@pytest.mark.parametrize("shapes", [((3, 4), (4,)), ((3, 1), (1, 4)),
                                    ((2, 3, 4), (3, 1)), ((4,), (3, 4)),
                                    ((1,), (2, 2)), ((0, 3), (3,))])
def test_broadcasting_binary_ops(nd, shapes):
    a, x = grid(nd, shapes[0])
    b, y = grid(nd, shapes[1], seed=2)
    for op in ("__add__", "__sub__", "__mul__", "__truediv__"):
        same(getattr(a, op)(b), getattr(x, op)(y))
    same(a * 2.5 - 1, x * 2.5 - 1)
    same(3 / (abs(b) + 1), 3 / (abs(y) + 1))
    same(abs(a) ** 0.5, abs(x) ** 0.5)


def test_broadcast_error_names_both_shapes(nd):
    with pytest.raises(ValueError) as info:
        nd.zeros((2, 3)) + nd.zeros((4,))
    assert "(2,3)" in str(info.value) and "(4,)" in str(info.value)


def test_non_contiguous_operands(nd):
    a, x = grid(nd, (6, 8))
    same(a.T + a[::-1, ::-1].T, x.T + x[::-1, ::-1].T)
    same(a[::2, 1::3] * a[1::2, ::3], x[::2, 1::3] * x[1::2, ::3])
    assert np.allclose(np.asarray(nd.sin(a.T)), np.sin(x.T), rtol=1e-15, atol=0)
    # strided and contiguous paths: the same kernels (libmvec tails may
    # differ by a few ulp at the AVX levels)
    assert np.allclose(np.asarray(nd.sin(a.T)), np.asarray(nd.sin(a.T.copy())),
                       rtol=1e-15, atol=0)
    same(-a[:, ::2], -x[:, ::2])


def test_inplace_on_views(nd):
    a, x = grid(nd, (5, 5))
    v = a[1:4, ::2]
    v += 1.0
    x[1:4, ::2] += 1.0
    t = a.T
    t *= 2
    x.T[...] *= 2
    a[0] -= a[1]
    x[0] -= x[1]
    a /= nd.arange(1.0, 6.0)
    x /= np.arange(1.0, 6.0)
    same(a, x)
    with pytest.raises(ValueError):
        a[0] += nd.zeros((2, 5))


def test_laplace_update_matches_numpy(nd):
    u, x = grid(nd, (12, 10))
    dx2, dy2, dnr_inv = 0.01, 0.01, 0.5 / 0.02
    for _ in range(3):
        u[1:-1, 1:-1] = ((u[0:-2, 1:-1] + u[2:, 1:-1]) * dy2 +
                         (u[1:-1, 0:-2] + u[1:-1, 2:]) * dx2) * dnr_inv
        x[1:-1, 1:-1] = ((x[0:-2, 1:-1] + x[2:, 1:-1]) * dy2 +
                         (x[1:-1, 0:-2] + x[1:-1, 2:]) * dx2) * dnr_inv
    same(u, x)


def test_out_argument(nd):
    a, x = grid(nd, (3, 4))
    out = nd.empty((3, 4))
    res = nd.sin(a, out=out)
    assert res is out
    same(out, np.asarray(nd.sin(a)))      # out= writes what sin() returns
    assert np.allclose(np.asarray(out), np.sin(x), rtol=1e-15, atol=0)
    nd.exp(a[:, 1], out=out[:, 0])
    y = np.asarray(nd.sin(a)).copy()
    y[:, 0] = np.asarray(nd.exp(a[:, 1]))
    same(out, y)
    with pytest.raises(ValueError):
        nd.cos(a, out=nd.empty((4, 3)))


# ---------------------------------------------------------------------------
# reductions

REDUCTIONS = ("sum", "prod", "min", "max", "mean", "argmin", "argmax",
              "nanmin", "nanmax", "nansum")


@pytest.mark.parametrize("name", REDUCTIONS)
def test_reductions_match_numpy(nd, name):
    a, x = grid(nd, (3, 4, 5))
    a[1, 2, 3] = float("nan") if name.startswith("nan") else a[1, 2, 3]
    x[1, 2, 3] = a[1, 2, 3]
    for axis in (None, 0, 1, 2, -1, -3):
        for keepdims in ((False, True) if not name.startswith("arg") else (False,)):
            got = getattr(nd, name)(a, axis=axis, keepdims=keepdims)
            want = getattr(np, name)(x, axis=axis, keepdims=keepdims)
            if axis is None and not keepdims:
                assert abs(got - float(want)) <= 1e-12 * max(1.0, abs(float(want))), (got, want)
                if name.startswith("arg"):
                    assert type(got) is int
            else:
                assert tuple(got.shape) == want.shape
                for g, w in zip(flat(got.tolist()), want.ravel().tolist()):
                    assert abs(g - w) <= 1e-12 * max(1.0, abs(w)) or (g != g and w != w)
    method = getattr(a.T, name)
    want = getattr(np, name)(x.T, axis=0)
    got = method(axis=0)
    assert [round(v, 9) for v in flat(got.tolist())] == [round(float(v), 9) for v in want.ravel()]


def test_reduction_errors(nd):
    a = nd.zeros((2, 3))
    for axis in (2, -3):
        with pytest.raises(ValueError):   # AxisError is a ValueError ...
            a.sum(axis=axis)
        with pytest.raises(IndexError):   # ... and an IndexError, like numpy
            nd.max(a, axis=axis)
    with pytest.raises(ValueError):
        nd.zeros((0, 3)).max(axis=0)
    assert nd.zeros((0, 3)).max(axis=1).shape == (0,)
    assert nd.zeros((0, 3)).sum() == 0.0


# ---------------------------------------------------------------------------
# shapes

def test_reshape_transpose_ravel(nd):
    a, x = grid(nd, (2, 3, 4))
    same(a.reshape(4, -1), x.reshape(4, -1))
    same(a.reshape((6, 4)), x.reshape((6, 4)))
    same(a.T, x.T)
    same(a.transpose(1, 0, 2), x.transpose(1, 0, 2))
    same(a.transpose((2, 0, 1)), x.transpose((2, 0, 1)))
    same(a.T.reshape(-1), x.T.reshape(-1))     # a copy: not contiguous
    same(a.ravel(), x.ravel())
    same(a.T.flatten(), x.T.flatten())
    r = a.reshape(24)
    r[0] = 99.0
    assert a[0, 0, 0] == 99.0                  # contiguous: a view
    f = a.flatten()
    f[1] = -1.0
    assert a[0, 0, 1] != -1.0                  # flatten: a copy
    for bad in ((5, 5), (-1, -1), (7, -1)):
        with pytest.raises(ValueError):
            a.reshape(bad)
    with pytest.raises(ValueError):
        a.transpose(0, 0, 1)


def test_copy_is_contiguous_and_independent(nd):
    a, x = grid(nd, (4, 6))
    c = a[::2, ::-3].copy()
    assert c.strides == (16, 8)
    c[0, 0] = 123.0
    assert a[0, 5] != 123.0


# ---------------------------------------------------------------------------
# linear algebra

def test_matmul_and_dot(nd):
    A, X = grid(nd, (3, 4))
    B, Y = grid(nd, (4, 2), seed=3)
    v, w = grid(nd, (4,), seed=4)
    u, z = grid(nd, (3,), seed=5)
    for got, want in ((A @ B, X @ Y), (A @ v, X @ w), (u @ A, z @ X),
                      (nd.dot(A, B), np.dot(X, Y)), (A.T @ u, X.T @ z)):
        assert got.shape == want.shape
        for g, e in zip(flat(got.tolist()), want.ravel().tolist()):
            assert abs(g - e) <= 1e-12 * max(1.0, abs(e))
    assert abs((v @ v) - float(w @ w)) < 1e-12
    with pytest.raises(ValueError):
        A @ A
    with pytest.raises(ValueError):
        v @ u


def test_linalg(nd):
    rng = random.Random(11)
    for n in (1, 2, 5, 12):
        M = [[rng.uniform(-1, 1) + (n if i == j else 0) for j in range(n)]
             for i in range(n)]
        A, X = nd.array(M), np.array(M)
        b = [rng.uniform(-1, 1) for _ in range(n)]
        sol = nd.linalg.solve(A, nd.array(b))
        assert max(abs(s - t) for s, t in zip(sol.tolist(), np.linalg.solve(X, b))) < 1e-10
        B = nd.array([[1.0, 2.0]] * n)
        assert nd.linalg.solve(A, B).shape == (n, 2)
        assert abs(nd.linalg.det(A) - np.linalg.det(X)) < 1e-9 * max(1, abs(np.linalg.det(X)))
        inv = nd.linalg.inv(A)
        I = A @ inv
        assert all(abs(I[i, j] - (i == j)) < 1e-10 for i, j in itertools.product(range(n), repeat=2))
    S = nd.array([[1.0, 2.0], [2.0, 4.0]])
    with pytest.raises(nd.linalg.LinAlgError):
        nd.linalg.solve(S, nd.array([1.0, 2.0]))
    with pytest.raises(ValueError):
        nd.linalg.inv(S)
    assert nd.linalg.det(S) == 0.0
    with pytest.raises(ValueError):
        nd.linalg.solve(nd.zeros((2, 3)), nd.zeros(2))


# ---------------------------------------------------------------------------
# export, repr

def test_buffer_and_array_interface_any_layout(nd):
    a, x = grid(nd, (3, 4))
    for v, y in ((a, x), (a.T, x.T), (a[::2, ::-1], x[::2, ::-1])):
        z = np.asarray(v)
        assert z.shape == y.shape and z.strides == tuple(v.strides)
        assert (z == y).all()
        z[0, 0] = 42.0
        assert v[0, 0] == 42.0
        y[0, 0] = 42.0
        m = memoryview(v)
        assert m.shape == tuple(v.shape) and m.strides == tuple(v.strides)
        assert v.__array_interface__["strides"] == tuple(v.strides)


def test_repr_matches_numpy(nd):
    a, x = grid(nd, (2, 3, 2))
    assert repr(a) == repr(x)
    assert str(a.T) == str(x.T)
    assert repr(nd.zeros((2, 0))) == repr(np.zeros((2, 0)))


def test_iteration_yields_rows(nd):
    a, x = grid(nd, (3, 2))
    rows = list(a)
    assert len(rows) == 3 and rows[1].tolist() == x[1].tolist()


# ---------------------------------------------------------------------------
# review findings: each crashed or misbehaved once

def test_reshape_rejects_sizes_that_wrap_around(nd):
    a = nd.arange(16.0)
    for shape in ((2**62 + 4, 4), (-1, 2**62 + 4, 4), (2**40, 2**40, 0, 1)):
        with pytest.raises(ValueError):
            a.reshape(shape)
    assert nd.zeros(0).reshape(5, 0, 2**40).shape == (5, 0, 2**40)


def test_buffer_contiguity_requests_are_honoured(nd):
    import ctypes
    if not hasattr(ctypes, "pythonapi"):
        pytest.skip("requests arbitrary buffer flags through CPython's C-API "
                    "(ctypes.pythonapi); the C code is the same on PyPy")

    class Py_buffer(ctypes.Structure):
        _fields_ = [("buf", ctypes.c_void_p), ("obj", ctypes.py_object),
                    ("len", ctypes.c_ssize_t), ("itemsize", ctypes.c_ssize_t),
                    ("readonly", ctypes.c_int), ("ndim", ctypes.c_int),
                    ("format", ctypes.c_char_p), ("shape", ctypes.c_void_p),
                    ("strides", ctypes.c_void_p), ("suboffsets", ctypes.c_void_p),
                    ("internal", ctypes.c_void_p)]

    api = ctypes.pythonapi
    api.PyObject_GetBuffer.argtypes = [ctypes.py_object, ctypes.POINTER(Py_buffer), ctypes.c_int]
    api.PyBuffer_Release.argtypes = [ctypes.POINTER(Py_buffer)]
    C_CONTIG, F_CONTIG, ANY_CONTIG, STRIDES = 0x38, 0x58, 0x98, 0x18

    def request(arr, flags):
        view = Py_buffer()
        try:
            api.PyObject_GetBuffer(arr, ctypes.byref(view), flags)
        except BufferError:
            return False
        api.PyBuffer_Release(ctypes.byref(view))
        return True

    rev = nd.arange(10.0)[::-1]
    two = nd.zeros((3, 4))
    assert request(rev, STRIDES) and not request(rev, C_CONTIG)
    assert not request(rev, ANY_CONTIG)
    assert request(two, C_CONTIG) and not request(two, F_CONTIG)
    assert request(nd.zeros((1, 4)), F_CONTIG)
    assert not request(two.T, C_CONTIG)


def test_zero_d_arrays(nd):
    z = nd.zeros(())
    assert z.shape == () and z.ndim == 0 and z.size == 1
    assert z.tolist() == 0.0
    with pytest.raises(TypeError):
        len(z)
    if sys.implementation.name == "pypy":
        # PyPy iterates through __getitem__, which stops at numpy's
        # IndexError for z[0]; CPython uses sq_item (TypeError, as numpy)
        assert list(z) == []
    else:
        with pytest.raises(TypeError):
            list(z)
    k = nd.ones(()).sum(keepdims=True)
    assert k.shape == () and k.tolist() == 1.0
    assert repr(nd.zeros(())) == repr(np.zeros(()))


def test_assignment_drops_leading_ones_like_numpy(nd):
    a = nd.zeros(3)
    a[:] = nd.ones((1, 3))
    assert a.tolist() == [1.0] * 3
    a[:] = [[[2.0]]]
    assert a.tolist() == [2.0] * 3
    with pytest.raises(ValueError):
        a += nd.ones((1, 3))   # numpy refuses this for in-place operators too


def test_linspace_num_must_be_an_int(nd):
    with pytest.raises(TypeError):
        nd.linspace(0, 1, [3])
    with pytest.raises(TypeError):
        nd.linspace(0, 1, (3,))


def test_binary_functions_out_broadcasting_and_overlap(nd):
    a, x = grid(nd, (3, 4))
    row, r = grid(nd, (4,), seed=7)
    out = nd.empty((3, 4))
    assert nd.multiply(a, row, out=out) is out
    same(out, x * r)
    nd.add(a[:, ::-1], a, out=a)        # out overlaps an operand, reversed
    x = x[:, ::-1] + x
    same(a, x)
    with pytest.raises(ValueError):
        nd.add(a, row, out=nd.empty((4,)))
    with pytest.raises(ValueError):
        nd.add(a, nd.zeros((2, 4)), out=out)
    assert nd.divide(1.0, 0.0) == float("inf")
