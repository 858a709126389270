"""Error behaviour of the docs/api.md contract, for every backend.

Also checks the rule "on failure nothing is modified".
"""
import operator
import re

import pytest

SIZE_MISMATCH = "operands could not be broadcast together with sizes %d and %d"


def names_sizes(message, *sizes):
    """True if every size appears in message as a whole number."""
    return all(re.search(r"(?<!\d)%d(?!\d)" % n, message) for n in sizes)


# ---------------------------------------------------------------------------
# array()

@pytest.mark.parametrize(
    "obj",
    ["abc", "", b"abc", bytearray(b"ab"), 3, 2.5, None, True, object()],
    ids=repr,
)
def test_array_rejects_non_sequences(pn, obj):
    with pytest.raises(TypeError):
        pn.array(obj)


@pytest.mark.parametrize(
    "obj",
    [[1.0, "2"], [1.0, None], [1j], ("x",), [b"1"], [object()],
     [[1.0, "x"]], [[1.0], [None]]],
    ids=repr,
)
def test_array_rejects_non_real_elements(pn, obj, backend_name):
    # nested input is N-D: purepy refuses it before looking at the elements
    nested = isinstance(obj[0], list)
    with pytest.raises(NotImplementedError if nested and backend_name == "purepy"
                       else TypeError):
        pn.array(obj)


def test_ragged_or_nested_input(pn, backend_name):
    for obj in ([1.0, [2.0]], [[1.0, 2.0], [3.0]]):
        with pytest.raises(NotImplementedError if backend_name == "purepy"
                           else ValueError):
            pn.array(obj)


def test_array_from_2d_numpy_and_scalars(pn, np, backend_name):
    if np is not None:
        if backend_name == "purepy":
            with pytest.raises(NotImplementedError):
                pn.array(np.zeros((2, 2)))
        else:
            assert pn.array(np.zeros((2, 2))).shape == (2, 2)
        with pytest.raises(TypeError):
            pn.array(np.float64(1.0))  # a scalar
    with pytest.raises(TypeError):
        pn.array(1.0)


def test_array_huge_int_element(pn):
    with pytest.raises(OverflowError):
        pn.array([10 ** 400])


# ---------------------------------------------------------------------------
# constructors

@pytest.mark.parametrize("name", ["empty", "zeros", "ones"])
def test_size_errors(pn, name):
    make = getattr(pn, name)
    with pytest.raises(ValueError):
        make(-1)
    with pytest.raises(ValueError):
        make((-5,))
    with pytest.raises((MemoryError, ValueError)):
        make(2 ** 60)
    with pytest.raises((MemoryError, ValueError)):
        make(2 ** 100)
    for bad in (2.0, 2.5, "3", None, [3.0], (2, "x")):
        with pytest.raises(TypeError):
            make(bad)


def test_full_errors(pn):
    with pytest.raises(ValueError):
        pn.full(-1, 0.0)
    with pytest.raises(TypeError):
        pn.full(3, "x")
    with pytest.raises(TypeError):
        pn.full(3, None)
    with pytest.raises(TypeError):
        pn.full(1.5, 0.0)
    with pytest.raises((MemoryError, ValueError)):
        pn.full(2 ** 60, 1.0)


def test_arange_errors(pn):
    for args in [(0, 1, 0), (5, 0, 0.0), (1, 2, -0.0)]:
        with pytest.raises(ValueError):
            pn.arange(*args)
    with pytest.raises(TypeError):
        pn.arange()
    with pytest.raises(TypeError):
        pn.arange(0, 1, 1, 1)
    with pytest.raises(TypeError):
        pn.arange("5")
    with pytest.raises(TypeError):
        pn.arange(0, None)
    with pytest.raises((MemoryError, ValueError)):
        pn.arange(0, 1e300, 1e-10)


def test_linspace_errors(pn):
    with pytest.raises(ValueError):
        pn.linspace(0, 1, -1)
    with pytest.raises(TypeError):
        pn.linspace(0, 1, 2.5)
    with pytest.raises(TypeError):
        pn.linspace("0", 1, 3)
    with pytest.raises(TypeError):
        pn.linspace(0, 1)


# ---------------------------------------------------------------------------
# indexing

def test_index_out_of_range(pn):
    a = pn.array([1.0, 2.0, 3.0])
    for i in (3, 4, -4, 2 ** 40, -(2 ** 40), 2 ** 100):
        with pytest.raises(IndexError):
            a[i]
        with pytest.raises(IndexError):
            a[i] = 0.0
    with pytest.raises(IndexError):
        pn.zeros(0)[0]
    assert a.tolist() == [1.0, 2.0, 3.0]


@pytest.mark.parametrize("key", [1.0, 0.5, "0", [0], (0, "x"), (1.0,)], ids=repr)
def test_bad_index_type(pn, key):
    a = pn.array([1.0, 2.0, 3.0])
    with pytest.raises(IndexError):
        a[key]
    with pytest.raises(IndexError):
        a[key] = 5.0
    assert a.tolist() == [1.0, 2.0, 3.0]


def test_numpy_float_index(pn, np):
    if np is None:
        return
    with pytest.raises(IndexError):
        pn.zeros(3)[np.float64(1.0)]


@pytest.mark.parametrize("value", ["x", None, object(), 1j], ids=repr)
def test_setitem_non_real(pn, value):
    a = pn.array([1.0, 2.0])
    with pytest.raises(TypeError):
        a[0] = value
    assert a.tolist() == [1.0, 2.0]


def test_setitem_sequence_into_one_element(pn):
    a = pn.array([1.0, 2.0])
    with pytest.raises((TypeError, ValueError)):   # numpy: ValueError
        a[0] = (1.0, 2.0)
    assert a.tolist() == [1.0, 2.0]


def test_slice_step_zero(pn):
    a = pn.array([1.0, 2.0])
    with pytest.raises(ValueError):
        a[::0]
    with pytest.raises(ValueError):
        a[::0] = 1.0
    assert a.tolist() == [1.0, 2.0]


def test_slice_bounds_must_be_integers(pn):
    a = pn.array([1.0, 2.0])
    with pytest.raises(TypeError):
        a[0.5:]


@pytest.mark.parametrize(
    "key,value",
    [
        (slice(None), [1.0, 2.0]),
        (slice(1, 3), [1.0, 2.0, 3.0]),
        (slice(None, None, 2), [1.0, 2.0]),
        (slice(0, 1), [1.0, 2.0]),
        (slice(None), []),
    ],
    ids=str,
)
def test_slice_assign_wrong_length(pn, key, value):
    values = [1.0, 2.0, 3.0, 4.0, 5.0]
    target = len(values[key])
    for source in (value, tuple(value), pn.array(value)):
        a = pn.array(values)
        with pytest.raises(ValueError) as info:
            a[key] = source
        assert names_sizes(str(info.value), len(value), target), str(info.value)
        assert a.tolist() == values  # neither changed nor resized


def test_slice_assign_bad_values(pn):
    values = [1.0, 2.0, 3.0]
    a = pn.array(values)
    for bad in ("ab", None, object(), [1.0, "x", 3.0], [1.0, None, 2.0]):
        with pytest.raises(TypeError):
            a[:] = bad
        assert a.tolist() == values


def test_delete_is_refused(pn):
    a = pn.array([1.0, 2.0, 3.0])
    for key in (0, -1, slice(None), slice(0, 1)):
        with pytest.raises(TypeError):
            del a[key]
    assert a.tolist() == [1.0, 2.0, 3.0]


# ---------------------------------------------------------------------------
# operators

BINARY = [operator.add, operator.sub, operator.mul, operator.truediv, operator.pow]
INPLACE = [operator.iadd, operator.isub, operator.imul, operator.itruediv]


@pytest.mark.parametrize("op", BINARY, ids=lambda op: op.__name__)
def test_size_mismatch(pn, op):
    a = pn.array([1.0, 2.0, 3.0])
    b = pn.array([1.0, 2.0])
    with pytest.raises(ValueError) as info:
        op(a, b)
    assert str(info.value) == SIZE_MISMATCH % (3, 2)
    with pytest.raises(ValueError) as info:
        op(b, a)
    assert str(info.value) == SIZE_MISMATCH % (2, 3)
    with pytest.raises(ValueError) as info:
        op(a, [1.0] * 10)
    assert names_sizes(str(info.value), 3, 10)
    with pytest.raises(ValueError) as info:
        op((1.0,) * 10, a)
    assert names_sizes(str(info.value), 10, 3)
    assert a.tolist() == [1.0, 2.0, 3.0] and b.tolist() == [1.0, 2.0]


@pytest.mark.parametrize("op", INPLACE, ids=lambda op: op.__name__)
def test_inplace_size_mismatch_changes_nothing(pn, op):
    a = pn.array([1.0, 2.0, 3.0])
    for other in (pn.array([1.0, 2.0]), [5.0] * 4, (), pn.zeros(0)):
        with pytest.raises(ValueError) as info:
            op(a, other)
        assert names_sizes(str(info.value), 3, len(other))
        assert a.tolist() == [1.0, 2.0, 3.0]


@pytest.mark.parametrize("op", BINARY, ids=lambda op: op.__name__)
@pytest.mark.parametrize("other", ["ab", None, object(), {1: 2}, 1j, {1.0}],
                         ids=repr)
def test_unsupported_operands(pn, op, other):
    a = pn.array([1.0, 2.0])
    with pytest.raises(TypeError):
        op(a, other)
    with pytest.raises(TypeError):
        op(other, a)
    assert a.tolist() == [1.0, 2.0]


@pytest.mark.parametrize("op", INPLACE, ids=lambda op: op.__name__)
def test_inplace_bad_operand_changes_nothing(pn, op):
    a = pn.array([1.0, 2.0, 3.0])
    for bad in ("abc", None, [1.0, "x", 3.0], (1.0, None, 2.0), object()):
        with pytest.raises(TypeError):
            op(a, bad)
        assert a.tolist() == [1.0, 2.0, 3.0]


def test_never_zero_division_error(pn):
    a = pn.array([1.0, 0.0, -1.0])
    for result in (a / 0, a / 0.0, 1 / pn.zeros(3), a / pn.zeros(3),
                   pn.zeros(3) ** -1, 0.0 ** pn.array([-1.0])):
        assert isinstance(result, pn.ndarray)
    a /= 0
    assert a.size == 3


def test_pow_with_modulo(pn):
    a = pn.array([1.0, 2.0])
    with pytest.raises(TypeError):
        pow(a, 2, 3)


def test_math_function_input_errors(pn):
    for name in ("sin", "cos", "tan", "exp", "log", "sqrt", "absolute", "abs"):
        f = getattr(pn, name)
        with pytest.raises(TypeError):
            f("abc")
        with pytest.raises(TypeError):
            f([1.0, "x"])
        with pytest.raises(TypeError):
            f(None)


def test_reduction_input_errors(pn):
    for f in (pn.sum, pn.min, pn.max, pn.mean):
        with pytest.raises(TypeError):
            f("abc")
        with pytest.raises(TypeError):
            f([1.0, None])


def test_dot_errors(pn):
    a = pn.array([1.0, 2.0, 3.0])
    with pytest.raises(ValueError) as info:
        pn.dot(a, pn.array([1.0, 2.0]))
    assert names_sizes(str(info.value), 3, 2)
    with pytest.raises(ValueError) as info:
        a.dot([1.0] * 5)
    assert names_sizes(str(info.value), 3, 5)
    with pytest.raises(TypeError):
        pn.dot(a, "abc")
    with pytest.raises(TypeError):
        pn.dot(a)


def test_attributes_are_read_only(pn, backend_name):
    # PyPy 7.3.11's HPy used to abort the process here (getter-only attribute)
    a = pn.array([1.0])
    for name, value in (("size", 2), ("shape", (2,)), ("ndim", 2), ("dtype", "f4")):
        with pytest.raises(AttributeError):
            setattr(a, name, value)
    assert a.size == 1 and a.shape == (1,) and a.ndim == 1


def test_ndarray_is_not_called_directly(pn):
    # like the docs say: build arrays with array(), zeros()...
    with pytest.raises(TypeError):
        pn.ndarray([1.0, 2.0])
    assert isinstance(pn.array([1.0]), pn.ndarray)


def test_slice_assign_from_other_array_likes(pn, np):
    a = pn.zeros(4)
    a[1:3] = range(2)
    assert a.tolist() == [0.0, 0.0, 1.0, 0.0]
    a[::2] = (x * 2.0 for x in range(2))
    assert a.tolist() == [0.0, 0.0, 2.0, 0.0]
    if np is not None:
        a[:] = np.arange(4.0)[::-1]
        assert a.tolist() == [3.0, 2.0, 1.0, 0.0]
    with pytest.raises(ValueError):
        a[1:3] = range(5)
    assert a.tolist() == ([3.0, 2.0, 1.0, 0.0] if np is not None else [0.0, 0.0, 2.0, 0.0])
