"""Nanoseconds per tiny operation on 4-element arrays.

Ops: `a + b`, `a += b` (no allocation), `a * 2.0`, `a[1]`, `array([4 floats])`, `zeros(4)`, for numpy,
purepy and every piconumpy backend available on the running interpreter.

`measure()` is used by bench/_worker.py; `python bench/tiny_ops.py [--quick]`
prints the table for the running interpreter alone.
"""

import platform
import statistics
import sys
import time
import timeit

import board  # array_namespaces(): which namespaces exist here

IS_PYPY = platform.python_implementation() == "PyPy"

# (label, statement) on 4-element arrays a and b.  The result is stored in a
# list so that PyPy's JIT cannot drop the work as dead code; the cost of the
# loop and of that store is measured by BASELINE and subtracted.
TINY_OPS = [
    ("a + b", "a + b"),
    # same work without allocating (a += b): the difference is object creation
    ("a += b", "a += b; _sink[0] = a"),
    ("a * 2.0", "a * 2.0"),
    ("a[1]", "a[1]"),
    ("array([4 floats])", "array([1.0, 2.0, 3.0, 4.0])"),
    ("zeros(4)", "zeros(4)"),
]
BASELINE = "_sink[0] = a"

# seconds per timeit call, interleaved repeats, JIT warm-up seconds per timer.
# On PyPy the C backends show periodic costly events (GC, memory pressure):
# 20 ms windows gave bimodal samples (e.g. 220 vs 700 ns), 80 ms windows
# average over those events and make the median reproducible.
if IS_PYPY:
    FULL = dict(seconds=0.08, repeats=7, warm=0.3)
    QUICK = dict(seconds=0.01, repeats=5, warm=0.08)
else:
    FULL = dict(seconds=0.02, repeats=9, warm=0.0)
    QUICK = dict(seconds=0.004, repeats=5, warm=0.0)


def make_timer(stmt, env):
    # bind the names as locals in the setup: a plain dict used as globals
    # costs PyPy ~10 ns per name lookup (it is not a module dict), which
    # would swamp the ops being measured
    setup = "; ".join("%s = _env[%r]" % (k, k) for k in sorted(env))
    return timeit.Timer(stmt, setup=setup, globals={"_env": env})


def calibrate(timer, seconds):
    """Smallest number of loops (1, 2, 5, 10, 20, ...) taking >= seconds."""
    number = 1
    while True:
        for factor in (1, 2, 5):
            n = number * factor
            if timer.timeit(n) >= seconds:
                return n
        number *= 10


def measure(spaces, seconds, repeats, warm):
    """Median ns per op, baseline subtracted: {namespace: {op label: ns}}."""
    timers = []  # (namespace name, op label, Timer)
    for ns_name, ns in spaces:
        env = {
            "a": ns.array([1.0, 2.0, 3.0, 4.0]),
            "b": ns.array([0.5, 1.5, 2.5, 3.5]),
            "array": ns.array,
            "zeros": ns.zeros,
            "_sink": [None],
        }
        for label, stmt in TINY_OPS:
            # an expression's value goes to the sink; a full statement
            # (one containing "_sink") stores what it needs itself
            code = stmt if "_sink" in stmt else "_sink[0] = " + stmt
            timers.append((ns_name, label, make_timer(code, env)))
    timers.append((None, "baseline", make_timer(BASELINE, {"a": 1.0, "_sink": [None]})))

    numbers = []
    for _, _, timer in timers:
        if warm:
            # let PyPy compile this loop before calibrating and measuring
            t_end = time.perf_counter() + warm
            n = 1000
            while time.perf_counter() < t_end:
                timer.timeit(n)
                n = min(2 * n, 10 ** 7)
        numbers.append(calibrate(timer, seconds))

    # repeats interleaved across all timers (rotated order), so that a noisy
    # moment hits every column a little rather than one column a lot
    samples = [[] for _ in timers]
    order = list(range(len(timers)))
    for rep in range(repeats):
        shift = rep % len(timers)
        for i in order[shift:] + order[:shift]:
            samples[i].append(1e9 * timers[i][2].timeit(numbers[i]) / numbers[i])

    baseline = statistics.median(samples[-1])
    table, raw = {}, {}
    for (ns_name, label, _), values in zip(timers[:-1], samples[:-1]):
        med = statistics.median(values)
        raw.setdefault(ns_name, {})[label] = med
        table.setdefault(ns_name, {})[label] = max(0.0, med - baseline)
    return {
        "ops": [label for label, _ in TINY_OPS],
        "namespaces": [name for name, _ in spaces],
        "ns": table,
        "raw_ns": raw,
        "baseline_ns": baseline,
        "repeats": repeats,
    }


def main(argv):
    cfg = QUICK if "--quick" in argv else FULL
    spaces, _ = board.array_namespaces()
    res = measure(spaces, **cfg)
    names = res["namespaces"]
    print("%s %s, ns per op (baseline %.1f ns subtracted)"
          % (platform.python_implementation(), platform.python_version(),
             res["baseline_ns"]))
    print("%-20s" % "op" + "".join("%15s" % n for n in names))
    for op in res["ops"]:
        print("%-20s" % op + "".join("%15.1f" % res["ns"][n][op] for n in names))


if __name__ == "__main__":
    main(sys.argv[1:])
