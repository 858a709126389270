"""Fused evaluation (piconumpy/fused.h): binary operators on big operands of
equal shape return *pending* values, computed in one pass into the target
of an assignment or on first use.  What must hold: results bit-identical to
eager evaluation (numpy), whatever is written, exported or read in between.

The arrays here are 64 x 64 = 4096 elements, the default threshold
(PICONUMPY_FUSE_MIN); `_fused_info()` reports (threshold, pending values,
fused assignments, forced values).
"""
import os
import random
import sys

import pytest

import piconumpy

N = 64
_C_BACKENDS = [b for b in piconumpy.backends() if b != "purepy"]


@pytest.fixture
def grid(nd, np):
    """(piconumpy array, numpy array) pairs with the same values."""
    def make(seed):
        rng = np.random.default_rng(seed)
        x = rng.standard_normal((N, N))
        return nd.array(x.tolist()), x
    return make


SNAPSHOT_MODES = {"compute": 0, "snapshot": 1}   # fused.h's PN_SNAP_NEVER/ALWAYS


@pytest.fixture(autouse=True, params=sorted(SNAPSHOT_MODES))
def snapshots(request):
    """Every test of this module twice: pending values that read memory
    about to be written are computed first, or move to a copy of it (what
    PyPy does when that is cheaper: fused.h, pn_snapshot_readers)."""
    mode = SNAPSHOT_MODES[request.param]
    if "nd" not in request.fixturenames:
        yield request.param
        return
    nd = request.getfixturevalue("nd")
    before = nd._fuse_snapshots(mode)
    try:
        yield request.param
    finally:
        nd._fuse_snapshots(before)


def fusing(nd):
    threshold = nd._fused_info()[0]
    return threshold != 0 and threshold <= N * N


def same(a, ref, np):
    got = np.array(a.tolist())
    assert got.shape == ref.shape
    assert np.array_equal(got, ref, equal_nan=True), (got, ref)


def test_laplace_step_is_fused_and_bit_identical(nd, np):
    M = N + 2    # the interior is N x N
    S = np.random.default_rng(1).standard_normal((M, M))
    src = nd.array(S.tolist())
    u = nd.zeros((M, M))
    U = np.zeros((M, M))
    before = nd._fused_info()
    u[1:-1, 1:-1] = ((src[0:-2, 1:-1] + src[2:, 1:-1]) * 0.01
                     + (src[1:-1, 0:-2] + src[1:-1, 2:]) * 0.02) * 25.0
    U[1:-1, 1:-1] = ((S[0:-2, 1:-1] + S[2:, 1:-1]) * 0.01
                     + (S[1:-1, 0:-2] + S[1:-1, 2:]) * 0.02) * 25.0
    after = nd._fused_info()
    same(u, U, np)
    if fusing(nd):
        assert after[2] == before[2] + 1      # computed straight into u


def test_pending_value_reads_like_an_array(nd, np, grid):
    a, A = grid(2)
    b, B = grid(3)
    ref = (A + B) * 2.0 - A / 3.0
    expressions = [lambda: (a + b) * 2.0 - a / 3.0 for _ in range(13)]
    e = iter(expressions)
    assert next(e)().shape == (N, N)
    same(next(e)(), ref, np)
    assert next(e)().sum() == pytest.approx(ref.sum())
    assert next(e)()[3, 5] == ref[3, 5]
    same(next(e)()[::2, 1:], ref[::2, 1:], np)
    same(next(e)().T, ref.T, np)
    same(next(e)().reshape((N * N,)), ref.reshape(N * N), np)
    same(nd.sin(next(e)()), np.array(nd.sin(nd.array(ref.tolist())).tolist()),
         np)
    assert np.array_equal(np.asarray(next(e)()), ref)
    same(next(e)().copy(), ref, np)
    assert repr(next(e)()) == repr(nd.array(ref.tolist()))
    same(nd.array(next(e)()), ref, np)


def test_writes_to_an_operand_come_after_the_pending_value(nd, np, grid):
    a, A = grid(4)
    b, B = grid(5)
    writes = [
        lambda x: x.__setitem__((0, 0), 99.0),
        lambda x: x.__setitem__(slice(None), 1.5),
        lambda x: x.__setitem__((slice(1, 3),), x[4:6] * 1.0),
        lambda x: x.__iadd__(1.0),
        lambda x: x[::2].__imul__(-1.0),
        lambda x: nd.add(x, 1.0, out=x),
        lambda x: nd.sin(x, out=x),
        lambda x: x.T.__setitem__((slice(None), 0), 7.0),
    ]
    for write in writes:
        a, A = grid(4)
        t = (a + b) * 0.5          # pending, reads a and b
        v = t[1:, :] - 0.0         # eager view of... a view (forces t)
        w = (a - b) * 2.0          # pending, never read before the write
        write(a)
        same(t, (A + B) * 0.5, np)
        same(w, (A - B) * 2.0, np)
        same(v, ((A + B) * 0.5)[1:, :], np)


def test_writing_into_a_pending_value_forces_its_readers(nd, np, grid):
    a, A = grid(6)
    t = a + 1.0
    u = t * 2.0          # reads t, which is pending itself
    t[0, :] = -1.0
    same(u, (A + 1.0) * 2.0, np)
    T = A + 1.0
    T[0, :] = -1.0
    same(t, T, np)


def test_assignment_overlapping_its_own_operands(nd, np, grid):
    a, A = grid(7)
    a[1:, :] = a[:-1, :] + 1.0
    A[1:, :] = A[:-1, :] + 1.0
    same(a, A, np)
    a[:, :] = a.T * 2.0 + a
    A[:, :] = A.T * 2.0 + A
    same(a, A, np)
    a[...] = a[::-1, ::-1] - a
    A[...] = A[::-1, ::-1] - A
    same(a, A, np)


def test_assignment_of_other_shapes_still_broadcasts(nd, np, grid):
    a, A = grid(8)
    big = nd.zeros((3, N, N))
    Big = np.zeros((3, N, N))
    big[1] = a * 3.0 + a
    Big[1] = A * 3.0 + A
    big[...] = a * 2.0 - 1.0       # (N, N) pending into (3, N, N)
    Big[...] = A * 2.0 - 1.0
    same(big, Big, np)
    row = nd.zeros((N,))
    with pytest.raises(ValueError):
        row[...] = a + a


def test_exported_memory_is_never_read_late(nd, np, grid):
    a, A = grid(9)
    t = a * 3.0                        # pending
    shared = np.asarray(a)             # export: t is computed now
    shared[0, 0] = 123.0
    same(t, A * 3.0, np)
    A[0, 0] = 123.0
    u = a * 3.0                        # on exported memory: not deferred
    shared[1, 1] = -5.0
    same(u, A * 3.0, np)


def test_memoryview_export_forces_readers(nd, np, grid):
    a, A = grid(10)
    t = a - 2.0
    m = memoryview(a).cast("B").cast("d")
    m[5] = 42.0
    same(t, A - 2.0, np)


def test_long_chains_stay_bounded_and_exact(nd, np, grid):
    a, A = grid(11)
    x, X = a, A
    for i in range(300):
        x = x * 0.5 + a
        X = X * 0.5 + A
        if i % 97 == 0:
            a[i % N, 0] = float(i)
            A[i % N, 0] = float(i)
    assert nd._fused_info()[1] <= 4096    # PN_FUSE_MAX_PENDING
    same(x, X, np)


def test_deep_and_shared_trees(nd, np, grid):
    a, A = grid(12)
    x, X = a + 0.0, A + 0.0
    for _ in range(40):             # more operators than one tree holds
        x = (x + a) * 0.25
        X = (X + A) * 0.25
    y = x * x + x                   # the same subtree used three times
    Y = X * X + X
    same(y, Y, np)
    p = a ** 2.0 + a ** 0.5 - (2.0 ** a) / (a - a + 3.0)
    # 2.0 ** A as piconumpy computes it on its own (one operator): numpy's
    # pow and libmvec's can differ in the last bit; the fused tree must not
    pow2 = np.array((2.0 ** a).tolist())
    with np.errstate(invalid="ignore"):
        P = A ** 2.0 + A ** 0.5 - pow2 / (A - A + 3.0)
    same(p, P, np)


def test_broadcast_operands_are_not_deferred_but_right(nd, np, grid):
    a, A = grid(13)
    row = nd.array(A[0].tolist())
    same((a + row) * 2.0, (A + A[0]) * 2.0, np)
    same((a[:1] + a) - a, (A[:1] + A) - A, np)


@pytest.mark.parametrize("seed", range(6))
def test_random_programs_match_numpy(nd, np, seed):
    """Random interleavings of deferred expressions, views, writes and
    reads, against numpy (which evaluates everything eagerly)."""
    rng = random.Random(seed)
    shapes = (N, N)
    base = [np.random.default_rng(seed + k).standard_normal(shapes)
            for k in range(3)]
    pn_vals = [nd.array(x.tolist()) for x in base]
    np_vals = [x.copy() for x in base]
    views = [lambda x: x, lambda x: x[::-1], lambda x: x.T,
             lambda x: x[:, ::-1]]
    ops = ["+", "-", "*", "/"]
    for _ in range(60):
        kind = rng.random()
        i, j = rng.randrange(len(pn_vals)), rng.randrange(len(pn_vals))
        vi, vj = rng.choice(views), rng.choice(views)
        op = rng.choice(ops)
        if kind < 0.5:        # a new (possibly pending) value
            s = rng.choice([0.5, 2.0, -1.25])
            expr = "(x %s y) %s s" % (op, rng.choice(ops))
            env_pn = {"x": vi(pn_vals[i]), "y": vj(pn_vals[j]), "s": s}
            env_np = {"x": vi(np_vals[i]), "y": vj(np_vals[j]), "s": s}
            pn_vals.append(eval(expr, env_pn))
            with np.errstate(all="ignore"):
                np_vals.append(eval(expr, env_np))
        elif kind < 0.8:      # a write into some array, through a view
            src_pn = eval("x %s y" % op, {"x": vj(pn_vals[j]), "y": 1.5})
            with np.errstate(all="ignore"):
                src_np = eval("x %s y" % op, {"x": vj(np_vals[j]), "y": 1.5})
            vi(pn_vals[i])[...] = src_pn
            vi(np_vals[i])[...] = src_np
        elif kind < 0.9:      # in place
            target_pn, target_np = vi(pn_vals[i]), vi(np_vals[i])
            target_pn += pn_vals[j]
            with np.errstate(all="ignore"):
                target_np += np_vals[j]
        else:                 # a read
            same(pn_vals[i], np_vals[i], np)
        if len(pn_vals) > 12:
            del pn_vals[3], np_vals[3]
    for x, X in zip(pn_vals, np_vals):
        same(x, X, np)


def test_threshold_setting(run_python):
    script = ("import piconumpy; pn = piconumpy.get_backend(%r); "
              "a = pn.zeros((40,)); t = a + 1.0; "
              "print(pn._fused_info()[:2])")
    for backend in ("cpython", "hpy_universal"):
        for value, expected in (("off", "(0, 0)"), ("20", "(20, 1)"),
                                ("3", "(9, 1)")):
            env = dict(os.environ, PICONUMPY_FUSE_MIN=value)
            out = run_python(["-c", script % backend], env=env).stdout
            assert out.strip() == expected, (backend, value, out)
    env = dict(os.environ, PICONUMPY_FUSE_MIN="lots")
    proc = run_python(["-c", "import piconumpy"], env=env, check=False)
    assert proc.returncode != 0
    assert "PICONUMPY_FUSE_MIN must be a number of elements or 'off'" in proc.stderr


def test_export_of_a_part_then_the_whole(nd, np):
    u = nd.zeros((2 * N * N,))
    w = nd.ones((N * N,))
    np.asarray(u[:10])                  # a small span first...
    whole = np.asarray(u)               # ...then all of u, writable
    p = u[100:100 + N * N] + w          # must not be deferred
    whole[200] = 5.0
    assert p[100] == 1.0


def test_values_forced_by_writes_do_not_chain(nd, np, grid):
    import sys
    a, A = grid(14)
    y = nd.array(A.tolist())
    x = a + y
    first = x
    X = A + A
    for _ in range(50):
        x = x + y          # pending, reads the previous x and y
        y[0, 0] = 1.0      # forces x through the write to y
        y[0, 0] = A[0, 0]
        X = X + A
    same(x, X, np)
    if sys.implementation.name == "cpython":   # refcounts: CPython only
        assert sys.getrefcount(first) == 2     # `first` and the argument


def test_small_and_read_only_exports_leave_fusion_on(nd, np, grid):
    tiny = [nd.zeros((3,)) for _ in range(100)]
    for t in tiny:
        np.asarray(t)[0] = 1.0          # writable exports of inline arrays
    bytes(memoryview(nd.zeros((N, N))))  # read-only export
    a, A = grid(15)
    u = nd.zeros((N, N))
    before = nd._fused_info()[2]
    u[...] = (a + 1.0) * 2.0
    same(u, (A + 1.0) * 2.0, np)
    if fusing(nd):
        assert nd._fused_info()[2] == before + 1


def test_len_does_not_compute(nd, grid):
    a, _ = grid(16)
    t = a * 2.0
    forced = nd._fused_info()[3]
    assert len(t) == N and t.shape == (N, N) and t.size == N * N
    assert nd._fused_info()[3] == forced


def test_write_into_a_computed_child_keeps_the_parent_exact(nd, np, grid):
    a, A = grid(21)
    t = a + 1.0              # pending
    p = t * 2.0              # pending, reads t
    float(t[0, 0])           # t is computed into its own buffer
    t[0, 0] = 100.0          # p reads that buffer: computed first
    T = A + 1.0
    same(p, T * 2.0, np)
    T[0, 0] = 100.0
    same(t, T, np)


def test_write_into_a_computed_child_keeps_every_ancestor_exact(nd, np, grid):
    # the child gets its buffer only when computed, after its readers were
    # made: every pending ancestor must then see writes into that buffer
    a, A = grid(24)
    t = a + 1.0              # pending
    p = t * 2.0              # reads t
    g = p - a                # reads p, which reads t
    h = (g + 0.5) * p        # reads g and p
    float(t[5, 5])           # t computed into its new buffer
    t[:, 3] = 5.0            # a strided write into it
    T = A + 1.0
    P = T * 2.0
    G = P - A
    same(h, (G + 0.5) * P, np)
    same(g, G, np)
    same(p, P, np)
    T[:, 3] = 5.0
    same(t, T, np)


def test_child_computed_by_a_write_into_its_operand(nd, np, grid):
    a, A = grid(25)
    t = a + 1.0
    p = t * 2.0
    g = p - 1.0
    a[0, 0] = 9.0            # t reads a: computed (p and g do not read a now)
    t[1, :] = -3.0           # p reads t's new buffer: computed first
    T = A + 1.0
    same(p, T * 2.0, np)
    same(g, T * 2.0 - 1.0, np)
    T[1, :] = -3.0
    same(t, T, np)


NO_MEMORY_SCRIPT = r"""
import resource, sys
from piconumpy import _loader
name = sys.argv[1]
pn = _loader.load("hpy_universal", debug=True) if name == "debug" else _loader.load(name)
pn._fuse_snapshots(int(sys.argv[2]))   # 1: writes try a copy first
n = 4 * 1024 * 1024          # 32 MB per array
a = pn.linspace(0.0, 1.0, n)
b = pn.linspace(1.0, 2.0, n)
out = pn.linspace(1.0, 3.0, n)
out0 = out[n - 1]
a0, b0 = a[7], b[7]
pending = pn._fused_info()[1]
p = (a + b) * 2.0            # pending: no buffer yet
q = p + 1.0
r = out * 2.0                # reads out
assert pn._fused_info()[1] == pending + 4, pn._fused_info()

def vm_bytes():
    for line in open("/proc/self/status"):
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024

open_handles = None
if name == "debug":          # error paths must not leak HPy handles
    import hpy.universal
    generation = hpy.universal._debug.new_generation()
    open_handles = lambda: hpy.universal._debug.get_open_handles(generation)

soft, hard = resource.getrlimit(resource.RLIMIT_AS)
resource.setrlimit(resource.RLIMIT_AS, (vm_bytes() + 20 * 2**20, hard))
failures = []
def expect_no_memory(what, f):
    try:
        f()
    except MemoryError:
        failures.append(what)
    else:
        raise AssertionError(what + ": no MemoryError")

def write_operand():
    a[7] = -1.0              # p reads a: computed first, which needs memory

def assign_overlapping():
    a[:] = p                 # p reads a: computed first

def inplace():
    global p
    p *= 3.0

def assign_pending():
    out[:] = q               # straight into out, but r reads out: computed first

def unary_out():
    pn.sqrt(a, out=a)        # writes a, which p reads

expect_no_memory("read", lambda: p[7])
expect_no_memory("broadcast", lambda: p + pn.linspace(1.0, 1.0, 1))
expect_no_memory("sum", lambda: p.sum())
expect_no_memory("function", lambda: pn.sqrt(q))
expect_no_memory("write", write_operand)
expect_no_memory("assign", assign_overlapping)
expect_no_memory("inplace", inplace)
expect_no_memory("unary out", unary_out)
expect_no_memory("binary out", lambda: pn.add(a, 1.0, out=a))
expect_no_memory("buffer", lambda: memoryview(a))
expect_no_memory("interface", lambda: a.__array_interface__)
expect_no_memory("assign pending", assign_pending)
assert out[n - 1] == out0, "a failed assignment changed out"
resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
out[:] = q
assert a[7] == a0, "a failed write changed a"
assert p[7] == (a0 + b0) * 2.0 and q[7] == (a0 + b0) * 2.0 + 1.0
assert out[7] == q[7] and out[n - 1] == q[n - 1]
assert r[n - 1] == out0 * 2.0, "r saw the later write into out"
a[7] = -1.0
assert p[7] == (a0 + b0) * 2.0
if open_handles is not None:
    leaks = open_handles()
    assert not leaks, "leaked HPy handles: %r" % (leaks,)
print(",".join(failures))
"""


@pytest.mark.skipif(not os.path.exists("/proc/self/status"),
                    reason="needs Linux /proc to set an address-space limit")
@pytest.mark.parametrize("name", [b for b in _C_BACKENDS] + (
    ["debug"] if "hpy_universal" in _C_BACKENDS else []))
def test_computing_a_pending_value_without_memory_raises(run_python, name,
                                                        snapshots):
    # a pending value's buffer is allocated when it is computed: every path
    # that computes one (reads, writes into its operands, exports, in-place
    # operators) raises MemoryError and leaves everything as it was; with
    # copies for the readers of written memory, the copy fails first
    proc = run_python(["-c", NO_MEMORY_SCRIPT, name,
                       str(SNAPSHOT_MODES[snapshots])], check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().split(",") == [
        "read", "broadcast", "sum", "function", "write", "assign", "inplace",
        "unary out", "binary out", "buffer", "interface", "assign pending"]


def test_many_pending_values_unrelated_writes_force_nothing(nd, np, grid):
    a, A = grid(22)
    b, B = grid(23)
    values = [a * float(k) for k in range(300)]   # more than one GC's worth
    forced = nd._fused_info()[3]
    b[1, 1] = 5.0            # memory none of them reads
    b += 1.0
    if fusing(nd):
        assert nd._fused_info()[3] == forced
    a[2, 2] = -7.0           # all of them read a: each computed before
    for k in (0, 1, 150, 299):
        same(values[k], A * float(k), np)


def _collect():
    """PyPy frees arrays only in a major collection; CPython at once."""
    import gc
    gc.collect()


def test_pending_arrays_do_not_keep_each_other_alive(nd):
    # a pending value keeps its leaf arrays alive, never the pending arrays
    # it reads: on PyPy, objects that refer to each other die one major
    # collection apart, so a chain of k pending values took k collections
    a = nd.ones((N, N))
    _collect()
    base = nd._fused_info()[1]
    p = a + 1.0
    for _ in range(6):
        p = p * 2.0
    if fusing(nd):
        assert nd._fused_info()[1] == base + 7
    del p
    _collect()
    assert nd._fused_info()[1] == base


def test_dead_operand_computed_for_its_reader(nd, np, grid):
    # t dies pending; p still reads it; a write into t's operand then
    # computes t's value for p alone
    a, A = grid(31)
    b, B = grid(32)
    t = a + b
    p = t * 2.0
    q = (t - 1.0) + p
    del t
    _collect()
    a[...] = 7.0                 # t's operand
    same(p, (A + B) * 2.0, np)
    same(q, ((A + B) - 1.0) + (A + B) * 2.0, np)
    A[...] = 7.0
    same(a, A, np)


def test_value_computed_for_readers_outlives_its_array(nd, np, grid):
    # t is computed by a write into its operand while p reads it: t's value
    # then lives in a buffer its node keeps for p, which outlives t
    a, A = grid(33)
    t = a * 3.0
    p = t + 1.0
    a[0, 0] = -1.0
    T = A * 3.0
    same(t, T, np)
    del t
    _collect()
    same(p, T + 1.0, np)


@pytest.mark.parametrize("how", ["item", "slice", "memoryview"])
def test_write_into_a_value_kept_for_readers(nd, np, grid, how):
    a, A = grid(34)
    t = a * 3.0
    p = t + 1.0
    g = p * t
    a[0, 0] = -1.0               # t computed, read by p and g
    T = A * 3.0
    if how == "item":
        t[1, 1] = 5.0
    elif how == "slice":
        t[:, 2] = 5.0
    else:
        np.asarray(memoryview(t))[3, 3] = 5.0
    same(p, T + 1.0, np)
    same(g, (T + 1.0) * T, np)
    del p, g
    _collect()
    if how == "item":
        T[1, 1] = 5.0
    elif how == "slice":
        T[:, 2] = 5.0
    else:
        T[3, 3] = 5.0
    same(t, T, np)


# ---- snapshots: pending readers moved to a copy of overwritten memory ------

def test_one_copy_serves_every_reader(nd, np, snapshots):
    # the Laplace hazard: the previous step's values read shifted views of
    # the grid about to be written; one of them through a pending child,
    # one through a reversed, strided view, one through a child computed
    # earlier (that one is computed, not moved: it reads a buffer, not a)
    M = N + 2    # the interiors are N x N, big enough to defer
    A = np.random.default_rng(41).standard_normal((M, M))
    B = np.random.default_rng(42).standard_normal((M, M))
    a, b = nd.array(A.tolist()), nd.array(B.tolist())
    s = (a[:-2, 1:-1] + a[2:, 1:-1]) * 0.25
    t = (a[1:-1, :-2] + a[1:-1, 2:]) * 0.25
    r = a[::-1, ::-1][1:-1, 1:-1] - b[1:-1, 1:-1]
    k = a.T + 1.0
    float(k[0, 0])                         # computed into its own buffer
    kk = (k * 2.0)[1:-1, 1:-1] + s
    info = nd._fused_info()
    a[1:-1, 1:-1] = (b[:-2, 1:-1] + b[2:, 1:-1]) * 0.5   # straight into a
    a[0] = -1.0
    after = nd._fused_info()
    S = (A[:-2, 1:-1] + A[2:, 1:-1]) * 0.25
    T = (A[1:-1, :-2] + A[1:-1, 2:]) * 0.25
    R = A[::-1, ::-1][1:-1, 1:-1] - B[1:-1, 1:-1]
    K = A.T + 1.0
    KK = (K * 2.0)[1:-1, 1:-1] + S
    if fusing(nd):
        if snapshots == "snapshot":
            assert after[4] == info[4] + 1       # one copy of a
            assert after[3] == info[3]           # nothing computed
        else:
            assert after[4] == info[4]
            assert after[3] > info[3]
    A[1:-1, 1:-1] = (B[:-2, 1:-1] + B[2:, 1:-1]) * 0.5
    A[0] = -1.0
    for x, X in [(a, A), (s, S), (t, T), (r, R), (kk, KK), (k, K)]:
        same(x, X, np)


def test_values_read_from_a_copy_stay_exact_through_more_writes(nd, np, grid):
    a, A = grid(43)
    t = a * 2.0 + 1.0
    p = t - a[::-1]
    a[...] = 3.0                  # t and p move to a copy of a (or compute)
    q = a + t                     # a new reader: of a, and of t
    a[:, 0] = -2.0                # the copy is not a: q alone is affected
    np.asarray(memoryview(a))[1, 1] = 8.0
    T = A * 2.0 + 1.0
    P = T - A[::-1]
    A[...] = 3.0
    Q = A + T
    A[:, 0] = -2.0
    A[1, 1] = 8.0
    same(q, Q, np)
    same(p, P, np)
    same(t, T, np)
    same(a, A, np)


def test_a_copy_is_freed_with_its_last_reader(nd, np, snapshots):
    # 512 x 512: buffers big enough for the buffer accounting (live bytes)
    _collect()
    a = nd.ones((512, 512))
    b = nd.ones((512, 512))
    live = nd._recycle_info()[3]
    s = (a[:-2] + a[2:]) * 0.5
    t = a[1:-1] + b[1:-1]
    a[...] = 2.0
    same(s, np.ones((510, 512)), np)   # computed from the copy, if any
    del s
    _collect()
    same(t, np.full((510, 512), 2.0), np)
    del t
    _collect()
    assert nd._recycle_info()[3] == live


def test_snapshot_setting(nd, run_python):
    with pytest.raises(ValueError):
        nd._fuse_snapshots(2)
    with pytest.raises(TypeError):
        nd._fuse_snapshots(1.0)
    # the default: auto (-1), which copies only where dead values linger
    # (PyPy) and a copy costs half of computing the readers or less
    out = run_python(["-c", """if 1:
        import piconumpy as pn
        m = pn._loader.load(pn.backend)
        a = pn.ones((128, 128))
        one = a * 2.0               # 3 passes to compute, 2 to copy: computed
        a[0, 0] = 5.0
        two = [(a[:-2] + a[2:]) * 0.5, (a[1:-1, :-2] + a[1:-1, 2:]) * 0.5]
        info = m._fused_info()
        a[5, 5] = 6.0               # 6 passes to compute, 2 to copy: copied
        print(m._fuse_snapshots(-1), m._recycle_info()[0] > 0,
              m._fused_info()[4] - info[4], m._fused_info()[3] - info[3])
        """]).stdout.split()
    mode, pypy, snapped, forced = int(out[0]), out[1] == "True", int(out[2]), int(out[3])
    assert mode == -1
    assert pypy == (sys.implementation.name == "pypy")
    assert (snapped, forced) == ((1, 0) if pypy else (0, 2))


def test_an_empty_write_computes_and_copies_nothing(nd, np, grid):
    a, A = grid(44)
    t = (a + 1.0) * 2.0
    info = nd._fused_info()
    a[3:3, :] = 5.0
    a[:, 7:7] = 5.0
    assert nd._fused_info()[3:] == info[3:]
    same(t, (A + 1.0) * 2.0, np)
