"""Build piconumpy's C extensions.

One `pip install .` builds, for the running interpreter:

- ``_piconumpy_cpython``: the classic C-API version (on PyPy through cpyext);
- ``_piconumpy_hpy``: _piconumpy_hpy.c for HPy's CPython ABI (CPython only:
  it needs hpy.devel's runtime sources, which Debian's PyPy does not ship);
- ``_piconumpy_hpy_universal``: the same source for HPy's universal ABI,
  against hpy 0.9 on CPython (``.hpy0.so``) or PyPy's built-in HPy 0.0.4
  (``.hpy.so``).

We drive the compiler ourselves instead of using hpy's setuptools plugin:
the plugin's universal-module stub imports pkg_resources (gone from
setuptools >= 82) and PyPy's copy of the plugin is not registered as an
entry point.  piconumpy/_loader.py loads universal modules with
hpy.universal.load.
"""
import os
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

# -O3 for vectorised loops; no -ffast-math: numpy-compatible IEEE results
# (inf/nan, signed zeros) are part of the contract.
# -ffp-contract=off: no FMA contraction, so every SIMD level rounds alike.
# -fno-math-errno: nothing reads errno, and sqrt() then vectorises.
# -pthread: piconumpy/threads.h splits large loops across cores.
LINK_ARGS = ["-pthread"]
COMPILE_ARGS = ["-pthread", "-O3", "-ffp-contract=off", "-fno-math-errno", "-Wall",
                "-Wno-unused-function"]


def libmvec_options():
    """glibc's vector math library (x86-64 Linux): the AVX2/AVX-512 sin, cos,
    tan, exp, log of piconumpy/simd.h.  Without it only the baseline level
    is built."""
    import ctypes.util
    import platform
    if platform.machine() not in ("x86_64", "AMD64") or not ctypes.util.find_library("mvec"):
        return {}
    return {"define_macros": [("PN_HAVE_LIBMVEC", None)], "libraries": ["mvec", "m"]}


MVEC = libmvec_options()
HEADERS = ["piconumpy/kernels.h", "piconumpy/simd.h", "piconumpy/array_core.h",
           "piconumpy/linalg.h", "piconumpy/hpy_compat.h", "piconumpy/fused.h",
           "piconumpy/vmath_avx512.h", "piconumpy/threads.h"]


def hpy_devel():
    """(HPyDevel instance, is_hpy_09) or (None, None) when HPy is missing."""
    try:
        from hpy.devel import HPyDevel
    except ImportError:
        return None, None
    devel = HPyDevel()
    version_h = os.path.join(devel.include_dir, "hpy", "version.h")
    is_09 = os.path.exists(os.path.join(devel.include_dir, "hpy", "hpyexports.h"))
    assert os.path.exists(version_h)
    return devel, is_09


def universal_suffix(is_09):
    # hpy 0.9 looks for name.hpy0.so, PyPy's HPy 0.0.4 for name.hpy.so
    return ".hpy0.so" if is_09 else ".hpy.so"


class UniversalExtension(Extension):
    """An HPy universal-ABI module: a plain shared library with its own suffix."""

    def __init__(self, name, sources, suffix, **kw):
        super().__init__(name, sources, **kw)
        self.hpy_suffix = suffix


class build_ext_piconumpy(build_ext):
    def get_ext_filename(self, fullname):
        # called with the dotted name or with its last component only
        for ext in self.extensions:
            if isinstance(ext, UniversalExtension) and (
                fullname == ext.name or fullname == ext.name.rsplit(".", 1)[-1]
            ):
                return os.path.join(*fullname.split(".")) + ext.hpy_suffix
        return super().get_ext_filename(fullname)

    def get_export_symbols(self, ext):
        if isinstance(ext, UniversalExtension):
            return []   # no PyInit_* in a universal module
        return super().get_export_symbols(ext)


def extensions():
    exts = [
        Extension(
            "piconumpy._piconumpy_cpython",
            ["piconumpy/_piconumpy_cpython.c"],
            depends=HEADERS,
            define_macros=MVEC.get("define_macros", []),
            libraries=MVEC.get("libraries", []),
            extra_compile_args=COMPILE_ARGS,
            extra_link_args=LINK_ARGS,
        )
    ]
    devel, is_09 = hpy_devel()
    if devel is None:
        print("piconumpy: hpy.devel not found, building the C-API module only")
        return exts
    include = [str(d) for d in devel.get_extra_include_dirs()]
    if sys.implementation.name == "cpython":
        exts.append(
            Extension(
                "piconumpy._piconumpy_hpy",
                ["piconumpy/_piconumpy_hpy.c"] + devel.get_ctx_sources(),
                include_dirs=include,
                depends=HEADERS,
                define_macros=[("HPY", None), ("HPY_ABI_CPYTHON", None),
                               ("PN_MODNAME", "_piconumpy_hpy")]
                + MVEC.get("define_macros", []),
                libraries=MVEC.get("libraries", []),
                extra_compile_args=COMPILE_ARGS,
            extra_link_args=LINK_ARGS,
            )
        )
    if is_09:
        abi_macro = "HPY_ABI_UNIVERSAL"
        # guard against accidental use of Python.h in universal mode
        include = [str(devel.get_include_dir_forbid_python_h())] + include
    else:
        abi_macro = "HPY_UNIVERSAL_ABI"
    exts.append(
        UniversalExtension(
            "piconumpy._piconumpy_hpy_universal",
            ["piconumpy/_piconumpy_hpy.c"],
            universal_suffix(is_09),
            include_dirs=include,
            depends=HEADERS,
            define_macros=[("HPY", None), (abi_macro, None),
                           ("PN_MODNAME", "_piconumpy_hpy_universal")]
            + MVEC.get("define_macros", []),
            libraries=MVEC.get("libraries", []),
            extra_compile_args=COMPILE_ARGS,
            extra_link_args=LINK_ARGS,
        )
    )
    return exts


setup(ext_modules=extensions(), cmdclass={"build_ext": build_ext_piconumpy})
