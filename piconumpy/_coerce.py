"""Turn any array-like input into something the C backends can copy fast.

The C constructors handle flat lists/tuples of numbers and piconumpy arrays
themselves and call ``to_float_source`` for everything else (iterables,
buffers, nested sequences), so the rules live in one place for all backends
(the pure-Python backend calls it too).

``to_float_source(obj)`` returns either

* a flat ``list`` of floats: 1-D input from an iterable, or
* a tuple ``(shape, data)``: ``shape`` a tuple of ints, ``data`` the
  C-ordered float64 values as native-endian ``bytes``
  (nested sequences and buffers of any dimension, 1-D buffers included).

``nest(flat, shape)`` goes the other way, for ``tolist()``.
"""

import sys
from array import array as _typed_array
from operator import index as _index

# the C backends' PN_MAXDIMS; deeper input (or a list containing itself)
# is refused before any work is done on it
MAXDIMS = 8

_NATIVE_DOUBLE = ("d", "@d", "=d",
                  "<d" if sys.byteorder == "little" else ">d")
_STRINGS = (str, bytes, bytearray)
_RAGGED = (
    "setting an array element with a sequence. The requested array has an "
    "inhomogeneous shape after %d dimensions. The detected shape was %r + "
    "inhomogeneous part."
)

# element classes (see _classify)
_SCALAR = 0
_NESTED = 1


def to_float_source(obj):
    """A flat list of floats (1-D) or ``(shape, float64 bytes)``."""
    if isinstance(obj, _STRINGS):
        # bytes export a buffer, but text is never numeric data here
        raise TypeError(
            "cannot make a float64 array from a %s" % type(obj).__name__
        )
    if isinstance(obj, (list, tuple)):
        # a flat result is returned as is: it must be a list, never a tuple
        return _from_sequence(obj if type(obj) is list else list(obj))
    source = _from_buffer(obj)
    if source is not None:
        return source
    source = _from_array_interface(obj)
    if source is not None:
        return source
    try:
        items = iter(obj)
    except TypeError:
        raise TypeError(
            "array() needs a sequence of real numbers, not %r"
            % type(obj).__name__
        ) from None
    return _from_sequence(list(items))


# ---------------------------------------------------------------------------
# elements

def _real(x):
    """float(x) for a real number; strings are not parsed (TypeError)."""
    cls = type(x)
    if cls is float:
        return x
    if hasattr(cls, "__float__") or hasattr(cls, "__index__"):
        return float(x)
    raise TypeError("must be real number, not %s" % cls.__name__)


def _classify(x):
    """(_SCALAR, float) or (_NESTED, list of sub-elements) for one element."""
    cls = type(x)
    if cls is float or cls is int or cls is bool:
        return _SCALAR, float(x)
    if cls is list or cls is tuple or isinstance(x, (list, tuple)):
        return _NESTED, x
    if isinstance(x, (float, int)):   # numpy.float64 and other subclasses
        return _SCALAR, float(x)
    if isinstance(x, _STRINGS) or isinstance(x, dict):
        raise TypeError("must be real number, not %s" % cls.__name__)
    rows = _rows_of_array(x)
    if rows is not None:
        return rows
    if hasattr(cls, "__float__") or hasattr(cls, "__index__"):
        return _SCALAR, float(x)
    if hasattr(cls, "__len__") and hasattr(cls, "__getitem__"):
        return _NESTED, list(x)   # range, deque, purepy arrays...
    raise TypeError("must be real number, not %s" % cls.__name__)


def _rows_of_array(x):
    """Classify an element that is itself an array (buffer or interface).

    Returns None when x is not array-like; a 0-d array is a scalar.
    """
    source = _from_buffer(x, allow_0d=True)
    if source is None:
        source = _from_array_interface(x, allow_0d=True)
        if source is None:
            return None
    shape, data = source
    values = _typed_array("d", data).tolist()
    if not shape:
        return _SCALAR, values[0]
    return _NESTED, nest(values, shape)


# ---------------------------------------------------------------------------
# nested sequences

def _from_sequence(items):
    """Shape and values of a (possibly nested) list; 1-D stays a list."""
    values = _scalars_only(items)
    if values is not None:
        return values
    shape = [len(items)]
    level = items
    while True:
        rows = _rows_only(level, shape)
        width = len(rows[0])
        for row in rows:
            if len(row) != width:
                _ragged(shape)
        shape.append(width)
        if len(shape) > MAXDIMS:
            raise ValueError(
                "piconumpy arrays have at most %d dimensions" % MAXDIMS
            )
        level = [x for row in rows for x in row]
        if not level:
            # (2, 0) and deeper: nothing left to look at
            return tuple(shape), b""
        values = _scalars_only(level)
        if values is not None:
            return tuple(shape), _typed_array("d", values).tobytes()


def _scalars_only(items):
    """The floats of a flat list of real numbers, or None if it is nested.

    Plain floats cost one type check each (the list is returned as is),
    plain ints one more pass: the common cases.
    """
    for x in items:
        if type(x) is not float:
            break
    else:
        return items
    for x in items:
        cls = type(x)
        if cls is not float and cls is not int:
            break
    else:
        return [float(x) for x in items]
    out = []
    for x in items:
        kind, value = _classify(x)
        if kind == _NESTED:
            return None
        out.append(value)
    return out


def _rows_only(level, shape):
    """The elements of level as sequences: all must be (else ragged)."""
    for x in level:
        cls = type(x)
        if cls is not list and cls is not tuple:
            break
    else:
        return level
    rows = []
    for x in level:
        kind, row = _classify(x)
        if kind != _NESTED:
            _ragged(shape)
        rows.append(row)
    return rows


def _ragged(shape):
    raise ValueError(_RAGGED % (len(shape), tuple(shape)))


# ---------------------------------------------------------------------------
# buffers and __array_interface__

def _from_buffer(obj, allow_0d=False):
    """(shape, bytes) of a buffer exporter, or None if obj exports none."""
    try:
        view = memoryview(obj)
    except TypeError:
        return None
    with view:
        shape = tuple(view.shape)
        if not shape:
            if not allow_0d:
                raise TypeError("array() needs a sequence, not a 0-d array")
            # a numpy scalar or 0-d array: one number (and PyPy's
            # memoryview.tolist() aborts the process on 0-d buffers)
            return shape, _typed_array("d", [_real(obj)]).tobytes()
        if len(shape) > MAXDIMS:
            raise ValueError(
                "piconumpy arrays have at most %d dimensions" % MAXDIMS
            )
        # PyPy's tobytes() ignores the strides of cpyext buffers (numpy),
        # so only C-contiguous float64 memory is copied as raw bytes
        if view.format in _NATIVE_DOUBLE and view.c_contiguous:
            return shape, view.tobytes()
        # otherwise the exporter's own tolist() (numpy, piconumpy) knows
        # its layout and formats best; memoryview's is for the others
        to_list = getattr(obj, "tolist", None) or view.tolist
        try:
            values = to_list()
        except NotImplementedError:   # formats memoryview cannot unpack
            raise TypeError(
                "cannot convert a buffer of format %r to float64" % view.format
            ) from None
    return shape, _flat_bytes(values, len(shape))


def _from_array_interface(obj, allow_0d=False):
    """(shape, bytes) from ``obj.__array_interface__``, or None.

    Only reached for objects exporting no buffer: the memory is read from
    the address (or the buffer object) the interface gives.
    """
    try:
        interface = obj.__array_interface__
    except AttributeError:
        return None
    shape = tuple(_index(n) for n in interface["shape"])
    if not shape and not allow_0d:
        raise TypeError("array() needs a sequence, not a 0-d array")
    if len(shape) > MAXDIMS:
        raise ValueError(
            "piconumpy arrays have at most %d dimensions" % MAXDIMS
        )
    code, size = _struct_code(interface["typestr"])
    strides = interface.get("strides") or _c_strides(shape, size)
    start = interface.get("offset", 0)
    offsets = [start + o for o in _element_offsets(shape, strides)]
    data = interface.get("data")
    if isinstance(data, tuple):
        raw, low = _read_memory(data[0], offsets, size)
    elif data is not None:
        raw, low = memoryview(data).tobytes(), 0
    else:
        raise TypeError("__array_interface__ without data")
    return shape, _unpack(raw, [o - low for o in offsets], code)


def _struct_code(typestr):
    """struct format and item size of an array-interface typestr."""
    order, kind, size = typestr[0], typestr[1], int(typestr[2:])
    codes = {"f": {2: "e", 4: "f", 8: "d"},
             "i": {1: "b", 2: "h", 4: "i", 8: "q"},
             "u": {1: "B", 2: "H", 4: "I", 8: "Q"},
             "b": {1: "?"}}
    code = codes.get(kind, {}).get(size)
    if code is None or order not in "<>|=":
        raise TypeError("cannot convert %r data to float64" % typestr)
    if order in "|=":
        order = "="
    return order + code, size


def _c_strides(shape, itemsize):
    strides = []
    step = itemsize
    for n in reversed(shape):
        strides.append(step)
        step *= n
    return tuple(reversed(strides))


def _element_offsets(shape, strides):
    """Byte offsets of every element, in C order."""
    offsets = [0]
    for n, stride in zip(shape, strides):
        offsets = [o + i * stride for o in offsets for i in range(n)]
    return offsets


def _read_memory(address, offsets, itemsize):
    """(bytes copy of the memory the offsets cover, offset of its start)."""
    import ctypes

    if not offsets:
        return b"", 0
    if not address:
        raise TypeError("__array_interface__ data is a NULL pointer")
    low = min(offsets)
    high = max(offsets) + itemsize
    return ctypes.string_at(address + low, high - low), low


def _unpack(raw, offsets, code):
    """float64 bytes of the elements at the given offsets of raw."""
    import struct

    unpack_from = struct.Struct(code).unpack_from
    values = [float(unpack_from(raw, o)[0]) for o in offsets]
    return _typed_array("d", values).tobytes()


def _flat_bytes(nested, ndim):
    """float64 bytes of a regular nested list of the given depth."""
    for _ in range(ndim - 1):
        nested = [x for row in nested for x in row]
    return _typed_array("d", [_real(x) for x in nested]).tobytes()


# ---------------------------------------------------------------------------

def nest(flat, shape):
    """Nested lists of the given shape from a flat C-ordered list."""
    shape = tuple(shape)
    if len(flat) != _product(shape):
        raise ValueError(
            "cannot nest %d values into shape %r" % (len(flat), shape)
        )
    if not shape:
        return flat[0]
    rows = list(flat)
    # group the innermost dimension first, then the next one out; counting
    # the groups from the outer dimensions keeps zero-length axes right
    for axis in range(len(shape) - 1, 0, -1):
        n = shape[axis]
        rows = [rows[i * n:(i + 1) * n] for i in range(_product(shape[:axis]))]
    return rows


def _product(dims):
    total = 1
    for n in dims:
        total *= n
    return total
