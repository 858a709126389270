"""Run the piconumpy benchmarks on CPython and (optionally) PyPy.

    python3 bench/run_bench.py --python PATH [--pypy PATH] [--quick]

Compiles the C references (bench/board_ref.c, bench/laplace_ref.c and
bench/large_ref.c, the last once per SIMD level: x86-64, -mavx2, -mavx512f ->
bench/build/),
runs one worker process (bench/_worker.py) per interpreter, then one
large-array worker per interpreter and piconumpy SIMD level, merges their
JSON into markdown tables and writes
bench/results/{board,laplace,large_arrays,tiny_ops,summary}.md, plus the
chart summary.png when matplotlib is importable (and the raw worker JSON,
gitignored).  See bench/README.md for the method.

Exit status is non-zero if the C build fails or if any worker fails (a
variant raising, or results disagreeing with the C reference).
"""

import argparse
import datetime
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BUILD = os.path.join(HERE, "build")
RESULTS = os.path.join(HERE, "results")
C_SOURCE = os.path.join(HERE, "board_ref.c")
C_BINARY = os.path.join(BUILD, "board_ref")
LAPLACE_SOURCE = os.path.join(HERE, "laplace_ref.c")
LAPLACE_BINARY = os.path.join(BUILD, "laplace_ref")
LARGE_SOURCE = os.path.join(HERE, "large_ref.c")
LARGE_BINARIES = {c: os.path.join(BUILD, "large_ref_" + c)
                  for c in ("baseline", "avx2", "avx512")}
# the same with -fopenmp: the reference of piconumpy's multi-threaded loops
LARGE_BINARIES_MT = {c: p + "_mt" for c, p in LARGE_BINARIES.items()}
IS_X86_64 = platform.machine().lower() in ("x86_64", "amd64")
# the instruction sets of the builds, one per SIMD level; elsewhere than
# x86-64, one plain -O3 build stands for "baseline"
LARGE_FLAGS = (
    {"baseline": ["-march=x86-64"], "avx2": ["-march=x86-64", "-mavx2"],
     "avx512": ["-march=x86-64", "-mavx512f"]}
    if IS_X86_64 else {"baseline": []}
)
WORKER = os.path.join(HERE, "_worker.py")

sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tools"))
import large_arrays  # noqa: E402  (OPS: labels and bytes; imports no array library)
import laplace  # noqa: E402  (run_c; imports no array library at import time)
from _worker import MARK  # noqa: E402  (the marker of the workers' JSON line)
from cpu_levels import LEVEL_CPU_FLAGS, LEVELS, cpu_flags  # noqa: E402

# column key -> label; the key is the role given on the command line
INTERPRETERS = [("cpython", "CPython"), ("pypy", "PyPy")]
BOARD_ROWS = ["floats", "numpy", "purepy", "cpython", "hpy", "hpy_universal"]
TINY_COLUMNS = ["numpy", "purepy", "cpython", "hpy", "hpy_universal"]
PICONUMPY_BACKENDS = ["purepy", "cpython", "hpy", "hpy_universal"]
LAPLACE_ROWS = ["numpy", "purepy", "cpython", "hpy", "hpy_universal", "loops",
                "loops_flat"]
NA = "n/a"


class BenchError(Exception):
    pass


def compiler_command(source=C_SOURCE, binary=C_BINARY, flags=None):
    cc = os.environ.get("CC", "gcc")
    # -ffp-contract=off: no FMA contraction, so C rounds exactly like Python
    flags = ["-ffp-contract=off"] if flags is None else flags
    return [cc, "-O3"] + flags + [source, "-o", binary, "-lm"]


def build_c_reference(source=C_SOURCE, binary=C_BINARY, flags=None):
    """Compile `source` if `binary` is missing or older than it (or than
    this file, where the flags are)."""
    if (
        os.path.exists(binary)
        and os.path.getmtime(binary) >= os.path.getmtime(source)
        and (flags is None or os.path.getmtime(binary) >= os.path.getmtime(__file__))
    ):
        return binary
    os.makedirs(BUILD, exist_ok=True)
    cmd = compiler_command(source, binary, flags)
    print("compiling C reference: " + " ".join(cmd), file=sys.stderr)
    try:
        subprocess.run(cmd, check=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        raise BenchError("cannot compile %s: %s" % (source, exc))
    return binary


def run_worker(label, exe, args, extra=None, env=None):
    cmd = [exe, WORKER] + (extra or ["--cref", C_BINARY, "--laplace-ref", LAPLACE_BINARY])
    if args.quick:
        cmd.append("--quick")
    if args.rounds:
        cmd += ["--rounds", str(args.rounds)]
    return run_json(label, cmd, env)


def run_json(label, cmd, env=None):
    """Run a benchmark process (bench/_worker.py or bench/sustained.py) and
    return the JSON of its MARK line; BenchError when it fails."""
    exe = cmd[0]
    # numpy's OpenBLAS starts a thread per core at import, which spins
    # after start-up and after each BLAS call: on a 2-core machine it takes
    # the core piconumpy's worker needs (measured: log on 1e4 elements on
    # two threads 2.9 -> 1.8 us without it).  No benchmark here calls BLAS.
    env = dict(os.environ if env is None else env, OPENBLAS_NUM_THREADS="1")
    print("== %s: %s" % (label, " ".join(cmd)), file=sys.stderr)
    try:
        # stderr is inherited: progress and tracebacks show up live
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, cwd=ROOT, timeout=1800,
                              env=env)
    except OSError as exc:
        raise BenchError("cannot run %s interpreter %r: %s" % (label, exe, exc))
    except subprocess.TimeoutExpired:
        raise BenchError("%s worker timed out" % label)
    out = proc.stdout.decode("utf-8", "replace")
    if proc.returncode != 0:
        if out.strip():
            sys.stderr.write(out)
        how = (
            "killed by signal %d (a crash in C code?)" % -proc.returncode
            if proc.returncode < 0
            else "exit status %d" % proc.returncode
        )
        raise BenchError("%s worker failed (%s), see its output above" % (label, how))
    for line in out.splitlines():
        if line.startswith(MARK):
            return json.loads(line[len(MARK):])
    raise BenchError("%s worker printed no result:\n%s" % (label, out))


# ------------------------------------------------------- sustained Laplace

SUSTAINED = os.path.join(HERE, "sustained.py")
SUSTAINED_RUN = (2000, 60)        # grid side, iterations in the one solve
SUSTAINED_RUN_QUICK = (500, 20)


def sustained_run(args):
    return SUSTAINED_RUN_QUICK if args.quick else SUSTAINED_RUN


def run_sustained(label, exe, args):
    """{variant: result} of bench/sustained.py, each in a fresh process."""
    size, iterations = sustained_run(args)
    return {variant: run_json("%s sustained %s" % (label, variant),
                              [exe, SUSTAINED, variant, str(size), str(iterations),
                               LAPLACE_BINARY])
            for variant in ("numpy", "piconumpy")}


def run_c_sustained(args):
    """The C program on the sustained grid: seconds per iteration (the
    median of its repeated solves)."""
    size, iterations = sustained_run(args)
    return {"per_iter": laplace.run_c(LAPLACE_BINARY, size, size, iterations,
                                      0.2)["median"]}


def sustained_table(results, c_ref):
    if c_ref is None:
        return ""
    keys = [(k, label) for k, label in INTERPRETERS if results.get(k, {}).get("sustained")]
    if not keys:
        return ""
    first = next(iter(results[keys[0][0]]["sustained"].values()))
    size, iterations = first["size"], first["iterations"]
    grid_mb = size * size * 8 / 2**20
    header = ["variant"]
    for _, label in keys:
        header += ["%s ms/it." % label, "%s ×C" % label,
                   "%s RSS before / peak (MB)" % label]
    c_cells = []
    for _ in keys:
        c_cells += ["%.2f" % (1e3 * c_ref["per_iter"]), "1",
                    "its two grids: %.0f" % (2 * grid_mb)]
    rows = [["**C reference (gcc -O3)**"] + c_cells]
    for variant in ("numpy", "piconumpy"):
        cells = [variant]
        for key, _ in keys:
            r = results[key]["sustained"][variant]
            cells += ["%.2f" % (1e3 * r["per_iter"]),
                      fmt_ratio(r["per_iter"] / c_ref["per_iter"]),
                      "%.0f / %.0f" % (r["rss_before_mb"], r["rss_peak_mb"])]
        rows.append(cells)
    text = [
        "## Laplace, sustained (%d×%d, %d iterations in one solve)" % (size, size, iterations),
        "",
        "One solve in a fresh process per variant, after a warm-up on a 100×100 "
        "grid (bench/sustained.py): the time per iteration includes every "
        "garbage collection the solve needs, and the peak RSS shows the memory "
        "that waited for one (each grid: %.0f MB; RSS before: the interpreter "
        "and its libraries).  piconumpy is the interpreter's default backend "
        "(%s); the C program repeats its solve and reports the median."
        % (grid_mb, ", ".join(
            "%s on %s" % (results[k]["sustained"]["piconumpy"]["backend"], label)
            for k, label in keys)),
        "",
        md_table(header, rows),
        "",
    ]
    return "\n".join(text)


# -------------------------------------------------------------- large arrays

LARGE_DEFAULT = "default"   # the only "level" before piconumpy.simd_level()
# seconds of rounds per interpreter, shared by its SIMD-level workers; with
# process start-up, array set-up and warm-up the section stays within ~90 s
LARGE_SECONDS = 55.0
def cpu_supports(level, flags):
    return level == "baseline" or (
        IS_X86_64 and all(f in flags for f in LEVEL_CPU_FLAGS[level]))


def probe_simd(label, exe, level):
    """What `import piconumpy` chooses under PICONUMPY_SIMD=level (None:
    unset): bench/large_arrays.py --probe in a fresh process."""
    env = dict(os.environ)
    env.pop("PICONUMPY_SIMD", None)
    if level:
        env["PICONUMPY_SIMD"] = level
    cmd = [exe, os.path.join(HERE, "large_arrays.py"), "--probe"]
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, cwd=ROOT, env=env,
                              timeout=300)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BenchError("%s: cannot probe the SIMD level: %s" % (label, exc))
    lines = proc.stdout.decode("utf-8", "replace").strip().splitlines()
    if proc.returncode != 0 or not lines:
        raise BenchError("%s: `%s` failed with PICONUMPY_SIMD=%s, see above"
                         % (label, " ".join(cmd), level))
    return json.loads(lines[-1])


def run_large(label, exe, args, flags):
    """The large-array workers of one interpreter: one per SIMD level that
    piconumpy really runs here (a request it lowers is n/a, with why), on
    one thread; then the best level again with the threads piconumpy uses
    by default, against the OpenMP build of the C reference."""
    default = probe_simd(label, exe, None)
    if not default["has_simd_level"]:
        plan = [(LARGE_DEFAULT, None)]
    else:
        plan = []
        for level in LEVELS:
            got = probe_simd(label, exe, level)["simd_level"]
            if got == level:
                plan.append((level, None))
            elif not cpu_supports(level, flags):
                plan.append((level, "n/a (CPU)"))
            else:
                plan.append((level, "n/a (not built: runs %s)" % got))
    to_run = [level for level, why in plan if why is None]
    threads = default.get("num_threads", 1)
    crefs = []
    for name, path in LARGE_BINARIES.items():
        if name in LARGE_FLAGS and cpu_supports(name, flags):
            crefs += ["--large-ref", "%s=%s" % (name, path)]
    runs = [(level, why, 1, crefs) for level, why in plan]
    if threads > 1 and to_run and to_run[-1] in LARGE_BINARIES_MT:
        best = to_run[-1]
        runs.append((best, None, threads,
                     ["--large-ref", "%s=%s" % (best, LARGE_BINARIES_MT[best])]))
    levels = []
    for level, why, k, refs in runs:
        name = level if k == 1 else "%s×%d" % (level, k)
        if why:
            print("== %s large arrays, %s: %s" % (label, name, why), file=sys.stderr)
            levels.append({"level": name, "reason": why, "result": None, "threads": k})
            continue
        extra = ["--large", "--threads", str(k)] + refs
        if level != LARGE_DEFAULT:
            extra += ["--simd", level]
        if not args.quick:
            workers = len(to_run) + sum(1 for r in runs if r[2] > 1)
            extra += ["--seconds", "%g" % (LARGE_SECONDS / workers)]
        if level != to_run[0] or k > 1:
            extra.append("--no-purepy")   # no SIMD in pure Python: measured once
        env = dict(os.environ)
        env.pop("PICONUMPY_SIMD", None)
        res = run_worker("%s large arrays, %s" % (label, name), exe, args, extra, env)
        levels.append({"level": name, "reason": None, "result": res, "threads": k})
    return {"levels": levels}


# ---------------------------------------------------------------- formatting


def fmt_ratio(x):
    if x is None:
        return NA
    if x >= 100:
        return "%.0f" % x
    if x >= 10:
        return "%.1f" % x
    return "%.2f" % x


def fmt_ns(x):
    if x is None:
        return NA
    return "%.0f" % x if x >= 100 else "%.1f" % x


def md_table(header, rows, align=None):
    align = align or ["---"] + ["---:"] * (len(header) - 1)
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def ordered(names, canonical):
    """canonical names first (in that order), then any unexpected extras."""
    names = list(names)
    extras = sorted(n for n in names if n not in canonical)
    return [n for n in canonical if n in names] + extras


# ------------------------------------------------------------------- tables


def board_table(results):
    cols = [(key, label) for key, label in INTERPRETERS if key in results]
    variants = []
    for key, _ in cols:
        variants += [v for v in results[key]["board"]["variants"] if v not in variants]
    variants = ordered(variants, BOARD_ROWS)

    norm = ["**C reference (gcc -O3) = norm**"]
    for key, _ in cols:
        t = results[key]["board"]["summary"]["C"]["time_median"]
        norm.append("1 (%.3f ms)" % (1e3 * t))
    rows, spread = [norm], []
    for v in variants:
        row, srow = [v], [v]
        for key, _ in cols:
            s = results[key]["board"]["summary"].get(v)
            row.append(fmt_ratio(s["ratio_median"]) if s else NA)
            srow.append(
                "%s – %s" % (fmt_ratio(s["ratio_min"]), fmt_ratio(s["ratio_max"]))
                if s else NA
            )
        rows.append(row)
        spread.append(srow)

    header = ["variant"] + ["%s ×norm" % label for _, label in cols]
    rounds = ", ".join(
        "%s %d" % (label, len(results[key]["board"]["rounds"])) for key, label in cols
    )
    return "\n".join([
        "## Board benchmark (RK4, 10 sleds × 200 steps)",
        "",
        "Time of one full solve divided by the C time of the same round; "
        "median of the per-round ratios (lower is better). Rounds: %s." % rounds,
        "",
        md_table(header, rows),
        "",
        "Spread of the per-round ratios (min – max):",
        "",
        md_table(["variant"] + ["%s" % label for _, label in cols], spread),
        "",
    ])


def tiny_table(results):
    # same namespaces under every interpreter (numpy always included), so a
    # namespace missing on one interpreter shows as an n/a column
    every = {"numpy"}
    for res in results.values():
        every.update(res["tiny"]["namespaces"])
    cols = []  # (interpreter key, namespace, header)
    for key, label in INTERPRETERS:
        if key in results:
            for ns in ordered(every, TINY_COLUMNS):
                cols.append((key, ns, "%s %s" % (ns, label)))
    ops = []
    for res in results.values():
        ops += [op for op in res["tiny"]["ops"] if op not in ops]
    rows = []
    for op in ops:
        row = ["`%s`" % op]
        for key, ns, _ in cols:
            row.append(fmt_ns(results[key]["tiny"]["ns"].get(ns, {}).get(op)))
        rows.append(row)
    baselines = ", ".join(
        "%s %.1f ns" % (label, results[key]["tiny"]["baseline_ns"])
        for key, label in INTERPRETERS if key in results
    )
    return "\n".join([
        "## Tiny operations on 4-element arrays (ns per op)",
        "",
        "Median of interleaved `timeit` repeats, minus the cost of the timing "
        "loop and of storing the result (%s)." % baselines,
        "",
        md_table(["op"] + [h for _, _, h in cols], rows),
        "",
    ])


def laplace_table(results):
    """Variant x (interpreter, grid) table of the Laplace section, plus its
    targets; "" when no worker ran it."""
    cols = []  # (interpreter key, interpreter label, grid key)
    for key, label in INTERPRETERS:
        lap = results.get(key, {}).get("laplace")
        if lap:
            cols += [(key, label, g) for g in lap["grids"]]
    if not cols:
        return ""

    def lap(key):
        return results[key]["laplace"]

    norm = ["**C reference (gcc -O3) = norm**"]
    for key, _, g in cols:
        t = lap(key)["summary"][g]["C"]["time_median"]
        norm.append("1 (%.1f µs)" % (1e6 * t))
    variants = set(LAPLACE_ROWS)
    for key, _, _ in cols:
        variants.update(lap(key)["variants"])
    rows, spread = [norm], []
    for v in ordered(variants, LAPLACE_ROWS):
        row, srow = [v], [v]
        for key, _, g in cols:
            s = lap(key)["summary"][g].get(v)
            row.append(fmt_ratio(s["ratio_median"]) if s else NA)
            srow.append("%s – %s" % (fmt_ratio(s["ratio_min"]), fmt_ratio(s["ratio_max"]))
                        if s else NA)
        rows.append(row)
        spread.append(srow)

    def grid_label(key, g):
        spec = lap(key)["grids"][g]
        return "%d×%d" % (spec["nx"], spec["ny"])

    header = ["variant"] + ["%s %s ×C" % (label, grid_label(key, g)) for key, label, g in cols]
    iterations = "; ".join(
        "%s: %s, %d rounds" % (label, ", ".join(
            "%s × %d it." % (grid_label(key, g), spec["iterations"])
            for g, spec in lap(key)["grids"].items()), len(lap(key)["rounds"]))
        for key, label in INTERPRETERS if results.get(key, {}).get("laplace"))
    notes = []
    for key, label in INTERPRETERS:
        res = results.get(key, {}).get("laplace")
        if not res:
            continue
        for name, why in res["unsupported"].items():
            notes.append("- %s, %s: no N-D arrays (`%s`)" % (label, name, why))
        for g, names in res["skipped"].items():
            notes.append("- %s, %s on %s: not run (pure-Python loops on CPython "
                         "only on small grids)" % (label, ", ".join(names),
                                                   grid_label(key, g)))
    return "\n".join([
        "## Laplace benchmark (Jacobi, 5-point stencil, 2-D arrays)",
        "",
        "Time of one iteration divided by the C time (same grid, same round); "
        "median of the per-round ratios (lower is better). `loops`: pure Python "
        "on lists of rows; `loops_flat`: pure Python on one flat list, the C "
        "program's loop nest. `backend×k`: the interpreter's default backend "
        "with its loops on k threads (piconumpy's default here; all other rows "
        "and the C program use one thread). Iterations per solve and rounds: "
        "%s." % iterations,
        "",
        md_table(header, rows),
        "",
        "Spread of the per-round ratios (min – max):",
        "",
        md_table(["variant"] + ["%s %s" % (label, grid_label(key, g))
                                for key, label, g in cols], spread),
        "",
    ] + (["n/a:", ""] + notes + [""] if notes else []) + [laplace_targets_table(results)])


# (interpreter key, piconumpy backend): each within LAPLACE_GOAL x the C
# time per iteration, on every grid
LAPLACE_TARGETS = [
    ("cpython", "cpython"), ("cpython", "hpy"), ("cpython", "hpy_universal"),
    ("pypy", "cpython"), ("pypy", "hpy_universal"),
]
LAPLACE_GOAL = 2.0
LAPLACE_BIG_GRID, LAPLACE_BIG_GOAL = "500x500", 1.5


def laplace_targets_table(results):
    labels = dict(INTERPRETERS)
    grids, shown = [], {}
    for key, _ in INTERPRETERS:
        lap = results.get(key, {}).get("laplace")
        if lap:
            for g, spec in lap["grids"].items():
                if g not in grids:
                    grids.append(g)
                    shown[g] = "%d×%d" % (spec["nx"], spec["ny"])
    rows = []
    for key, backend in LAPLACE_TARGETS:
        lap = results.get(key, {}).get("laplace")
        values = []
        for g in grids:
            s = lap["summary"].get(g, {}).get(backend) if lap else None
            values.append(s["ratio_median"] if s else None)
        known = [v for v in values if v is not None]
        if not known:
            status = NA
        elif all(v <= LAPLACE_GOAL for v in known):
            status = "PASS" if len(known) == len(values) else "PASS (partial)"
        else:
            status = "**MISS**"
        rows.append(["%s: %s / C" % (labels[key], backend)]
                    + [fmt_ratio(v) for v in values]
                    + ["≤ %.2f" % LAPLACE_GOAL, status])
    # the large-array issue's goal: the 500x500 grid within 1.5x C
    for key, backend in LAPLACE_TARGETS:
        lap = results.get(key, {}).get("laplace")
        s = lap["summary"].get(LAPLACE_BIG_GRID, {}).get(backend) if lap else None
        if LAPLACE_BIG_GRID not in grids:
            continue
        v = s["ratio_median"] if s else None
        status = NA if v is None else ("PASS" if v <= LAPLACE_BIG_GOAL else "**MISS**")
        rows.append(["%s: %s / C, %s only" % (labels[key], backend,
                                               shown[LAPLACE_BIG_GRID])]
                    + [fmt_ratio(v) if g == LAPLACE_BIG_GRID else "" for g in grids]
                    + ["≤ %.2f" % LAPLACE_BIG_GOAL, status])
    return "\n".join([
        "## Targets (Laplace benchmark)",
        "",
        "piconumpy within %gx C per iteration on both interpreters: median over "
        "rounds of the backend / C ratio, per grid (n/a: backend without N-D "
        "arrays, or not run)." % LAPLACE_GOAL,
        "",
        md_table(["target"] + [shown[g] for g in grids] + ["goal", "status"], rows,
                 ["---"] + ["---:"] * len(grids) + ["---", "---"]),
        "",
    ])


# ---------------------------------------------------- large-array tables

LARGE_BACKENDS = ["cpython", "hpy", "hpy_universal"]
# (name, ops, figure, goal): each op's figure must be >= goal; the table
# shows the worst op of the group.  x_ref: throughput / the C reference's
# (same instruction set, same round); x_numpy: speed-up over numpy.
LARGE_COPY_OPS = ("add", "add_out", "mul", "mul_out", "copy", "copy_out")
LARGE_TARGETS = [
    ("add/mul/copy ÷ C", LARGE_COPY_OPS, "x_ref", 0.95),
    ("add/mul/copy ÷ numpy", LARGE_COPY_OPS, "x_numpy", 1.0),
    ("sin/cos ÷ numpy", ("sin", "sin_out", "cos_out"), "x_numpy", 3.0),
    ("exp/log ÷ numpy", ("exp", "exp_out", "log_out"), "x_numpy", 3.0),
    ("exp/log ÷ numpy, at least as fast", ("exp", "exp_out", "log_out"), "x_numpy", 1.0),
    ("sum ÷ numpy", ("sum",), "x_numpy", 1.5),
]


def fmt_n(n):
    e = int(round(math.log10(n)))
    return "1e%d" % e if 10 ** e == n else str(n)


def fmt_gbs(nbytes, n, t):
    return NA if t is None else "%.1f" % (nbytes * n / t / 1e9)


def large_runs(results, key):
    lg = results.get(key, {}).get("large")
    return [lv for lv in lg["levels"] if lv["result"]] if lg else []


def large_columns(runs):
    """[(label, worker result, variant)]: numpy and purepy from the first
    level's worker, then each compiled backend at each level."""
    first = runs[0]["result"]
    cols = []
    for name in ("numpy", "purepy"):
        if any(name in rn["variants"] or name in rn["na"]
               for rn in first["per_n"].values()):
            cols.append((name, first, name))
    for backend in LARGE_BACKENDS:
        for lv in runs:
            if backend in lv["result"]["variant_levels"]:
                cols.append(("%s·%s" % (backend, lv["level"]), lv["result"], backend))
    return cols


def large_entry(res, variant, n, op):
    rn = res["per_n"].get(str(n))
    return rn["variants"].get(variant, {}).get(op) if rn else None


def large_sizes(results):
    sizes = set()
    for key, _ in INTERPRETERS:
        for lv in large_runs(results, key):
            sizes.update(lv["result"]["sizes"])
    return sorted(sizes)


def large_notes(label, lg, runs):
    """n/a lines of one interpreter: levels not run, ops a backend lacks,
    sizes a variant skips."""
    lines = ["- %s, SIMD level %s: %s" % (label, lv["level"], lv["reason"])
             for lv in lg["levels"] if lv["reason"]]
    labels = {op[0]: op[1] for op in large_arrays.OPS}
    by_op, whole = {}, {}
    for lv in runs:
        for n_key, rn in lv["result"]["per_n"].items():
            for variant, reasons in rn["na"].items():
                grouped = {}
                for op, why in reasons.items():
                    grouped.setdefault(why, []).append(op)
                for why, ops in grouped.items():
                    if len(ops) == len(large_arrays.OPS):
                        whole.setdefault((variant, why), set()).add(int(n_key))
                    else:
                        for op in ops:
                            by_op.setdefault((op, why), set()).add(variant)
    for (variant, why), sizes in whole.items():
        lines.append("- %s, %s: not run on n = %s (%s)" % (
            label, variant, ", ".join(fmt_n(n) for n in sorted(sizes)), why))
    for op in large_arrays.OP_KEYS:
        for (key, why), variants in by_op.items():
            if key == op:
                lines.append("- %s, `%s`: n/a for %s (%s)" % (
                    label, labels[op], ", ".join(ordered(variants, TINY_COLUMNS)), why))
    return lines


def large_table(results, detail=True):
    """The large-array section ("" when no worker ran it); `detail` adds
    the absolute GB/s and ns per element table."""
    done = [(key, label) for key, label in INTERPRETERS if large_runs(results, key)]
    if not done:
        return ""
    ops = large_arrays.OPS
    sizes = large_sizes(results)
    out = [
        "## Large arrays (float64, n = %s)" % ", ".join(fmt_n(n) for n in sizes),
        "",
        "Throughput of one op on n elements: bytes read + written per element "
        "(a+b 24, sum 8, the others 16) / time. Interleaved rounds; every figure "
        "is the median of the per-round ratios. **÷C** = C time / variant time "
        "in the same round (higher is better, 1 = the C loop's throughput), "
        "against the C build of the same instruction set: `gcc -O3 "
        "-march=x86-64` (baseline) for numpy, purepy and the baseline and "
        "default levels, `-march=x86-64 -mavx2` for avx2, `-march=x86-64 -mavx512f` for avx512. "
        "**÷numpy** = numpy time / variant time (speed-up over numpy). "
        "`backend·level`: piconumpy backend at that SIMD level "
        "(`PICONUMPY_SIMD`, one worker process per level), on one thread "
        "(`PICONUMPY_NUM_THREADS=1`); `backend·level×k`: the best level with "
        "k threads (piconumpy's default here), whose ÷C is against the same "
        "C build with `-fopenmp` on k threads (each kernel cut into k equal "
        "slices). The C reference "
        "writes into a preallocated output: the new-output forms (`a + b`...) "
        "also pay for allocating theirs, and read its last element, which makes "
        "piconumpy compute a deferred value (piconumpy/fused.h).",
        "",
    ]
    for key, label in done:
        lg = results[key]["large"]
        runs = large_runs(results, key)
        cols = large_columns(runs)
        first = runs[0]["result"]
        rounds = "; ".join("%s: %s" % (lv["level"], ", ".join(
            "%s × %d" % (fmt_n(int(nk)), rn["rounds"])
            for nk, rn in lv["result"]["per_n"].items())) for lv in runs)
        crefs = [c for c in large_arrays.LEVELS
                 if any(c in rn["c"] for rn in first["per_n"].values())]

        def c_time(n, kern, c):
            rn = first["per_n"].get(str(n))
            return rn["c"][c][kern] if rn and c in rn["c"] and kern else None

        rows_c, rows_np, rows_abs = [], [], []
        for n in sizes:
            for op, op_label, _, nbytes, kern in ops:
                head = "%s `%s`" % (fmt_n(n), op_label)
                entries = [large_entry(res, v, n, op) for _, res, v in cols]
                if kern:
                    row = [head, " / ".join(fmt_gbs(nbytes, n, c_time(n, kern, c))
                                            for c in crefs)]
                    row += [fmt_ratio(e.get("x_ref")) if e else NA for e in entries]
                    rows_c.append(row)
                numpy_e = large_entry(first, "numpy", n, op)
                row = [head, fmt_gbs(nbytes, n, numpy_e["time"]) if numpy_e else NA]
                row += [fmt_ratio(e.get("x_numpy")) if e else NA
                        for (_, _, v), e in zip(cols, entries) if v != "numpy"]
                rows_np.append(row)
                row = [head] + [fmt_gbs(nbytes, n, c_time(n, kern, c)) for c in crefs]
                row += ["%s (%.2f)" % (fmt_gbs(nbytes, n, e["time"]), 1e9 * e["time"] / n)
                        if e else NA for e in entries]
                rows_abs.append(row)
        names = [c for c, _, _ in cols]
        out += [
            "### %s" % label,
            "",
            "Rounds per size: %s." % rounds,
            "",
            "Throughput ÷ C (higher is better):",
            "",
            md_table(["n, op", "C GB/s (%s)" % " / ".join(crefs)] + names, rows_c),
            "",
            "Speed-up over numpy (numpy time / variant time, higher is better):",
            "",
            md_table(["n, op", "numpy GB/s"] + [c for c in names if c != "numpy"],
                     rows_np),
            "",
        ]
        if detail:
            out += [
                "GB/s (ns per element), medians over rounds; C: the median "
                "time of one call in the C program, as run by the first "
                "level's worker (the ÷C ratios use each worker's own C runs, "
                "so on the cache-sized 1e6 they can disagree with these "
                "columns):",
                "",
                md_table(["n, op"] + ["C %s" % c for c in crefs] + names, rows_abs),
                "",
            ]
        notes = large_notes(label, lg, runs)
        if notes:
            out += ["n/a:", ""] + notes + [""]
    out.append(large_targets_table(results, sizes))
    return "\n".join(out)


def large_targets_table(results, sizes):
    short = {op[0]: op[2] for op in large_arrays.OPS}
    rows = []
    for key, label in INTERPRETERS:
        # the targets are for the level piconumpy picks on this CPU (the
        # best one that ran), on one thread and on the default threads; the
        # lower levels are in the tables above
        runs = large_runs(results, key)
        single = [lv for lv in runs if lv.get("threads", 1) == 1][-1:]
        for lv in single + [lv for lv in runs if lv.get("threads", 1) > 1]:
            res = lv["result"]
            backend = res["default_backend"]
            for name, ops, figure, goal in LARGE_TARGETS:
                values, cells = [], []
                for n in sizes:
                    found = [(e[figure], op) for op in ops
                             for e in [large_entry(res, backend, n, op)]
                             if e and e.get(figure) is not None]
                    if not found:
                        values.append(None)
                        cells.append(NA)
                        continue
                    worst, op = min(found)
                    values.append(worst)
                    cells.append(fmt_ratio(worst) + (" (%s)" % short[op] if len(ops) > 1 else ""))
                known = [v for v in values if v is not None]
                if not known:
                    status = NA
                elif all(v >= goal for v in known):
                    status = "PASS" if len(known) == len(values) else "PASS (partial)"
                else:
                    status = "**MISS**"
                rows.append(["%s: %s·%s %s" % (label, backend, lv["level"], name)]
                            + cells + ["≥ %.2f" % goal if goal < 10 else "≥ %g" % goal,
                                       status])
    return "\n".join([
        "## Targets (large arrays)",
        "",
        "The interpreter's default piconumpy backend at the best SIMD level "
        "this CPU has (the one piconumpy chooses; lower levels: tables "
        "above), on one thread, then (`level×k`) with the k threads "
        "piconumpy uses by default, where ÷C is against the C loops split "
        "over k OpenMP threads (numpy is single-threaded); per size, the "
        "worst op of the group (in brackets) — its median per-round ratio: "
        "throughput ÷ C, or speed-up over numpy (n/a: not measured).",
        "",
        md_table(["target"] + [fmt_n(n) for n in sizes] + ["goal", "status"], rows,
                 ["---"] + ["---:"] * len(sizes) + ["---", "---"]),
        "",
    ])


def pair_ratio(res, num, den):
    """Median over rounds of time[num] / time[den] (same round), or None."""
    if res is None:
        return None
    rounds = res["board"]["rounds"]
    if not rounds or num not in rounds[0] or den not in rounds[0]:
        return None
    return statistics.median(rd[num] / rd[den] for rd in rounds)


# (interpreter key, numerator, denominator, comparison, threshold).
# "best" stands for the fastest piconumpy backend on that interpreter.
# The last threshold is our own choice (the brief only asked for the
# comparison): HPy universal on PyPy within 2x of what the JIT does with
# pure Python.
TARGETS = [
    ("cpython", "hpy", "cpython", "<=", 1.05),
    ("cpython", "hpy_universal", "cpython", "<=", 1.10),
    ("cpython", "numpy", "best", ">=", 3.0),
    ("pypy", "numpy", "hpy_universal", ">=", 30.0),
    ("pypy", "hpy_universal", "purepy", "<=", 2.0),
]


def best_backend(res):
    summ = res["board"]["summary"]
    candidates = [b for b in PICONUMPY_BACKENDS if b in summ]
    if not candidates:
        return None
    return min(candidates, key=lambda b: summ[b]["ratio_median"])


def targets_table(results):
    labels = dict(INTERPRETERS)
    rows = []
    for key, num, den, op, threshold in TARGETS:
        res = results.get(key)
        shown_den = den
        if den == "best":
            den = best_backend(res) if res else None
            shown_den = "best piconumpy (%s)" % (den or NA)
        value = pair_ratio(res, num, den) if den else None
        if value is None:
            shown, status = NA, NA
        else:
            shown = "%.3f" % value if value < 10 else fmt_ratio(value)
            ok = value <= threshold if op == "<=" else value >= threshold
            status = "PASS" if ok else "**MISS**"
        rows.append([
            "%s: %s / %s" % (labels[key], num, shown_den),
            shown,
            "%s %s" % ("≤" if op == "<=" else "≥",
                       "%.2f" % threshold if threshold < 10 else "%g" % threshold),
            status,
        ])
    return "\n".join([
        "## Targets (board benchmark)",
        "",
        "Each value is the median over rounds of the ratio of the two variants' "
        "times measured in the same round (n/a: variant or interpreter not run).",
        "",
        md_table(["target", "value", "goal", "status"], rows,
                 ["---", "---:", "---", "---"]),
        "",
    ])


# -------------------------------------------------------------- machine info


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith(("model name", "hardware", "cpu model")):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def command_output(cmd):
    try:
        out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             cwd=ROOT).stdout.decode().strip()
        return out.splitlines()[0] if out else None
    except OSError:
        return None


def machine_info(results, args, elapsed, load_before, flags=()):
    try:
        load_after = os.getloadavg()
    except OSError:
        load_after = None
    lines = [
        "## Machine and run",
        "",
        "- date: %s" % datetime.datetime.now(datetime.timezone.utc)
        .strftime("%Y-%m-%d %H:%M UTC"),
        "- CPU: %s (%s logical CPUs)" % (cpu_model(), os.cpu_count()),
        "- OS: %s" % platform.platform(),
        "- C compiler: %s (`%s`)" % (
            command_output([compiler_command()[0], "--version"]) or "?",
            " ".join(compiler_command()[:3])),
        "- git commit: %s" % (command_output(["git", "rev-parse", "--short", "HEAD"])
                              or "none"),
        "- mode: %s, total time %.0f s" % ("quick" if args.quick else "full", elapsed),
    ]
    if load_before and load_after:
        lines.append("- load average (1 min) before / after: %.2f / %.2f"
                     % (load_before[0], load_after[0]))
    if IS_X86_64:
        lines.append("- CPU SIMD: %s" % ", ".join(
            "%s %s" % (f, "yes" if f in flags else "no") for f in ("avx2", "fma", "avx512f", "avx512dq")))
    for key, label in INTERPRETERS:
        res = results.get(key)
        if res is None:
            continue
        lines.append(
            "- %s: `%s` — %s %s; numpy %s; piconumpy %s (backends: %s)"
            % (label, res["executable"], res["implementation"], res["version"],
               res["numpy"] or NA, res["piconumpy_file"],
               ", ".join(res["backends"]) or "none")
        )
        large = res.get("large")
        if large:
            lines.append("- %s large arrays (%.0f s): SIMD levels %s" % (
                label, large.get("elapsed", 0), ", ".join(
                    "%s %s" % (lv["level"], lv["reason"] or (
                        "run (simd_level() = %s)" % lv["result"]["simd_level"]
                        if lv["result"]["simd_level"] else "run (no simd_level())"))
                    for lv in large["levels"])))
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------- main


def main():
    parser = argparse.ArgumentParser(
        description="piconumpy benchmarks: board (RK4), Laplace, large arrays "
                    "and tiny ops")
    parser.add_argument("--python", default=sys.executable,
                        help="CPython interpreter (default: this one)")
    parser.add_argument("--pypy", help="PyPy interpreter (optional)")
    parser.add_argument("--quick", action="store_true",
                        help="short smoke run (~1 min for both interpreters)")
    parser.add_argument("--rounds", type=int,
                        help="exact number of board, Laplace and large-array "
                             "rounds (overrides the time budgets)")
    args = parser.parse_args()

    t0 = time.time()
    try:
        load_before = os.getloadavg()
    except OSError:
        load_before = None
    flags = cpu_flags() or set()
    try:
        build_c_reference()
        build_c_reference(LAPLACE_SOURCE, LAPLACE_BINARY)
        for name, extra in LARGE_FLAGS.items():
            build_c_reference(LARGE_SOURCE, LARGE_BINARIES[name], extra)
            build_c_reference(LARGE_SOURCE, LARGE_BINARIES_MT[name], extra + ["-fopenmp"])
        results = {}
        for key, label in INTERPRETERS:
            exe = args.python if key == "cpython" else args.pypy
            if not exe:
                continue
            res = run_worker(label, exe, args)
            if res["implementation"].lower() != key:
                print("warning: the %s column runs %s (%s)"
                      % (label, res["implementation"], exe), file=sys.stderr)
            t_large = time.time()
            res["large"] = run_large(label, exe, args, flags)
            res["large"]["elapsed"] = time.time() - t_large
            res["sustained"] = run_sustained(label, exe, args)
            results[key] = res
        c_sustained = run_c_sustained(args) if results else None
    except BenchError as exc:
        print("run_bench: error: %s" % exc, file=sys.stderr)
        return 1

    os.makedirs(RESULTS, exist_ok=True)
    for key, res in results.items():
        with open(os.path.join(RESULTS, "%s.json" % key), "w") as f:
            json.dump(res, f, indent=1)

    board_md = board_table(results)
    laplace_md = laplace_table(results)
    sustained_md = sustained_table(results, c_sustained)
    if sustained_md:
        laplace_md += "\n" + sustained_md
    large_md = large_table(results)
    tiny_md = tiny_table(results)
    targets_md = targets_table(results)
    info_md = machine_info(results, args, time.time() - t0, load_before, flags)
    # the summary leaves out the large arrays' absolute table (GB/s, ns per
    # element): large_arrays.md has it
    large_short = large_table(results, detail=False)
    if large_short:
        large_short = large_short.replace(
            "\n### ", "\n(GB/s and ns per element: `large_arrays.md`.)\n\n### ", 1)
    summary = "\n".join([
        "# piconumpy benchmark summary", "", info_md, targets_md, board_md,
        laplace_md, large_short, tiny_md,
    ])
    for name, text in [("board.md", board_md), ("laplace.md", laplace_md),
                       ("large_arrays.md", large_md), ("tiny_ops.md", tiny_md),
                       ("summary.md", summary)]:
        with open(os.path.join(RESULTS, name), "w") as f:
            f.write(text if name == "summary.md" else "%s\n%s" % (
                "<!-- generated by bench/run_bench.py; see summary.md -->", text))
    print(summary)
    # the chart is a convenience: no matplotlib, or any failure, is a note
    try:
        import chart
        note = chart.write_chart(results, os.path.join(RESULTS, "summary.png"))
    except Exception as exc:  # noqa: BLE001  (never fail the run for a chart)
        note = "chart skipped: %s: %s" % (type(exc).__name__, exc)
    print(note)
    print("results written to %s" % os.path.relpath(RESULTS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
