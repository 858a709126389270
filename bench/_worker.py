"""Benchmark worker: runs inside ONE interpreter and prints one JSON document.

Started by bench/run_bench.py
(`python bench/_worker.py --cref PATH [--laplace-ref PATH] [--quick]`), and
once per piconumpy SIMD level for the large-array section alone
(`python bench/_worker.py --large --simd LEVEL --threads K --large-ref NAME=PATH ...`:
the level and thread count are read when piconumpy is imported, hence one
process each).
Progress goes to stderr; the result is the stdout line starting with MARK.
Any exception (a variant raising, results disagreeing with C) ends the
process with a traceback and a non-zero status: the driver then fails too.
"""

import argparse
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import board  # noqa: E402  (needs HERE on sys.path)
import laplace  # noqa: E402
import large_arrays  # noqa: E402
import tiny_ops  # noqa: E402

MARK = "@@PICONUMPY-BENCH-JSON@@ "
TOLERANCE = 1e-12  # max |difference| allowed between any variant and C
IS_PYPY = platform.python_implementation() == "PyPy"

# Knobs for the two modes.  Board rounds stop once `board_seconds` have been
# spent (but never before `min_rounds`).  Each variant's per-round figure is
# the best of `inner` solves, `inner` chosen so one variant takes about
# `inner_seconds` per round.  `c_seconds`: how long the C program repeats
# the solve in each round.  `tiny`: settings of tiny_ops.measure().
# `laplace`: the same knobs for the Laplace section (`seconds` is its time
# budget, `grids` the (nx, ny, iterations) list).
SETTINGS = {
    "full": dict(
        min_rounds=7, max_rounds=60, board_seconds=60.0, c_seconds=0.2,
        inner_seconds=0.1, inner_max=3, warm_seconds=0.6 if IS_PYPY else 0.0,
        tiny=tiny_ops.FULL,
        laplace=dict(
            grids=laplace.GRIDS, min_rounds=5, max_rounds=40, seconds=30.0,
            c_seconds=0.2, inner_seconds=0.1, inner_max=3,
            warm_seconds=0.6 if IS_PYPY else 0.0,
        ),
    ),
    "quick": dict(
        min_rounds=3, max_rounds=3, board_seconds=0.0, c_seconds=0.05,
        inner_seconds=0.03, inner_max=2, warm_seconds=0.2 if IS_PYPY else 0.0,
        tiny=tiny_ops.QUICK,
        laplace=dict(
            grids=laplace.GRIDS_QUICK, min_rounds=2, max_rounds=2, seconds=0.0,
            c_seconds=0.03, inner_seconds=0.02, inner_max=1,
            warm_seconds=0.2 if IS_PYPY else 0.0,
        ),
    ),
}

# The pure-Python Laplace loops take ~1.5 ms per 100x100 iteration on
# CPython (60x more per 500x500 solve): there they only run on grids of at
# most this many points, elsewhere they show as n/a.  PyPy runs them all.
CPYTHON_LOOPS_MAX_POINTS = 100 * 100


def log(msg):
    sys.stderr.write("[worker %s] %s\n" % (platform.python_implementation(), msg))
    sys.stderr.flush()


def run_c(cref, seconds):
    out = subprocess.run(
        [cref, repr(seconds)], stdout=subprocess.PIPE, check=True
    ).stdout
    return json.loads(out.decode())


def check(name, states, ref):
    diff = board.max_abs_diff(states, ref)
    if not diff <= TOLERANCE:
        raise AssertionError(
            "variant %r disagrees with the C reference: max |diff| = %r > %g\n"
            "  got      %r\n  expected %r" % (name, diff, TOLERANCE, states[:1], ref[:1])
        )
    return diff


def time_solve(solve, repeat):
    """Best time of `repeat` solves (GC disabled, as timeit does)."""
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        best = float("inf")
        for _ in range(repeat):
            t0 = time.perf_counter()
            result = solve()
            elapsed = time.perf_counter() - t0
            if elapsed < best:
                best = elapsed
    finally:
        if enabled:
            gc.enable()
    return best, result


def bench_board(variants, cref, cfg, max_rounds):
    c_first = run_c(cref, cfg["c_seconds"])
    ref = c_first["states"]

    # warm-up (PyPy's JIT) + correctness check + estimate of one solve's time
    inner = {}
    diffs = {}
    for name, solve in variants:
        t_start = time.perf_counter()
        times = []
        while True:
            t, states = time_solve(solve, 1)
            times.append(t)
            diffs[name] = check(name, states, ref)
            spent = time.perf_counter() - t_start
            if spent >= cfg["warm_seconds"] and len(times) >= (3 if IS_PYPY else 1):
                break
            if len(times) >= 50:
                break
        est = min(times[-3:])
        inner[name] = max(1, min(cfg["inner_max"], int(cfg["inner_seconds"] / est)))
        log("warm-up %-14s %9.3f ms/solve  (x%d per round)" % (name, 1e3 * est, inner[name]))

    # interleaved rounds: every variant once per round, the order rotated
    # each round so no variant always runs right after the same neighbour
    items = ["C"] + [name for name, _ in variants]
    solvers = dict(variants)
    rounds = []
    t_start = time.perf_counter()
    for r in range(max_rounds):
        spent = time.perf_counter() - t_start
        if r >= cfg["min_rounds"]:
            per_round = spent / r
            if spent + per_round > cfg["board_seconds"]:
                break
        shift = r % len(items)
        times = {}
        for name in items[shift:] + items[:shift]:
            if name == "C":
                c = run_c(cref, cfg["c_seconds"])
                if c["states"] != ref:
                    raise AssertionError("C reference is not deterministic")
                times["C"] = c["median"]
            else:
                t, states = time_solve(solvers[name], inner[name])
                check(name, states, ref)
                times[name] = t
        rounds.append(times)
        log(
            "round %2d: C %.3f ms | %s"
            % (
                r + 1,
                1e3 * times["C"],
                " ".join("%s %.1f" % (n, times[n] / times["C"]) for n in items[1:]),
            )
        )

    summary = {}
    for name in items:
        ratios = [rd[name] / rd["C"] for rd in rounds]
        summary[name] = {
            "ratio_median": statistics.median(ratios),
            "ratio_min": min(ratios),
            "ratio_max": max(ratios),
            "time_median": statistics.median(rd[name] for rd in rounds),
        }
    return {
        "variants": items[1:],
        "inner_repeats": inner,
        "max_abs_diff": diffs,
        "c_states": ref,
        "rounds": rounds,
        "summary": summary,
    }


# ------------------------------------------------------------------ Laplace


def laplace_solve(solve, repeat):
    """Best time per iteration over `repeat` solves, and the last final grid.
    Unlike the board, GC stays enabled: a solve allocates megabytes of
    temporaries, whose memory (numpy's through cpyext on PyPy) only a
    collection gives back.  A full collection before each solve keeps the
    garbage of one solve out of the next one's time."""
    best, grid = float("inf"), None
    for _ in range(repeat):
        grid = None
        gc.collect()
        per_iteration, grid = solve()
        best = min(best, per_iteration)
    return best, grid


def laplace_check(name, g, grid, ref, full):
    """Probe values (cheap) or, if `full`, also every row and column sum."""
    diff = laplace.probe_diff(grid, ref)
    if full:
        diff = max(diff, laplace.max_abs_diff(grid, ref))
    if not diff <= TOLERANCE:
        raise AssertionError(
            "Laplace %s: variant %r disagrees with the C reference: "
            "max |diff| = %r > %g" % (g, name, diff, TOLERANCE))
    return diff


def with_threads(solve, k):
    """solve() with piconumpy's loops on k threads (then 1 again)."""
    pn = board.import_piconumpy()

    def run():
        pn.set_num_threads(k)
        try:
            return solve()
        finally:
            pn.set_num_threads(1)
    return run


def bench_laplace(spaces, lref, cfg, min_rounds, max_rounds, threads=1):
    grids, refs, unsupported, skipped = {}, {}, {}, {}
    items, solvers, inner, diffs = [], {}, {}, {}
    for nx, ny, iterations in cfg["grids"]:
        g = laplace.grid_key(nx, ny)
        grids[g] = {"nx": nx, "ny": ny, "iterations": iterations}
        loops = IS_PYPY or nx * ny <= CPYTHON_LOOPS_MAX_POINTS
        if not loops:
            skipped[g] = ["loops", "loops_flat"]
        found, unsup = laplace.variants(spaces, nx, ny, iterations, loops)
        unsupported.update(unsup)
        default = getattr(board.import_piconumpy(), "backend", None)
        if threads > 1:
            found += [("%s×%d" % (name, threads),
                       with_threads(laplace.make_solver(ns, nx, ny, iterations), threads))
                      for name, ns in spaces if name == default and name not in unsup]
        refs[g] = ref = laplace.run_c(lref, nx, ny, iterations, cfg["c_seconds"])
        items.append((g, "C"))
        diffs[g] = {}
        # warm-up (PyPy's JIT), full check of the first and last warm-up
        # solves, estimate of one solve's time
        for name, solve in found:
            t_start = time.perf_counter()
            times = []
            while True:
                per_iteration, grid = laplace_solve(solve, 1)
                times.append(per_iteration * iterations)
                done = (time.perf_counter() - t_start >= cfg["warm_seconds"]
                        and len(times) >= (3 if IS_PYPY else 1)) or len(times) >= 50
                if len(times) == 1 or done:
                    diffs[g][name] = laplace_check(name, g, grid, ref, full=True)
                if done:
                    break
            est = min(times[-3:])
            inner[g, name] = max(1, min(cfg["inner_max"], int(cfg["inner_seconds"] / est)))
            items.append((g, name))
            solvers[g, name] = solve
            log("laplace warm-up %-7s %-14s %9.1f us/iteration  (x%d per round)"
                % (g, name, 1e6 * est / iterations, inner[g, name]))
    for name, why in unsupported.items():
        log("laplace: %s has no N-D arrays (%s): n/a" % (name, why))

    # interleaved rounds as for the board: every (grid, variant) and the C
    # program for each grid once per round, the order rotated every round
    rounds = []
    t_start = time.perf_counter()
    for r in range(max_rounds):
        spent = time.perf_counter() - t_start
        if r >= min_rounds and spent + spent / r > cfg["seconds"]:
            break
        shift = r % len(items)
        times = {g: {} for g in grids}
        for g, name in items[shift:] + items[:shift]:
            spec = grids[g]
            if name == "C":
                c = laplace.run_c(lref, spec["nx"], spec["ny"], spec["iterations"],
                                  cfg["c_seconds"])
                if c["row_sums"] != refs[g]["row_sums"]:
                    raise AssertionError("Laplace C reference is not deterministic")
                times[g]["C"] = c["median"]
            else:
                t, grid = laplace_solve(solvers[g, name], inner[g, name])
                laplace_check(name, g, grid, refs[g], full=False)
                times[g][name] = t
        rounds.append(times)
        log("laplace round %2d: %s" % (r + 1, " | ".join(
            "%s C %.1f us %s" % (g, 1e6 * tg["C"], " ".join(
                "%s %.1f" % (n, tg[n] / tg["C"]) for n in tg if n != "C"))
            for g, tg in times.items())))

    summary = {}
    for g, name in items:
        ratios = [rd[g][name] / rd[g]["C"] for rd in rounds]
        summary.setdefault(g, {})[name] = {
            "ratio_median": statistics.median(ratios),
            "ratio_min": min(ratios),
            "ratio_max": max(ratios),
            "time_median": statistics.median(rd[g][name] for rd in rounds),
        }
    names = []
    for _, name in items:
        if name != "C" and name not in names:
            names.append(name)
    return {
        "grids": grids,
        "variants": names,
        "unsupported": unsupported,
        "skipped": skipped,
        "inner_repeats": {"%s %s" % key: n for key, n in inner.items()},
        "max_abs_diff": diffs,
        "c_checksums": {g: ref["checksum"] for g, ref in refs.items()},
        "rounds": rounds,
        "summary": summary,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cref", help="compiled bench/board_ref.c (required "
                        "unless --large)")
    parser.add_argument("--laplace-ref",
                        help="compiled bench/laplace_ref.c (no Laplace section without it)")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rounds", type=int,
                        help="exact number of rounds (board and Laplace)")
    parser.add_argument("--large", action="store_true",
                        help="run the large-array section only")
    parser.add_argument("--simd", help="--large: SIMD level to request "
                        "(PICONUMPY_SIMD; default: piconumpy's own choice)")
    parser.add_argument("--large-ref", action="append", default=[],
                        metavar="NAME=PATH", help="--large: a C reference binary "
                        "(compiled bench/large_ref.c), e.g. baseline=bench/build/...")
    parser.add_argument("--threads", type=int, default=1,
                        help="--large: threads of piconumpy's loops "
                        "(PICONUMPY_NUM_THREADS) and of the OpenMP C reference "
                        "(OMP_NUM_THREADS); default 1")
    parser.add_argument("--seconds", type=float,
                        help="--large: time budget of the rounds (all sizes)")
    parser.add_argument("--no-purepy", action="store_true",
                        help="--large: leave purepy out (it has no SIMD levels: "
                        "one worker measures it)")
    args = parser.parse_args()
    if args.large:
        return main_large(args)
    if not args.cref:
        parser.error("--cref is required")
    mode = "quick" if args.quick else "full"
    cfg = dict(SETTINGS[mode])
    max_rounds = cfg["max_rounds"]
    if args.rounds:
        cfg["min_rounds"] = max_rounds = args.rounds

    t0 = time.perf_counter()
    spaces, info = board.array_namespaces()
    # one thread everywhere (the C references are single-threaded), except
    # the Laplace variant `backend×k` (piconumpy's default k threads)
    pn = board.import_piconumpy()
    threads = board.piconumpy_threads()
    if threads > 1:
        pn.set_num_threads(1)
    if info["numpy"] is None:
        log("numpy not importable: its columns will be n/a")
    log("array namespaces: %s" % ", ".join(name for name, _ in spaces))
    variants = [("floats", board.solve_floats)]
    variants += [(name, board.make_solver(ns)) for name, ns in spaces]

    board_res = bench_board(variants, args.cref, cfg, max_rounds)
    tiny_res = tiny_ops.measure(spaces, **cfg["tiny"])
    log("tiny ops done (baseline %.1f ns)" % tiny_res["baseline_ns"])
    laplace_res = None
    if args.laplace_ref:
        lcfg = cfg["laplace"]
        lmin, lmax = lcfg["min_rounds"], lcfg["max_rounds"]
        if args.rounds:
            lmin = lmax = args.rounds
        laplace_res = bench_laplace(spaces, args.laplace_ref, lcfg, lmin, lmax,
                                    threads)
    out = {
        "implementation": platform.python_implementation(),
        "version": sys.version.replace("\n", " "),
        "executable": sys.executable,
        "mode": mode,
        "board": board_res,
        "tiny": tiny_res,
        "laplace": laplace_res,
        "elapsed": time.perf_counter() - t0,
    }
    out.update(info)
    sys.stdout.write(MARK + json.dumps(out) + "\n")
    sys.stdout.flush()


def main_large(args):
    # the level must be in the environment before piconumpy is imported
    # (large_arrays imports it lazily, in measure())
    if args.simd:
        os.environ["PICONUMPY_SIMD"] = args.simd
    else:
        os.environ.pop("PICONUMPY_SIMD", None)
    os.environ["PICONUMPY_NUM_THREADS"] = os.environ["OMP_NUM_THREADS"] = str(args.threads)
    crefs = dict(item.split("=", 1) for item in args.large_ref)
    out = large_arrays.measure(
        level=args.simd, crefs=crefs, with_purepy=not args.no_purepy,
        seconds=args.seconds, rounds=args.rounds, quick=args.quick)
    sys.stdout.write(MARK + json.dumps(out) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
