"""numpy-style, keyword-taking API over the C backends' positional primitives.

The C modules export ``_reduce``, ``_unary``, ``_reshape``, ``_transpose``,
``_matmul``, ``_solve``, ``_inv`` and ``_det`` (docs/api.md, "C primitives
behind it"), which take positional arguments only.  Argument parsing and
validation (axis ranges, shapes given as ``reshape(2, 3)`` or
``reshape((2, 3))``...) is written here once, in Python, for every C
backend: the common no-keyword calls stay one short Python frame, which the
PyPy JIT inlines and CPython runs in a few hundred nanoseconds.

``install(mod)`` sets the functions on the backend module and the methods
on its ``ndarray`` type (the base class only: subclasses inherit them).
"""
import operator
import types

from . import _scalar
from ._dtype import check_casting as _check_casting, check_float64 as _check_dtype

REDUCTIONS = ("sum", "prod", "min", "max", "argmin", "argmax", "nanmin",
              "nanmax", "nansum", "mean")
UNARY = ("sin", "cos", "tan", "exp", "log", "sqrt", "absolute")

_PRIMITIVES = ("ndarray", "array", "zeros", "_reduce", "_unary", "_reshape",
               "_transpose", "_matmul", "_solve", "_inv", "_det")
_ARG_KINDS = (REDUCTIONS.index("argmin"), REDUCTIONS.index("argmax"))

_index = operator.index


class AxisError(ValueError, IndexError):
    """An axis argument out of range; like numpy's, it is both a ValueError
    and an IndexError so either ``except`` catches it."""

    axis = None
    ndim = None


class LinAlgError(ValueError):
    """A linear-algebra failure: singular matrix, non-square input..."""


# ---------------------------------------------------------------------------
# argument checks shared by the functions and methods (slow paths only)

def _axis_error(axis, ndim):
    error = AxisError(
        "axis %d is out of bounds for array of dimension %d" % (axis, ndim))
    error.axis = axis
    error.ndim = ndim
    return error


def _one_axis(axis, ndim):
    """axis as an int in [0, ndim); TypeError if it is not an integer."""
    if isinstance(axis, bool):   # numpy refuses True/False as an axis too
        raise TypeError("an integer is required for the axis")
    axis = _index(axis)
    if not -ndim <= axis < ndim:
        raise _axis_error(axis, ndim)
    return axis + ndim if axis < 0 else axis


def _reduction_axis(axis, ndim, kind):
    """The axis argument of a reduction, for the C ``_reduce``: an int in
    [0, ndim) or None (all axes)."""
    if not isinstance(axis, tuple):
        axis = _one_axis(axis, ndim)
        # the only axis of a 1-D array is all of them: the result is then
        # a Python number (numpy's scalar), never a 0-d array
        return None if ndim == 1 else axis
    if kind in _ARG_KINDS:
        raise TypeError("argmin/argmax take one axis, not a tuple")
    axes = [_one_axis(x, ndim) for x in axis]
    if len(set(axes)) != len(axes):
        raise ValueError("duplicate value in 'axis'")
    if len(axes) == 1 and ndim > 1:
        return axes[0]
    if axes and len(axes) == ndim:
        return None     # every axis: the same as axis=None
    raise NotImplementedError(
        "piconumpy reduces over one axis or all of them, not %r" % (axis,))


def _shape_tuple(shape):
    """A shape argument (an int or a sequence of ints) as a tuple of ints."""
    if isinstance(shape, bool):
        raise TypeError("a shape must be made of integers, not bool")
    try:
        return (_index(shape),)
    except TypeError:
        pass
    try:
        items = tuple(shape)
    except TypeError:
        raise TypeError(
            "'%s' object cannot be interpreted as an integer"
            % type(shape).__name__) from None
    return tuple(_index(n) for n in items)


def _method_shape(args):
    """reshape(2, 3), reshape((2, 3)), reshape([2, 3]) and reshape(6)."""
    if len(args) == 1:
        return _shape_tuple(args[0])
    if not args:
        raise TypeError("reshape() takes exactly 1 argument (0 given)")
    return tuple(_index(n) for n in args)


def _transpose_axes(axes, ndim):
    """A permutation of range(ndim) from axes (negative ints allowed)."""
    axes = _shape_tuple(axes)
    if len(axes) != ndim:
        raise ValueError("axes don't match array")
    perm = tuple(_one_axis(x, ndim) for x in axes)
    if len(set(perm)) != ndim:
        raise ValueError("repeated axis in transpose")
    return perm


def _is_scalar(x):
    """A real number rather than something array-like (for dot)."""
    cls = type(x)
    if cls is float or cls is int:
        return True
    return (hasattr(cls, "__float__") or hasattr(cls, "__index__")) and not (
        hasattr(cls, "__len__") or hasattr(x, "__array_interface__"))


def _square(A, name):
    """Check that A is one square matrix, numpy's way (LinAlgError)."""
    if A.ndim < 2:
        raise LinAlgError(
            "%d-dimensional array given. Array must be at least "
            "two-dimensional" % A.ndim)
    if A.ndim > 2:
        raise NotImplementedError(
            "linalg.%s: stacks of matrices are not supported" % name)
    if A.shape[0] != A.shape[1]:
        raise LinAlgError("Last 2 dimensions of the array must be square")


# ---------------------------------------------------------------------------

BINARY = (("add", operator.add), ("subtract", operator.sub),
          ("multiply", operator.mul), ("divide", operator.truediv),
          ("power", operator.pow))


def _install_binary(mod, ndarray, array):
    """add subtract multiply divide power (true_divide too), with out=:
    the result is written into out with no temporary (C's _binary)."""
    _binary = getattr(mod, "_binary", None)
    if _binary is None:
        return

    def make(kind, name, op):
        def ufunc(a, b, out=None):
            if out is not None:
                if type(out) is tuple and len(out) == 1:
                    out = out[0]   # numpy also takes out=(array,)
                return _binary(kind, a, b, out)
            if isinstance(a, ndarray) or isinstance(b, ndarray):
                return op(a, b)
            if hasattr(a, "__len__") or hasattr(b, "__len__"):
                return op(array(a) if hasattr(a, "__len__") else a, b)
            result = array([0.0])   # two scalars: IEEE rules, a float back
            _binary(kind, a, b, result)
            return result[0]
        ufunc.__name__ = ufunc.__qualname__ = name
        ufunc.__doc__ = "element-wise %s with broadcasting; out: an array of " \
                        "the broadcast shape to write into (returned)" % name
        return ufunc

    for kind, (name, op) in enumerate(BINARY):
        setattr(mod, name, make(kind, name, op))
    mod.true_divide = mod.divide


def make_copyto(ndarray, assign=None):
    """numpy.copyto for one backend: its arguments checked here, the copy
    made by assign(dst, src) (purepy's), or by dst[...] = src (the C
    backends', written inline: ~10% of a 1e4-element copy is this call)."""
    def copyto(dst, src, casting="same_kind"):
        """numpy.copyto: src (an array, array-like or number) broadcast to
        dst's shape and written into dst (an overlapping src is read from a
        copy)."""
        if not isinstance(dst, ndarray):
            raise TypeError("copyto() argument 1 must be a piconumpy array, "
                            "not %s" % type(dst).__name__)
        if casting != "same_kind":   # (the default needs no check: a call less)
            _check_casting(casting)
        if assign is None:
            dst[...] = src
        else:
            assign(dst, src)
    return copyto


def _install_constructors(mod):
    """zeros/ones/empty/full with numpy's optional dtype (float64 only):
    stencil code writes zeros((nx, ny), 'd')."""
    def make(c_function, name):
        def constructor(shape, dtype=None):
            if dtype is not None:
                _check_dtype(dtype)
            return c_function(shape)
        constructor.__name__ = name
        constructor.__doc__ = "new float64 array of the given shape"
        return constructor

    for name in ("zeros", "ones", "empty"):
        c_function = getattr(mod, name, None)
        if c_function is not None:
            setattr(mod, name, make(c_function, name))
    c_full = getattr(mod, "full", None)
    if c_full is not None:
        def full(shape, fill_value, dtype=None):
            if dtype is not None:
                _check_dtype(dtype)
            return c_full(shape, fill_value)
        mod.full = full


def install(mod):
    """Add the keyword-taking functions to the C backend module ``mod`` and
    the methods to ``mod.ndarray``.  Returns mod; a second call does nothing.
    """
    if getattr(mod, "_ndapi_installed", False):
        return mod
    missing = [name for name in _PRIMITIVES if not hasattr(mod, name)]
    if missing:
        raise ImportError("piconumpy backend %s lacks %s"
                          % (getattr(mod, "__name__", mod), ", ".join(missing)))
    ndarray = mod.ndarray
    array = mod.array

    for kind, name in enumerate(REDUCTIONS):
        function = _make_reduction(kind, name, ndarray, array, mod._reduce)
        setattr(mod, name, function)
        # the same function serves as the method: self is already an array
        setattr(ndarray, name, function)

    for kind, name in enumerate(UNARY):
        # the module's own function (it converts its input) stays the path
        # without out=
        setattr(mod, name, _make_unary(kind, name, getattr(mod, name, None),
                                       ndarray, array, mod._unary))
    mod.abs = mod.absolute

    if hasattr(ndarray, "_array_interface"):   # the HPy backends
        ndarray.__array_interface__ = property(
            ndarray._array_interface, doc="numpy's array interface (v3)")

    _install_constructors(mod)
    _install_binary(mod, ndarray, array)
    mod.copyto = make_copyto(ndarray)
    _scalar.install(ndarray)
    _install_shapes(mod, ndarray, array)
    _install_products(mod, ndarray, array)
    mod.linalg = _make_linalg(mod, ndarray, array)
    mod.AxisError = AxisError
    mod._ndapi_installed = True
    return mod


def _make_reduction(kind, name, ndarray, array, _reduce):
    def reduction(a, axis=None, keepdims=False):
        if not isinstance(a, ndarray):
            a = array(a)
        if axis is not None:
            axis = _reduction_axis(axis, a.ndim, kind)
        return _reduce(a, kind, axis, keepdims)

    reduction.__name__ = reduction.__qualname__ = name
    reduction.__doc__ = (
        "%s of the elements (axis=None) or along one axis; keepdims=True "
        "keeps the reduced axes with length 1." % name)
    return reduction


def _make_unary(kind, name, plain, ndarray, array, _unary):
    if plain is None:
        def plain(x):
            return _unary(kind, x, None)

    def unary(x, out=None):
        if out is None:
            return plain(x)
        if type(out) is tuple and len(out) == 1:
            out = out[0]   # numpy also takes out=(array,)
        if not isinstance(out, ndarray):
            raise TypeError("out must be a piconumpy array, not %s"
                            % type(out).__name__)
        if not isinstance(x, ndarray):
            x = array(x)
        if x.shape != out.shape:
            raise ValueError(
                "%s: out has shape %s, the result has shape %s"
                % (name, _shape_text(out.shape), _shape_text(x.shape)))
        _unary(kind, x, out)
        return out

    unary.__name__ = unary.__qualname__ = name
    unary.__doc__ = ("element-wise %s; out: an array of the same shape to "
                     "write the result into (returned)" % name)
    return unary


def _shape_text(shape):
    """(2,3) or (3,): numpy's compact form in shape error messages."""
    inner = ",".join(str(n) for n in shape)
    return "(%s,)" % inner if len(shape) == 1 else "(%s)" % inner


def _install_shapes(mod, ndarray, array):
    _reshape = mod._reshape
    _transpose = mod._transpose

    def reshape(a, shape):
        """a with a new shape (a view when a is contiguous); one -1 allowed."""
        if not isinstance(a, ndarray):
            a = array(a)
        return _reshape(a, _shape_tuple(shape))

    def transpose(a, axes=None):
        """a with its axes permuted (reversed by default): a view."""
        if not isinstance(a, ndarray):
            a = array(a)
        if axes is None:
            return _transpose(a, None)
        return _transpose(a, _transpose_axes(axes, a.ndim))

    def ravel(a):
        """The elements of a in a 1-D array (a view when possible)."""
        if not isinstance(a, ndarray):
            a = array(a)
        return _reshape(a, (-1,))

    def method_reshape(self, *shape):
        return _reshape(self, _method_shape(shape))

    def method_transpose(self, *axes):
        if not axes or (len(axes) == 1 and axes[0] is None):
            return _transpose(self, None)
        if len(axes) == 1:
            axes = axes[0]   # transpose((1, 0))
        return _transpose(self, _transpose_axes(axes, self.ndim))

    def method_ravel(self):
        return _reshape(self, (-1,))

    def method_flatten(self):
        # copy() is C-contiguous, so reshaping it never copies again
        return _reshape(self.copy(), (-1,))

    def transposed(self):
        return _transpose(self, None)

    mod.reshape = reshape
    mod.transpose = transpose
    mod.ravel = ravel
    method_reshape.__doc__ = "reshape(2, 3) or reshape((2, 3)); one -1 allowed"
    method_transpose.__doc__ = "transpose(), transpose(1, 0) or transpose((1, 0))"
    method_ravel.__doc__ = ravel.__doc__
    method_flatten.__doc__ = "a 1-D copy of the elements"
    for name, method in (("reshape", method_reshape),
                         ("transpose", method_transpose),
                         ("ravel", method_ravel), ("flatten", method_flatten)):
        method.__name__ = method.__qualname__ = name
        setattr(ndarray, name, method)
    ndarray.T = property(transposed, doc="the transposed array (a view)")


def _install_products(mod, ndarray, array):
    _matmul = mod._matmul
    _reshape = mod._reshape
    zeros = mod.zeros

    def dot(a, b):
        """Dot product: matmul for 1-D and 2-D operands, scaling for a
        scalar operand."""
        if not isinstance(b, ndarray):
            if _is_scalar(b):
                if not isinstance(a, ndarray) and _is_scalar(a):
                    return float(a) * float(b)
                return (a if isinstance(a, ndarray) else array(a)) * float(b)
            b = array(b)
        if not isinstance(a, ndarray):
            if _is_scalar(a):
                return float(a) * b
            a = array(a)
        if a.ndim > 2 or b.ndim > 2:
            # numpy's dot and matmul differ there: not implemented
            raise NotImplementedError(
                "dot of arrays with more than 2 dimensions; use matmul")
        return _matmul(a, b)

    def matmul(a, b):
        """Matrix product (the @ operator)."""
        return _matmul(a, b)

    def method_dot(self, b):
        return dot(self, b)

    def eye(N, M=None, k=0):
        """An N x M array with ones on diagonal k (0: the main one)."""
        n = _index(N)
        m = n if M is None else _index(M)
        k = _index(k)
        flat = zeros(n * m if n >= 0 and m >= 0 else -1)
        # diagonal k starts at (0, k) or (-k, 0) and steps by m + 1
        if k >= 0:
            start, count = k, min(n, m - k)
        else:
            start, count = -k * m, min(n + k, m)
        if count > 0:
            flat[start:start + count * (m + 1):m + 1] = 1.0
        return _reshape(flat, (n, m))

    method_dot.__name__ = method_dot.__qualname__ = "dot"
    method_dot.__doc__ = dot.__doc__
    mod.dot = dot
    mod.matmul = matmul
    mod.eye = eye
    ndarray.dot = method_dot


def _make_linalg(mod, ndarray, array):
    _solve, _inv, _det = mod._solve, mod._inv, mod._det

    def as_array(a):
        return a if isinstance(a, ndarray) else array(a)

    def solve(A, b):
        """x such that A @ x == b (LU with partial pivoting)."""
        A = as_array(A)
        b = as_array(b)
        _square(A, "solve")
        n = A.shape[0]
        if b.ndim not in (1, 2) or b.shape[0] != n:
            raise ValueError(
                "solve: b of shape %s does not match a %dx%d matrix"
                % (_shape_text(b.shape), n, n))
        x = _solve(A, b)
        if x is None:
            raise LinAlgError("Singular matrix")
        return x

    def inv(A):
        """The inverse matrix of A."""
        A = as_array(A)
        _square(A, "inv")
        x = _inv(A)
        if x is None:
            raise LinAlgError("Singular matrix")
        return x

    def det(A):
        """The determinant of A (0.0 when singular)."""
        A = as_array(A)
        _square(A, "det")
        return _det(A)

    linalg = types.ModuleType(
        getattr(mod, "__name__", "piconumpy") + ".linalg",
        "Linear algebra on 2-D piconumpy arrays.")
    linalg.solve = solve
    linalg.inv = inv
    linalg.det = det
    linalg.LinAlgError = LinAlgError
    return linalg
