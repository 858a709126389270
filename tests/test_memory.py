"""Large temporaries must not pile up: on PyPy the GC cannot see malloc'd
buffers unless we report them (add_memory_pressure)."""
import os
import sys

import pytest

N_ELEMENTS = 1_000_000          # 8 MB per array
N_ITERATIONS = 1000
RSS_LIMIT_MB = 500


def rss_mb():
    with open("/proc/self/statm") as f:
        resident_pages = int(f.read().split()[1])
    return resident_pages * os.sysconf("SC_PAGE_SIZE") / 2**20


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs Linux /proc")
def test_many_large_temporaries_keep_rss_bounded(pn, backend_name):
    if backend_name == "purepy":
        # lists of floats are GC objects the interpreter accounts for;
        # a smaller loop keeps this test quick while checking the same thing
        iterations = 50
    else:
        iterations = N_ITERATIONS
    peak = 0.0
    a = pn.zeros(N_ELEMENTS)
    for i in range(iterations):
        b = a + 1.0          # a new 8 MB temporary each time
        b[0] = float(i)      # touch it
        peak = max(peak, rss_mb())
    assert b[0] == iterations - 1
    assert peak < RSS_LIMIT_MB, "RSS reached %.0f MB on %s (%s)" % (
        peak, backend_name, sys.implementation.name)
