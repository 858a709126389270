"""Find, load and set up piconumpy's backends.

Backends: ``cpython`` (C-API), ``hpy`` (HPy, CPython ABI), ``hpy_universal``
(HPy universal ABI) and ``purepy``.  Universal modules are loaded with
``hpy.universal.load`` directly: hpy's generated stub needs pkg_resources,
which recent setuptools no longer has.
"""
import gc
import importlib
import importlib.machinery
import os
import shutil
import sys
import tempfile

from . import _coerce, _dtype, _format, _ndapi

BACKENDS = ("cpython", "hpy", "hpy_universal", "purepy")
IS_PYPY = sys.implementation.name == "pypy"

# fastest first, per interpreter (see bench/results): on PyPy the universal
# ABI avoids cpyext; on CPython the C-API and the HPy CPython ABI are on par.
PREFERENCE = (
    ("hpy_universal", "cpython", "purepy")
    if IS_PYPY
    else ("cpython", "hpy", "hpy_universal", "purepy")
)

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_UNIVERSAL_NAME = "_piconumpy_hpy_universal"
_cache = {}
# piconumpy.set_num_threads' count: applied to backends loaded afterwards too
num_threads = None


def _hpy_universal():
    import hpy.universal

    return hpy.universal


def _hpy_is_09(universal):
    # hpy 0.9 has load(name, path, spec, debug=...); PyPy's 0.0.4 has
    # load(name, path, debug) and no MODE_* constants
    return hasattr(universal, "MODE_DEBUG")


def universal_path():
    """Path of the universal module built for this interpreter's HPy."""
    suffix = ".hpy0.so" if _hpy_is_09(_hpy_universal()) else ".hpy.so"
    return os.path.join(_PACKAGE_DIR, _UNIVERSAL_NAME + suffix)


def _load_universal(debug):
    universal = _hpy_universal()
    path = universal_path()
    if not os.path.exists(path):
        raise ImportError("piconumpy: %s is not built" % path)
    if debug:
        # a private copy: the debug module must not share the C static
        # state (HPyGlobals) of the normal one loaded in the same process
        tmpdir = tempfile.mkdtemp(prefix="piconumpy-debug-")
        copy = os.path.join(tmpdir, os.path.basename(path))
        shutil.copy(path, copy)
        path = copy
    fullname = "piconumpy." + _UNIVERSAL_NAME
    if _hpy_is_09(universal):
        spec = importlib.machinery.ModuleSpec(fullname, None, origin=path)
        return universal.load(_UNIVERSAL_NAME, path, spec, debug=debug)
    return universal.load(_UNIVERSAL_NAME, path, debug)


def _collect(_):
    """The C backends' recycling collection on PyPy (array_core.h): dead
    arrays give their buffers back only in a major collection."""
    gc.collect()


def _setup(mod):
    pressure = collect = None
    if IS_PYPY:
        import __pypy__

        pressure = __pypy__.add_memory_pressure
        collect = _collect
    mod._setup(_format.array_repr, _format.array_str, _coerce.to_float_source,
               _dtype.float64, pressure, collect)
    _ndapi.install(mod)   # keyword-taking functions and methods over the C core
    if num_threads is not None:
        mod._num_threads(num_threads)
    return mod


def loaded():
    """The backend modules loaded so far."""
    return list(_cache.values())


def load(name, debug=False):
    """The module of backend ``name`` (``debug=True``: HPy debug mode,
    universal backend only)."""
    key = (name, debug)
    if key in _cache:
        return _cache[key]
    if name not in BACKENDS:
        raise ValueError(
            "unknown piconumpy backend %r (choose from %s)"
            % (name, ", ".join(BACKENDS))
        )
    if debug and name != "hpy_universal":
        raise ValueError("HPy debug mode exists for hpy_universal only")
    if name == "purepy":
        mod = importlib.import_module("piconumpy.purepy")
    elif name == "hpy_universal":
        mod = _setup(_load_universal(debug))
    else:
        mod = _setup(importlib.import_module("piconumpy._piconumpy_" + name))
    _cache[key] = mod
    return mod


def available():
    """Names of the backends that load on this interpreter."""
    names = []
    for name in BACKENDS:
        try:
            load(name)
        except ImportError:
            continue
        names.append(name)
    return names


def default_backend():
    forced = os.environ.get("PICONUMPY_BACKEND")
    if forced:
        load(forced)   # an unknown or unbuilt backend must fail loudly
        return forced
    for name in PREFERENCE:
        try:
            load(name)
        except ImportError:
            continue
        return name
    raise ImportError("piconumpy: no backend could be loaded")
