"""Backend selection and loading."""
import os
import sys

import pytest

import piconumpy
from piconumpy import _loader

IS_PYPY = sys.implementation.name == "pypy"


def test_backend_names_are_the_documented_ones():
    assert set(piconumpy.backends()) <= {"cpython", "hpy", "hpy_universal", "purepy"}
    assert "purepy" in piconumpy.backends()
    assert piconumpy.backend in piconumpy.backends()


def test_expected_backends_are_built_for_this_interpreter():
    expected = {"cpython", "hpy_universal", "purepy"}
    if not IS_PYPY:
        expected.add("hpy")
    assert expected <= set(piconumpy.backends())


def test_default_backend_is_the_fast_one():
    assert piconumpy.backend == ("hpy_universal" if IS_PYPY else "cpython")


def test_top_level_api_comes_from_the_active_backend():
    mod = piconumpy.get_backend(piconumpy.backend)
    for name in piconumpy.API:
        assert getattr(piconumpy, name) is getattr(mod, name)


@pytest.mark.parametrize("name", ["cpython", "hpy_universal", "purepy"])
def test_env_var_forces_a_backend(name, run_python):
    code = "import piconumpy; print(piconumpy.backend, piconumpy.zeros(2).sum())"
    env = dict(os.environ, PICONUMPY_BACKEND=name)
    out = run_python(["-c", code], env=env).stdout.split()
    assert out == [name, "0.0"]


def test_unknown_backend_in_env_var_fails_loudly(run_python):
    env = dict(os.environ, PICONUMPY_BACKEND="fortran")
    proc = run_python(["-c", "import piconumpy"], env=env, check=False)
    assert proc.returncode != 0
    assert "unknown piconumpy backend" in proc.stderr


def test_loading_does_not_need_pkg_resources(run_python):
    # a poisoned pkg_resources proves the universal loader never imports it
    code = ("import sys; sys.modules['pkg_resources'] = None; "
            "import piconumpy; m = piconumpy.get_backend('hpy_universal'); "
            "print(m.array([1.0, 2.0]).sum())")
    out = run_python(["-c", code]).stdout
    assert out.strip() == "3.0"


def test_debug_mode_module_is_separate_from_the_normal_one():
    normal = _loader.load("hpy_universal")
    debug = _loader.load("hpy_universal", debug=True)
    assert normal is not debug
    assert (debug.array([1.0]) + debug.array([2.0])).tolist() == [3.0]
    assert (normal.array([1.0]) + normal.array([2.0])).tolist() == [3.0]
