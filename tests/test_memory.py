"""Large temporaries must not pile up: PyPy's GC cannot see malloc'd buffers
unless they are reported (add_memory_pressure); without it this loop reaches
~6 GB of RSS on PyPy.  Each check runs in a fresh interpreter so that the
RSS figure is not inflated by whatever the rest of the suite allocated."""
import os
import sys

import pytest

RSS_LIMIT_MB = 500

SCRIPT = r"""
import sys
from piconumpy import _loader
name = sys.argv[1]
debug = name.endswith("-debug")
pn = _loader.load(name.replace("-debug", ""), debug=debug)
iterations = int(sys.argv[2])

def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * %d / 2**20

a = pn.zeros(1000000)            # 8 MB
peak = 0.0
for i in range(iterations):
    b = a + 1.0                  # a new 8 MB temporary each time
    b[0] = float(i)
    peak = max(peak, rss_mb())
assert b[0] == iterations - 1 and b[1] == 1.0
print(peak)
"""


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs Linux /proc")
def test_many_large_temporaries_keep_rss_bounded(backend_name, run_python):
    # purepy's lists are plain GC objects; a shorter loop checks the same
    iterations = 100 if backend_name == "purepy" else 1000
    script = SCRIPT % os.sysconf("SC_PAGE_SIZE")
    out = run_python(["-c", script, backend_name, str(iterations)]).stdout
    peak = float(out)
    assert peak < RSS_LIMIT_MB, "RSS reached %.0f MB on %s (%s)" % (
        peak, backend_name, sys.implementation.name)


def test_buffer_cache_ring(build_c_driver):
    """piconumpy/array_core.h's cache of freed large buffers, driven from C
    (tests/c/test_buffer_cache.c): newest of a size first, gaps closed in
    order, oldest evicted, slot and byte caps, the ring wrapping around."""
    import subprocess
    exe, _ = build_c_driver("test_buffer_cache.c", [
        "-O1", "-std=gnu11", "-Wall", "-Werror", "-Wno-unused-function", "-pthread"])
    out = subprocess.run([exe], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stdout
