"""The Laplace benchmark: Jacobi iterations of the 5-point stencil on a 2-D grid.

After the classic SciPy "PerformancePython" Laplace example: the interior of
the grid is replaced by the weighted mean of its four neighbours,

    u[1:-1, 1:-1] = ((u[0:-2, 1:-1] + u[2:, 1:-1])*dy2
                     + (u[1:-1, 0:-2] + u[1:-1, 2:])*dx2)*dnr_inv

reading from one array and writing into the other (Jacobi, not Gauss-Seidel),
the two arrays swapping roles every iteration; the edges are copied from the
source so the new array is complete.  Fixed boundary: top edge 1.0, left
edge 0.5 (asymmetric on purpose: a transposed or mirrored result shows up
in the row/column sums used to check it), zeros elsewhere.  A fixed number of
iterations, no convergence test: the figure is the time of one iteration.
Unlike the board benchmark, this one is about large arrays: N-D slicing,
temporaries and element loops, not per-call overhead.

Variants:

- `make_solver(ns, nx, ny, iterations)`: the array code, identical for numpy
  and every piconumpy backend with N-D arrays (`ns.zeros((nx, ny))`, 2-D
  slices, views, scalar * array, `+`, slice assignment);
- `make_lists_solver`: pure Python on a list of row lists, written the way a
  Python programmer would (rows hoisted out of the inner loop): PyPy's case;
- `make_flat_solver`: pure Python on one flat list with explicit index
  arithmetic: literally what `bench/laplace_ref.c` does.

All perform the same floating-point operations in the same order, so their
final grids agree with the C reference bit for bit (checked to 1e-12 on the
row and column sums).  `solve()` returns (seconds per iteration, final grid);
only the iteration loop is timed, not the set-up of the two grids.

Run `python bench/laplace.py [--size N] [--iterations K] [variant ...]` for a
standalone check (one solve per variant; compared with the C program too if
bench/build/laplace_ref exists).  Use run_bench.py for real figures.
"""

import argparse
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from board import array_namespaces  # noqa: E402

DX = DY = 0.1
DX2 = DX * DX
DY2 = DY * DY
DNR_INV = 0.5 / (DX2 + DY2)
TOP = 1.0
LEFT = 0.5

# (nx, ny, iterations): the iteration counts keep one solve of the slowest
# timed variant around 0.1 s; quick mode uses fewer (the C program is told
# the same count, so the check still holds)
GRIDS = [(100, 100, 40), (500, 500, 10)]
GRIDS_QUICK = [(100, 100, 10), (500, 500, 2)]


def grid_key(nx, ny):
    return "%dx%d" % (nx, ny)


def supports_nd(ns):
    """None if `ns` has 2-D arrays, else why not (purepy: NotImplementedError)."""
    try:
        shape = tuple(ns.zeros((2, 2)).shape)
    except Exception as exc:  # any failure means "no N-D yet", not a bench error
        return "%s: %s" % (type(exc).__name__, exc)
    if shape != (2, 2):
        return "zeros((2, 2)).shape == %r" % (shape,)
    return None


# ------------------------------------------------------------ array version


def make_solver(ns, nx, ny, iterations):
    """`solve()` with the array module `ns`: the same code for numpy and
    every piconumpy backend."""
    zeros = ns.zeros
    perf_counter = time.perf_counter

    def initial():
        u = zeros((nx, ny))
        u[0] = TOP
        u[1:, 0] = LEFT
        return u

    def step(u, src):
        u[1:-1, 1:-1] = ((src[0:-2, 1:-1] + src[2:, 1:-1]) * DY2
                         + (src[1:-1, 0:-2] + src[1:-1, 2:]) * DX2) * DNR_INV
        u[0] = src[0]
        u[-1] = src[-1]
        u[:, 0] = src[:, 0]
        u[:, -1] = src[:, -1]

    def solve():
        u, v = initial(), initial()
        t0 = perf_counter()
        for _ in range(iterations):
            step(v, u)
            u, v = v, u
        return (perf_counter() - t0) / iterations, u

    return solve


# ------------------------------------------------------ pure-Python versions


def make_lists_solver(nx, ny, iterations):
    """Lists of row lists; the neighbouring rows are hoisted so that the
    inner loop only indexes 1-D lists (what the JIT likes best)."""
    perf_counter = time.perf_counter

    def initial():
        u = [[0.0] * ny for _ in range(nx)]
        u[0] = [TOP] * ny
        for i in range(1, nx):
            u[i][0] = LEFT
        return u

    def step(u, src):
        for i in range(1, nx - 1):
            up, row, down, out = src[i - 1], src[i], src[i + 1], u[i]
            for j in range(1, ny - 1):
                out[j] = ((up[j] + down[j]) * DY2
                          + (row[j - 1] + row[j + 1]) * DX2) * DNR_INV
        u[0][:] = src[0]
        u[-1][:] = src[-1]
        for i in range(nx):
            out, row = u[i], src[i]
            out[0] = row[0]
            out[-1] = row[-1]

    def solve():
        u, v = initial(), initial()
        t0 = perf_counter()
        for _ in range(iterations):
            step(v, u)
            u, v = v, u
        return (perf_counter() - t0) / iterations, u

    return solve


def make_flat_solver(nx, ny, iterations):
    """One flat row-major list and index arithmetic, as laplace_ref.c."""
    perf_counter = time.perf_counter
    last = (nx - 1) * ny

    def initial():
        u = [0.0] * (nx * ny)
        for j in range(ny):
            u[j] = TOP
        for i in range(1, nx):
            u[i * ny] = LEFT
        return u

    def step(u, src):
        for i in range(1, nx - 1):
            for j in range(1, ny - 1):
                k = i * ny + j
                u[k] = ((src[k - ny] + src[k + ny]) * DY2
                        + (src[k - 1] + src[k + 1]) * DX2) * DNR_INV
        for j in range(ny):
            u[j] = src[j]
            u[last + j] = src[last + j]
        for i in range(nx):
            u[i * ny] = src[i * ny]
            u[i * ny + ny - 1] = src[i * ny + ny - 1]

    def solve():
        u, v = initial(), initial()
        t0 = perf_counter()
        for _ in range(iterations):
            step(v, u)
            u, v = v, u
        # rows, so that grid_sums() treats every variant alike
        return (perf_counter() - t0) / iterations, [u[i * ny:(i + 1) * ny]
                                                    for i in range(nx)]

    return solve


# --------------------------------------------------------------- checking


def rows_of(grid):
    """Final grid (numpy / piconumpy array or list of rows) -> list of rows."""
    return grid.tolist() if hasattr(grid, "tolist") else grid


def grid_sums(grid):
    """(row sums, column sums) as laplace_ref.c computes them: plain
    left-to-right additions (not sum(), which may compensate on 3.12+)."""
    rows = [[float(x) for x in row] for row in rows_of(grid)]
    row_sums = []
    for row in rows:
        s = 0.0
        for x in row:
            s += x
        row_sums.append(s)
    cols = [0.0] * (len(rows[0]) if rows else 0)
    for row in rows:
        cols = [c + x for c, x in zip(cols, row)]
    return row_sums, cols


def max_abs_diff(grid, ref):
    """Largest |difference| between the sums of `grid` and the C program's
    (`ref`: its JSON output); inf on a shape mismatch or a nan."""
    rows, cols = grid_sums(grid)
    if len(rows) != len(ref["row_sums"]) or len(cols) != len(ref["col_sums"]):
        return float("inf")
    worst = 0.0
    for a, b in zip(rows + cols, ref["row_sums"] + ref["col_sums"]):
        d = abs(a - b)
        if not d <= worst:  # also catches nan
            worst = d if d == d else float("inf")
    return worst


def probe_diff(grid, ref):
    """Largest |difference| at the C program's probe points: a check cheap
    enough for every timed solve (the sums need the whole grid in Python)."""
    worst = 0.0
    for i, j, value in ref["probes"]:
        got = float(grid[i, j]) if hasattr(grid, "tolist") else grid[i][j]
        d = abs(got - value)
        if not d <= worst:
            worst = d if d == d else float("inf")
    return worst


def run_c(cref, nx, ny, iterations, seconds):
    import json

    out = subprocess.run([cref, str(nx), str(ny), str(iterations), repr(seconds)],
                         stdout=subprocess.PIPE, check=True).stdout
    return json.loads(out.decode())


def variants(spaces, nx, ny, iterations, loops=True):
    """([(name, solve)], {name: reason}) for one grid: the array variants of
    the namespaces with N-D arrays, then (if `loops`) the two pure-Python ones.
    Namespaces without N-D arrays are returned with the reason instead."""
    found, unsupported = [], {}
    for name, ns in spaces:
        why = supports_nd(ns)
        if why is None:
            found.append((name, make_solver(ns, nx, ny, iterations)))
        else:
            unsupported[name] = why
    if loops:
        found.append(("loops", make_lists_solver(nx, ny, iterations)))
        found.append(("loops_flat", make_flat_solver(nx, ny, iterations)))
    return found, unsupported


def main(argv):
    parser = argparse.ArgumentParser(description="Laplace benchmark smoke check")
    parser.add_argument("--size", type=int, default=100, help="nx = ny (default 100)")
    parser.add_argument("--iterations", type=int, default=10)
    parser.add_argument("names", nargs="*", help="variants to run (default: all)")
    args = parser.parse_args(argv)
    n, iters = args.size, args.iterations

    spaces, info = array_namespaces()
    found, unsupported = variants(spaces, n, n, iters)
    if args.names:
        found = [(name, s) for name, s in found if name in args.names]
    print("numpy %s; piconumpy from %s; %dx%d, %d iterations"
          % (info["numpy"], info["piconumpy_file"], n, n, iters))
    for name, why in unsupported.items():
        print("%-14s n/a (%s)" % (name, why))

    cref = os.path.join(HERE, "build", "laplace_ref")
    if os.path.exists(cref):
        ref = run_c(cref, n, n, iters, 0.05)
        print("%-14s %10.1f us/iteration" % ("C", 1e6 * ref["median"]))
        against = "C"
    else:
        # no C binary: the flat-list version performs the same operations
        _, grid = make_flat_solver(n, n, iters)()
        rows, cols = grid_sums(grid)
        ref = {"row_sums": rows, "col_sums": cols}
        against = "loops_flat (no %s)" % os.path.relpath(cref)
    worst = 0.0
    for name, solve in found:
        per_iter, grid = solve()
        diff = max_abs_diff(grid, ref)
        worst = max(worst, diff)
        print("%-14s %10.1f us/iteration   max |diff| vs %s = %.2e"
              % (name, 1e6 * per_iter, against, diff))
    return 0 if worst <= 1e-12 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
