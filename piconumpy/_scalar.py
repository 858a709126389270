"""bool() of arrays, as numpy does it: an array of one element (any number
of dimensions) is true when that element is nonzero; any other size raises.
Without it, bool(a) went through len(a): bool(zeros(1)) was True, a silent
wrong answer.  (float() and int() are left out: an array type with
__float__ would pass for a number wherever the C sources and _coerce.py tell
numbers from sequences, e.g. a purepy array given to a C backend.)  Shared
by every backend (installed on each module's ndarray)."""


def array_bool(a):
    size = a.size
    if size == 1:
        return a.ravel()[0] != 0.0
    if size == 0:
        raise ValueError("The truth value of an empty array is ambiguous. "
                         "Use `array.size > 0` to check that an array is not empty.")
    raise ValueError("The truth value of an array with more than one element "
                     "is ambiguous. Use a.any() or a.all()")


def install(ndarray):
    ndarray.__bool__ = array_bool
