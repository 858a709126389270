"""The Laplace stencil run long, in a fresh process: time per iteration with
the garbage collector's work included, and the peak memory.

The Laplace table (laplace.py) times short solves on a 500x500 grid, the
best conditions for a garbage-collected interpreter: on PyPy a dead array
gives its buffer back only in a major collection, which few of those solves
contain.  Here one solve of many iterations on a bigger grid pays for every
collection it needs, and the process's peak RSS shows how much memory
waited for one (a 2000x2000 grid once took 1 GB of RSS on PyPy).

    python bench/sustained.py VARIANT SIZE ITERATIONS CREF

VARIANT: numpy, or piconumpy (the interpreter's default backend).  CREF:
bench/build/laplace_ref, which checks the final grid.  Prints one line,
MARK + JSON: seconds per iteration, RSS before the solve and peak (MB),
the largest difference from the C program's row and column sums.
"""
import json
import os
import resource
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import laplace  # noqa: E402
from _worker import MARK  # noqa: E402  (imports no array library)
# a short solve on a small grid first: the JIT's traces and numpy's first
# calls, without the big grid's memory in the "before" figure
WARM_UP = (100, 20)


def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def namespace(variant):
    if variant == "numpy":
        import numpy
        return numpy
    import piconumpy
    return piconumpy


def measure(variant, size, iterations, cref):
    ns = namespace(variant)
    laplace.make_solver(ns, WARM_UP[0], WARM_UP[0], WARM_UP[1])()
    before = rss_mb()
    per_iter, grid = laplace.make_solver(ns, size, size, iterations)()
    peak = peak_rss_mb()
    ref = laplace.run_c(cref, size, size, iterations, 0.0)
    return {"variant": variant, "size": size, "iterations": iterations,
            "per_iter": per_iter, "rss_before_mb": before, "rss_peak_mb": peak,
            "max_diff": laplace.max_abs_diff(grid, ref),
            "backend": getattr(ns, "backend", None)}


def main(argv):
    variant, size, iterations, cref = argv[0], int(argv[1]), int(argv[2]), argv[3]
    res = measure(variant, size, iterations, cref)
    print(MARK + json.dumps(res))
    return 0 if res["max_diff"] <= 1e-9 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
