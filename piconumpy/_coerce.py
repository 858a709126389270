"""Turn any array-like input into something the C backends can copy fast.

The C constructors handle lists, tuples and piconumpy arrays themselves and
call ``to_float_source`` for everything else, so the rules live in one
place for all backends (the pure-Python backend calls it too).
"""


def to_float_source(obj):
    """Return the float64 bytes of a 1-D buffer, or a list of elements."""
    if isinstance(obj, (str, bytes, bytearray)):
        raise TypeError(
            "cannot make a float64 array from a %s" % type(obj).__name__
        )
    try:
        view = memoryview(obj)
    except TypeError:
        view = None
    if view is not None:
        if view.ndim == 0:
            raise TypeError("array() needs a 1-D sequence, not a 0-d buffer")
        if view.ndim != 1:
            raise ValueError(
                "array() supports 1-D input only (got %d dimensions)" % view.ndim
            )
        # tobytes() of a strided cpyext buffer ignores the strides on PyPy
        # 7.3.11, so only contiguous float64 data takes the bytes path
        if view.format in ("d", "<d", "=d", "@d") and view.c_contiguous:
            return view.tobytes()
        return [float(x) for x in view.tolist()]
    try:
        items = iter(obj)
    except TypeError:
        raise TypeError(
            "array() needs a sequence of real numbers, not %r"
            % type(obj).__name__
        ) from None
    return list(items)
