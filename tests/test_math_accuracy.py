"""Accuracy of sin cos tan exp log sqrt absolute and ``**`` at every SIMD level.

Every result is compared with the exact value computed by mpmath (128-bit
working precision) and its correctly rounded double:

* sin cos tan exp log and ``**`` (array ** scalar, array ** array,
  scalar ** array): at most MAX_ULP = 4 ulp from the exact value (libmvec's
  documented bound); sqrt, absolute and the exact ``**`` shortcuts
  (``x**2`` = x*x, ``x**1``, ``x**-1`` = 1/x, ``x**0.5`` = sqrt(x)) must be
  correctly rounded (<= 0.5 ulp), as IEEE 754 and numpy make them;
* special values (+-0, +-inf and nan inputs, log/sqrt of negatives, the
  C99 Annex F cases of pow, log(1)) must be exactly the C99/numpy result
  (any nan payload), a zero result must have the sign of the exact value,
  and every SIMD level must give the same special results.

The error of a double ``got`` is ``|got - exact| / ulp(cr)`` where ``cr`` is
the correctly rounded result (``math.ulp(0.0)`` is the smallest subnormal, so
results that underflow are measured in subnormal steps).

Inputs (fixed seeds): a few thousand per function, uniform and log-uniform
over wide ranges, the doubles nearest k*pi/2, subnormals, huge arguments and
the special values, evaluated as one array, cut in pieces of every length in
LENGTHS (vector bodies and remainders), as [1::3] views and (C backends) as
2-D [:, 1::2] and .T views.

The default SIMD level is tested in-process on every backend (``pn``; the HPy
debug mode on a prefix of each case) and on 2-D views of the C backends
(``nd``).  With piconumpy.simd_level() present, every level also runs in a
fresh interpreter with PICONUMPY_SIMD set (``run_python``) that sends its
results back for the same checks and for the comparison of special values
across levels.  A level the CPU lacks is skipped, visibly, after checking
that the fallback is the best level below it (/proc/cpuinfo).
"""
import base64
import ctypes.util
import inspect
import json
import math
import os
import platform
import random
import struct
import zlib

import pytest

import piconumpy
from cpu_levels import LEVEL_CPU_FLAGS, LEVELS, cpu_best_level
from piconumpy import _loader

try:
    import mpmath
except ImportError:   # `make test` installs it
    mpmath = None

pytestmark = pytest.mark.skipif(
    mpmath is None,
    reason="mpmath is not installed: it computes the correctly rounded "
           "references (pip install mpmath)")

DEBUG = "hpy_universal-debug"   # the name conftest gives the debug backend
MAX_ULP = 4.0
CORRECTLY_ROUNDED = 0.5 + 1e-9
PREC = 128                      # mpmath working precision, bits
LENGTHS = (1, 3, 4, 7, 8, 9, 1000, 1003)
UNARY = ("sin", "cos", "tan", "exp", "log", "sqrt", "absolute")
POW = ("pow_array_scalar", "pow_array_array", "pow_scalar_array")
OPS = UNARY + POW
LAYOUTS_1D = ("contig", "chunks", "stride3")
LAYOUTS_2D = ("cols2d", "T2d")

inf = math.inf
nan = math.nan
MAX = 1.7976931348623157e308
TINY = 5e-324                   # smallest subnormal
MIN_NORMAL = 2.2250738585072014e-308


def _from_bits(bits):
    return struct.unpack("<d", struct.pack("<Q", bits))[0]


NEG_NAN = _from_bits(0xFFF8000000000000)
PAYLOAD_NAN = _from_bits(0x7FF8000000000123)
SPECIALS = (0.0, -0.0, inf, -inf, nan, NEG_NAN, PAYLOAD_NAN, TINY, -TINY,
            MIN_NORMAL, -math.nextafter(MIN_NORMAL, 0.0), 1.0, -1.0, MAX,
            -MAX)


# ---------------------------------------------------------------------------
# Shared with the child interpreters (sent as source by _child_script): they
# must use nothing but base64, struct and the module under test.

def _pack(values):
    return base64.b64encode(
        struct.pack("<%dd" % len(values), *values)).decode("ascii")


def _unpack(text):
    data = base64.b64decode(text)
    return list(struct.unpack("<%dd" % (len(data) // 8), data))


def _pieces(n, lengths):
    """(start, stop) of consecutive pieces of range(n), lengths cycled."""
    pieces, start, i = [], 0, 0
    while start < n:
        stop = min(n, start + lengths[i % len(lengths)])
        pieces.append((start, stop))
        start, i = stop, i + 1
    return pieces


def _flatten(nested):
    if not isinstance(nested, list):
        return [nested]
    out = []
    for item in nested:
        out.extend(_flatten(item))
    return out


def _view(mod, values, layout):
    """The array the function is applied to: values as one contiguous array,
    a [1::3] view, or a 2-D (rows, 7) array's [:, 1::2] / .T view."""
    if layout == "stride3":
        return mod.array(values)[1::3]
    if layout in ("cols2d", "T2d"):
        rows = len(values) // 7
        grid = mod.array(values[:rows * 7]).reshape((rows, 7))
        return grid[:, 1::2] if layout == "cols2d" else grid.T
    return mod.array(values)


def _apply(mod, op, a, b, s):
    if op == "pow_array_scalar":
        return a ** s
    if op == "pow_scalar_array":
        return s ** a
    if op == "pow_array_array":
        return a ** b
    return getattr(mod, op)(a)


def _evaluate(mod, case):
    """The outputs of one case, flattened in row-major order."""
    op, layout, a, b, s = (case["op"], case["layout"], case["a"], case["b"],
                           case["s"])
    if layout == "chunks":
        out = []
        for start, stop in _pieces(len(a), case["lengths"]):
            va = mod.array(a[start:stop])
            vb = None if b is None else mod.array(b[start:stop])
            out.extend(_apply(mod, op, va, vb, s).tolist())
        return out
    va = _view(mod, a, layout)
    vb = None if b is None else _view(mod, b, layout)
    return _flatten(_apply(mod, op, va, vb, s).tolist())


def _encode_case(case):
    return dict(case, a=_pack(case["a"]),
                b=None if case["b"] is None else _pack(case["b"]),
                s=None if case["s"] is None else case["s"].hex())


def _decode_case(case):
    return dict(case, a=_unpack(case["a"]),
                b=None if case["b"] is None else _unpack(case["b"]),
                s=None if case["s"] is None else float.fromhex(case["s"]))


_CHILD_MAIN = '''
def _main(spec_path, out_path):
    with open(spec_path) as f:
        spec = json.load(f)
    cases = [_decode_case(c) for c in spec["cases"]]
    level = getattr(piconumpy, "simd_level", None)
    result = {"package_level": level() if level else None,
              "levels": {}, "results": {}}
    for name in spec["backends"]:
        if name == spec["debug"]:
            mod = _loader.load("hpy_universal", debug=True)
        else:
            mod = _loader.load(name)
        level = getattr(mod, "_simd_level", None)
        result["levels"][name] = level() if level else None
        result["results"][name] = {c["id"]: _pack(_evaluate(mod, c))
                                   for c in cases}
    with open(out_path, "w") as f:
        json.dump(result, f)


_main(sys.argv[1], sys.argv[2])
'''


def _child_script():
    shared = (_pack, _unpack, _pieces, _flatten, _view, _apply, _evaluate,
              _decode_case)
    return ("import base64, json, struct, sys\nimport piconumpy\n"
            "from piconumpy import _loader\n\n"
            + "\n\n".join(inspect.getsource(f) for f in shared)
            + _CHILD_MAIN)


# ---------------------------------------------------------------------------
# Correctly rounded references

def _bits(x):
    """Dictionary key of a double: its bits, one key for every nan."""
    if x != x:
        return "nan"
    return struct.unpack("<q", struct.pack("<d", x))[0]


def _same(x, y):
    """Bitwise equal (0.0 != -0.0); any nan equals any nan."""
    return _bits(x) == _bits(y)


def _to_double(v):
    """The finite mpf v rounded to the nearest double (ties to even), with
    gradual underflow to a zero of v's sign and overflow to +-inf.  Python's
    int -> float and int / int are correctly rounded, subnormals included."""
    sign, man, exp, _ = v._mpf_
    if not man:
        return 0.0
    if sign:
        man = -man
    try:
        return float(man << exp) if exp >= 0 else man / (1 << -exp)
    except OverflowError:
        return math.copysign(inf, man)


def _rounded(v):
    """(cr, frac, special) for the exact value v (an mpf, None for a nan):
    cr the correctly rounded double, frac = (v - cr) / ulp(cr)."""
    if v is None:
        return (nan, 0.0, False)
    cr = _to_double(v)
    if math.isinf(cr):
        return (cr, 0.0, False)
    return (cr, float((v - mpmath.mpf(cr)) / mpmath.mpf(math.ulp(cr))),
            False)


def ulp_distance(got, exact):
    """|got - exact| in units of ulp(cr), cr the double nearest the finite
    mpf exact (math.ulp(0.0) is the smallest subnormal, so underflowing
    results count subnormal steps); inf for a non-finite got, or a zero of
    the wrong sign."""
    return _ulp_error(got, _rounded(exact))


def _special(value):
    return (value, 0.0, True)


def _ref_unary(op, x):
    if op == "absolute":
        return _special(abs(x))
    if x != x:
        return _special(nan)
    if op == "sqrt":
        if x < 0.0:
            return _special(nan)
        if x == 0.0 or x == inf:
            return _special(x)
        return _rounded(mpmath.sqrt(mpmath.mpf(x)))
    if op == "log":
        if x < 0.0:
            return _special(nan)
        if x == 0.0:
            return _special(-inf)
        if x == inf:
            return _special(inf)
        if x == 1.0:
            return _special(0.0)
        return _rounded(mpmath.log(mpmath.mpf(x)))
    if op == "exp":
        if math.isinf(x):
            return _special(inf if x > 0.0 else 0.0)
        if x == 0.0:
            return _special(1.0)
        if x > 710.0:    # exp(709.79) already overflows
            return (inf, 0.0, False)
        if x < -746.0:   # below half the smallest subnormal
            return (0.0, 0.0, False)
        return _rounded(mpmath.exp(mpmath.mpf(x)))
    # sin cos tan
    if math.isinf(x):
        return _special(nan)
    if x == 0.0:
        return _special(1.0 if op == "cos" else x)
    return _rounded(getattr(mpmath, op)(mpmath.mpf(x)))


def _is_integer(y):
    return math.isfinite(y) and y == math.floor(y)


def _is_odd_integer(y):
    return _is_integer(y) and math.fmod(y, 2.0) != 0.0


def _ref_pow(x, y):
    """C99 pow (Annex F) with the exact value for the ordinary cases."""
    if y == 0.0 or x == 1.0:
        return _special(1.0)
    if x != x or y != y:
        return _special(nan)
    odd = _is_odd_integer(y)
    if x == 0.0:
        if y < 0.0:
            return _special(math.copysign(inf, x) if odd else inf)
        return _special(x if odd else 0.0)
    if math.isinf(y):
        if x == -1.0:
            return _special(1.0)
        return _special(inf if (abs(x) < 1.0) == (y < 0.0) else 0.0)
    if math.isinf(x):
        result = inf if y > 0.0 else 0.0
        return _special(-result if x < 0.0 and odd else result)
    if x < 0.0 and not _is_integer(y):
        return _special(nan)
    sign = -1.0 if x < 0.0 and odd else 1.0
    magnitude = y * math.log2(abs(x))   # log2 of the result's magnitude
    if magnitude > 1100.0:
        return (sign * inf, 0.0, False)
    if magnitude < -1200.0:
        return (sign * 0.0, 0.0, False)
    v = mpmath.power(mpmath.mpf(abs(x)), mpmath.mpf(y))
    return _rounded(-v if sign < 0.0 else v)


def _reference(op, s, x, y):
    """(cr, frac, special) of one element; x (and y) the array elements, s
    the scalar of array ** scalar and scalar ** array."""
    with mpmath.workprec(PREC):
        if op in UNARY:
            return _ref_unary(op, x)
        if op == "pow_array_scalar":
            # numpy's shortcut: x ** 0.5 is sqrt(x) (sqrt(-0) = -0, nan for -inf)
            return _ref_unary("sqrt", x) if s == 0.5 else _ref_pow(x, s)
        if op == "pow_scalar_array":
            return _ref_pow(s, x)
        return _ref_pow(x, y)


def _tolerance(op, s):
    if op in ("sqrt", "absolute"):
        return CORRECTLY_ROUNDED
    if op == "pow_array_scalar" and s in (2.0, 1.0, -1.0, 0.5):
        return CORRECTLY_ROUNDED
    return MAX_ULP


def _ulp_error(got, ref):
    cr, frac, special = ref
    if special or cr != cr or math.isinf(cr):
        return 0.0 if _same(got, cr) else inf
    if got != got or math.isinf(got):
        return inf
    if got == 0.0 and math.copysign(1.0, got) != math.copysign(1.0, cr):
        return inf   # a zero of the wrong sign
    if got == cr:
        return abs(frac)
    return abs((got - cr) / math.ulp(cr) - frac)


# ---------------------------------------------------------------------------
# Inputs: fixed seeds, a few thousand elements per function

def _rng(name):
    return random.Random(zlib.crc32(name.encode()))


def _loguniform(rng, lo, hi):
    return 2.0 ** rng.uniform(math.log2(lo), math.log2(hi))


def _signed(rng, x):
    return -x if rng.random() < 0.5 else x


def _subnormals(rng, count):
    return [_signed(rng, _from_bits(rng.randrange(1, 1 << 52)))
            for _ in range(count)]


def _near_half_pi_multiples(rng):
    """The doubles closest to k*pi/2 (k <= 1e5) and their neighbours."""
    ks = list(range(1, 41)) + [rng.randrange(41, 100001) for _ in range(160)]
    out = []
    with mpmath.workprec(256):
        for k in ks:
            d = _to_double(k * mpmath.pi / 2)
            for x in (d, math.nextafter(d, inf), math.nextafter(d, -inf)):
                out.append(_signed(rng, x))
    return out


def _unary_inputs(op):
    rng = _rng(op)
    u, lu = rng.uniform, _loguniform
    xs = list(SPECIALS) + _subnormals(rng, 40)
    if op in ("sin", "cos", "tan"):
        xs += [u(-2 * math.pi, 2 * math.pi) for _ in range(300)]
        xs += [u(-1e6, 1e6) for _ in range(700)]
        xs += [_signed(rng, lu(rng, 1e-300, 1e6)) for _ in range(500)]
        xs += _near_half_pi_multiples(rng)
        xs += [_signed(rng, lu(rng, 1e6, 1e308)) for _ in range(50)]
        xs += [1e22, -1e22, 2.0 ** 1000, -(2.0 ** 1000), 1e300, 2.0 ** 53,
               2.0 ** 64, 1e15, 1e16, 1e17, 8.5e7, 3.0e8, 2.0 ** 1023]
    elif op == "exp":
        xs += [u(-745.0, 710.0) for _ in range(1200)]
        xs += [u(-1.0, 1.0) for _ in range(300)]
        xs += [_signed(rng, lu(rng, 1e-300, 100.0)) for _ in range(300)]
        xs += [u(-745.2, -708.0) for _ in range(150)]      # subnormal results
        xs += [u(709.0, 709.79) for _ in range(50)]        # near overflow
        xs += [709.782712893384, 709.7827128933841, 710.0, -708.3964185322641,
               -745.1332191019411, -745.1332191019412, -746.0, 1000.0,
               -1000.0, 1e300, -1e300]
    elif op == "log":
        xs += [lu(rng, TINY, 1e308) for _ in range(1200)]
        xs += [u(0.5, 2.0) for _ in range(400)]
        xs += [1.0 + _signed(rng, rng.randrange(1, 1 << 20)) * 2.0 ** -52
               for _ in range(200)]
        xs += [u(1e-3, 1e3) for _ in range(200)]
        xs += [-lu(rng, 1e-300, 1e300) for _ in range(50)]
        xs += [2.0, 0.5, math.e, 10.0, math.nextafter(1.0, 0.0),
               math.nextafter(1.0, 2.0)]
        # the edges of the AVX-512 kernel's 16 intervals of the mantissa
        # (bits of 1 - 1/64 + j * 2^48, vmath_avx512.h): near 1 (exponents
        # -1, 0, 1: where e ln2 + log(c_j) and r may cancel) and at random
        # exponents of normal numbers
        edges = [_from_bits(0x3FEF800000000000 + j * (1 << 48) + d)
                 for j in range(17) for d in (-2, -1, 0, 1, 2)]
        xs += [x * 2.0 ** e for x in edges for e in (-1, 0, 1)]
        xs += [rng.choice(edges) * 2.0 ** rng.randrange(-1021, 1023)
               for _ in range(200)]
        # the cancellation range just below 1 - 1/64 (e = -1, j = 15)
        xs += [u(1 - 3 / 64, 1 - 1 / 64) for _ in range(100)]
    elif op == "sqrt":
        xs += [lu(rng, TINY, 1.7e308) for _ in range(1400)]
        xs += [u(0.0, 100.0) for _ in range(300)]
        xs += [float(k * k) for k in range(1, 200)]
        xs += [-lu(rng, 1e-300, 1e300) for _ in range(50)]
    else:   # absolute: any bit pattern
        xs += [_from_bits(rng.getrandbits(64)) for _ in range(1500)]
        xs += [u(-1e3, 1e3) for _ in range(300)]
    rng.shuffle(xs)
    return xs


def _special_blocks(rng, ordinary):
    """Arrays of every length in LENGTHS where the special values take every
    position: the short ones are all specials (cycled with every shift), the
    long ones have one special in three, vector bodies and tails alike."""
    values, lengths = [], []
    specials = list(SPECIALS)
    for n in LENGTHS:
        shifts = range(len(specials)) if n < 10 else (0, 5)
        for shift in shifts:
            block = []
            for i in range(n):
                if n < 10 or i % 3 == shift % 3:
                    block.append(specials[(i + shift) % len(specials)])
                else:
                    block.append(rng.choice(ordinary))
            values += block
            lengths.append(n)
    return values, lengths


def _pow_bases(rng, s, count):
    """Bases whose s-th powers span the double range (and beyond)."""
    out = []
    for _ in range(count):
        r = rng.random()
        if r < 0.2:
            x = rng.uniform(0.0, 10.0)
        elif r < 0.3:
            x = 1.0 + rng.randrange(-1000, 1000) * 2.0 ** -52
        elif not math.isfinite(s) or s == 0.0:
            x = _loguniform(rng, 1e-300, 1e300)
        else:
            e = max(-1074.0, min(1023.9, rng.uniform(-1100.0, 1100.0) / s))
            x = 2.0 ** e
        out.append(-x if rng.random() < 0.25 else x)
    return out + list(SPECIALS) + [0.5, -0.5, 2.0, -2.0, 3.0, -3.0]


def _pow_exponents(rng, s, count):
    """Exponents that bring s ** y across the double range (and beyond)."""
    out = []
    log2s = math.log2(abs(s)) if math.isfinite(s) and s != 0.0 else 0.0
    for _ in range(count):
        r = rng.random()
        if r < 0.3 or log2s == 0.0:
            y = float(rng.randrange(-1100, 1100)) if log2s else \
                rng.uniform(-50.0, 50.0)
        else:
            y = rng.uniform(-1150.0, 1150.0) / log2s
        out.append(y)
    return out + list(SPECIALS) + [0.5, -0.5, 2.0, 3.0, -3.0, 2.5, 1e300,
                                   -1e300]


POW_GRID = (0.0, -0.0, inf, -inf, nan, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 3.0,
            -3.0, 2.5, 1e300, TINY)
POW_EXPONENTS = (2.0, 0.5, -1.0, 1.0, 3.0, -2.0, -3.0, 0.25, 1.0 / 3.0, -0.5,
                 2.5, -2.5, 7.0, 17.3, -100.5, 1e-3, 1000.0,
                 9007199254740991.0, 0.0, -0.0, inf, -inf, nan, 1e300, -1e300)
POW_BASES = (2.0, 10.0, 0.5, math.e, 1.5, -2.0, -0.5, -1.5, 1.0, -1.0, 0.0,
             -0.0, inf, -inf, nan, 1.0000000000000002, 0.9999999999999999,
             TINY, 1e300, 1e-300)


def _pow_pairs(rng):
    xs, ys = [], []
    for _ in range(1200):
        r = rng.random()
        if r < 0.3:
            y = float(rng.randrange(-80, 80))
        elif r < 0.6:
            y = rng.uniform(-60.0, 60.0)
        else:
            y = _signed(rng, _loguniform(rng, 1e-5, 1e3))
        e = rng.uniform(-1100.0, 1100.0) / y if y else rng.uniform(-9, 9)
        x = 2.0 ** max(-1074.0, min(1023.9, e))
        if _is_integer(y) and rng.random() < 0.5:
            x = -x
        xs.append(x)
        ys.append(y)
    for _ in range(150):   # bases near 1, huge exponents: pow's hard cases
        xs.append(1.0 + rng.randrange(-1 << 20, 1 << 20) * 2.0 ** -52)
        ys.append(_signed(rng, _loguniform(rng, 1e3, 1e15)))
    return xs, ys


def _case(op, group, layout, a, b=None, s=None, lengths=None):
    return {"id": "%s/%s/%s" % (op, group, layout), "op": op,
            "layout": layout, "a": a, "b": b, "s": s,
            "lengths": lengths}


def _chunk_lengths(rng):
    """LENGTHS, the short ones first (in a random order) so that even short
    cases are cut in pieces of every short length."""
    short = [n for n in LENGTHS if n < 16]
    rng.shuffle(short)
    return short + [n for n in LENGTHS if n >= 16]


def _build_cases(op):
    rng = _rng("cases-" + op)
    cases = []

    def add_all(group, a, b=None, s=None):
        cases.append(_case(op, group, "contig", a, b, s))
        cases.append(_case(op, group, "chunks", a, b, s, _chunk_lengths(rng)))
        for layout in LAYOUTS_1D[2:] + LAYOUTS_2D:
            cases.append(_case(op, group, layout, a, b, s))

    if op in UNARY:
        xs = _unary_inputs(op)
        add_all("random", xs)
        values, lengths = _special_blocks(rng, [x for x in xs
                                                if math.isfinite(x)])
        cases.append(_case(op, "specials", "chunks", values, lengths=lengths))
    elif op == "pow_array_scalar":
        for s in POW_EXPONENTS:
            add_all("s=%r" % s, _pow_bases(rng, s, 120), s=s)
    elif op == "pow_scalar_array":
        for s in POW_BASES:
            add_all("s=%r" % s, _pow_exponents(rng, s, 120), s=s)
    else:
        xs, ys = _pow_pairs(rng)
        grid = [(x, y) for x in POW_GRID for y in POW_GRID]
        rng.shuffle(grid)
        xs += [x for x, _ in grid]
        ys += [y for _, y in grid]
        add_all("random+grid", xs, ys)
    return cases


_CASES = {}
_REFS = {}


def _cases(op):
    if op not in _CASES:
        _CASES[op] = _build_cases(op)
    return _CASES[op]


def _all_cases():
    return [case for op in OPS for case in _cases(op)]


def _layout_values(values, layout):
    """Pure-Python twin of _view: the inputs in the order of the outputs."""
    if values is None:
        return None
    if layout in ("contig", "chunks"):
        return values
    if layout == "stride3":
        return values[1::3]
    rows = len(values) // 7
    grid = [values[r * 7:(r + 1) * 7] for r in range(rows)]
    if layout == "cols2d":
        return [v for row in grid for v in row[1::2]]
    return [grid[r][c] for c in range(7) for r in range(rows)]


def _refs_of(case):
    """The reference of each output of a case, in order."""
    op, s = case["op"], case["s"]
    a = _layout_values(case["a"], case["layout"])
    b = _layout_values(case["b"], case["layout"])
    cache = _REFS.setdefault((op, _bits(s) if s is not None else None), {})
    refs = []
    for i, x in enumerate(a):
        y = None if b is None else b[i]
        key = (_bits(x), None if y is None else _bits(y))
        ref = cache.get(key)
        if ref is None:
            ref = cache[key] = _reference(op, s, x, y)
        refs.append((x, y, ref))
    return refs


# ---------------------------------------------------------------------------
# Checking

def _check_case(case, outputs, where):
    """(max error, failures) of one case's outputs."""
    refs = _refs_of(case)
    if len(outputs) != len(refs):
        return inf, ["%s %s: %d outputs for %d inputs"
                     % (where, case["id"], len(outputs), len(refs))]
    tol = _tolerance(case["op"], case["s"])
    worst, failures = 0.0, []
    for got, (x, y, ref) in zip(outputs, refs):
        err = _ulp_error(got, ref)
        worst = max(worst, err)
        if err > tol:
            failures.append((err, where, case["id"], x, y, got, ref[0]))
    return worst, failures


def _describe(failures, limit=12):
    lines = []
    for item in sorted(failures, key=lambda f: -f[0] if isinstance(f, tuple)
                       else 0)[:limit]:
        if not isinstance(item, tuple):
            lines.append(item)
            continue
        err, where, cid, x, y, got, cr = item
        args = "x=%r (%s)" % (x, float.hex(x))
        if y is not None:
            args += " y=%r" % (y,)
        lines.append("%s %s %s: got %r (%s), correctly rounded %r, %.3g ulp"
                     % (where, cid, args, got, float.hex(got), cr, err))
    more = len(failures) - limit
    if more > 0:
        lines.append("... and %d more" % more)
    return "\n".join(lines)


def _check_outputs(cases, outputs_by_id, where):
    """Check every case; return {op: max error}; fail listing the worst."""
    worst, failures = {}, []
    for case in cases:
        err, bad = _check_case(case, outputs_by_id[case["id"]], where)
        worst[case["op"]] = max(worst.get(case["op"], 0.0), err)
        failures += bad
    assert not failures, "%d results off:\n%s" % (len(failures),
                                                  _describe(failures))
    return worst


def _special_signature(case, outputs):
    """The results that are special values (nan, inf, zero, or special by
    the reference), by position, for comparing SIMD levels."""
    signature = {}
    for i, (got, (_, _, (cr, _, special))) in enumerate(
            zip(outputs, _refs_of(case))):
        if (special or not math.isfinite(cr) or cr == 0.0
                or not math.isfinite(got) or got == 0.0):
            signature[i] = _bits(got)
    return signature


def _backend_label(mod):
    name = mod.__name__.rsplit(".", 1)[-1].replace("_piconumpy_", "")
    return name


# ---------------------------------------------------------------------------
# The default level, in this process

def _in_process_level(mod):
    level = getattr(mod, "_simd_level", None)
    return level() if level is not None else "default"


DEBUG_PREFIX = 200


def _for_debug_mode(cases):
    """The first DEBUG_PREFIX inputs of each case (the short special blocks
    included): the HPy debug mode runs hpy_universal's very kernels, only
    its handles need checking, and it is 20 times slower on PyPy."""
    def cut(values):
        return None if values is None else values[:DEBUG_PREFIX]
    return [dict(c, a=cut(c["a"]), b=cut(c["b"])) for c in cases]


@pytest.mark.parametrize("op", OPS)
def test_accuracy_1d(pn, backend_name, op):
    cases = [c for c in _cases(op) if c["layout"] in LAYOUTS_1D]
    if backend_name == DEBUG:
        cases = _for_debug_mode(cases)
    outputs = {c["id"]: _evaluate(pn, c) for c in cases}
    _check_outputs(cases, outputs,
                   "%s@%s" % (backend_name, _in_process_level(pn)))


@pytest.mark.parametrize("op", OPS)
def test_accuracy_2d_views(nd, op):
    cases = [c for c in _cases(op) if c["layout"] in LAYOUTS_2D]
    label = _backend_label(nd)
    if nd is _loader._cache.get(("hpy_universal", True)):
        cases, label = _for_debug_mode(cases), DEBUG
    outputs = {c["id"]: _evaluate(nd, c) for c in cases}
    _check_outputs(cases, outputs, "%s@%s" % (label, _in_process_level(nd)))


def test_pow_special_values_do_not_depend_on_layout(nd):
    """numpy's semantics on contiguous and strided operands alike: a ** b
    and s ** b are C99 pow ((-0.0) ** 0.5 = +0.0, (-inf) ** 0.5 = +inf),
    a ** 0.5 with a scalar exponent is sqrt (-0.0 and nan there), a ** 2 is
    the exact x*x."""
    base = nd.array([-0.0, 1.0, -inf, 1.0, 4.0, 1.0,
                     2.1487513505465696e-150, 1.0])
    half = nd.array([0.5] * 8)
    tiny = 2.1487513505465696e-150
    pow_half = [_bits(v) for v in (0.0, inf, 2.0, 1.4658619820933244e-75)]
    sqrt_half = [_bits(v) for v in (-0.0, nan, 2.0, 1.4658619820933244e-75)]
    square = [_bits(v) for v in (0.0, inf, 16.0, tiny * tiny)]

    def bits(array):
        return [_bits(v) for v in _flatten(array.tolist())]

    assert bits(base ** half)[::2] == pow_half
    assert bits(base[::2] ** half[::2]) == pow_half
    assert bits((-0.0) ** half) == [_bits(0.0)] * 8
    assert bits((-0.0) ** half[::2]) == [_bits(0.0)] * 4
    assert bits(base ** 0.5)[::2] == sqrt_half
    assert bits(base[::2] ** 0.5) == sqrt_half
    assert bits(base ** 2)[::2] == square
    assert bits(base[::2] ** 2) == square
    grid = base.reshape((4, 2))
    assert bits(grid[:, 0] ** 0.5) == sqrt_half
    assert bits(grid.T ** 0.5)[:4] == sqrt_half
    assert bits(grid.T ** half.reshape((2, 4)))[:4] == pow_half


# ---------------------------------------------------------------------------
# Every level, in fresh interpreters with PICONUMPY_SIMD set

def _c_backends():
    """The backends run at every level.  Not the HPy debug mode: it runs the
    very kernels of hpy_universal (it is tested at the default level by
    test_accuracy_*) and is 20 times slower on PyPy."""
    return [n for n in piconumpy.backends() if n != "purepy"]


def _missing_level_api():
    """Why the levels cannot be told apart here, or None."""
    if not hasattr(piconumpy, "simd_level"):
        return "piconumpy.simd_level() does not exist"
    lacking = [n for n in _c_backends()
               if not hasattr(_loader.load(n), "_simd_level")]
    if lacking:
        return "backends without _simd_level(): %s" % ", ".join(lacking)
    return None


def _skip_without_level_api():
    why = _missing_level_api()
    if why:
        pytest.skip(why + ": only the default SIMD level is tested "
                    "(test_accuracy_1d, test_accuracy_2d_views)")


def _libmvec_built():
    # what setup.py checks before building the avx2/avx512 kernels
    return (platform.machine() in ("x86_64", "AMD64")
            and ctypes.util.find_library("mvec") is not None)


_LEVEL_RUNS = {}


def _run_level(run_python, level, tmp_path_factory):
    if level in _LEVEL_RUNS:
        return _LEVEL_RUNS[level]
    tmp = tmp_path_factory.mktemp("simd-" + level)
    spec_path, out_path = str(tmp / "spec.json"), str(tmp / "out.json")
    with open(spec_path, "w") as f:
        json.dump({"backends": _c_backends(), "debug": DEBUG,
                   "cases": [_encode_case(c) for c in _all_cases()]}, f)
    env = dict(os.environ, PICONUMPY_SIMD=level)
    env.pop("PICONUMPY_BACKEND", None)   # simd_level() of the default backend
    run_python(["-c", _child_script(), spec_path, out_path], env=env)
    with open(out_path) as f:
        data = json.load(f)
    data["results"] = {name: {cid: _unpack(text) for cid, text in
                              by_case.items()}
                       for name, by_case in data["results"].items()}
    _LEVEL_RUNS[level] = data
    return data


def _check_reported_level(level, data):
    """The level each backend reports for PICONUMPY_SIMD=level is the best
    one <= level that this CPU (and build) has; returns it."""
    reported = set(data["levels"].values())
    assert len(reported) == 1 and reported <= set(LEVELS), data["levels"]
    got = reported.pop()
    assert data["package_level"] == got, (
        "piconumpy.simd_level() says %r, the backends %r"
        % (data["package_level"], got))
    assert LEVELS.index(got) <= LEVELS.index(level), (
        "PICONUMPY_SIMD=%s gave the higher level %s" % (level, got))
    best = cpu_best_level()
    if best is not None:
        expected = LEVELS[min(LEVELS.index(level), LEVELS.index(best))]
        if got != expected and not _libmvec_built():
            pytest.skip("PICONUMPY_SIMD=%s gave %s: this build has no "
                        "libmvec kernels (no %s level)" % (level, got, level))
        assert got == expected, (
            "PICONUMPY_SIMD=%s on a CPU whose best level is %s gave %s, "
            "not %s" % (level, best, got, expected))
    return got


@pytest.mark.parametrize("level", LEVELS)
def test_accuracy_at_level(level, run_python, tmp_path_factory):
    _skip_without_level_api()
    data = _run_level(run_python, level, tmp_path_factory)
    got = _check_reported_level(level, data)
    if got != level:
        pytest.skip("this CPU lacks %s (flags %s): PICONUMPY_SIMD=%s "
                    "fell back to %s, as it should"
                    % (level, "+".join(LEVEL_CPU_FLAGS[level]), level, got))
    cases = _all_cases()
    for name, outputs in data["results"].items():
        _check_outputs(cases, outputs, "%s@%s" % (name, got))


def test_special_values_identical_across_levels(run_python, tmp_path_factory):
    _skip_without_level_api()
    cases = _all_cases()
    runs = {level: _run_level(run_python, level, tmp_path_factory)
            for level in LEVELS}
    reference = runs["baseline"]["results"]
    differences = []
    for level, data in runs.items():
        if level == "baseline":
            continue
        for name, outputs in data["results"].items():
            for case in cases:
                want = _special_signature(case, reference[name][case["id"]])
                have = _special_signature(case, outputs[case["id"]])
                refs = _refs_of(case)
                for i in sorted(set(want) | set(have)):
                    if want.get(i) != have.get(i):
                        x, y, _ = refs[i]
                        differences.append(
                            "%s %s@%s x=%r y=%r: %r at baseline, %r at %s"
                            % (case["id"], name, data["levels"][name], x, y,
                               reference[name][case["id"]][i],
                               outputs[case["id"]][i], level))
    assert not differences, "\n".join(differences[:20])
