"""piconumpy._coerce: what the C constructors get for array-like input.

``to_float_source`` returns a flat list of floats (1-D iterables) or
``(shape, float64 bytes)`` (nested input and buffers of any dimension).
"""
import array
import collections
import decimal
import fractions

import pytest

from piconumpy._coerce import MAXDIMS, nest, to_float_source

try:
    import numpy
except ImportError:
    numpy = None

nan = float("nan")


def decoded(source):
    """(shape, values) of a to_float_source result, whatever its form."""
    if type(source) is list:
        return (len(source),), source
    shape, data = source
    assert type(shape) is tuple and type(data) is bytes
    assert len(data) == 8 * _size(shape)
    return shape, array.array("d", data).tolist()


def _size(shape):
    total = 1
    for n in shape:
        total *= n
    return total


def flat(x):
    if isinstance(x, list):
        return [y for item in x for y in flat(item)]
    return [x]


# ---------------------------------------------------------------------------
# nested sequences

@pytest.mark.parametrize("obj,shape", [
    ([[1, 2, 3], [4, 5, 6]], (2, 3)),
    (((1.0,), (2.0,)), (2, 1)),
    ([[[1.5]]], (1, 1, 1)),
    ([[], []], (2, 0)),
    ([[]], (1, 0)),
    ([[[], []], [[], []]], (2, 2, 0)),
    ([(1, 2), [3, 4]], (2, 2)),
    ([[True, False]], (1, 2)),
    ([range(3), range(3)], (2, 3)),
    ([collections.deque([1.0, 2.0])], (1, 2)),
    ([[decimal.Decimal("0.5"), fractions.Fraction(1, 4)]], (1, 2)),
], ids=repr)
def test_nested(obj, shape):
    got_shape, values = decoded(to_float_source(obj))
    assert got_shape == shape
    assert values == [float(x) for x in flat(_as_lists(obj))]
    assert all(type(x) is float for x in values)


def _as_lists(obj):
    if isinstance(obj, (list, tuple, range, collections.deque)):
        return [_as_lists(x) for x in obj]
    return obj


@pytest.mark.parametrize("obj,depth,detected", [
    ([[1.0, 2.0], [3.0]], 1, (2,)),
    ([1.0, [2.0]], 1, (2,)),
    ([[1.0], 2.0], 1, (2,)),
    ([[1, 2], [3, [4]]], 2, (2, 2)),
    ([[[1], [2]], [[3], [4, 5]]], 2, (2, 2)),
    ([[], [1.0]], 1, (2,)),
], ids=repr)
def test_ragged(obj, depth, detected):
    with pytest.raises(ValueError) as info:
        to_float_source(obj)
    message = str(info.value)
    assert "inhomogeneous shape after %d dimensions" % depth in message
    assert repr(detected) in message


@pytest.mark.parametrize("obj", [
    [["1.0"]], [[1.0, None]], [[b"x"]], [[1j]], [[object()]],
    [[{"a": 1}]], [[1.0], [bytearray(b"x")]],
], ids=repr)
def test_bad_elements(obj):
    with pytest.raises(TypeError):
        to_float_source(obj)


def test_too_deep_or_self_containing():
    deep = [1.0]
    for _ in range(MAXDIMS):
        deep = [deep]
    with pytest.raises(ValueError, match="at most %d dimensions" % MAXDIMS):
        to_float_source(deep)
    ok = [1.0]
    for _ in range(MAXDIMS - 1):
        ok = [ok]
    assert decoded(to_float_source(ok))[0] == (1,) * MAXDIMS
    loop = []
    loop.append(loop)
    with pytest.raises(ValueError):
        to_float_source(loop)


def test_huge_int_element():
    with pytest.raises(OverflowError):
        to_float_source([[10 ** 400]])
    with pytest.raises(OverflowError):
        to_float_source(iter([10 ** 400]))


# ---------------------------------------------------------------------------
# iterables

def test_flat_iterables_give_lists():
    assert to_float_source(range(4)) == [0.0, 1.0, 2.0, 3.0]
    assert to_float_source(x / 2 for x in range(3)) == [0.0, 0.5, 1.0]
    assert to_float_source(iter([True, 2, 3.5])) == [1.0, 2.0, 3.5]
    assert to_float_source([decimal.Decimal(1), fractions.Fraction(1, 2)]) == [1.0, 0.5]
    assert to_float_source(iter([])) == []
    assert all(type(x) is float for x in to_float_source(range(3)))


def test_flat_sequences_give_lists():
    for obj in ((1.0, 2.0), (1, 2.0), [1.0, 2.0], ()):
        got = to_float_source(obj)
        assert type(got) is list and got == [float(x) for x in obj]


def test_iterables_of_sequences():
    assert decoded(to_float_source(iter([[1, 2], [3, 4]]))) == ((2, 2), [1.0, 2.0, 3.0, 4.0])
    assert decoded(to_float_source(r for r in ((1.0,), (2.0,)))) == ((2, 1), [1.0, 2.0])
    with pytest.raises(ValueError):
        to_float_source(iter([[1.0], [2.0, 3.0]]))


@pytest.mark.parametrize("obj", [1.0, 3, None, "12", b"12", bytearray(b"1"), object()],
                         ids=repr)
def test_not_array_like(obj):
    with pytest.raises(TypeError):
        to_float_source(obj)


@pytest.mark.parametrize("obj", [iter(["1"]), iter([None]), iter([1j])], ids=repr)
def test_iterable_bad_elements(obj):
    with pytest.raises(TypeError):
        to_float_source(obj)


# ---------------------------------------------------------------------------
# buffers and __array_interface__ (no numpy needed)

def test_stdlib_buffers():
    assert decoded(to_float_source(array.array("d", [1.0, 2.5]))) == ((2,), [1.0, 2.5])
    assert decoded(to_float_source(array.array("i", [1, -2]))) == ((2,), [1.0, -2.0])
    view = memoryview(array.array("d", range(6))).cast("B").cast("d", (2, 3))
    assert decoded(to_float_source(view)) == ((2, 3), [0.0, 1.0, 2.0, 3.0, 4.0, 5.0])
    strided = memoryview(array.array("d", range(6)))[::2]
    assert decoded(to_float_source(strided)) == ((3,), [0.0, 2.0, 4.0])
    with pytest.raises(TypeError):
        to_float_source(memoryview(array.array("d", [1.0])).cast("B").cast("d", ()))


class Interface:
    """Exposes another object's memory through __array_interface__ only."""

    def __init__(self, interface, keep=None):
        self.__array_interface__ = interface
        self.keep = keep   # keeps the memory alive


def test_array_interface_pointer_and_strides():
    import ctypes

    values = array.array("d", [float(i) for i in range(12)])
    address, _ = values.buffer_info()
    base = {"typestr": "<f8", "data": (address, True), "version": 3}
    plain = Interface(dict(base, shape=(3, 4)), values)
    assert decoded(to_float_source(plain)) == ((3, 4), [float(i) for i in range(12)])
    transposed = Interface(dict(base, shape=(4, 3), strides=(8, 32)), values)
    assert decoded(to_float_source(transposed))[1] == [
        0.0, 4.0, 8.0, 1.0, 5.0, 9.0, 2.0, 6.0, 10.0, 3.0, 7.0, 11.0]
    reversed_rows = Interface(dict(base, shape=(3,), strides=(-32,), offset=64), values)
    assert decoded(to_float_source(reversed_rows)) == ((3,), [8.0, 4.0, 0.0])
    ints = (ctypes.c_int16 * 4)(1, -2, 3, -4)
    small = Interface({"typestr": "<i2", "shape": (2, 2), "version": 3,
                       "data": (ctypes.addressof(ints), False)}, ints)
    assert decoded(to_float_source(small)) == ((2, 2), [1.0, -2.0, 3.0, -4.0])
    as_buffer = Interface({"typestr": ">f8", "shape": (2,), "version": 3,
                           "data": array.array("d", [1.0, 2.0]).tobytes()})
    swapped = decoded(to_float_source(as_buffer))[1]
    assert len(swapped) == 2 and swapped != [1.0, 2.0]   # read as big-endian
    with pytest.raises(TypeError):
        to_float_source(Interface(dict(base, shape=())))
    with pytest.raises(TypeError):
        to_float_source(Interface(dict(base, shape=(2,), data=(0, True))))
    assert decoded(to_float_source(Interface(dict(base, shape=(0, 2), data=(0, True))))) == (
        (0, 2), [])
    with pytest.raises(TypeError):
        to_float_source(Interface(dict(base, shape=(2,), typestr="<c16")))


# ---------------------------------------------------------------------------
# numpy arrays of any layout (PyPy's memoryview.tobytes() ignores strides)

def _numpy_cases():
    x = numpy.arange(24.0).reshape(2, 3, 4) - 7.5
    return [x, x.T, x[:, ::2, ::-1], x.transpose(1, 0, 2), x[1], x[:, 1],
            x[..., 0], x.ravel()[::3], x.ravel()[::-1], x.astype("f4").T,
            x.astype("i8")[:, ::-1], x.astype(">f8"), x.astype(">f8").T,
            numpy.zeros((0, 3)), numpy.zeros((3, 0)).T, x.astype(bool),
            numpy.asfortranarray(x), x[:, :, 1:3]]


def test_numpy_any_layout():
    if numpy is None:
        return
    for v in _numpy_cases():
        shape, values = decoded(to_float_source(v))
        assert shape == v.shape, v
        assert values == [float(y) for y in v.ravel().tolist()], v


def test_numpy_elements_and_scalars():
    if numpy is None:
        return
    rows = [numpy.arange(3.0), numpy.arange(3.0)[::-1]]
    assert decoded(to_float_source(rows)) == ((2, 3), [0.0, 1.0, 2.0, 2.0, 1.0, 0.0])
    mixed = [[numpy.float64(1.5), numpy.int32(2), numpy.array(3.0)]]
    assert decoded(to_float_source(mixed)) == ((1, 3), [1.5, 2.0, 3.0])
    assert to_float_source([numpy.float32(0.5), numpy.array(2)]) == [0.5, 2.0]
    with pytest.raises(ValueError):
        to_float_source([numpy.zeros(2), numpy.zeros(3)])
    with pytest.raises(TypeError):
        to_float_source(numpy.array(1.0))
    with pytest.raises(TypeError):
        to_float_source(numpy.float64(1.0))
    with pytest.raises(TypeError):
        to_float_source(numpy.zeros((2, 2), dtype=complex))
    with pytest.raises(ValueError):
        to_float_source(numpy.zeros((1,) * (MAXDIMS + 1)))


# ---------------------------------------------------------------------------
# nest

@pytest.mark.parametrize("shape", [(0,), (3,), (2, 3), (3, 1, 2), (2, 0, 3),
                                   (0, 2), (1, 1, 1, 1), (2, 2, 2, 2), ()],
                         ids=repr)
def test_nest(shape):
    values = [float(i) for i in range(_size(shape))]
    nested = nest(values, shape)
    if numpy is not None:
        assert nested == numpy.array(values).reshape(shape).tolist()
    if shape:
        assert flat(nested) == values
        assert len(nested) == shape[0]
    else:
        assert nested == 0.0
    assert values == [float(i) for i in range(_size(shape))]   # not modified


def test_nest_errors_and_copies():
    with pytest.raises(ValueError):
        nest([1.0, 2.0, 3.0], (2, 2))
    source = [1.0, 2.0]
    result = nest(source, (2,))
    assert result == source and result is not source
