"""Float comparison helpers and IEEE reference operations shared by the tests
(plain Python, independent of the code under test)."""
import math
import struct

inf = float("inf")
nan = float("nan")


def same_float(x, y):
    """Bitwise equality (so 0.0 != -0.0), but any nan equals any nan."""
    if x != x or y != y:
        return x != x and y != y
    return struct.pack("<d", x) == struct.pack("<d", y)


def assert_same(got, expected):
    """Two float lists equal bit for bit (nan == nan)."""
    assert len(got) == len(expected), (got, expected)
    bad = [(g, e) for g, e in zip(got, expected) if not same_float(g, e)]
    assert not bad, "got %r, expected %r" % (got, expected)


def ieee_div(x, y):
    """x / y with IEEE division by zero (inf with the sign of x*y, or nan)."""
    if y:
        return x / y
    if x != x or x == 0:
        return nan
    return math.copysign(inf, x) * math.copysign(1.0, y)
