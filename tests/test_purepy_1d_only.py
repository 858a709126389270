"""The pure-Python backend: numpy's keyword forms on 1-D data, and
NotImplementedError for everything N-D (docs/api.md, "N-D arrays")."""
import math

import pytest

import piconumpy
import piconumpy.purepy as pn
from piconumpy import _loader, _ndapi

try:
    import numpy
except ImportError:
    numpy = None

nan = float("nan")
inf = float("inf")

REDUCTIONS = _ndapi.REDUCTIONS
UNARY = _ndapi.UNARY


# ---------------------------------------------------------------------------
# N-D is refused

@pytest.mark.parametrize("make", [pn.zeros, pn.ones, pn.empty,
                                  lambda shape: pn.full(shape, 1.5)])
@pytest.mark.parametrize("shape", [(2, 3), (1, 1), (), (0, 4), (3, 1, 2)])
def test_nd_shapes(make, shape):
    with pytest.raises(NotImplementedError, match="1-D only"):
        make(shape)


def test_shape_type_errors_come_first():
    with pytest.raises(TypeError):
        pn.zeros((2, "x"))
    with pytest.raises(TypeError):
        pn.zeros((2, 1.5))
    assert pn.zeros((3,)).tolist() == [0.0] * 3


@pytest.mark.parametrize("obj", [
    [[1.0, 2.0]], [[1.0], [2.0]], ((1.0,), (2.0,)), [[]], [[1.0, "x"]],
    [[1.0], [None]], [1.0, [2.0]], [[1.0, 2.0], [3.0]], [range(2), range(2)],
], ids=repr)
def test_nested_input(obj):
    with pytest.raises(NotImplementedError, match="1-D only"):
        pn.array(obj)


def test_nested_iterables_and_buffers():
    with pytest.raises(NotImplementedError):
        pn.array(row for row in [[1.0, 2.0], [3.0, 4.0]])
    a = pn.array([1.0, 2.0])
    with pytest.raises(NotImplementedError):
        a + [[1.0, 2.0]]
    with pytest.raises(NotImplementedError):
        a[:] = [[1.0, 2.0]]
    if numpy is None:
        return
    with pytest.raises(NotImplementedError):
        pn.array(numpy.zeros((2, 2)))
    with pytest.raises(NotImplementedError):
        pn.array([numpy.zeros(2), numpy.zeros(2)])
    with pytest.raises(TypeError):
        pn.array(numpy.array(1.0))
    x = numpy.arange(10.0)
    for v in (x[::3], x[::-1], x[2:7], x.astype("i4")[::2], x.astype(">f8")):
        assert pn.array(v).tolist() == v.tolist()


def test_eye_and_linalg():
    for args in ((3,), (2, 3), (2, 3, 1)):
        with pytest.raises(NotImplementedError):
            pn.eye(*args)
    A = pn.array([1.0, 2.0])
    for func in (pn.linalg.solve, pn.linalg.inv, pn.linalg.det):
        with pytest.raises(NotImplementedError):
            func(A) if func is not pn.linalg.solve else func(A, A)
    assert pn.linalg.LinAlgError is _ndapi.LinAlgError
    assert issubclass(pn.linalg.LinAlgError, ValueError)
    assert pn.AxisError is _ndapi.AxisError


def test_same_names_as_the_other_backends():
    for name in piconumpy.API:
        assert hasattr(pn, name), name
        assert name in pn.__all__, name
    a = pn.array([1.0])
    for name in REDUCTIONS + ("reshape", "transpose", "T", "ravel",
                              "flatten", "dot", "strides"):
        assert hasattr(a, name), name
    assert a.strides == (8,) and a.ndim == 1


# ---------------------------------------------------------------------------
# reductions with axis / keepdims

DATA = [[3.0, -1.0, 2.5, -1.0, 7.0], [0.5], [2.0, nan, -3.0, nan],
        [nan, 1.0], [inf, -inf, 4.0], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
        [nan, nan], [-0.0, 0.0], [1e300, 1e300, 1e-300]]


def _same(x, y):
    if isinstance(x, float) and x != x:
        return y != y
    return x == y


def _expected(name, values):
    """numpy's answer (or a math fallback when numpy is absent)."""
    if numpy is not None:
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")   # all-nan slices, overflow
            result = getattr(numpy, name)(numpy.array(values))
        return int(result) if name.startswith("arg") else float(result)
    clean = [x for x in values if x == x]
    has_nan = len(clean) != len(values)
    if name == "sum":
        return math.fsum(values) if not any(map(math.isinf, values)) else sum(values)
    return {
        "min": nan if has_nan else min(values),
        "max": nan if has_nan else max(values),
        "nansum": sum(clean),
        "nanmin": min(clean) if clean else nan,
        "nanmax": max(clean) if clean else nan,
        "argmin": values.index(nan) if has_nan else values.index(min(values)),
        "argmax": values.index(nan) if has_nan else values.index(max(values)),
        "mean": sum(values) / len(values),
        "prod": math.prod(values),
    }[name]


@pytest.mark.parametrize("name", REDUCTIONS)
@pytest.mark.parametrize("values", DATA, ids=repr)
def test_reductions(name, values):
    a = pn.array(values)
    want = _expected(name, values)
    axes = [None, 0, -1]
    if numpy is not None:
        axes.append(numpy.int64(0))
    if not name.startswith("arg"):   # numpy's argmin/argmax take no tuple
        axes += [(0,), (-1,)]
    for axis in axes:
        for got in (getattr(pn, name)(a, axis=axis), getattr(a, name)(axis),
                    getattr(pn, name)(values, axis)):
            assert type(got) is (int if name.startswith("arg") else float)
            assert _same(got, want), (name, values, axis, got, want)
        kept = getattr(a, name)(axis=axis, keepdims=True)
        assert isinstance(kept, pn.ndarray) and kept.shape == (1,)
        assert _same(kept[0], float(want))
        assert _same(getattr(pn, name)(a, keepdims=True)[0], float(want))


@pytest.mark.parametrize("name", REDUCTIONS)
def test_reductions_of_empty(name):
    e = pn.zeros(0)
    if name in ("min", "max", "argmin", "argmax", "nanmin", "nanmax"):
        with pytest.raises(ValueError, match="zero-size array"):
            getattr(pn, name)(e)
        with pytest.raises(ValueError):
            getattr(e, name)(axis=0, keepdims=True)
        return
    want = {"sum": 0.0, "nansum": 0.0, "prod": 1.0}.get(name)
    got = getattr(e, name)(axis=0)
    assert _same(got, nan if want is None else want)


@pytest.mark.parametrize("name", REDUCTIONS)
def test_reduction_axis_errors(name):
    a = pn.array([1.0, 2.0])
    reduce_ = getattr(pn, name)
    for axis in (1, -2, 5):
        with pytest.raises(pn.AxisError) as info:
            reduce_(a, axis=axis)
        assert str(info.value) == (
            "axis %d is out of bounds for array of dimension 1" % axis)
        with pytest.raises(ValueError):
            getattr(a, name)(axis)
        with pytest.raises(IndexError):
            getattr(a, name)(axis=axis, keepdims=True)
    for axis in (0.0, "0", True, [0], object()):
        with pytest.raises(TypeError):
            reduce_(a, axis=axis)
    if name.startswith("arg"):
        with pytest.raises(TypeError):
            reduce_(a, axis=(0,))
    else:
        with pytest.raises(ValueError):
            reduce_(a, axis=(0, -1))   # the same axis twice
        with pytest.raises(NotImplementedError):
            reduce_(a, axis=())
        with pytest.raises(pn.AxisError):
            reduce_(a, axis=(1,))


def test_reductions_match_the_c_kernels_bit_for_bit():
    # the new reductions follow kernels.h operation by operation
    import random
    rng = random.Random(5)
    cases = [[rng.uniform(0.5, 1.5) for _ in range(n)] for n in (1, 3, 4, 9, 31, 300)]
    cases += [[rng.choice([nan, rng.uniform(-1, 1)]) for _ in range(n)] for n in (5, 17, 40)]
    backends = [_loader.load(name) for name in piconumpy.backends() if name != "purepy"]
    for mod in backends:
        for values in cases:
            for name in REDUCTIONS:
                try:
                    want = getattr(mod, name)(mod.array(values))
                except ValueError:
                    continue
                got = getattr(pn, name)(values)
                assert _same(got, want), (mod.__name__, name, values)
                if got == got:   # signed zeros too
                    assert math.copysign(1, got) == math.copysign(1, want)


# ---------------------------------------------------------------------------
# element-wise functions with out=

@pytest.mark.parametrize("name", UNARY + ("abs",))
def test_out(name):
    func = getattr(pn, name)
    a = pn.array([0.25, 1.5, 4.0])
    want = func(a).tolist()
    out = pn.zeros(3)
    assert func(a, out=out) is out and out.tolist() == want
    out2 = pn.zeros(3)
    assert func(a, (out2,)) is out2 and out2.tolist() == want
    assert func([0.25, 1.5, 4.0], out=out).tolist() == want
    assert func(a, out=a) is a and a.tolist() == want   # in place
    assert func(a, None).tolist() == func(want).tolist()


def test_out_errors():
    a = pn.array([1.0, 2.0])
    before = pn.zeros(3)
    with pytest.raises(ValueError, match=r"\(3,\)"):
        pn.sin(a, out=before)
    assert before.tolist() == [0.0] * 3
    for bad in ([0.0, 0.0], (pn.zeros(2), pn.zeros(2)), 1.0):
        with pytest.raises(TypeError):
            pn.exp(a, out=bad)
    if numpy is not None:
        with pytest.raises(TypeError):
            pn.exp(a, out=numpy.zeros(2))


# ---------------------------------------------------------------------------
# shapes: 1-D only, copies

def test_reshape_forms():
    a = pn.array([1.0, 2.0, 3.0])
    for r in (a.reshape(3), a.reshape((3,)), a.reshape([3]), a.reshape(-1),
              a.reshape((-1,)), pn.reshape(a, 3), pn.reshape(a, (-1,)),
              pn.reshape([1.0, 2.0, 3.0], -1)):
        assert isinstance(r, pn.ndarray) and r.tolist() == [1.0, 2.0, 3.0]
        r[0] = 9.0
        assert a[0] == 1.0   # no views in this backend: copies
    if numpy is not None:
        assert a.reshape(numpy.int32(3)).shape == (3,)


def test_reshape_errors():
    a = pn.array([1.0, 2.0, 3.0])
    for args in ((4,), (0,), (-2,), ((5,),)):
        with pytest.raises(ValueError):
            a.reshape(*args)
    for args in ((1, 3), ((3, 1),), ((),), (-1, 1)):
        with pytest.raises(NotImplementedError, match="1-D only"):
            a.reshape(*args)
    with pytest.raises(NotImplementedError):
        pn.reshape(a, (1, 3))
    for args in ((3.0,), ("3",), (None,), ()):
        with pytest.raises(TypeError):
            a.reshape(*args)


def test_transpose_ravel_flatten():
    values = [1.0, -2.0, 3.5]
    a = pn.array(values)
    results = [a.T, a.transpose(), a.transpose(None), a.transpose(0),
               a.transpose((0,)), a.transpose(-1), a.ravel(), a.flatten(),
               pn.transpose(a), pn.transpose(a, (0,)), pn.ravel(a),
               pn.ravel(values), pn.transpose(values, [-1])]
    for r in results:
        assert isinstance(r, pn.ndarray) and r.tolist() == values
        r[1] = 0.0
    assert a.tolist() == values
    with pytest.raises(pn.AxisError):
        a.transpose(1)
    with pytest.raises(ValueError, match="axes don't match"):
        a.transpose(0, 0)
    with pytest.raises(ValueError):
        pn.transpose(a, ())
    with pytest.raises(TypeError):
        a.transpose(0.0)
    with pytest.raises(NotImplementedError):
        pn.ravel([[1.0], [2.0]])


# ---------------------------------------------------------------------------
# products

def test_dot_and_matmul():
    a = pn.array([1.0, 2.0, 3.0])
    b = pn.array([4.0, -5.0, 6.0])
    for got in (pn.dot(a, b), a.dot(b), pn.matmul(a, b), a @ b,
                pn.dot([1, 2, 3], (4, -5, 6)), pn.matmul(a, [4.0, -5.0, 6.0]),
                a @ [4.0, -5.0, 6.0], [1.0, 2.0, 3.0] @ b):
        assert type(got) is float and got == 12.0
    assert pn.dot(2, a).tolist() == [2.0, 4.0, 6.0]
    assert pn.dot(a, 0.5).tolist() == [0.5, 1.0, 1.5]
    assert pn.dot(2, 3.5) == 7.0
    with pytest.raises(ValueError):
        pn.dot(a, pn.zeros(2))
    with pytest.raises(ValueError):
        a @ pn.zeros(4)
    with pytest.raises(TypeError):
        a @ 2.0      # matmul takes no scalar, as numpy
    with pytest.raises(TypeError):
        pn.matmul(a, 2.0)
    with pytest.raises(NotImplementedError):
        pn.dot([[1.0, 0.0], [0.0, 1.0]], [1.0, 2.0])
    with pytest.raises(NotImplementedError):
        a @ [[1.0], [2.0], [3.0]]
