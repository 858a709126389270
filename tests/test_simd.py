"""Runtime SIMD dispatch: the level is reported, can be lowered with
PICONUMPY_SIMD, and every level gives the same results (bit for bit for
arithmetic and sums; the libmvec functions are checked to 4 ulp in
test_math_accuracy.py)."""
import json
import os

import pytest

import piconumpy
from cpu_levels import LEVELS, cpu_best_level

SCRIPT = r"""
import json, sys, piconumpy
pn = piconumpy.get_backend(sys.argv[1])
n = 1003
a = pn.arange(n) * 0.37 - 100.0
b = pn.linspace(-3.0, 7.0, n)
out = {
    "level": piconumpy.simd_level(),
    "backend_level": pn._simd_level(),
    "add": (a + b).tolist(), "sub": (a - b).tolist(), "mul": (a * 2.5).tolist(),
    "div": (1.0 / b).tolist(), "sqrt": pn.sqrt(abs(a)).tolist(),
    "neg": (-a).tolist(), "sum": a.sum(), "dot": pn.dot(a, b),
    "min": b.min(), "max": b.max(), "mean": a.mean(),
    "strided": (a[1::3] + b[2::3]).tolist(),
}
print(json.dumps(out))
"""


def run_level(run_python, backend, level):
    env = dict(os.environ, PICONUMPY_SIMD=level)
    return json.loads(run_python(["-c", SCRIPT, backend], env=env).stdout)


def test_simd_level_is_reported():
    assert piconumpy.simd_level() in LEVELS + ("none",)
    for name in piconumpy.backends():
        if name != "purepy":
            assert piconumpy.get_backend(name)._simd_level() in LEVELS
    assert piconumpy.get_backend("purepy") is not None


@pytest.mark.parametrize("backend", [b for b in piconumpy.backends() if b != "purepy"])
def test_every_level_gives_identical_arithmetic(run_python, backend):
    results = {level: run_level(run_python, backend, level) for level in LEVELS}
    assert results["baseline"]["level"] == "baseline"
    # a level the CPU lacks falls back to the best one below it, and says so
    for level in LEVELS:
        got = results[level]["backend_level"]
        assert LEVELS.index(got) <= LEVELS.index(level)
    reference = results["baseline"]
    for level in LEVELS[1:]:
        for key, value in reference.items():
            if key not in ("level", "backend_level"):
                assert results[level][key] == value, (level, key)


def test_unknown_level_fails_loudly(run_python):
    env = dict(os.environ, PICONUMPY_SIMD="sse9")
    proc = run_python(["-c", "import piconumpy"], env=env, check=False)
    assert proc.returncode != 0
    assert "PICONUMPY_SIMD must be one of baseline, avx2, avx512" in proc.stderr


BIG_SCRIPT = r"""
import hashlib, json, struct, sys, piconumpy
pn = piconumpy.get_backend(sys.argv[1])
n = 2 * 1024 * 1024 + 13      # past PN_STREAM_MIN: non-temporal stores
a = pn.linspace(-3.0, 7.0, n)
b = pn.linspace(0.5, 2.5, n)
o = pn.zeros(n + 1)

def digest(x):
    return hashlib.sha256(memoryview(x).tobytes()).hexdigest()

out = {"level": pn._simd_level()}
out["add"] = digest(a + b)
out["sub"] = digest(a - 2.5)
out["mul"] = digest(2.5 * b)
out["div"] = digest(a / b)
pn.add(a, b, out=o[1:])       # output 8 bytes off alignment: scalar head
out["add_off"] = digest(o)
print(json.dumps(out))
"""


@pytest.mark.parametrize("backend", [b for b in piconumpy.backends() if b != "purepy"])
def test_large_outputs_same_bits_at_every_level(run_python, backend):
    """+ - * / on more than PN_STREAM_MIN elements take the streaming-store
    loops of the vector levels: the same bits as the baseline loops."""
    results = {}
    for level in LEVELS:
        for fuse in ("off", "4096"):      # eager, and deferred then computed
            env = dict(os.environ, PICONUMPY_SIMD=level, PICONUMPY_FUSE_MIN=fuse)
            results[level, fuse] = json.loads(
                run_python(["-c", BIG_SCRIPT, backend], env=env).stdout)
    reference = results["baseline", "off"]
    for key, got in results.items():
        for name, value in reference.items():
            if name != "level":
                assert got[name] == value, (key, name)


MATH_STREAM_SCRIPT = r"""
import json, sys, piconumpy
pn = piconumpy.get_backend(sys.argv[1])
piconumpy.set_num_threads(int(sys.argv[2]))
n = int(sys.argv[3])
x = {"exp": pn.linspace(-700.0, 700.0, n), "log": pn.linspace(1e-300, 1e300, n)}
x["log"][5] = 0.0                      # a special value inside a streamed part
x["log"][n - 7] = float("nan")
out = {"level": pn._simd_level()}
for name, a in x.items():
    f = getattr(pn, name)
    whole = bytes(memoryview(f(a)))
    # parts of 10^5 elements: below PN_STREAM_MIN, ordinary stores
    parts = b"".join(bytes(memoryview(f(a[i:i + 100000])))
                     for i in range(0, n, 100000))
    same = [whole == parts]
    o = pn.zeros(n + 8)
    for k in range(1, 8):              # heads of 7..1 elements to alignment
        o[k - 1] = 0.0
        f(a, out=o[k:n + k])
        same.append(bytes(memoryview(o[k:n + k])) == whole and o[k - 1] == 0.0)
    out[name] = same
print(json.dumps(out))
"""

# PN_STREAM_MIN (piconumpy/simd.h) is 2M elements: past it on one thread,
# and past twice it on two (each thread's part streams on its own)
@pytest.mark.parametrize("threads, n", [(1, 2 * 1024 * 1024 + 13),
                                        (2, 4 * 1024 * 1024 + 1001)])
@pytest.mark.parametrize("backend", [b for b in piconumpy.backends() if b != "purepy"])
def test_exp_log_streaming_stores_same_bits(run_python, backend, threads, n):
    """exp and log on outputs of more than PN_STREAM_MIN elements (per
    thread) take non-temporal stores at the AVX-512 level: the same bits as
    short calls, for every length of the unaligned head.  Lower levels
    (libmvec, libm) take the same test with ordinary stores."""
    reached = set()
    for level in LEVELS:
        env = dict(os.environ, PICONUMPY_SIMD=level)
        got = json.loads(run_python(
            ["-c", MATH_STREAM_SCRIPT, backend, str(threads), str(n)],
            env=env).stdout)
        reached.add(got["level"])
        for name in ("exp", "log"):
            assert got[name] == [True] * 8, (level, name)
    if cpu_best_level() == "avx512":   # the streaming loop was run
        assert "avx512" in reached
