"""piconumpy's SIMD levels and which of them this CPU has, read from
/proc/cpuinfo independently of piconumpy: the tests check the level it
chooses against this, the benchmarks pick the levels to run from it."""

LEVELS = ("baseline", "avx2", "avx512")
# the /proc/cpuinfo flags each level needs (piconumpy/simd.h checks the same)
LEVEL_CPU_FLAGS = {"avx2": ("avx2",), "avx512": ("avx512f", "avx512dq")}


def cpu_flags():
    """The CPU flags the kernel reports, or None off Linux."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return None


def cpu_best_level():
    """The best level this CPU has, or None when unknown."""
    flags = cpu_flags()
    if flags is None:
        return None
    best = "baseline"
    for level in LEVELS[1:]:
        if all(f in flags for f in LEVEL_CPU_FLAGS[level]):
            best = level
    return best
