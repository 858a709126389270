"""Large element-wise loops split across threads (piconumpy/threads.h).

The results must not depend on the thread count: every element is computed
by the same code whichever thread runs it, so 1 thread and k threads give the
same bytes; long sums keep the one-thread association.  Also: the API and
its bad input, PICONUMPY_NUM_THREADS, fork() with running workers,
concurrent Python threads."""
import os

import pytest

import piconumpy

C_BACKENDS = [name for name in piconumpy.backends() if name != "purepy"]
N = 70001          # > 2 * the grain of every op, odd: uneven chunks
# + - * / take streaming stores from 2M elements, in parts of >= 2M
N_STREAM = 4 * 1024 * 1024 + 1001


def bits(arr):
    """The result's bytes (the buffer protocol: tolist() of millions of
    elements takes minutes in HPy debug mode)."""
    return bytes(memoryview(arr))


def operands(pn, n):
    a = pn.linspace(-40.0, 37.0, n)
    b = pn.linspace(0.5, 3.0, n) + a * 1e-3
    return a, b


# each: (name, f(pn, a, b) -> array); the result is computed, not pending
OPS = [
    ("a+b", lambda pn, a, b: a + b),
    ("a-b", lambda pn, a, b: a - b),
    ("a*b", lambda pn, a, b: a * b),
    ("a/b", lambda pn, a, b: a / b),
    ("a+s", lambda pn, a, b: a + 2.5),
    ("s-a", lambda pn, a, b: 2.5 - a),
    ("a*s", lambda pn, a, b: a * 2.5),
    ("s/a", lambda pn, a, b: 2.5 / a),
    ("neg", lambda pn, a, b: -a),
    ("abs", lambda pn, a, b: abs(a)),
    ("sqrt", lambda pn, a, b: pn.sqrt(abs(a))),
    ("sin", lambda pn, a, b: pn.sin(a)),
    ("cos", lambda pn, a, b: pn.cos(a)),
    ("tan", lambda pn, a, b: pn.tan(a)),
    ("exp", lambda pn, a, b: pn.exp(a)),
    ("log", lambda pn, a, b: pn.log(abs(a))),
    ("a**2", lambda pn, a, b: a ** 2),
    ("a**-1", lambda pn, a, b: a ** -1),
    ("a**1.7", lambda pn, a, b: abs(a) ** 1.7),
    ("1.7**b", lambda pn, a, b: 1.7 ** b),
    ("a**b", lambda pn, a, b: abs(a) ** b),
    ("copy", lambda pn, a, b: a.copy()),
    ("copyto", lambda pn, a, b: _copyto(pn, a)),
    ("full", lambda pn, a, b: pn.full(a.shape, -0.0)),
    ("out=", lambda pn, a, b: pn.multiply(a, b, out=pn.empty(a.shape))),
    ("in-place", lambda pn, a, b: _iadd(a.copy(), b)),
    ("strided", lambda pn, a, b: a[:-1:2] * b[1::2]),
    ("fused", lambda pn, a, b: ((a + b) * 0.25 - b) / (a * a + 1.0)),
]


def _copyto(pn, a):
    out = pn.empty(a.shape)
    pn.copyto(out, a)     # contiguous, one size: the threaded copy
    return out


def _iadd(x, y):
    x += y
    return x


@pytest.fixture
def threads():
    """Restore the thread count after the test."""
    before = piconumpy.get_num_threads()
    yield
    piconumpy.set_num_threads(before)


@pytest.mark.parametrize("name, op", OPS, ids=[name for name, _ in OPS])
def test_same_bits_on_any_thread_count(nd, threads, name, op):
    a, b = operands(nd, N)
    piconumpy.set_num_threads(1)
    expected = bits(op(nd, a, b))
    for k in (2, 3, 7, 2):   # (7 then 2: the extra workers stay idle)
        piconumpy.set_num_threads(k)
        assert bits(op(nd, a, b)) == expected, (name, k)


@pytest.mark.parametrize("name", ["a+b", "a-b", "a*s", "s/a", "copy", "copyto"])
def test_same_bits_with_streaming_stores(nd, threads, name):
    op = dict(OPS)[name]
    a, b = operands(nd, N_STREAM)
    piconumpy.set_num_threads(1)
    expected = bits(op(nd, a, b))
    piconumpy.set_num_threads(2)
    jobs = nd._thread_stats()[1]
    assert bits(op(nd, a, b)) == expected
    assert nd._thread_stats()[1] > jobs   # two parts, each streamed


def test_one_merged_step_is_split(nd, threads):
    """(a + b) * 0.5 is one fused "pair" step over one row: the row is cut
    into one part per thread."""
    a, b = operands(nd, N)
    piconumpy.set_num_threads(1)
    expected = bits((a + b) * 0.5)
    piconumpy.set_num_threads(2)
    jobs = nd._thread_stats()[1]
    assert bits((a + b) * 0.5) == expected
    assert nd._thread_stats()[1] > jobs


def test_small_python_thread_stack(nd, threads):
    """The calling thread's fused evaluation needs no large stack (its
    scratch rows are static; the pool's workers have 2 MB stacks)."""
    import threading
    u = nd.reshape(nd.sin(nd.arange(301 * 299)), (301, 299))
    piconumpy.set_num_threads(1)
    expected = nd.zeros((301, 299))
    stencil(u, expected)
    results = []

    def work():
        for k in (1, 2):
            piconumpy.set_num_threads(k)
            v = nd.zeros((301, 299))
            stencil(u, v)
            results.append(bits(v) == bits(expected))

    before = threading.stack_size(64 * 1024)
    try:
        t = threading.Thread(target=work)
        t.start()
        t.join()
    finally:
        threading.stack_size(before)
    assert results == [True, True]


# 49152 and 196608: an exact number of groups that is not a power of two
@pytest.mark.parametrize("n", [16384, 49152, 70001, 196608, 2 ** 20, 10 ** 6 + 3])
def test_sum_same_bits_on_any_thread_count(nd, threads, n):
    """Long sums are split into groups of a power-of-two number of blocks,
    merged in the one-thread association: the same double for any count."""
    a = nd.sin(nd.linspace(-300.0, 1000.0, n)) * 1e3 + 0.1
    piconumpy.set_num_threads(1)
    expected = (a.sum(), a.mean())
    for k in (2, 3, 7):
        piconumpy.set_num_threads(k)
        jobs = nd._thread_stats()[1]
        got = (a.sum(), a.mean())
        assert [x.hex() for x in got] == [x.hex() for x in expected], k
        assert nd._thread_stats()[1] > jobs


@pytest.mark.parametrize("case", ["plain", "ties", "zeros", "nan", "nan-late"])
def test_argmin_argmax_same_index_on_any_thread_count(nd, np, threads, case):
    # block extrema on several threads, the choice in block order: the
    # one-thread index, which is numpy's (first NaN, else first extremum)
    x = np.sin(np.arange(N) * 0.37) * 3.0
    if case == "ties":
        x[[5000, 20000, 60000]] = 9.0
        x[[7000, 33000, 69000]] = -9.0
    elif case == "zeros":
        x = np.where(np.arange(N) % 3 == 0, -0.0, 0.0)
    elif case == "nan":
        x[[40000, 50000]] = np.nan
    elif case == "nan-late":
        x[N - 2] = np.nan
    a = nd.array(x.tolist())
    expected = (int(np.argmin(x)), int(np.argmax(x)))
    for k in (1, 2, 3, 7):
        piconumpy.set_num_threads(k)
        assert (int(nd.argmin(a)), int(nd.argmax(a))) == expected, k


def test_sum_group_cap_and_axis_sums(nd, threads):
    """64 threads on a short sum (the 64-group cap) and sums / means along
    an axis of long rows: the one-thread bits."""
    a = nd.sin(nd.linspace(-300.0, 1000.0, 16385)) * 1e3 + 0.1
    m = nd.reshape(nd.cos(nd.arange(3 * 40000)), (3, 40000))
    piconumpy.set_num_threads(1)
    expected = [a.sum().hex()] + [bits(m.sum(axis=1)), bits(m.mean(axis=-1))]
    for k in (64, 2):
        piconumpy.set_num_threads(k)
        got = [a.sum().hex()] + [bits(m.sum(axis=1)), bits(m.mean(axis=-1))]
        assert got == expected, k


def stencil(u, v):
    """One Jacobi step of the Laplace benchmark: a fused 2-D expression on
    views, assigned into a view (rows and blocks split across threads)."""
    v[1:-1, 1:-1] = ((u[:-2, 1:-1] + u[2:, 1:-1]) * 0.25
                     + (u[1:-1, :-2] + u[1:-1, 2:]) * 0.5) * 0.75


def test_fused_2d_stencil_same_bits_and_split(nd, threads):
    u = nd.reshape(nd.sin(nd.arange(301 * 299)), (301, 299))
    results = {}
    for k in (1, 2, 5):
        piconumpy.set_num_threads(k)
        v = nd.zeros((301, 299))
        jobs = nd._thread_stats()[1]
        stencil(u, v)
        results[k] = bits(v)
        if k > 1:   # the expression was computed by the pool
            assert nd._thread_stats()[1] > jobs
    assert results[1] == results[2] == results[5]


def test_large_loops_use_the_pool_small_ones_do_not(nd, threads):
    piconumpy.set_num_threads(2)
    a, _ = operands(nd, N)
    jobs = nd._thread_stats()[1]
    nd.exp(a)
    workers, after = nd._thread_stats()
    assert workers >= 1 and after == jobs + 1
    small, _ = operands(nd, 1000)
    nd.exp(small)
    nd.min(a)    # min, max, dot: one thread
    assert nd._thread_stats()[1] == after
    piconumpy.set_num_threads(1)
    nd.exp(a)
    assert nd._thread_stats()[1] == after


def test_num_threads_api(threads):
    n = piconumpy.get_num_threads()
    assert 1 <= n <= 64
    assert piconumpy.set_num_threads(3) == n
    assert piconumpy.get_num_threads() == 3
    for name in piconumpy.backends():
        module = piconumpy.get_backend(name)
        if hasattr(module, "_num_threads"):   # every C backend follows
            assert module._num_threads(0) == 3


@pytest.mark.parametrize("bad, error", [
    (0, ValueError), (-1, ValueError), (65, ValueError), (10**30, ValueError),
    (2.0, TypeError), ("2", TypeError), (None, TypeError),
])
def test_set_num_threads_bad_input(threads, bad, error):
    before = piconumpy.get_num_threads()
    with pytest.raises(error):
        piconumpy.set_num_threads(bad)
    assert piconumpy.get_num_threads() == before


def test_c_level_bad_input(nd):
    with pytest.raises(ValueError):
        nd._num_threads(65)
    with pytest.raises(ValueError):
        nd._num_threads(-2)
    with pytest.raises(TypeError):
        nd._num_threads(1.5)


def test_environment_variable(run_python):
    script = "import piconumpy; print(piconumpy.get_num_threads())"
    env = dict(os.environ, PICONUMPY_NUM_THREADS="3")
    assert run_python(["-c", script], env=env).stdout.strip() == "3"
    env.pop("PICONUMPY_NUM_THREADS")
    default = int(run_python(["-c", script], env=env).stdout)
    affinity = getattr(os, "sched_getaffinity", None)   # (not on PyPy)
    cpus = len(affinity(0)) if affinity else os.cpu_count()
    assert 1 <= default <= min(8, cpus)
    for bad in ("0", "65", "two", "2.5"):
        env["PICONUMPY_NUM_THREADS"] = bad
        proc = run_python(["-c", "import piconumpy"], env=env, check=False)
        assert proc.returncode != 0
        assert "PICONUMPY_NUM_THREADS must be an integer from 1 to 64" in proc.stderr


FORK_SCRIPT = r"""
import os, signal, struct, sys, piconumpy
pn = piconumpy.get_backend(sys.argv[1])
piconumpy.set_num_threads(2)
a = pn.linspace(-5.0, 5.0, 100001)
expected = pn.exp(a).tolist()          # starts the workers
assert pn._thread_stats()[0] >= 1
pid = os.fork()
if pid == 0:
    signal.alarm(60)                   # a hang fails instead of blocking CI
    ok = pn.exp(a).tolist() == expected and pn._thread_stats()[0] >= 1
    os._exit(0 if ok else 1)
_, status = os.waitpid(pid, 0)
assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
assert pn.exp(a).tolist() == expected  # the parent's pool still works
print("ok")
"""


@pytest.mark.parametrize("backend_name", C_BACKENDS)
def test_fork_restarts_the_workers(run_python, backend_name):
    assert run_python(["-c", FORK_SCRIPT, backend_name]).stdout.strip() == "ok"


def test_concurrent_python_threads(nd, threads):
    import threading
    piconumpy.set_num_threads(2)
    a, b = operands(nd, N)
    expected = bits(nd.exp(a) * b)
    failures = []

    def work():
        for _ in range(5):
            if bits(nd.exp(a) * b) != expected:
                failures.append(1)

    workers = [threading.Thread(target=work) for _ in range(4)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    assert not failures


@pytest.fixture(scope="module")
def cgroup_driver(build_c_driver):
    """tests/c/test_cgroup_cpus.c compiled against piconumpy/threads.h."""
    import sys
    if not sys.platform.startswith("linux"):
        pytest.skip("container CPU quotas are read on Linux only")
    exe, _ = build_c_driver("test_cgroup_cpus.c", [
        "-O1", "-std=gnu11", "-Wall", "-Werror", "-Wno-unused-function", "-pthread"])
    return exe


@pytest.mark.parametrize("files, cpus", [
    ({"cpu.max": "max 100000\n"}, 0),                 # v2, no quota
    ({"cpu.max": "150000 100000\n"}, 2),              # 1.5 CPUs: 2 threads
    ({"cpu.max": "50000 100000\n"}, 1),
    ({"cpu.max": "garbage"}, 0),
    ({"quota": "-1\n", "period": "100000\n"}, 0),     # v1, no quota
    ({"quota": "400000\n", "period": "100000\n"}, 4),
    ({"quota": "400000\n"}, 0),                       # v1 without a period
    ({}, 0),                                          # no cgroup files at all
    ({"cpu.max": "200000 100000\n", "quota": "800000\n", "period": "100000\n"}, 2),
    ({"cpu.max": "100000000 100000\n"}, 64),         # 1000 CPUs: at most 64
])
def test_container_cpu_quota(cgroup_driver, tmp_path, files, cpus):
    import subprocess
    paths = [str(tmp_path / name) for name in ("cpu.max", "quota", "period")]
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    out = subprocess.run([cgroup_driver] + paths, capture_output=True,
                         text=True, check=True).stdout
    assert int(out) == cpus


def test_sleeping_worker_wakes_for_each_job(build_c_driver):
    """The pool's worker sleeps on a futex after ~50 µs without work; each
    new job must wake it (one FUTEX_WAKE per sleep: tests/c/test_thread_pool.c
    drives piconumpy/threads.h for 40 sleep/wake rounds)."""
    import subprocess
    exe, _ = build_c_driver("test_thread_pool.c", [
        "-O1", "-std=gnu11", "-Wall", "-Werror", "-Wno-unused-function", "-pthread"])
    out = subprocess.run([exe], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stdout
