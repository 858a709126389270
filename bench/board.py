"""The "board" benchmark: sleds sliding down a bumpy board, integrated with RK4.

The state of one sled is X = (x, y, u, v): position on the board and velocity.
The board height is H(x, y) = -a x + b cos(p x) cos(q y) (only its derivatives
appear below).  Every step evaluates the right-hand side four times with
scalar `math` functions on the 4 floats of the state and builds a new
4-element array: this is a tiny-array workload where the per-call overhead
of an array library matters far more than its inner loops.

Variants:

- `make_solver(ns)`: the array code, identical for numpy and every piconumpy
  backend; `ns` is the module (or namespace) that provides `array`.
- `solve_floats()`: the same arithmetic on plain Python floats (no arrays),
  the best a Python program can do without an array library.

`bench/board_ref.c` is the same algorithm in C; both must stay operation-for-
operation identical (same constants, same evaluation order) so that the final
states agree to 1e-12.

Run `python bench/board.py [variant ...]` for a quick standalone check (one
solve per variant, no statistics: use run_bench.py for real figures).
"""

import math
import os
import sys
import time

G = 9.81
C = 0.5
A = 0.25
B = 0.5
P = 2 * math.pi / 10
Q = 2 * math.pi / 4

N_SLEDS = 10
N_STEPS = 200
DT = 0.01
U0 = 3.5
# fractional parts of multiples of the golden ratio: deterministic, well spread
# in [0, 1), and trivially reproduced in C with fmod
GOLDEN = 0.6180339887498949


def initial_y(k):
    return ((k + 1) * GOLDEN) % 1.0


def make_solver(ns):
    """Return `solve()` using `ns.array`: same code for numpy and piconumpy."""
    array = ns.array

    def board(t, X):
        # the physics is board_floats(); what this variant adds is reading
        # the state from an array and returning a new one, as in user code
        u, v, dU, dV = board_floats(t, X[0], X[1], X[2], X[3])
        return array([u, v, dU, dV])

    def rk4(f, t, x0, dt):
        k1 = f(t, x0) * dt
        k2 = f(t, x0 + k1 / 2) * dt
        k3 = f(t, x0 + k2 / 2) * dt
        k4 = f(t, x0 + k3) * dt
        return x0 + (k1 + 2 * k2 + 2 * k3 + k4) / 6

    def solve():
        finals = []
        for k in range(N_SLEDS):
            X = array([0.0, initial_y(k), U0, 0.0])
            t = 0.0
            for _ in range(N_STEPS):
                X = rk4(board, t, X, DT)
                t += DT
            finals.append([float(e) for e in X])
        return finals

    return solve


def board_floats(t, x, y, u, v):
    """Right-hand side of the sled ODE on Python floats: (u, v, dU, dV)."""
    sx = math.sin(P * x)
    cx = math.cos(P * x)
    sy = math.sin(Q * y)
    cy = math.cos(Q * y)
    H_x = -A + B * P * sx * cy
    H_xx = B * P * P * cx * cy
    H_y = B * Q * cx * sy
    H_yy = B * Q * Q * cx * cy
    H_xy = -B * Q * P * sx * sy
    F = (G + H_xx * u * u + 2 * H_xy * u * v + H_yy * v * v) / (
        1 + H_x * H_x + H_y * H_y
    )
    dU = -F * H_x - C * u
    dV = -F * H_y - C * v
    return u, v, dU, dV


def rk4_floats(f, t, x0, dt):
    # unrolled per component; element-wise identical to the array rk4
    x, y, u, v = x0
    a, b, c, d = f(t, x, y, u, v)
    k1a, k1b, k1c, k1d = a * dt, b * dt, c * dt, d * dt
    a, b, c, d = f(t, x + k1a / 2, y + k1b / 2, u + k1c / 2, v + k1d / 2)
    k2a, k2b, k2c, k2d = a * dt, b * dt, c * dt, d * dt
    a, b, c, d = f(t, x + k2a / 2, y + k2b / 2, u + k2c / 2, v + k2d / 2)
    k3a, k3b, k3c, k3d = a * dt, b * dt, c * dt, d * dt
    a, b, c, d = f(t, x + k3a, y + k3b, u + k3c, v + k3d)
    k4a, k4b, k4c, k4d = a * dt, b * dt, c * dt, d * dt
    return (
        x + (k1a + 2 * k2a + 2 * k3a + k4a) / 6,
        y + (k1b + 2 * k2b + 2 * k3b + k4b) / 6,
        u + (k1c + 2 * k2c + 2 * k3c + k4c) / 6,
        v + (k1d + 2 * k2d + 2 * k3d + k4d) / 6,
    )


def solve_floats():
    finals = []
    for k in range(N_SLEDS):
        X = (0.0, initial_y(k), U0, 0.0)
        t = 0.0
        for _ in range(N_STEPS):
            X = rk4_floats(board_floats, t, X, DT)
            t += DT
        finals.append(list(X))
    return finals


def max_abs_diff(states, ref):
    """Largest |a - b| over all sleds and components (inf on shape mismatch)."""
    if len(states) != len(ref):
        return float("inf")
    worst = 0.0
    for s, r in zip(states, ref):
        if len(s) != len(r):
            return float("inf")
        for a, b in zip(s, r):
            d = abs(float(a) - float(b))
            if not d <= worst:  # also catches nan
                worst = d if d == d else float("inf")
    return worst


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def import_piconumpy():
    # an installed piconumpy wins; otherwise the source tree (in-place build)
    try:
        import piconumpy
    except ImportError:
        sys.path.insert(0, ROOT)
        import piconumpy
    return piconumpy


def piconumpy_threads():
    """piconumpy's thread count (1 before it had threads)."""
    return getattr(import_piconumpy(), "get_num_threads", lambda: 1)()


def array_namespaces():
    """([(name, namespace)], info): numpy (if importable), purepy, backends.

    A missing numpy is tolerated (info["numpy"] is None); a missing piconumpy
    or purepy backend is an error.
    """
    spaces = []
    numpy_version = None
    try:
        import numpy
    except ImportError:
        pass
    else:
        numpy_version = numpy.__version__
        spaces.append(("numpy", numpy))
    piconumpy = import_piconumpy()
    available = list(piconumpy.backends())
    names = ["purepy"] + [n for n in available if n != "purepy"]
    for name in names:
        spaces.append((name, piconumpy.get_backend(name)))
    info = {
        "numpy": numpy_version,
        "piconumpy_file": getattr(piconumpy, "__file__", None),
        "backends": available,
    }
    return spaces, info


def main(argv):
    # standalone smoke run: each variant once, compared with the floats one
    spaces, info = array_namespaces()
    if argv:
        spaces = [(name, ns) for name, ns in spaces if name in argv]
    variants = [("floats", solve_floats)]
    variants += [(name, make_solver(ns)) for name, ns in spaces]
    print("numpy %s; piconumpy from %s" % (info["numpy"], info["piconumpy_file"]))
    ref = solve_floats()
    for name, solve in variants:
        t0 = time.perf_counter()
        res = solve()
        elapsed = time.perf_counter() - t0
        print(
            "%-14s %8.2f ms   max |diff| vs floats = %.2e"
            % (name, 1e3 * elapsed, max_abs_diff(res, ref))
        )


if __name__ == "__main__":
    main(sys.argv[1:])
