"""Benchmark worker: runs inside ONE interpreter and prints one JSON document.

Started by bench/run_bench.py (`python bench/_worker.py --cref PATH [--quick]`).
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
import tiny_ops  # noqa: E402

MARK = "@@PICONUMPY-BENCH-JSON@@ "
TOLERANCE = 1e-12  # max |difference| allowed between any variant and C
IS_PYPY = platform.python_implementation() == "PyPy"

# Knobs for the two modes.  Board rounds stop once `board_seconds` have been
# spent (but never before `min_rounds`).  Each variant's per-round figure is
# the best of `inner` solves, `inner` chosen so one variant takes about
# `inner_seconds` per round.  `c_seconds`: how long the C program repeats
# the solve in each round.  `tiny`: settings of tiny_ops.measure().
SETTINGS = {
    "full": dict(
        min_rounds=7, max_rounds=60, board_seconds=60.0, c_seconds=0.2,
        inner_seconds=0.1, inner_max=3, warm_seconds=0.6 if IS_PYPY else 0.0,
        tiny=tiny_ops.FULL,
    ),
    "quick": dict(
        min_rounds=3, max_rounds=3, board_seconds=0.0, c_seconds=0.05,
        inner_seconds=0.03, inner_max=2, warm_seconds=0.2 if IS_PYPY else 0.0,
        tiny=tiny_ops.QUICK,
    ),
}


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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cref", required=True, help="compiled bench/board_ref.c")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rounds", type=int, help="exact number of board rounds")
    args = parser.parse_args()
    mode = "quick" if args.quick else "full"
    cfg = dict(SETTINGS[mode])
    max_rounds = cfg["max_rounds"]
    if args.rounds:
        cfg["min_rounds"] = max_rounds = args.rounds

    t0 = time.perf_counter()
    spaces, info = board.array_namespaces()
    if info["numpy"] is None:
        log("numpy not importable: its columns will be n/a")
    log("array namespaces: %s" % ", ".join(name for name, _ in spaces))
    variants = [("floats", board.solve_floats)]
    variants += [(name, board.make_solver(ns)) for name, ns in spaces]

    board_res = bench_board(variants, args.cref, cfg, max_rounds)
    tiny_res = tiny_ops.measure(spaces, **cfg["tiny"])
    log("tiny ops done (baseline %.1f ns)" % tiny_res["baseline_ns"])
    out = {
        "implementation": platform.python_implementation(),
        "version": sys.version.replace("\n", " "),
        "executable": sys.executable,
        "mode": mode,
        "board": board_res,
        "tiny": tiny_res,
        "elapsed": time.perf_counter() - t0,
    }
    out.update(info)
    sys.stdout.write(MARK + json.dumps(out) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
