"""Fixtures shared by the whole suite.

Every test that takes ``pn`` runs once per backend available on this
interpreter, plus once on the HPy universal module loaded in HPy debug mode
(``hpy_universal-debug``), where each test also fails on leaked handles.
"""
import os
import sys

import pytest

import piconumpy
from piconumpy import _loader

# tools/: helpers shared with the benchmarks (cpu_levels)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "tools"))

try:
    import numpy
except ImportError:   # PyPy without numpy: tests fall back to math
    numpy = None
if os.environ.get("PICONUMPY_TEST_NO_NUMPY"):
    numpy = None          # exercise the numpy-free oracles on purpose

DEBUG = "hpy_universal-debug"


def _backend_names():
    names = list(piconumpy.backends())
    if "hpy_universal" in names:
        names.append(DEBUG)
    return names


BACKEND_NAMES = _backend_names()


def pytest_report_header(config):
    return "piconumpy backends under test: " + ", ".join(BACKEND_NAMES)


def _open_handles_checker():
    """Start a new handle generation; return a function listing the handles
    opened since then and still open (HPy 0.9 and PyPy's 0.0.4 alike)."""
    import hpy.universal

    debug = hpy.universal._debug
    generation = debug.new_generation()
    return lambda: debug.get_open_handles(generation)


@pytest.fixture(params=BACKEND_NAMES)
def backend_name(request):
    return request.param


def _backend_under_test(name):
    """Yield backend `name`; in HPy debug mode, fail on handles it leaked."""
    if name != DEBUG:
        yield _loader.load(name)
        return
    module = _loader.load("hpy_universal", debug=True)
    open_handles = _open_handles_checker()
    yield module
    leaks = open_handles()
    assert not leaks, "leaked HPy handles: %r" % (leaks,)


@pytest.fixture
def pn(backend_name):
    yield from _backend_under_test(backend_name)


def _nd_backend_names():
    # purepy is 1-D only; tests/test_nd.py checks it refuses N-D input
    return [name for name in BACKEND_NAMES if name != "purepy"]


@pytest.fixture(params=_nd_backend_names())
def c_backend_name(request):
    """The name of a C backend (for scripts run in a fresh process)."""
    return request.param


@pytest.fixture(params=_nd_backend_names())
def nd(request):
    """A C backend (N-D capable), with leak checks in debug mode."""
    yield from _backend_under_test(request.param)


@pytest.fixture
def np():
    return numpy


@pytest.fixture
def is_c_backend(backend_name):
    return backend_name != "purepy"


def _run_python(args, env=None, check=True):
    """Run this interpreter in a fresh process that imports the same
    piconumpy as the tests (installed or built in place), never a source
    checkout that happens to be the working directory."""
    import subprocess
    import sys
    import tempfile

    package_parent = os.path.dirname(os.path.dirname(piconumpy.__file__))
    full_env = dict(os.environ if env is None else env)
    full_env["PYTHONPATH"] = package_parent
    return subprocess.run([sys.executable] + list(args), env=full_env,
                          cwd=tempfile.gettempdir(), check=check,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def run_python():
    return _run_python


def _c_compiler():
    """$CC, else the first of gcc, cc, clang found; None without one."""
    import shutil
    cc = os.environ.get("CC")
    if cc and shutil.which(cc.split()[0]):
        return cc.split()
    for name in ("gcc", "cc", "clang"):
        if shutil.which(name):
            return [name]
    return None


@pytest.fixture(scope="session")
def build_c_driver(tmp_path_factory):
    """build(source, flags) compiles tests/c/<source> against piconumpy's
    headers and returns (executable, the compiler's stderr); skips the test
    when there is no C compiler."""
    import subprocess

    here = os.path.dirname(os.path.abspath(__file__))
    include = os.path.join(os.path.dirname(here), "piconumpy")

    def build(source, flags):
        cc = _c_compiler()
        if cc is None:
            pytest.skip("no C compiler")
        name = os.path.splitext(source)[0]
        exe = str(tmp_path_factory.mktemp(name) / name)
        cmd = cc + list(flags) + ["-I", include, os.path.join(here, "c", source),
                                  "-o", exe, "-lm"]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        assert proc.returncode == 0, "compile failed:\n%s\n%s" % (
            " ".join(cmd), proc.stderr)
        return exe, proc.stderr

    return build
