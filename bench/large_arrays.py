"""The large-array benchmark: element-wise throughput on 1e4, 1e6 and 1e7 float64.

Ops, each with a new output and, where the namespace has the function, into
a preallocated output `o` (numpy: `np.add(a, b, out=o)`, `np.multiply(a, 2.5,
out=o)`, `np.sin(a, out=o)`..., `np.copyto(o, a)`; piconumpy: whichever of
`add`, `multiply`, `sin`, `cos`, `exp`, `log`, `copyto` the backend module
has and that accepts `out=`, detected at run time, n/a otherwise):

    a + b        24 bytes moved per element (read a and b, write the result)
    a * 2.5      16
    sin(a)       16   (and cos, log: out= form only, for the sin/cos/exp/log
    exp(a)       16    target; a new-output cos or log costs what sin does)
    a.sum()       8
    a.copy()     16

a = linspace(0.5, 2.5, n), b = linspace(1.0, 2.0, n) (positive: log is
defined; no denormals).  `bench/large_ref.c` is the C reference for copy
(memcpy), add, mul and sum, built per level (x86-64, -mavx2, -mavx512f) and run
once per round next to the Python variants: see `measure()` and
bench/README.md for the method.

piconumpy's SIMD level is chosen at import time (env var PICONUMPY_SIMD), so
bench/run_bench.py starts one worker per level; this module measures the
level of the process it runs in.

    python bench/large_arrays.py [--quick]   # table for this interpreter
    python bench/large_arrays.py --probe     # JSON: piconumpy's SIMD level
"""

import argparse
import gc
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import board  # noqa: E402  (array_namespaces, import_piconumpy)

IS_PYPY = platform.python_implementation() == "PyPy"

SIZES = [10 ** 4, 10 ** 6, 10 ** 7]
SIZES_QUICK = [10 ** 4, 10 ** 6]
LEVELS = ("baseline", "avx2", "avx512")
DEFAULT = "default"   # label of the only level before piconumpy.simd_level()

# (key, label, short label, bytes per element, C kernel or None)
OPS = [
    ("add", "a + b", "a+b", 24, "add"),
    ("add_out", "add(a, b, out=o)", "add out", 24, "add"),
    ("mul", "a * 2.5", "a*2.5", 16, "mul"),
    ("mul_out", "multiply(a, 2.5, out=o)", "mul out", 16, "mul"),
    ("sin", "sin(a)", "sin", 16, None),
    ("sin_out", "sin(a, out=o)", "sin out", 16, None),
    ("cos_out", "cos(a, out=o)", "cos out", 16, None),
    ("exp", "exp(a)", "exp", 16, None),
    ("exp_out", "exp(a, out=o)", "exp out", 16, None),
    ("log_out", "log(a, out=o)", "log out", 16, None),
    ("sum", "a.sum()", "sum", 8, "sum"),
    ("copy", "a.copy()", "copy", 16, "copy"),
    ("copy_out", "copyto(o, a)", "copyto", 16, "copy"),
]
OP_KEYS = [op[0] for op in OPS]
C_KERNELS = ("copy", "add", "mul", "sum")
ALLOCATING = ("add", "mul", "sin", "exp", "copy")   # ops returning a new array

# the out= forms: op key -> (function name, how it is called)
OUT_FUNCS = {
    "add_out": "add", "mul_out": "multiply", "sin_out": "sin",
    "cos_out": "cos", "exp_out": "exp", "log_out": "log", "copy_out": "copyto",
}

# pure Python (purepy) costs 20-70 ns per element: it only runs up to this
# size (beyond, one round would take seconds); its cells are n/a above
PUREPY_MAX_N = 10 ** 6 if IS_PYPY else 10 ** 4

# Knobs.  `seconds`: time budget of the rounds of one worker, shared among
# the sizes as in SHARE; each size runs between min_rounds and max_rounds
# rounds.  A sample is k back-to-back calls, k chosen so that it lasts about
# `sample_seconds` (the C program is told the same); a variant's figure in a
# round is the best of `inner` samples, inner chosen so that they last about
# `inner_seconds` (at most inner_max).  `c_seconds`: how long the C program
# repeats its kernels.
FULL = dict(
    sizes=SIZES, seconds=38.0, min_rounds=3, max_rounds=30, c_seconds=0.1,
    sample_seconds=0.002, inner_seconds=0.006, inner_max=3,
    warm_seconds=0.05 if IS_PYPY else 0.0,
)
QUICK = dict(
    sizes=SIZES_QUICK, seconds=0.0, min_rounds=2, max_rounds=2, c_seconds=0.02,
    sample_seconds=0.0005, inner_seconds=0.002, inner_max=2,
    warm_seconds=0.02 if IS_PYPY else 0.0,
)
SHARE = {10 ** 4: 0.2, 10 ** 6: 0.3, 10 ** 7: 0.5}

TOL_EXACT = 0.0        # +, *, copy: IEEE results, identical everywhere
TOL_MATH = 1e-12       # sin, cos, exp, log: relative, SIMD versions differ by ulps
TOL_SUM = 1e-8         # relative: summation order differs (sequential, pairwise, lanes)


def log(msg):
    sys.stderr.write("[large %s] %s\n" % (platform.python_implementation(), msg))
    sys.stderr.flush()


def c_ref_for(level):
    """Which C binary a variant compiled for `level` is compared with."""
    return level if level in ("avx2", "avx512") else "baseline"


def simd_info():
    """(piconumpy.simd_level() or None, {backend: its level or None})."""
    pn = board.import_piconumpy()
    get = getattr(pn, "simd_level", None)
    level = get() if callable(get) else None
    per_backend = {}
    for name in pn.backends():
        if name == "purepy":
            continue
        own = getattr(pn.get_backend(name), "simd_level", None)
        per_backend[name] = own() if callable(own) else level
    return level, per_backend


# ----------------------------------------------------------- ops and checks


def out_functions(name, ns):
    """{out-op key: function or the reason it is n/a}.  A function counts
    only if a call with out= on a small array gives the right values."""
    x = ns.array([0.5, 1.0, 2.0])
    y = ns.array([1.0, 1.5, 2.0])
    expect = {
        "add": [1.5, 2.5, 4.0], "multiply": [1.25, 2.5, 5.0],
        "sin": [math.sin(v) for v in (0.5, 1.0, 2.0)],
        "cos": [math.cos(v) for v in (0.5, 1.0, 2.0)],
        "exp": [math.exp(v) for v in (0.5, 1.0, 2.0)],
        "log": [math.log(v) for v in (0.5, 1.0, 2.0)],
        "copyto": [0.5, 1.0, 2.0],
    }
    found = {}
    for key, fname in OUT_FUNCS.items():
        func = getattr(ns, fname, None)
        if func is None:
            found[key] = "no %s()" % fname
            continue
        z = ns.zeros(3)
        try:
            if fname == "add":
                func(x, y, out=z)
            elif fname == "multiply":
                func(x, 2.5, out=z)
            elif fname == "copyto":
                func(z, x)
            else:
                func(x, out=z)
            good = all(abs(float(z[i]) - e) <= TOL_MATH * abs(e)
                       for i, e in enumerate(expect[fname]))
        except Exception as exc:  # TypeError for an unknown out=: n/a, not a failure
            found[key] = "%s(out=): %s" % (fname, type(exc).__name__)
            continue
        found[key] = func if good else "%s(out=) gives wrong values" % fname
    return found


def make_ops(ns, a, b, o, outs):
    """{op key: zero-argument function} plus {op key: why n/a}."""
    sin, exp = ns.sin, ns.exp
    def used(r):
        # reading one element makes piconumpy compute a deferred value
        # (piconumpy/fused.h), as any use would; the same for every variant
        r[-1]
        return r

    ops = {
        "add": lambda: used(a + b),
        "mul": lambda: used(a * 2.5),
        "sin": lambda: sin(a),
        "exp": lambda: exp(a),
        "sum": lambda: a.sum(),
        "copy": lambda: a.copy(),
    }
    na = {}
    for key, func in outs.items():
        if not callable(func):
            na[key] = func
        elif key == "add_out":
            ops[key] = lambda f=func: f(a, b, out=o)
        elif key == "mul_out":
            ops[key] = lambda f=func: f(a, 2.5, out=o)
        elif key == "copy_out":
            ops[key] = lambda f=func: f(o, a)
        else:
            ops[key] = lambda f=func: f(a, out=o)
    return ops, na


def probe_indices(n):
    # spread over the array, plus both ends (vector loops' head and tail)
    idx = {(j * (n - 1)) // 15 for j in range(16)}
    idx.update([1, 2, 3, n - 3, n - 2])
    return sorted(i for i in idx if 0 <= i < n)


EXPECTED = {
    "add": lambda x, y: x + y, "mul": lambda x, y: x * 2.5,
    "sin": lambda x, y: math.sin(x), "cos": lambda x, y: math.cos(x),
    "exp": lambda x, y: math.exp(x), "log": lambda x, y: math.log(x),
    "copy": lambda x, y: x,
}


def check(variant, key, n, ret, o, probes):
    """Raise AssertionError unless the op's result is right at the probes."""
    idx, pa, pb = probes
    base = key[:-4] if key.endswith("_out") else key
    if base == "sum":
        got, want = float(ret), 1.5 * n   # mean of linspace(0.5, 2.5) is 1.5
        if not abs(got - want) <= TOL_SUM * want:
            raise AssertionError("large arrays n=%d, %s %s: sum %r, expected %r"
                                 % (n, variant, key, got, want))
        return
    arr = o if key.endswith("_out") else ret
    if not key.endswith("_out") and len(arr) != n:
        raise AssertionError("large arrays n=%d, %s %s: result has %d elements"
                             % (n, variant, key, len(arr)))
    tol = TOL_EXACT if base in ("add", "mul", "copy") else TOL_MATH
    f = EXPECTED[base]
    for i, x, y in zip(idx, pa, pb):
        got, want = float(arr[i]), f(x, y)
        if not abs(got - want) <= tol * abs(want):
            raise AssertionError(
                "large arrays n=%d, %s %s: element %d is %r, expected %r"
                % (n, variant, key, i, got, want))


# ----------------------------------------------------------------- timing


def run_c(path, n, seconds, sample_seconds):
    out = subprocess.run([path, str(n), repr(seconds), repr(sample_seconds)],
                         stdout=subprocess.PIPE, check=True).stdout
    res = json.loads(out.decode())
    if not abs(res["check_sum"] - 1.5 * n) <= TOL_SUM * 1.5 * n:
        raise AssertionError("C reference %s: sum %r for n=%d"
                             % (path, res["check_sum"], n))
    return res


def batch(fn, k):
    """Seconds for k back-to-back calls, and the last result."""
    perf_counter = time.perf_counter
    r = None
    t0 = perf_counter()
    for _ in range(k):
        r = fn()
    return perf_counter() - t0, r


def call_overhead():
    """Seconds per call of an empty function in batch(): subtracted."""
    return min(batch(lambda: None, 20000)[0] for _ in range(5)) / 20000


def sample(fn, k, inner, overhead):
    """Best seconds per call over `inner` batches of k calls, last result."""
    best = float("inf")
    for _ in range(inner):
        t, r = batch(fn, k)
        best = min(best, t / k)
    return max(best - overhead, 1e-12), r


def measure(level=None, crefs=None, with_purepy=True, seconds=None, rounds=None,
            quick=False, sizes=None):
    """Run the large-array section in this process.

    level: the SIMD level requested through PICONUMPY_SIMD (None: default);
    crefs: {level: path} of the C binaries to run (each
    once per round); seconds: time budget of the rounds (all sizes);
    rounds: exact number of rounds per size (overrides the budget).
    """
    cfg = dict(QUICK if quick else FULL)
    if seconds is not None:
        cfg["seconds"] = seconds
    if rounds:
        cfg["min_rounds"] = cfg["max_rounds"] = rounds
    sizes = sizes or cfg["sizes"]
    crefs = crefs or {}
    t_start = time.perf_counter()
    spaces, info = board.array_namespaces()
    pn = board.import_piconumpy()
    actual, backend_levels = simd_info()
    variant_level = {}
    for name, _ in spaces:
        if name in ("numpy", "purepy"):
            variant_level[name] = None
        else:
            variant_level[name] = backend_levels.get(name) or (level or DEFAULT)
    if not with_purepy:
        spaces = [(name, ns) for name, ns in spaces if name != "purepy"]
    refs = {name: c_ref_for(variant_level[name]) for name, _ in spaces}
    overhead = call_overhead()
    log("requested SIMD level %s, piconumpy.simd_level() = %s; variants: %s; "
        "call overhead %.0f ns"
        % (level or DEFAULT, actual, ", ".join(n for n, _ in spaces), 1e9 * overhead))

    weights = [SHARE.get(n, 1.0 / len(sizes)) for n in sizes]
    per_n = {}
    for n, weight in zip(sizes, weights):
        budget = cfg["seconds"] * weight / sum(weights)
        per_n[str(n)] = measure_size(n, spaces, refs, crefs, cfg, budget, overhead)
        gc.collect()

    return {
        "implementation": platform.python_implementation(),
        "version": sys.version.replace("\n", " "),
        "executable": sys.executable,
        "numpy": info["numpy"],
        "piconumpy_file": info["piconumpy_file"],
        "backends": info["backends"],
        "default_backend": getattr(pn, "backend", None),
        "requested_level": level,
        "simd_level": actual,
        "variant_levels": variant_level,
        "c_ref_of": refs,
        "env_PICONUMPY_SIMD": os.environ.get("PICONUMPY_SIMD"),
        "num_threads": board.piconumpy_threads(),
        "mode": "quick" if quick else "full",
        "sizes": sizes,
        "ops": [{"key": k, "label": lab, "short": s, "bytes": by, "c": c}
                for k, lab, s, by, c in OPS],
        "call_overhead": overhead,
        "purepy_max_n": PUREPY_MAX_N,
        "per_n": per_n,
        "elapsed": time.perf_counter() - t_start,
    }


def measure_size(n, spaces, refs, crefs, cfg, budget, overhead):
    """Interleaved rounds on n elements: see bench/README.md."""
    t_setup = time.perf_counter()
    funcs, na, probes = {}, {}, {}
    keep = []   # the arrays, alive until the end of this size
    for name, ns in spaces:
        if name == "purepy" and n > PUREPY_MAX_N:
            na[name] = {k: "pure Python: only n ≤ %g here" % PUREPY_MAX_N
                        for k in OP_KEYS}
            continue
        a = ns.linspace(0.5, 2.5, n)
        b = ns.linspace(1.0, 2.0, n)
        o = ns.zeros(n)
        keep.append((a, b, o))
        idx = probe_indices(n)
        probes[name] = (idx, [float(a[i]) for i in idx], [float(b[i]) for i in idx])
        ops, na[name] = make_ops(ns, a, b, o, out_functions(name, ns))
        for key in OP_KEYS:
            if key in ops:
                funcs[name, key] = (ops[key], o)

    # warm-up (first call: page faults of a fresh output; PyPy: the JIT),
    # check of the values, and the batch size k and repeats of each item
    # from the best of the last two calls (3 calls in all on CPython: one
    # call on 1e7 elements can take 0.1 s)
    plan = {}
    for (name, key), (fn, o) in funcs.items():
        if key.endswith("_out"):
            for i in probes[name][0]:
                o[i] = -1.0   # a kernel that writes nothing must not pass
        t0 = time.perf_counter()
        ret = fn()
        check(name, key, n, ret, o, probes[name])
        ret = None
        calls, times = 1, []
        while True:
            times.append(batch(fn, 1)[0])
            calls += 1
            if calls >= 3 and (time.perf_counter() - t0 >= cfg["warm_seconds"]
                               or calls >= 50):
                break
        est = min(times[-2:])
        k = max(1, int(cfg["sample_seconds"] / max(est, 1e-9)))
        inner = max(1, min(cfg["inner_max"], int(cfg["inner_seconds"] / (k * est))))
        plan[name, key] = (k, inner)
        if IS_PYPY and key in ALLOCATING:
            gc.collect()   # see the rounds below

    items = [("C", c) for c in crefs] + list(funcs)
    rounds = []
    t_rounds = time.perf_counter()
    log("n=%d: set-up and warm-up %.1f s, %d items per round"
        % (n, t_rounds - t_setup, len(items)))
    for r in range(cfg["max_rounds"]):
        spent = time.perf_counter() - t_rounds
        if r >= cfg["min_rounds"] and spent + spent / r > budget:
            break
        shift = r % len(items)
        times = {}
        for item in items[shift:] + items[:shift]:
            if item[0] == "C":
                res = run_c(crefs[item[1]], n, cfg["c_seconds"], cfg["sample_seconds"])
                times[item] = {kern: res[kern]["median"] for kern in C_KERNELS}
            else:
                fn, o = funcs[item]
                k, inner = plan[item]
                t, ret = sample(fn, k, inner, overhead)
                check(item[0], item[1], n, ret, o, probes[item[0]])
                times[item] = t
                ret = None
                if IS_PYPY and item[1] in ALLOCATING:
                    # PyPy frees the arrays of a new-output op (up to 80 MB
                    # each) only in a major collection: run it now, untimed,
                    # not in the middle of the next item's sample.  ~20 ms,
                    # so not after the other ops; CPython frees them at once.
                    gc.collect()
        rounds.append(times)
    log("n=%d: %d rounds in %.1f s" % (n, len(rounds), time.perf_counter() - t_rounds))

    kernel_of = {key: c for key, _, _, _, c in OPS}
    c_summary = {c: {kern: statistics.median(rd["C", c][kern] for rd in rounds)
                     for kern in C_KERNELS} for c in crefs}
    variants = {}
    for (name, key) in funcs:
        ts = [rd[name, key] for rd in rounds]
        entry = {"time": statistics.median(ts), "k": plan[name, key][0],
                 "inner": plan[name, key][1], "x_c": {}}
        kern = kernel_of[key]
        if kern:
            for c in crefs:
                entry["x_c"][c] = statistics.median(
                    rd["C", c][kern] / rd[name, key] for rd in rounds)
            if refs[name] in crefs:
                ratios = [rd["C", refs[name]][kern] / rd[name, key] for rd in rounds]
                entry["x_ref"] = statistics.median(ratios)
                entry["x_ref_min"], entry["x_ref_max"] = min(ratios), max(ratios)
        if name != "numpy" and ("numpy", key) in funcs:
            ratios = [rd["numpy", key] / rd[name, key] for rd in rounds]
            entry["x_numpy"] = statistics.median(ratios)
            entry["x_numpy_min"], entry["x_numpy_max"] = min(ratios), max(ratios)
        variants.setdefault(name, {})[key] = entry
    del keep, funcs
    return {
        "n": n,
        "rounds": len(rounds),
        "c": c_summary,
        "variants": variants,
        "na": {name: reasons for name, reasons in na.items() if reasons},
    }


# -------------------------------------------------------------- standalone


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--probe", action="store_true",
                        help="print piconumpy's SIMD level as JSON and exit")
    args = parser.parse_args(argv)
    if args.probe:
        pn = board.import_piconumpy()
        level, per_backend = simd_info()
        print(json.dumps({"simd_level": level, "backend_levels": per_backend,
                          "has_simd_level": callable(getattr(pn, "simd_level", None)),
                          "num_threads": board.piconumpy_threads(),
                          "default_backend": getattr(pn, "backend", None)}))
        return 0
    build = os.path.join(HERE, "build")
    crefs = {c: os.path.join(build, "large_ref_" + c) for c in LEVELS}
    crefs = {c: p for c, p in crefs.items() if os.access(p, os.X_OK)}
    if not crefs:
        print("(no C reference in bench/build: run bench/run_bench.py once)")
    res = measure(level=os.environ.get("PICONUMPY_SIMD"), crefs=crefs, quick=args.quick)
    print("%s, SIMD level %s; ns per element / GB/s"
          % (platform.python_implementation(), res["simd_level"]))
    for n_key, rn in res["per_n"].items():
        names = list(rn["c"]) + list(rn["variants"])
        print("\nn = %s (%d rounds)" % (n_key, rn["rounds"]))
        print("%-26s" % "op" + "".join("%18s" % nm for nm in names))
        n = int(n_key)
        for key, label, _, nbytes, kern in OPS:
            cells = []
            for nm in names:
                if nm in rn["c"]:
                    t = rn["c"][nm][kern] if kern else None
                else:
                    t = rn["variants"][nm].get(key, {}).get("time")
                cells.append("%8.2f / %6.1f" % (1e9 * t / n, nbytes * n / t / 1e9)
                             if t else "%18s" % "n/a")
            print("%-26s" % label + "".join("%18s" % c for c in cells))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
