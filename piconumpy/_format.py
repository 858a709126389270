"""repr()/str() of 1-D float64 arrays, shared by every backend.

The output reproduces numpy 2.x with its default print options
(precision 8, ``floatmode='maxprec'``, ``suppress=False``, threshold 1000,
edgeitems 3, linewidth 75). numpy itself is never imported: digits come from
Python's shortest round-trip ``repr(float)`` and its correctly rounded ``%``
formatting, which give the same digits as numpy's Dragon4.

Only ``obj.tolist()`` is used, so any backend's array can be formatted.
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


def _wrap_lines(words, separator, prefix, suffix):
    """Join words numpy-style, wrapping lines at _LINEWIDTH columns."""
    line_width = _LINEWIDTH - len(suffix)
    hanging = " " * (len(prefix) + 1)  # align with the first element
    # room for the separator (or the closing bracket) after each word
    elem_width = line_width - max(len(separator.rstrip()), 1)
    text = ""
    line = hanging
    last = len(words) - 1
    for i, word in enumerate(words):
        # a line holding only the indent is never wrapped: it would not help
        if len(line) + len(word) > elem_width and len(line) > len(hanging):
            text += line.rstrip() + "\n"
            line = hanging
        line += word
        if i != last:
            line += separator
    text += line
    return "[" + text[len(hanging):] + "]"


def _array_body(values, separator, prefix, suffix):
    values = [float(x) for x in values]
    if len(values) > _THRESHOLD:
        shown = values[:_EDGEITEMS] + values[-_EDGEITEMS:]
        formatted = _format_words(shown)
        words = formatted[:_EDGEITEMS] + ["..."] + formatted[_EDGEITEMS:]
    else:
        words = _format_words(values)
    return _wrap_lines(words, separator, prefix, suffix)


def array_repr(a):
    """numpy-style repr, e.g. ``array([1. , 2.5, 3. ])``."""
    values = a.tolist()
    if not values:
        return "array([], dtype=float64)"
    prefix = "array("
    text = prefix + _array_body(values, ", ", prefix, ")")
    if len(values) <= _THRESHOLD:
        return text + ")"
    # numpy >= 2.2 appends the shape of summarised arrays
    text += ","
    extra = "shape=(%d,))" % len(values)
    last_line_len = len(text) - (text.rfind("\n") + 1)
    if last_line_len + len(extra) + 1 > _LINEWIDTH:
        return text + "\n" + " " * len(prefix) + extra
    return text + " " + extra


def array_str(a):
    """numpy-style str, e.g. ``[1.  2.5 3. ]``."""
    values = a.tolist()
    if not values:
        return "[]"
    return _array_body(values, " ", "", "")
