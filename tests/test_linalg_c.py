"""piconumpy/linalg.h tested on its own, before any Python binding uses it.

tests/c/test_linalg.c (a stdin/stdout driver, see its header) is compiled
with the system C compiler; matrices are generated here, sent as text
(repr / %.17g round-trip exactly) and the results checked against error
bounds computed in plain Python and, when numpy is available, against numpy.
Skipped only when there is no C compiler.
"""
import math
import random
import re
import subprocess

import pytest

EPS = 2.0 ** -52


# ------------------------------------------------------------------ driver


@pytest.fixture(scope="module")
def driver(build_c_driver):
    # -ffp-contract=off: no FMA, so the C products round exactly like the
    # plain-Python references below (on every architecture)
    return build_c_driver("test_linalg.c", [
        "-O2", "-std=c99", "-Wall", "-Wextra", "-ffp-contract=off"])


def flat(rows):
    return [float(x) for row in rows for x in row]


def run(driver, commands):
    """commands: [(header, [matrix, ...])] -> one list of tokens per command
    (the status as int, then the numbers as strings for the caller)."""
    exe, _ = driver
    text = []
    for header, matrices in commands:
        values = [v for m in matrices for v in flat(m)]
        text.append(header + " " + " ".join(map(repr, values)))
    proc = subprocess.run([exe], input="\n".join(text) + "\n",
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == len(commands), proc.stdout
    return [line.split() for line in lines]


def unflat(values, rows, cols):
    values = [float(v) for v in values]
    assert len(values) == rows * cols
    return [values[i * cols:(i + 1) * cols] for i in range(rows)]


def matmul(d, a, b):
    n, k, m = len(a), len(b), len(b[0]) if b else 0
    out = run(d, [("matmul %d %d %d" % (n, k, m), [a, b])])[0]
    assert out[0] == "0"
    return unflat(out[1:], n, m)


def lu(d, a):
    n = len(a)
    out = run(d, [("lu %d" % n, [a])])[0]
    status, sign = int(out[0]), int(out[1])
    if status:
        return status, sign, None, None
    piv = [int(v) for v in out[2:2 + n]]
    return status, sign, piv, unflat(out[2 + n:], n, n)


def solve(d, a, b):
    """b: list of rows (n x nrhs).  None when singular."""
    n, nrhs = len(a), len(b[0]) if b else 0
    out = run(d, [("solve %d %d" % (n, nrhs), [a, b])])[0]
    return None if out[0] == "1" else unflat(out[1:], n, nrhs)


def det(d, a):
    return float(run(d, [("det %d" % len(a), [a])])[0][1])


def inv(d, a):
    n = len(a)
    out = run(d, [("inv %d" % n, [a])])[0]
    return None if out[0] == "1" else unflat(out[1:], n, n)


# ----------------------------------------------------- plain-Python oracles


def py_matmul(a, b):
    """The textbook triple loop, summing in the order p = 0, 1, ..."""
    m = len(b[0]) if b else 0
    out = []
    for row in a:
        r = []
        for j in range(m):
            s = 0.0
            for p, x in enumerate(row):
                s += x * b[p][j]
            r.append(s)
        out.append(r)
    return out


def absolute(a):
    return [[abs(x) for x in row] for row in a]


def norm_inf(a):
    return max((sum(abs(x) for x in row) for row in a), default=0.0)


def max_abs(a):
    return max((abs(x) for row in a for x in row), default=0.0)


def sub(a, b):
    return [[x - y for x, y in zip(r, s)] for r, s in zip(a, b)]


def identity(n):
    return [[1.0 if i == j else 0.0 for j in range(n)] for i in range(n)]


def random_matrix(rng, n, m):
    return [[rng.gauss(0.0, 1.0) for _ in range(m)] for _ in range(n)]


def hilbert(n):
    return [[1.0 / (i + j + 1) for j in range(n)] for i in range(n)]


def hilbert_inverse(n):
    """The exact inverse of the n x n Hilbert matrix (integers)."""
    c = math.comb
    return [[(-1) ** (i + j) * (i + j - 1) * c(n + i - 1, n - j) * c(n + j - 1, n - i)
             * c(i + j - 2, i - 1) ** 2 for j in range(1, n + 1)] for i in range(1, n + 1)]


def assert_residual_small(a, x, b, factor=10.0):
    """Backward stability: ||b - a x|| <= factor * n * eps * ||a|| ||x||
    (infinity norms; partial pivoting's growth factor is small in practice)."""
    n = len(a)
    r = norm_inf(sub(b, py_matmul(a, x)))
    bound = factor * max(n, 1) * EPS * (norm_inf(a) * norm_inf(x) + norm_inf(b))
    assert r <= bound, "residual %r > %r" % (r, bound)


def assert_close_to(got, want, tol):
    diff = max_abs(sub(got, want))
    assert diff <= tol, "max |diff| = %r > %r" % (diff, tol)


def permutation_parity(perm):
    sign, seen = 1, set()
    for start in range(len(perm)):
        if start in seen:
            continue
        length, i = 0, start
        while i not in seen:
            seen.add(i)
            i = perm[i]
            length += 1
        if length % 2 == 0:
            sign = -sign
    return sign


SIZES = list(range(1, 41))


# ------------------------------------------------------------------- tests


def test_compiles_without_warnings(driver):
    # only diagnostics located in our files (kernels.h has its own rules)
    _, stderr = driver
    ours = [line for line in stderr.splitlines()
            if re.search(r"(linalg\.h|test_linalg\.c):\d+:\d+: (warning|error)", line)]
    assert not ours, stderr


def test_matmul_is_the_textbook_loop_bit_for_bit(driver):
    rng = random.Random(1)
    shapes = [(1, 1, 2), (2, 3, 4), (5, 1, 7), (1, 9, 6), (3, 0, 2), (40, 40, 40),
              (17, 33, 8), (8, 5, 31)]
    shapes += [(rng.randint(1, 40), rng.randint(1, 40), rng.randint(2, 40))
               for _ in range(12)]
    cmds, refs = [], []
    for n, k, m in shapes:
        a, b = random_matrix(rng, n, k), random_matrix(rng, k, m)
        if k == 0:
            b = []
        cmds.append(("matmul %d %d %d" % (n, k, m), [a, b]))
        refs.append((py_matmul(a, b) if k else [[0.0] * m for _ in range(n)], n, m))
    for out, (ref, n, m) in zip(run(driver, cmds), refs):
        assert out[0] == "0"
        assert unflat(out[1:], n, m) == ref


def test_matmul_empty_results(driver):
    assert matmul(driver, [], [[1.0, 2.0]]) == []
    out = run(driver, [("matmul 2 3 0", [random_matrix(random.Random(0), 2, 3)])])[0]
    assert out == ["0"]


def test_matmul_propagates_inf_and_nan(driver):
    inf, nan = float("inf"), float("nan")
    a = [[inf, 1.0], [nan, 0.0], [1.0, 2.0]]
    b = [[0.0, 1.0, 2.0], [1.0, -1.0, 0.5]]
    got = matmul(driver, a, b)
    want = py_matmul(a, b)
    assert repr(got) == repr(want)          # nan == nan, -0.0 != 0.0
    assert math.isnan(got[0][0])            # inf * 0 is nan, not skipped


@pytest.mark.parametrize("shape", [(1, 1, 1), (1, 7, 1), (9, 1, 1), (40, 40, 1),
                                   (33, 17, 1), (1, 40, 40), (1, 13, 5)])
def test_matvec_and_vecmat(driver, np, shape):
    n, k, m = shape
    rng = random.Random(n * 1000 + k * 10 + m)
    a, b = random_matrix(rng, n, k), random_matrix(rng, k, m)
    got = matmul(driver, a, b)
    # any summation order: |error| <= k eps |a||b| for each of got and ref
    bound = py_matmul(absolute(a), absolute(b))
    ref = np.array(a) @ np.array(b) if np is not None else py_matmul(a, b)
    for i in range(n):
        for j in range(m):
            assert abs(got[i][j] - float(ref[i][j])) <= 2.01 * k * EPS * bound[i][j]


@pytest.mark.parametrize("n", SIZES)
def test_lu_reconstructs_the_permuted_matrix(driver, n):
    rng = random.Random(n)
    a = random_matrix(rng, n, n)
    status, sign, piv, f = lu(driver, a)
    assert status == 0
    L = [[f[i][j] if j < i else (1.0 if i == j else 0.0) for j in range(n)]
         for i in range(n)]
    U = [[f[i][j] if j >= i else 0.0 for j in range(n)] for i in range(n)]
    assert all(abs(x) <= 1.0 for row in L for x in row)   # partial pivoting
    pa = [row[:] for row in a]
    swaps = 0
    for j, p in enumerate(piv):
        assert j <= p < n
        if p != j:
            pa[j], pa[p] = pa[p], pa[j]
            swaps += 1
    assert sign == (-1) ** swaps
    err = max_abs(sub(pa, py_matmul(L, U)))
    assert err <= 10 * n * EPS * max_abs(a) * max(1.0, max_abs(U) / max_abs(a))


def test_lu_pivot_choice_matches_lapack(driver):
    # the first of equal |pivots| is kept; a larger one below is swapped up
    assert lu(driver, [[1.0, 2.0], [-1.0, 3.0]])[2] == [0, 1]
    status, sign, piv, _ = lu(driver, [[1.0, 2.0, 0.0], [-3.0, 1.0, 1.0],
                                       [3.0, 0.0, 2.0]])
    assert (status, sign, piv[0]) == (0, -1, 1)
    # a NaN never wins the pivot search (LAPACK's idamax compares with >)
    assert lu(driver, [[1.0, 0.0], [float("nan"), 1.0]])[2] == [0, 1]


@pytest.mark.parametrize("n", SIZES)
def test_solve_random(driver, np, n):
    rng = random.Random(100 + n)
    a = random_matrix(rng, n, n)
    for nrhs in (1, 3):
        b = random_matrix(rng, n, nrhs)
        x = solve(driver, a, b)
        assert x is not None
        assert_residual_small(a, x, b)
        if np is not None:
            ref = np.linalg.solve(np.array(a), np.array(b))
            tol = 100 * n * EPS * np.linalg.cond(np.array(a), np.inf) * np.abs(ref).max()
            assert_close_to(x, ref.tolist(), tol)


@pytest.mark.parametrize("n", SIZES)
def test_det_random(driver, np, n):
    rng = random.Random(200 + n)
    a = random_matrix(rng, n, n)
    d = det(driver, a)
    if np is None:
        # |det| <= product of the row norms (Hadamard)
        assert abs(d) <= math.prod(math.sqrt(sum(x * x for x in r)) for r in a) * 1.0001
        return
    ref = float(np.linalg.det(np.array(a)))
    cond = float(np.linalg.cond(np.array(a), np.inf))
    assert math.copysign(1.0, d) == math.copysign(1.0, ref)
    assert abs(d - ref) <= 100 * n * EPS * cond * abs(ref)


@pytest.mark.parametrize("n", SIZES)
def test_inverse_random(driver, np, n):
    rng = random.Random(300 + n)
    a = random_matrix(rng, n, n)
    x = inv(driver, a)
    assert x is not None
    # a @ inv(a) = I up to rounding, relative to ||a|| ||inv(a)||
    err = max_abs(sub(py_matmul(a, x), identity(n)))
    assert err <= 10 * n * EPS * norm_inf(a) * norm_inf(x)
    if np is not None:
        ref = np.linalg.inv(np.array(a))
        tol = 100 * n * EPS * np.linalg.cond(np.array(a), np.inf) * np.abs(ref).max()
        assert_close_to(x, ref.tolist(), tol)


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8, 12])
def test_permutation_matrices_are_exact(driver, n):
    rng = random.Random(400 + n)
    for _ in range(5):
        perm = list(range(n))
        rng.shuffle(perm)
        P = [[1.0 if j == perm[i] else 0.0 for j in range(n)] for i in range(n)]
        assert det(driver, P) == permutation_parity(perm)
        PT = [list(col) for col in zip(*P)]
        assert inv(driver, P) == PT
        b = [[float(i + 1), -2.0 * i] for i in range(n)]
        assert solve(driver, P, b) == py_matmul(PT, b)


def test_pivoting_is_needed_and_done(driver):
    # zeros on the diagonal: nonsingular, only solvable with row swaps
    a = [[0.0, 2.0, 1.0], [1.0, 0.0, 0.0], [0.0, 0.0, 3.0]]
    assert solve(driver, a, [[3.0], [1.0], [3.0]]) == [[1.0], [1.0], [1.0]]
    assert det(driver, a) == -6.0
    # a tiny leading entry: without pivoting x[0] would come out as 0
    x = solve(driver, [[1e-20, 1.0], [1.0, 1.0]], [[1.0], [2.0]])
    assert x == [[1.0], [1.0]]


def test_hilbert_6(driver, np):
    n = 6
    H = hilbert(n)
    exact_inv = hilbert_inverse(n)
    cond = norm_inf(H) * norm_inf(exact_inv)              # ~2.9e7
    ones = [[1.0] for _ in range(n)]
    b = py_matmul(H, ones)
    x = solve(driver, H, b)
    assert_residual_small(H, x, b)                        # backward stable ...
    assert_close_to(x, ones, 10 * n * EPS * cond)         # ... forward error ~ cond eps
    X = inv(driver, H)
    assert_close_to(X, exact_inv, 10 * n * EPS * cond * max_abs(exact_inv))
    err = max_abs(sub(py_matmul(H, X), identity(n)))
    assert err <= 10 * n * EPS * norm_inf(H) * norm_inf(X)
    d = det(driver, H)
    exact_det = 1.0 / 186313420339200000                  # 1 / det(H6^-1)
    assert abs(d - exact_det) <= 10 * n * EPS * cond * exact_det
    if np is not None:
        assert_close_to(X, np.linalg.inv(np.array(H)).tolist(),
                        10 * n * EPS * cond * max_abs(exact_inv))


SINGULAR = [
    [[0.0]],
    [[0.0, 0.0], [0.0, 0.0]],
    [[1.0, 2.0], [2.0, 4.0]],
    [[1.0, 2.0], [0.0, 0.0]],                             # zero row
    [[0.0, 1.0], [0.0, 5.0]],                             # zero column
    [[1.0, 2.0, 3.0], [2.0, 4.0, 7.0], [4.0, 8.0, 1.0]],  # zero pivot at step 2
    [[3.0, 1.0, 4.0], [1.0, 5.0, 9.0], [3.0, 1.0, 4.0]],  # equal rows
    [[2.0, 0.0, 0.0, 1.0], [0.0, 1.0, 1.0, 0.0], [0.0, 2.0, 2.0, 0.0],
     [1.0, 0.0, 0.0, 5.0]],
]


@pytest.mark.parametrize("a", SINGULAR, ids=range(len(SINGULAR)))
def test_singular_is_flagged(driver, np, a):
    n = len(a)
    assert lu(driver, a)[0] == 1
    assert solve(driver, a, [[1.0] for _ in range(n)]) is None
    assert inv(driver, a) is None
    d = det(driver, a)
    assert d == 0.0 and math.copysign(1.0, d) == 1.0
    if np is not None:
        # numpy/LAPACK see the same exact zero pivot
        with pytest.raises(np.linalg.LinAlgError):
            np.linalg.solve(np.array(a), np.ones(n))
        assert np.linalg.det(np.array(a)) == 0.0


def test_tiny_pivot_is_not_singular(driver, np):
    a = [[1.0, 1.0], [1.0, 1.0 + EPS]]
    x = solve(driver, a, [[1.0], [1.0 + EPS]])     # U[1][1] == EPS
    assert x == [[0.0], [1.0]]
    assert det(driver, a) == EPS
    if np is not None:
        assert np.linalg.det(np.array(a)) != 0.0


def test_one_by_one_and_empty(driver, np):
    assert det(driver, [[-2.5]]) == -2.5
    assert inv(driver, [[4.0]]) == [[0.25]]
    assert solve(driver, [[3.0]], [[1.0, 6.0]]) == [[1.0 / 3.0, 2.0]]
    # 0 x 0: det 1 (empty product), as numpy
    out = run(driver, [("det 0", []), ("inv 0", []), ("solve 0 2", []), ("lu 0", [])])
    assert out == [["0", "1"], ["0"], ["0"], ["0", "1"]]
    if np is not None:
        assert np.linalg.det(np.zeros((0, 0))) == 1.0


def test_det_sign(driver):
    assert det(driver, [[0.0, 1.0], [1.0, 0.0]]) == -1.0
    assert det(driver, [[-1.0, 0.0], [0.0, 1.0]]) == -1.0
    assert det(driver, [[-1.0, 0.0], [0.0, -1.0]]) == 1.0
    assert det(driver, [[2.0, 1.0], [4.0, 1.0]]) == -2.0    # swap and a sign
    d = det(driver, [[1.0, 2.0, 3.0], [0.0, 1.0, 4.0], [5.0, 6.0, 0.0]])
    assert abs(d - 1.0) <= 1e-14                            # det 1, one swap


def test_det_range(driver, np):
    # the product of the pivots is rescaled: no spurious overflow/underflow
    diag = [1e200, 1e200, 1e-300]
    a = [[diag[i] if i == j else 0.0 for j in range(3)] for i in range(3)]
    d = det(driver, a)
    assert abs(d - 1e100) <= 4 * EPS * 1e100
    assert det(driver, [[1e300, 0.0], [0.0, 1e300]]) == float("inf")
    assert det(driver, [[1e-300, 0.0], [0.0, -1e-300]]) == -0.0
    if np is not None:
        assert abs(np.linalg.det(np.array(a)) - 1e100) <= 1e-12 * 1e100
