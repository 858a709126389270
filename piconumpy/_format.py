"""repr()/str() of float64 arrays of any dimension, shared by every backend.

The output reproduces numpy 2.x with its default print options
(precision 8, ``floatmode='maxprec'``, ``suppress=False``, threshold 1000,
edgeitems 3, linewidth 75). numpy itself is never imported: digits come from
Python's shortest round-trip ``repr(float)`` and its correctly rounded ``%``
formatting, which give the same digits as numpy's Dragon4.

Only ``obj.tolist()`` (nested lists) and ``obj.shape`` are used, so any
backend's array can be formatted.
"""

import math

_PRECISION = 8
_THRESHOLD = 1000
_EDGEITEMS = 3
_LINEWIDTH = 75


def _shortest_digits(x):
    """Return (digits, point) with abs(x) == 0.<digits> * 10**point.

    x must be finite and non-zero; digits has no leading/trailing zeros.
    """
    mantissa, _, exponent = repr(abs(x)).partition("e")
    int_part, _, frac_part = mantissa.partition(".")
    raw = int_part + frac_part
    digits = raw.lstrip("0")
    point = len(int_part) + int(exponent or 0) - (len(raw) - len(digits))
    return digits.rstrip("0"), point


def _sign(x):
    # copysign keeps the sign of -0.0, which numpy prints as "-0."
    return "-" if math.copysign(1.0, x) < 0 else ""


def _positional(x):
    """Split finite x into (signed integer part, fraction digits).

    Shortest unique digits, but at most _PRECISION fraction digits (then
    correctly rounded, trailing zeros dropped), like numpy's 'maxprec' mode.
    """
    sign = _sign(x)
    if x == 0:
        return sign + "0", ""
    digits, point = _shortest_digits(x)
    if len(digits) - point > _PRECISION:
        int_part, _, frac = ("%.*f" % (_PRECISION, abs(x))).partition(".")
        return sign + int_part, frac.rstrip("0")
    if point <= 0:
        return sign + "0", "0" * -point + digits
    if point >= len(digits):
        return sign + digits + "0" * (point - len(digits)), ""
    return sign + digits[:point], digits[point:]


def _scientific(x):
    """Split finite x into (signed leading digit, fraction digits, exponent)."""
    sign = _sign(x)
    if x == 0:
        return sign + "0", "", 0
    digits, point = _shortest_digits(x)
    if len(digits) - 1 > _PRECISION:
        mantissa, _, exponent = ("%.*e" % (_PRECISION, abs(x))).partition("e")
        lead, _, frac = mantissa.partition(".")
        return sign + lead, frac.rstrip("0"), int(exponent)
    return sign + digits[0], digits[1:], point - 1


def _use_scientific(finite):
    magnitudes = [abs(x) for x in finite if x != 0]
    if not magnitudes:
        return False
    largest = max(magnitudes)
    smallest = min(magnitudes)
    return largest >= 1e8 or smallest < 1e-4 or largest / smallest > 1000.0


def _format_words(values):
    """Format floats to equal-width strings, all sharing one layout."""
    finite = [x for x in values if math.isfinite(x)]
    scientific = bool(finite) and _use_scientific(finite)
    pad_left = pad_right = precision = exp_digits = 0
    if scientific:
        parts = [_scientific(x) for x in finite]
        precision = max(len(frac) for _, frac, _ in parts)
        exp_digits = max(2, max(len(str(abs(e))) for _, _, e in parts))
        pad_left = max(len(lead) for lead, _, _ in parts)
        pad_right = exp_digits + 2 + precision
    elif finite:
        parts = [_positional(x) for x in finite]
        pad_left = max(len(ip) for ip, _ in parts)
        pad_right = max(len(frac) for _, frac in parts)
    if len(finite) != len(values):
        # "nan"/"-inf" must fit in the common width, which they may widen
        has_neg_inf = any(x == -math.inf for x in values)
        pad_left = max(pad_left, 3 + has_neg_inf - (pad_right + 1))

    finite_words = []
    if scientific:
        for lead, frac, e in parts:
            finite_words.append("%s.%se%s%s" % (
                lead.rjust(pad_left),
                frac.ljust(precision, "0"),  # same digit count for all
                "-" if e < 0 else "+",
                str(abs(e)).zfill(exp_digits),
            ))
    elif finite:
        for ip, frac in parts:
            finite_words.append(ip.rjust(pad_left) + "." + frac.ljust(pad_right))
    if len(finite) == len(values):
        return finite_words

    width = pad_left + pad_right + 1
    finite_iter = iter(finite_words)
    result = []
    for x in values:
        if x != x:
            result.append("nan".rjust(width))
        elif math.isinf(x):
            result.append(("-inf" if x < 0 else "inf").rjust(width))
        else:
            result.append(next(finite_iter))
    return result


def _extend_line(text, line, word, width, indent):
    """Append word to the current line, first starting a new one if the
    word would pass ``width`` (a line holding only the indent never wraps:
    it would not help)."""
    if len(line) + len(word) > width and len(line) > len(indent):
        text += line.rstrip() + "\n"
        line = indent
    return text, line + word


def _block(words, shape, axis, indent, width, separator, summarise):
    """Bracketed text of the sub-array at ``axis``, numpy-style.

    ``words`` yields the formatted elements in C order (edges only when
    summarising); ``indent`` is the hanging indent of this level's lines
    and ``width`` the room left before this level's closing brackets.
    """
    n = shape[axis]
    cut = summarise and n > 2 * _EDGEITEMS
    count = 2 * _EDGEITEMS if cut else n
    axes_left = len(shape) - axis
    if axes_left == 1:
        # room for the separator (or the closing bracket) after each word
        elem_width = width - max(len(separator.rstrip()), 1)
        text = ""
        line = indent
        for i in range(count):
            if cut and i == _EDGEITEMS:
                text, line = _extend_line(text, line, "...", elem_width, indent)
                line += separator
            text, line = _extend_line(text, line, next(words), elem_width, indent)
            if i != count - 1:
                line += separator
        text += line
    else:
        # sub-blocks one per line, with a blank line per extra dimension
        between = separator.rstrip() + "\n" * (axes_left - 1)
        inner_indent = indent + " "
        parts = []
        for i in range(count):
            if cut and i == _EDGEITEMS:
                parts.append("...")
            parts.append(_block(words, shape, axis + 1, inner_indent,
                                width - 1, separator, summarise))
        text = indent + (between + indent).join(parts)
    return "[" + text[len(indent):] + "]"


def _edges(nested, shape, axis):
    """The elements kept when summarising, flattened in C order."""
    rows = nested
    if shape[axis] > 2 * _EDGEITEMS:
        rows = nested[:_EDGEITEMS] + nested[-_EDGEITEMS:]
    if axis == len(shape) - 1:
        return list(rows)
    return [x for row in rows for x in _edges(row, shape, axis + 1)]


def _flatten(nested, ndim):
    for _ in range(ndim - 1):
        nested = [x for row in nested for x in row]
    return nested


def _shape_of(a, values):
    """a.shape, or the shape of the nested list for shapeless objects."""
    shape = getattr(a, "shape", None)
    if shape is not None:
        return tuple(shape)
    shape = []
    while isinstance(values, list):
        shape.append(len(values))
        if not values:
            break
        values = values[0]
    return tuple(shape)


def _array_body(values, shape, separator, prefix, suffix):
    """The bracketed text of a non-empty array of at least one dimension."""
    summarise = _size(shape) > _THRESHOLD
    if summarise:
        flat = _edges(values, shape, 0)
    else:
        flat = _flatten(values, len(shape))
    words = iter(_format_words([float(x) for x in flat]))
    indent = " " * (len(prefix) + 1)   # aligns with the first element
    return _block(words, shape, 0, indent, _LINEWIDTH - len(suffix),
                  separator, summarise)


def _size(shape):
    total = 1
    for n in shape:
        total *= n
    return total


def _shape_text(shape):
    return repr(tuple(int(n) for n in shape))   # "(3,)", "(0, 3)"


def array_repr(a):
    """numpy-style repr, e.g. ``array([1. , 2.5, 3. ])``."""
    values = a.tolist()
    shape = _shape_of(a, values)
    if not shape:
        return "array(%s)" % _format_words([float(values)])[0]
    size = _size(shape)
    if size == 0:
        if shape == (0,):
            return "array([], dtype=float64)"
        return "array([], shape=%s, dtype=float64)" % _shape_text(shape)
    prefix = "array("
    text = prefix + _array_body(values, shape, ", ", prefix, ")")
    if size <= _THRESHOLD:
        return text + ")"
    # numpy >= 2.2 appends the shape of summarised arrays, on a new line
    # when it would not fit on the last one
    text += ","
    extra = "shape=%s)" % _shape_text(shape)
    last_line_len = len(text) - (text.rfind("\n") + 1)
    if last_line_len + len(extra) + 1 > _LINEWIDTH:
        return text + "\n" + " " * len(prefix) + extra
    return text + " " + extra


def array_str(a):
    """numpy-style str, e.g. ``[1.  2.5 3. ]``."""
    values = a.tolist()
    shape = _shape_of(a, values)
    if not shape:
        return repr(float(values))   # numpy prints the scalar's str
    if _size(shape) == 0:
        return "[]"
    return _array_body(values, shape, " ", "", "")
