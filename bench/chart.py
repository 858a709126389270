"""bench/results/summary.png: the headline figures of a run_bench.py run.

Four panels: the board and Laplace ratios to C (lower is better) and, per
interpreter, the large-array throughput in GB/s on the largest size
(higher is better), all on log axes.  `write_chart(results, path)` takes
the merged worker results of run_bench.py and returns a one-line note; it
needs matplotlib (the caller treats ImportError as "no chart").

    python bench/chart.py   # redraw from bench/results/{cpython,pypy}.json
"""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import large_arrays  # noqa: E402  (OPS: labels, bytes per element)

INTERPRETERS = [("cpython", "CPython"), ("pypy", "PyPy")]
BOARD_ROWS = ["floats", "numpy", "purepy", "cpython", "hpy", "hpy_universal"]
LAPLACE_ROWS = ["numpy", "cpython", "hpy", "hpy_universal", "loops", "loops_flat"]
# the brief's six ops (new output) plus the two out= forms numpy and
# piconumpy both have, to show the allocation's share
LARGE_OPS = ["add", "mul", "sin", "sin_out", "exp", "exp_out", "sum", "copy"]
COLORS = ["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860",
          "#da8bc3", "#8c8c8c", "#ccb974", "#64b5cd"]


def short(v):
    """1470 -> '1470', 16.04 -> '16', 2.345 -> '2.3', 0.0123 -> '0.012'."""
    if v >= 100:
        return "%.0f" % v
    if v >= 10:
        return "%.0f" % v if v >= 20 else "%.1f" % v
    return "%.2g" % v


def grouped_bars(ax, groups, series, values, ylabel, title):
    """Bars of series[j] in groups[i] at values[j][i] (None: an "n/a"
    mark; NaN: nothing, the series does not have that group); log y axis,
    each bar labelled with its value."""
    from matplotlib.ticker import FuncFormatter

    n = max(1, len(series))
    width = 0.8 / n
    for j, name in enumerate(series):
        xs, ys, missing = [], [], []
        for i, v in enumerate(values[j]):
            x = i - 0.4 + width * (j + 0.5)
            if v is not None and v > 0:
                xs.append(x)
                ys.append(v)
            elif v is None or v <= 0:
                missing.append(x)
        bars = ax.bar(xs, ys, width, label=name, color=COLORS[j % len(COLORS)])
        for bar, v in zip(bars, ys):
            ax.annotate(short(v), (bar.get_x() + bar.get_width() / 2, v),
                        ha="center", va="bottom", fontsize=7, rotation=90,
                        xytext=(0, 2), textcoords="offset points")
        for x in missing:
            ax.annotate("n/a", (x, 0), xycoords=("data", "axes fraction"),
                        ha="center", va="bottom", fontsize=6, rotation=90,
                        color="0.5", xytext=(0, 3), textcoords="offset points")
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: "%g" % v))
    # 2 and 5 between the powers of ten, so values can be read off
    ax.yaxis.set_minor_formatter(FuncFormatter(
        lambda v, _: "%g" % v if ("%.0e" % v)[0] in "25" else ""))
    ax.tick_params(axis="y", which="minor", labelsize=7)
    ax.set_xticks(range(len(groups)))
    ax.set_xticklabels(groups, fontsize=8)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    ax.grid(axis="y", which="both", alpha=0.3)
    ax.set_axisbelow(True)
    ax.margins(y=0.25)
    ax.legend(fontsize=7, ncol=2)


def board_panel(ax, results):
    keys = [(k, lab) for k, lab in INTERPRETERS if k in results]
    groups = [v for v in BOARD_ROWS
              if any(v in results[k]["board"]["summary"] for k, _ in keys)]
    values = [[(results[k]["board"]["summary"].get(v) or {}).get("ratio_median")
               for v in groups] for k, _ in keys]
    grouped_bars(ax, groups, [lab for _, lab in keys], values,
                 "time ÷ C (log; lower is better)",
                 "Board (RK4, 4-element arrays): one solve ÷ C")
    ax.axhline(1.0, color="k", lw=0.8)


def laplace_panel(ax, results):
    cols = []   # (series label, Laplace results, grid key)
    for k, lab in INTERPRETERS:
        lap = results.get(k, {}).get("laplace")
        if lap:
            cols += [("%s %d×%d" % (lab, spec["nx"], spec["ny"]), lap, g)
                     for g, spec in lap["grids"].items()]
    groups = [v for v in LAPLACE_ROWS
              if any(v in lap["summary"][g] for _, lap, g in cols)]
    # then the multi-threaded rows (`backend×k`)
    groups += sorted({v for _, lap, g in cols for v in lap["summary"][g]
                      if "×" in v})
    rows = [[(lap["summary"][g].get(v) or {}).get("ratio_median") for v in groups]
            for _, lap, g in cols]
    grouped_bars(ax, groups, [c[0] for c in cols], rows,
                 "time ÷ C (log; lower is better)",
                 "Laplace (Jacobi, 2-D): one iteration ÷ C")
    ax.axhline(1.0, color="k", lw=0.8)


def large_panel(ax, key, label, results):
    lg = results.get(key, {}).get("large")
    runs = [lv for lv in lg["levels"] if lv["result"]] if lg else []
    if not runs:
        ax.set_axis_off()
        ax.set_title("%s: large arrays not run" % label, fontsize=10)
        return
    first = runs[0]["result"]
    n = max(first["sizes"])
    ops = {op[0]: op for op in large_arrays.OPS}
    groups = ["%s" % ops[k][1] for k in LARGE_OPS]
    series, rows = [], []
    rn = first["per_n"][str(n)]
    for c in large_arrays.LEVELS:
        if c in rn["c"]:
            series.append("C %s" % c)
            rows.append([n * ops[k][3] / rn["c"][c][ops[k][4]] / 1e9 if ops[k][4]
                         else float("nan") for k in LARGE_OPS])   # no C sin, exp

    def gbs(res, variant):
        out = []
        for k in LARGE_OPS:
            e = res["per_n"].get(str(n), {}).get("variants", {}).get(variant, {}).get(k)
            out.append(n * ops[k][3] / e["time"] / 1e9 if e else None)
        return out

    if "numpy" in rn["variants"]:
        series.append("numpy")
        rows.append(gbs(first, "numpy"))
    backend = first["default_backend"]
    for lv in runs:
        series.append("%s·%s" % (backend, lv["level"]))
        rows.append(gbs(lv["result"], backend))
    exp = len(str(n)) - 1
    shown = "1e%d" % exp if n == 10 ** exp else str(n)
    grouped_bars(ax, groups, series, rows, "GB/s (log; higher is better)",
                 "%s, large arrays (n = %s float64, default backend per SIMD level):"
                 " bytes read + written / time" % (label, shown))
    for tick in ax.get_xticklabels():
        tick.set_rotation(20)


def write_chart(results, path):
    import matplotlib

    matplotlib.use("Agg")   # no display needed
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(16, 11))
    board_panel(axes[0][0], results)
    laplace_panel(axes[0][1], results)
    large_panel(axes[1][0], "cpython", "CPython", results)
    large_panel(axes[1][1], "pypy", "PyPy", results)
    fig.suptitle("piconumpy benchmarks (medians of per-round ratios; "
                 "see summary.md)", fontsize=12)
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return "chart written to %s" % os.path.relpath(path)


def main():
    results = {}
    for key, _ in INTERPRETERS:
        path = os.path.join(HERE, "results", "%s.json" % key)
        if os.path.exists(path):
            with open(path) as f:
                results[key] = json.load(f)
    print(write_chart(results, os.path.join(HERE, "results", "summary.png")))


if __name__ == "__main__":
    main()
