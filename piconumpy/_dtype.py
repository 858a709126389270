"""The float64 dtype singleton shared by every backend (``a.dtype``).

It mimics the parts of ``numpy.dtype('float64')`` people compare against,
without importing numpy.
"""

import sys

_NAMES = frozenset(("float64", "f8", "d", "double", "float", "=f8"))


class Float64DType:
    """Stand-in for ``numpy.dtype('float64')``; use the ``float64`` singleton."""

    __slots__ = ()

    name = "float64"
    char = "d"
    kind = "f"
    itemsize = 8
    byteorder = "="
    str = ("<" if sys.byteorder == "little" else ">") + "f8"
    type = float

    _instance = None

    def __new__(cls):
        # one instance only, so "is" comparisons work across backends
        if cls._instance is None:
            cls._instance = object.__new__(cls)
        return cls._instance

    def __repr__(self):
        return "dtype('float64')"

    def __str__(self):
        return "float64"

    def __eq__(self, other):
        if other is self:
            return True
        if isinstance(other, str):
            return other in _NAMES or other == self.str
        if isinstance(other, type):
            # float itself, or numpy.float64 (a float subclass)
            return other is float or (
                issubclass(other, float) and other.__name__ == "float64"
            )
        # numpy.dtype objects (numpy returns NotImplemented for us, so
        # Python calls this reflected __eq__ for np.dtype(...) == float64 too)
        try:
            return other.kind == "f" and other.itemsize == 8 and other.str == self.str
        except AttributeError:
            return NotImplemented

    def __ne__(self, other):
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    def __hash__(self):
        return hash("float64")

    def __reduce__(self):
        # pickles as a reference to the module-level singleton
        return "float64"


float64 = Float64DType()


def check_float64(dtype):
    """The dtype argument of constructors: piconumpy arrays are float64 only,
    so accept the ways numpy code names float64 and refuse the others."""
    if dtype is not None and dtype is not float and not (float64 == dtype):
        raise TypeError("piconumpy arrays are float64 only, not %r" % (dtype,))


CASTING_RULES = ("no", "equiv", "safe", "same_kind", "unsafe")


def check_casting(casting):
    """numpy's casting= argument (copyto): every piconumpy array is float64,
    so every rule allows every copy; only an unknown rule is an error."""
    if casting not in CASTING_RULES:
        raise ValueError("casting must be one of %s"
                         % ", ".join(repr(rule) for rule in CASTING_RULES))
