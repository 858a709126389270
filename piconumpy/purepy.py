"""piconumpy's pure-Python backend.

Same behaviour as the C backends (see docs/api.md), written to be fast on
PyPy: the data is a plain list of floats and the common operations are
short list comprehensions the JIT compiles well.  Numeric results follow
the C kernels (piconumpy/kernels.h) operation by operation, so every backend
gives bit-identical answers; IEEE special values (inf, nan) are produced
where Python's float operations would raise.

No buffer is exported: ``memoryview(a)`` raises TypeError.

This backend is 1-D only: N-D shapes and nested input raise
NotImplementedError.  It takes the same keyword forms as the N-D backends
for 1-D data (``sum(a, axis=0, keepdims=True)``, ``sin(a, out=b)``,
``a.reshape(-1)``, ``a.T``...); having no views, reshape/transpose/ravel
return copies, as slicing does.
"""

import builtins as _builtins
import math as _math
import operator as _operator
import sys as _sys
import types as _types
from array import array as _typed_array
from operator import index as _index

from ._coerce import to_float_source as _to_float_source
from ._ndapi import (
    REDUCTIONS as _REDUCTIONS, AxisError, LinAlgError, make_copyto as _make_copyto,
    _is_scalar, _method_shape, _reduction_axis, _shape_tuple, _transpose_axes,
)
from . import _scalar
from ._dtype import check_float64 as _check_float64, float64 as _float64
from ._format import array_repr as _array_repr, array_str as _array_str

__all__ = [
    "ndarray", "array", "empty", "zeros", "ones", "full", "arange",
    "linspace", "sin", "cos", "tan", "exp", "log", "sqrt", "absolute", "abs",
    "sum", "min", "max", "mean", "dot",
    "prod", "argmin", "argmax", "nanmin", "nanmax", "nansum", "reshape",
    "transpose", "ravel", "matmul", "eye", "linalg", "AxisError",
    "add", "subtract", "multiply", "divide", "true_divide", "power", "copyto",
]

# This module defines sum/min/max/abs: keep the builtins under other names.
_builtin_min = _builtins.min
_builtin_max = _builtins.max
_builtin_sum = _builtins.sum

_inf = float("inf")
_nan = float("nan")
_fabs = _math.fabs
_mpow = _math.pow
_msqrt = _math.sqrt
_MAX_SIZE = _sys.maxsize // 8  # as in C: n * sizeof(double) must fit

# Error texts: the same as the C backends' (array_core.h).
_MSG_SIZE_MISMATCH = "operands could not be broadcast together with sizes %d and %d"
_MSG_NEGATIVE_SIZE = "negative dimensions are not allowed"
_MSG_ARANGE_ZERO_STEP = "arange: step must not be zero"
_MSG_BAD_RANGE = "arange: bounds must be finite"
_MSG_INDEX_RANGE = "index out of range for array"
_MSG_INDEX_TYPE = "only integers and slices (`:`) are valid indices"
_MSG_EMPTY_REDUCTION = "zero-size array to reduction operation %s which has no identity"
_MSG_NO_DELETE = "cannot delete array elements"
_MSG_1D_ONLY = (
    "piconumpy's pure-Python backend is 1-D only (%s); the C backends "
    "(cpython, hpy, hpy_universal) support N-D arrays"
)
# names of the reductions in "zero-size array" errors, as in array_core.h
_EMPTY_NAMES = ("sum", "prod", "minimum", "maximum", "argmin", "argmax",
                "fmin", "fmax", "nansum", "mean")


def _not_1d(what):
    raise NotImplementedError(_MSG_1D_ONLY % what)


# ---------------------------------------------------------------------------
# conversions

def _as_float(x):
    """float(x) for a real number, like C's PyFloat_AsDouble.

    Unlike float(), strings are not parsed: only objects with __float__ or
    __index__ (int, bool, numpy scalars...) are real numbers here.
    """
    if type(x) is float:
        return x
    cls = type(x)
    if hasattr(cls, "__float__") or hasattr(cls, "__index__"):
        return float(x)
    raise TypeError("must be real number, not %s" % cls.__name__)


def _float_list(obj):
    """A new list of floats from anything array() accepts (1-D only)."""
    if isinstance(obj, ndarray):
        return obj._data[:]
    if isinstance(obj, (list, tuple)):
        try:
            return [x if type(x) is float else _as_float(x) for x in obj]
        except TypeError:
            nested = any(isinstance(x, (list, tuple)) for x in obj)
        if nested:   # N-D input is refused before its elements are checked
            _not_1d("got nested sequences")
    # iterables, buffers, bad elements: the rules shared with the C backends
    source = _to_float_source(obj)
    if type(source) is list:
        return [x if type(x) is float else _as_float(x) for x in source]
    shape, data = source
    if len(shape) != 1:
        _not_1d("got input of shape %r" % (shape,))
    return _typed_array("d", data).tolist()


def _data_of(obj):
    """The float list of an array, or of array(obj) for other inputs."""
    if isinstance(obj, ndarray):
        return obj._data
    return _float_list(obj)


def _operand(obj):
    """Classify a binary-operator operand like the C backends do.

    Returns a list (array operand; lists and tuples are converted), a float
    (real scalar) or None (unsupported: the operator returns NotImplemented).
    """
    if isinstance(obj, ndarray):
        return obj._data
    try:
        return _as_float(obj)  # scalars first, as in the C backends
    except TypeError:
        pass
    if isinstance(obj, (list, tuple)):
        return _float_list(obj)
    return None


def _check_size(n):
    if n < 0:
        raise ValueError(_MSG_NEGATIVE_SIZE)
    if n > _MAX_SIZE:
        raise MemoryError("array of %d elements is too large" % n)


def _parse_size(n):
    """The element count of empty()/zeros()/...: an int or a (n,) tuple."""
    if isinstance(n, tuple):
        dims = [_int_arg(d) for d in n]   # TypeError comes first, as in C
        if len(dims) != 1:
            _not_1d("shape %r" % (n,))
        n = dims[0]
    else:
        n = _int_arg(n)
    if not -_sys.maxsize - 1 <= n <= _sys.maxsize:
        raise ValueError("array size is too large")
    _check_size(n)
    return n


def _int_arg(n):
    """An int from an integer argument (floats refused, numpy ints fine)."""
    if isinstance(n, float) or not hasattr(type(n), "__index__"):
        raise TypeError(
            "'%s' object cannot be interpreted as an integer" % type(n).__name__
        )
    return _index(n)


def _normalize_index(key, n):
    """Non-negative position of a non-slice index (IndexError if invalid)."""
    if isinstance(key, float) or not hasattr(type(key), "__index__"):
        raise IndexError(_MSG_INDEX_TYPE)
    i = _index(key)
    if i < 0:
        i += n
    if not 0 <= i < n:
        raise IndexError(_MSG_INDEX_RANGE)
    return i


def _size_mismatch(n1, n2):
    raise ValueError(_MSG_SIZE_MISMATCH % (n1, n2))


_new = object.__new__


def _wrap(data):
    """A new ndarray owning ``data`` (a list of floats, not copied)."""
    a = _new(ndarray)
    a._data = data
    return a


# ---------------------------------------------------------------------------
# IEEE versions of the operations where Python raises instead

def _div(x, y):
    """x / y with IEEE division by zero (inf with the sign of x*y, or nan)."""
    if y:
        return x / y
    if x != x or x == 0.0:
        return _nan
    return _math.copysign(_inf, x) * _math.copysign(1.0, y)


def _is_odd_integer(y):
    # y finite; above 2**53 every float is an even integer
    return _fabs(_math.fmod(y, 2.0)) == 1.0


def _pow(x, y):
    """C99 pow(x, y) (Annex F): inf/nan/signed zeros, never an exception.

    Special values are handled here rather than by math.pow, whose
    behaviour for them differs between CPython and PyPy.
    """
    if y == 0.0 or x == 1.0:
        return 1.0  # even for nan
    if x != x or y != y:
        return _nan
    if _math.isinf(y):
        magnitude = _fabs(x)
        if magnitude == 1.0:
            return 1.0
        return 0.0 if (magnitude < 1.0) == (y > 0.0) else _inf
    odd = _is_odd_integer(y)
    if x == 0.0 or _math.isinf(x):
        # 0**negative and inf**positive are infinite, the others zero;
        # odd integer powers keep the sign of x
        result = _inf if (x == 0.0) == (y < 0.0) else 0.0
        return _math.copysign(result, x) if odd else result
    try:
        return _mpow(x, y)
    except OverflowError:
        return -_inf if x < 0.0 and odd else _inf
    except ValueError:
        return _nan  # negative base, non-integer exponent


def _sqrt(x):
    return _msqrt(x) if x >= 0.0 else _nan  # also nan for nan


def _log(x):
    if x > 0.0:
        return _math.log(x)
    return -_inf if x == 0.0 else _nan


def _exp(x):
    try:
        return _math.exp(x)
    except OverflowError:
        return _inf


def _finite_only(func):
    """func(x) for finite x, nan for inf (sin/cos/tan of inf raise)."""
    def guarded(x):
        return func(x) if _math.isfinite(x) else _nan
    return guarded


_safe_sin = _finite_only(_math.sin)
_safe_cos = _finite_only(_math.cos)
_safe_tan = _finite_only(_math.tan)


def _map_ieee(func, safe_func, data):
    # the plain math function is fast; redo with the IEEE-safe version only
    # when some element made it raise
    try:
        return [func(x) for x in data]
    except (ValueError, OverflowError):
        return [safe_func(x) for x in data]


# ---------------------------------------------------------------------------
# element-wise kernels: vv (list op list), vs (list op scalar), sv (scalar
# op list), mirroring kernels.h.  Sizes are checked by the callers.

def _add_vv(a, b):
    return [x + y for x, y in zip(a, b)]


def _add_vs(a, s):
    return [x + s for x in a]


def _add_sv(s, b):
    return [s + y for y in b]


def _sub_vv(a, b):
    return [x - y for x, y in zip(a, b)]


def _sub_vs(a, s):
    return [x - s for x in a]


def _sub_sv(s, b):
    return [s - y for y in b]


def _mul_vv(a, b):
    return [x * y for x, y in zip(a, b)]


def _mul_vs(a, s):
    return [x * s for x in a]


def _mul_sv(s, b):
    return [s * y for y in b]


def _div_vv(a, b):
    try:
        return [x / y for x, y in zip(a, b)]
    except ZeroDivisionError:
        return [_div(x, y) for x, y in zip(a, b)]


def _div_vs(a, s):
    if s == 0.0:
        return [_div(x, s) for x in a]
    return [x / s for x in a]


def _div_sv(s, b):
    try:
        return [s / y for y in b]
    except ZeroDivisionError:
        return [_div(s, y) for y in b]


def _pow_vv(a, b):
    try:
        return [_mpow(x, y) for x, y in zip(a, b)]
    except (ValueError, OverflowError):
        return [_pow(x, y) for x, y in zip(a, b)]


def _pow_vs(a, s):
    # the same shortcuts as the C kernel: x**2 exact, x**0.5 sqrt, x**-1 1/x
    if s == 2.0:
        return [x * x for x in a]
    if s == 1.0:
        return a[:]
    if s == 0.5:
        return _map_ieee(_msqrt, _sqrt, a)
    if s == -1.0:  # exact reciprocal, as numpy
        return _div_sv(1.0, a)
    try:
        return [_mpow(x, s) for x in a]
    except (ValueError, OverflowError):
        return [_pow(x, s) for x in a]


def _pow_sv(s, b):
    try:
        return [_mpow(s, y) for y in b]
    except (ValueError, OverflowError):
        return [_pow(s, y) for y in b]


_ADD = (_add_vv, _add_vs, _add_sv)
_SUB = (_sub_vv, _sub_vs, _sub_sv)
_MUL = (_mul_vv, _mul_vs, _mul_sv)
_DIV = (_div_vv, _div_vs, _div_sv)
_POW = (_pow_vv, _pow_vs, _pow_sv)


def _binary(kernels, left, right):
    """left op right, one of them an ndarray: the general (slow) path."""
    a = _operand(left)
    if a is None:
        return NotImplemented
    b = _operand(right)
    if b is None:
        return NotImplemented
    vv, vs, sv = kernels
    if type(a) is list:
        if type(b) is list:
            if len(a) != len(b):
                _size_mismatch(len(a), len(b))
            return _wrap(vv(a, b))
        return _wrap(vs(a, b))
    return _wrap(sv(a, b))


def _inplace(kernels, self, other):
    """self op= other: replaces self's data, only once it is all computed."""
    b = _operand(other)
    if b is None:
        return NotImplemented
    a = self._data
    if type(b) is list:
        if len(a) != len(b):
            _size_mismatch(len(a), len(b))
        self._data = kernels[0](a, b)
    else:
        self._data = kernels[1](a, b)
    return self


# ---------------------------------------------------------------------------
# reductions, in the C kernels' order of operations (same rounding)

_SUM_LANES = 16
_SUM_BLOCK = 256


def _block_lanes(a, lo, hi):
    # 16 lanes, each adding every 16th element of the block; the tail adds
    # one element per lane: like pn_sum_lanes_k
    r = [0.0] * _SUM_LANES
    i = lo
    while i + _SUM_LANES <= hi:
        for j in range(_SUM_LANES):
            r[j] += a[i + j]
        i += _SUM_LANES
    j = 0
    while i < hi:
        r[j] += a[i]
        i += 1
        j += 1
    return r


def _pairwise_sum(a, lo, hi):
    """Pairwise summation, rounding error growing as log(n) like numpy's:
    block lanes combined lane by lane with a binary counter, then the 16
    lanes pairwise -- exactly pn_sum_k's order of operations."""
    stack = []
    count = 0
    for start in range(lo, hi, _SUM_BLOCK):
        end = start + _SUM_BLOCK if hi - start > _SUM_BLOCK else hi
        r = _block_lanes(a, start, end)
        count += 1
        c = count
        while c & 1 == 0:
            x = stack.pop()
            r = [x[j] + r[j] for j in range(_SUM_LANES)]
            c >>= 1
        stack.append(r)
    if not stack:
        return 0.0
    r = stack.pop()
    while stack:
        x = stack.pop()
        r = [x[j] + r[j] for j in range(_SUM_LANES)]
    w = _SUM_LANES // 2
    while w >= 1:
        for j in range(w):
            r[j] = r[j] + r[j + w]
        w //= 2
    return r[0]


def _sum(a):
    return _pairwise_sum(a, 0, len(a))


_DOT_LANES = 16


def _dot(a, b):
    # the C kernels' order (kernels.h, pn_dot_k): 16 lanes, combined
    # pairwise, then the tail in order -- bit-identical results
    n = len(a)
    full = n - n % _DOT_LANES
    s = 0.0
    if full:
        r = [0.0] * _DOT_LANES
        for j in range(_DOT_LANES):
            acc = 0.0
            for i in range(j, full, _DOT_LANES):
                acc += a[i] * b[i]
            r[j] = acc
        w = _DOT_LANES // 2
        while w:
            for j in range(w):
                r[j] = r[j] + r[j + w]
            w //= 2
        s = r[0]
    for i in range(full, n):
        s += a[i] * b[i]
    return s


def _has_nan(a):
    # a nan always makes the sum nan; a nan sum can also come from
    # inf + -inf, so only then look element by element
    total = _builtin_sum(a, 0.0)
    if total == total:
        return False
    for x in a:
        if x != x:
            return True
    return False


def _extremum(a, pick, name):
    """min or max with numpy's rule: any nan makes the result nan."""
    if not a:
        raise ValueError(_MSG_EMPTY_REDUCTION % name)
    if _has_nan(a):
        return _nan
    # the builtins keep the first of equal values, like the C loop
    return pick(a)


def _min(a):
    return _extremum(a, _builtin_min, "minimum")


def _max(a):
    return _extremum(a, _builtin_max, "maximum")


def _mean(a):
    return _sum(a) / len(a) if a else _nan


def _prod(a):
    # 4 interleaved products, then the tail: like pn_prod
    r0 = r1 = r2 = r3 = 1.0
    n = len(a)
    i = 0
    while i + 4 <= n:
        r0 *= a[i]
        r1 *= a[i + 1]
        r2 *= a[i + 2]
        r3 *= a[i + 3]
        i += 4
    p = (r0 * r1) * (r2 * r3)
    while i < n:
        p *= a[i]
        i += 1
    return p


def _nansum(a):
    # nan counts as 0, 4 accumulators: like pn_nansum
    r0 = r1 = r2 = r3 = 0.0
    n = len(a)
    i = 0
    while i + 4 <= n:
        x0, x1, x2, x3 = a[i], a[i + 1], a[i + 2], a[i + 3]
        r0 += x0 if x0 == x0 else 0.0
        r1 += x1 if x1 == x1 else 0.0
        r2 += x2 if x2 == x2 else 0.0
        r3 += x3 if x3 == x3 else 0.0
        i += 4
    s = (r0 + r1) + (r2 + r3)
    while i < n:
        x = a[i]
        s += x if x == x else 0.0
        i += 1
    return s


def _check_not_empty(a, kind):
    if not a:
        raise ValueError(_MSG_EMPTY_REDUCTION % _EMPTY_NAMES[kind])


def _nanmin(a):
    _check_not_empty(a, 6)
    best = _nan   # stays nan only if every element is nan
    for x in a:
        if x < best or best != best:
            best = x if x == x else best
    return best


def _nanmax(a):
    _check_not_empty(a, 7)
    best = _nan
    for x in a:
        if x > best or best != best:
            best = x if x == x else best
    return best


def _argmin(a):
    # numpy's rule: the first nan wins, else the first smallest
    _check_not_empty(a, 4)
    best = 0
    for i, x in enumerate(a):
        if x != x:
            return i
        if x < a[best]:
            best = i
    return best


def _argmax(a):
    _check_not_empty(a, 5)
    best = 0
    for i, x in enumerate(a):
        if x != x:
            return i
        if x > a[best]:
            best = i
    return best


# in the order of _ndapi.REDUCTIONS (the C backends' reduction kinds)
_REDUCTION_KERNELS = (_sum, _prod, _min, _max, _argmin, _argmax, _nanmin,
                      _nanmax, _nansum, _mean)


def _reduce_1d(kernel, data, kind, axis, keepdims):
    """A reduction with an axis or keepdims: the rare path."""
    if axis is not None:
        _reduction_axis(axis, 1, kind)   # AxisError, TypeError...
    result = kernel(data)
    return _wrap([float(result)]) if keepdims else result


def _make_reduction(kind):
    kernel = _REDUCTION_KERNELS[kind]

    def reduction(a, axis=None, keepdims=False):
        data = a._data if type(a) is ndarray else _data_of(a)
        if axis is None and not keepdims:
            return kernel(data)
        return _reduce_1d(kernel, data, kind, axis, keepdims)

    reduction.__name__ = reduction.__qualname__ = _REDUCTIONS[kind]
    reduction.__doc__ = (
        "%s of the elements; axis (None, 0 or -1) and keepdims as numpy's"
        % _REDUCTIONS[kind])
    return reduction


# ---------------------------------------------------------------------------
# the array type

class ndarray:
    """1-D float64 array (create it with array(), zeros(), arange()...)."""

    __slots__ = ("_data",)

    ndim = 1
    dtype = _float64

    def __new__(cls, *args, **kwargs):
        raise TypeError(
            "use piconumpy.array(), zeros(), empty()... to create arrays"
        )

    # --- attributes and conversions

    @property
    def size(self):
        return len(self._data)

    @property
    def shape(self):
        return (len(self._data),)

    def __len__(self):
        return len(self._data)

    def __iter__(self):
        return iter(self._data)

    def tolist(self):
        return self._data[:]

    def copy(self):
        return _wrap(self._data[:])

    def __reduce__(self):
        # pickle/copy rebuild through array(): a new, independent list
        return (array, (self._data,))

    def __repr__(self):
        return _array_repr(self)

    def __str__(self):
        return _array_str(self)

    # --- indexing

    def __getitem__(self, key):
        if type(key) is int:
            try:
                return self._data[key]
            except IndexError:
                raise IndexError(_MSG_INDEX_RANGE) from None
        if type(key) is slice:
            return _wrap(self._data[key])  # list slicing: a copy
        return self._data[_normalize_index(key, len(self._data))]

    def __setitem__(self, key, value):
        data = self._data
        if type(key) is slice:
            self._assign_slice(key, value)
            return
        if type(key) is int and type(value) is float:
            try:
                data[key] = value
            except IndexError:
                raise IndexError(_MSG_INDEX_RANGE) from None
            return
        i = _normalize_index(key, len(data))  # index errors come first
        data[i] = _as_float(value)

    def _assign_slice(self, key, value):
        data = self._data
        count = len(range(*key.indices(len(data))))
        v = _operand(value)
        if v is None:   # any other array-like: numpy arrays, ranges...
            v = _float_list(value)
        if type(v) is list:
            if len(v) != count:
                _size_mismatch(len(v), count)
            if v is data:  # a[::-1] = a: read everything before writing
                v = v[:]
            data[key] = v
        else:
            data[key] = [v] * count

    def __delitem__(self, key):
        raise TypeError(_MSG_NO_DELETE)

    # --- arithmetic: the fast paths cover array/array and array/float

    def __add__(self, other):
        if type(other) is ndarray:
            a = self._data
            b = other._data
            if len(a) != len(b):
                _size_mismatch(len(a), len(b))
            return _wrap([x + y for x, y in zip(a, b)])
        if type(other) is float:
            return _wrap([x + other for x in self._data])
        return _binary(_ADD, self, other)

    def __radd__(self, other):
        if type(other) is float:
            return _wrap([other + x for x in self._data])
        return _binary(_ADD, other, self)

    def __sub__(self, other):
        if type(other) is ndarray:
            a = self._data
            b = other._data
            if len(a) != len(b):
                _size_mismatch(len(a), len(b))
            return _wrap([x - y for x, y in zip(a, b)])
        if type(other) is float:
            return _wrap([x - other for x in self._data])
        return _binary(_SUB, self, other)

    def __rsub__(self, other):
        if type(other) is float:
            return _wrap([other - x for x in self._data])
        return _binary(_SUB, other, self)

    def __mul__(self, other):
        if type(other) is ndarray:
            a = self._data
            b = other._data
            if len(a) != len(b):
                _size_mismatch(len(a), len(b))
            return _wrap([x * y for x, y in zip(a, b)])
        if type(other) is float:
            return _wrap([x * other for x in self._data])
        return _binary(_MUL, self, other)

    def __rmul__(self, other):
        if type(other) is float:
            return _wrap([other * x for x in self._data])
        return _binary(_MUL, other, self)

    def __truediv__(self, other):
        if type(other) is ndarray:
            a = self._data
            b = other._data
            if len(a) != len(b):
                _size_mismatch(len(a), len(b))
            return _wrap(_div_vv(a, b))
        if type(other) is float:
            return _wrap(_div_vs(self._data, other))
        return _binary(_DIV, self, other)

    def __rtruediv__(self, other):
        if type(other) is float:
            return _wrap(_div_sv(other, self._data))
        return _binary(_DIV, other, self)

    def __pow__(self, other, modulo=None):
        if modulo is not None:
            raise TypeError("pow() with a modulus is not supported for arrays")
        return _binary(_POW, self, other)

    def __rpow__(self, other, modulo=None):
        if modulo is not None:
            raise TypeError("pow() with a modulus is not supported for arrays")
        return _binary(_POW, other, self)

    def __iadd__(self, other):
        return _inplace(_ADD, self, other)

    def __isub__(self, other):
        return _inplace(_SUB, self, other)

    def __imul__(self, other):
        return _inplace(_MUL, self, other)

    def __itruediv__(self, other):
        return _inplace(_DIV, self, other)

    def __neg__(self):
        return _wrap([-x for x in self._data])

    def __pos__(self):
        return _wrap(self._data[:])

    def __abs__(self):
        return _wrap([_fabs(x) for x in self._data])

    # --- products (the reductions are set after the class: see below)

    def dot(self, other):
        return dot(self, other)

    def __matmul__(self, other):
        b = _operand(other)
        if type(b) is not list:
            return NotImplemented   # matmul takes no scalar operand
        return _dot_1d(self._data, b)

    def __rmatmul__(self, other):
        a = _operand(other)
        if type(a) is not list:
            return NotImplemented
        return _dot_1d(a, self._data)

    # --- shapes: 1-D only, and copies (this backend has no views)

    @property
    def strides(self):
        return (8,)

    @property
    def T(self):
        return _wrap(self._data[:])

    def transpose(self, *axes):
        if axes and not (len(axes) == 1 and axes[0] is None):
            _transpose_axes(axes[0] if len(axes) == 1 else axes, 1)
        return _wrap(self._data[:])

    def reshape(self, *shape):
        return _reshape_1d(self._data, _method_shape(shape))

    def ravel(self):
        return _wrap(self._data[:])

    def flatten(self):
        return _wrap(self._data[:])


_scalar.install(ndarray)


# ---------------------------------------------------------------------------
# module functions

def array(obj):
    """A new array with the values of obj (a sequence, iterable or buffer)."""
    return _wrap(_float_list(obj))


def zeros(n, dtype=None):
    _check_float64(dtype)
    return _wrap([0.0] * _parse_size(n))


def empty(n, dtype=None):
    # a Python list cannot be left uninitialised: same as zeros
    _check_float64(dtype)
    return _wrap([0.0] * _parse_size(n))


def ones(n, dtype=None):
    _check_float64(dtype)
    return _wrap([1.0] * _parse_size(n))


def full(n, value, dtype=None):
    _check_float64(dtype)
    value = _as_float(value)
    return _wrap([value] * _parse_size(n))


def arange(*args):
    """arange([start,] stop[, step]): start + i*step, numpy's length rule."""
    if not 1 <= len(args) <= 3:
        raise TypeError("arange() takes 1 to 3 arguments")
    values = [_as_float(x) for x in args]
    start, step = 0.0, 1.0
    if len(values) == 1:
        stop = values[0]
    elif len(values) == 2:
        start, stop = values
    else:
        start, stop, step = values
    if step == 0.0:
        raise ValueError(_MSG_ARANGE_ZERO_STEP)
    span = stop - start
    count = span / step
    if not _math.isfinite(count):
        raise ValueError(_MSG_BAD_RANGE)
    n = _builtin_max(0, _math.ceil(count))
    if n == 0 and count == 0.0 and span != 0.0:
        n = 0 if _math.copysign(1.0, count) < 0 else 1  # span/step underflowed
    _check_size(n)
    # numpy's values: start + i*delta with the rounded step (kernels.h)
    delta = (start + step) - start
    values = [start + i * delta for i in range(n)]
    if n > 0:
        values[0] = start  # even when delta is infinite
    if n > 1:
        values[1] = start + step
    return _wrap(values)


def linspace(start, stop, num):
    """num points from start to stop inclusive; the last is exactly stop."""
    a = _as_float(start)
    b = _as_float(stop)
    n = _parse_size(num)
    if n == 0:
        return _wrap([])
    if n == 1:
        return _wrap([a])
    step = (b - a) / (n - 1)
    data = [a + i * step for i in range(n)]
    data[-1] = b
    return _wrap(data)


def _elementwise(name, func, safe_func):
    """The module function for one element-wise operation, with numpy's
    out= argument."""
    def function(a, out=None):
        if out is None and type(a) in (float, int):   # sqrt(2.0): a float
            return _map_ieee(func, safe_func, [float(a)])[0]
        result = _map_ieee(func, safe_func, _data_of(a))
        if out is None:
            return _wrap(result)
        return _into(out, result, name)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = ("element-wise %s; out: an array of the same size to "
                        "write the result into (returned)" % name)
    return function


def _into(out, result, name):
    """Store result in out (whose old list is dropped: there are no views)."""
    if type(out) is tuple and len(out) == 1:
        out = out[0]   # numpy also takes out=(array,)
    if not isinstance(out, ndarray):
        raise TypeError("out must be a piconumpy array, not %s"
                        % type(out).__name__)
    if len(out._data) != len(result):
        raise ValueError("%s: out has shape (%d,), the result has shape (%d,)"
                         % (name, len(out._data), len(result)))
    out._data = result
    return out


sin = _elementwise("sin", _math.sin, _safe_sin)
cos = _elementwise("cos", _math.cos, _safe_cos)
tan = _elementwise("tan", _math.tan, _safe_tan)
exp = _elementwise("exp", _math.exp, _exp)
log = _elementwise("log", _math.log, _log)
sqrt = _elementwise("sqrt", _msqrt, _sqrt)


def absolute(a, out=None):
    """element-wise absolute value; out: as for sin"""
    if out is None and type(a) in (float, int):
        return _fabs(a)
    result = [_fabs(x) for x in _data_of(a)]
    if out is None:
        return _wrap(result)
    return _into(out, result, "absolute")


abs = absolute

# reductions: module functions, and the same functions as methods
(sum, prod, min, max, argmin, argmax, nanmin, nanmax, nansum,
 mean) = [_make_reduction(kind) for kind in range(len(_REDUCTIONS))]
for _function in (sum, prod, min, max, argmin, argmax, nanmin, nanmax,
                  nansum, mean):
    setattr(ndarray, _function.__name__, _function)
del _function


def _dot_1d(x, y):
    if len(x) != len(y):
        _size_mismatch(len(x), len(y))
    return _dot(x, y)


def dot(a, b):
    """Dot product of two 1-D arrays (a float); a scalar operand scales."""
    if type(a) is ndarray and type(b) is ndarray:
        return _dot_1d(a._data, b._data)
    if _is_scalar(b):
        if _is_scalar(a):
            return float(a) * float(b)
        return _wrap(_mul_vs(_data_of(a), float(b)))
    if _is_scalar(a):
        return _wrap(_mul_sv(float(a), _data_of(b)))
    return _dot_1d(_data_of(a), _data_of(b))


def matmul(a, b):
    """Matrix product; for 1-D operands, the dot product (a float)."""
    return _dot_1d(_data_of(a), _data_of(b))


# ---------------------------------------------------------------------------
# shapes: 1-D only

def _reshape_1d(data, shape):
    """A copy of data for a 1-D target shape ((n,) or (-1,))."""
    if len(shape) != 1:
        _not_1d("shape %r" % (shape,))
    n = shape[0]
    if n < -1:
        raise ValueError("negative dimensions are not allowed")
    if n != -1 and n != len(data):
        raise ValueError("cannot reshape array of size %d into shape (%d,)"
                         % (len(data), n))
    return _wrap(data[:])


def reshape(a, shape):
    """a with a new (1-D) shape: a copy."""
    return _reshape_1d(_data_of(a), _shape_tuple(shape))


def transpose(a, axes=None):
    """a 1-D array is its own transpose: a copy."""
    data = _float_list(a)
    if axes is not None:
        _transpose_axes(axes, 1)
    return _wrap(data)


def ravel(a):
    """A 1-D copy of a."""
    return _wrap(_float_list(a))


def eye(N, M=None, k=0):
    _not_1d("eye() makes 2-D arrays")


def _no_linalg(*args, **kwargs):
    _not_1d("linalg works on 2-D arrays")


linalg = _types.ModuleType(
    __name__ + ".linalg",
    "Linear algebra needs 2-D arrays: not available in this backend.")
linalg.solve = linalg.inv = linalg.det = _no_linalg
linalg.LinAlgError = LinAlgError


def _binary_ufunc(name, op):
    """add(a, b, out=None)... with numpy's out= (written in place)."""
    def ufunc(a, b, out=None):
        a_arr, b_arr = isinstance(a, ndarray), isinstance(b, ndarray)
        if not a_arr and not b_arr and not hasattr(a, "__len__") and not hasattr(b, "__len__"):
            return op(array([a]), b)[0]   # two scalars: IEEE rules, a float
        result = op(a if a_arr or not hasattr(a, "__len__") else array(a), b)
        if out is None:
            return result
        if type(out) is tuple and len(out) == 1:
            out = out[0]
        if not isinstance(out, ndarray):
            raise TypeError("out must be a piconumpy array, not %s" % type(out).__name__)
        if len(out) != len(result):
            raise ValueError("non-broadcastable output operand with shape (%d,) "
                             "doesn't match the broadcast shape (%d,)"
                             % (len(out), len(result)))
        out[:] = result
        return out
    ufunc.__name__ = ufunc.__qualname__ = name
    return ufunc


def _copy_into(dst, src):
    if hasattr(src, "__len__") and not isinstance(src, (str, bytes)):
        src = array(src)
        if len(src) == 1:
            src = src[0]    # a one-element source broadcasts
    dst[:] = src


copyto = _make_copyto(ndarray, _copy_into)


add = _binary_ufunc("add", _operator.add)
subtract = _binary_ufunc("subtract", _operator.sub)
multiply = _binary_ufunc("multiply", _operator.mul)
divide = true_divide = _binary_ufunc("divide", _operator.truediv)
power = _binary_ufunc("power", _operator.pow)
