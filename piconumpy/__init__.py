"""piconumpy: a tiny numpy-like float64 array, fast on CPython and PyPy.

``import piconumpy`` selects the fastest backend for this interpreter
(``PICONUMPY_BACKEND=cpython|hpy|hpy_universal|purepy`` forces one) and
exposes its API at the top level.
"""
from . import _loader
from ._dtype import float64

__version__ = "0.1.0"

API = (
    "array", "ndarray", "empty", "zeros", "ones", "full", "arange",
    "linspace", "sin", "cos", "tan", "exp", "log", "sqrt", "absolute", "abs",
    "sum", "min", "max", "mean", "dot",
    # N-D (the pure-Python backend raises NotImplementedError for N-D data)
    "prod", "argmin", "argmax", "nanmin", "nanmax", "nansum", "reshape",
    "transpose", "ravel", "matmul", "eye", "linalg", "AxisError",
    "add", "subtract", "multiply", "divide", "true_divide", "power", "copyto",
)

backend = _loader.default_backend()
_module = _loader.load(backend)
globals().update({name: getattr(_module, name) for name in API})


def backends():
    """Names of the backends available on this interpreter."""
    return _loader.available()


def simd_level():
    """The SIMD level of the active C backend's kernels: "baseline", "avx2"
    or "avx512" (the best the CPU has; PICONUMPY_SIMD=... lowers it), or
    "none" for the pure-Python backend."""
    level = getattr(_module, "_simd_level", None)
    return level() if level is not None else "none"


def get_num_threads():
    """Threads a large element-wise operation may use (1 for the
    pure-Python backend).  Default: the CPUs this process may run on
    (affinity mask, container CPU quota), at most 8;
    PICONUMPY_NUM_THREADS=n sets it at import."""
    num = getattr(_module, "_num_threads", None)
    return num(0) if num is not None else 1


def set_num_threads(n):
    """Let element-wise operations and sums on large arrays (from 8192
    elements for sqrt sin cos tan exp log **, 16384 for + - * /, copies,
    fills and sums) use up to n threads, 1 to 64, in every loaded C
    backend.  Results do not depend on n: each element is computed by the
    same code on whichever thread, and long sums are merged in the
    one-thread association (dot, min, max... run on one thread).  Returns
    the previous count."""
    import operator
    try:
        n = operator.index(n)
    except TypeError:
        raise TypeError(f"number of threads must be an integer, not {type(n).__name__}") from None
    if not 1 <= n <= 64:
        raise ValueError(f"number of threads must be from 1 to 64, not {n}")
    before = get_num_threads()
    _loader.num_threads = n
    for module in _loader.loaded():
        if hasattr(module, "_num_threads"):
            module._num_threads(n)
    return before


def get_backend(name):
    """The module of one backend, e.g. ``get_backend("hpy").array``."""
    return _loader.load(name)


__all__ = list(API) + ["backend", "backends", "get_backend", "float64",
                       "simd_level", "get_num_threads", "set_num_threads"]
