"""float(), int() and bool() of arrays, as numpy does them: an array of one
element converts to that element (whatever its number of dimensions); any
other size raises.  Without these, float(a) would go through str(a) and
bool(a) through len(a): a silent wrong answer for bool(zeros(1)).  Shared
by every backend (installed on each module's ndarray)."""


def _only_element(a):
    if a.size != 1:
        raise TypeError("only length-1 arrays can be converted to Python scalars")
    return a.ravel()[0]


def array_float(a):
    return float(_only_element(a))


def array_int(a):
    return int(_only_element(a))


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
    ndarray.__float__ = array_float
    ndarray.__int__ = array_int
    ndarray.__bool__ = array_bool

