# piconumpy: build, test and benchmark on CPython and PyPy side by side.
#   make bench   set up both interpreters, build every backend, run the benchmarks
#   make test    set up both interpreters, run the test suite on each
# PYTHON= and PYPY= choose the interpreters (PYPY=none: CPython only, for quick local work).
PYTHON ?= python3
PYPY ?= pypy3
VENV_CPY := .venv-cpython
VENV_PYPY := .venv-pypy
PIP_FLAGS ?= -q --disable-pip-version-check

ifeq ($(PYPY),none)
VENVS := $(VENV_CPY)
else
VENVS := $(VENV_CPY) $(VENV_PYPY)
endif

.PHONY: all install install-cpython install-pypy pypy-system test test-fused bench bench-quick clean pypy-rewrite-cache

all: install

install: $(addsuffix /.installed,$(VENVS))

# numpy is the value oracle of the tests and a baseline of the benchmarks
$(VENV_CPY)/.installed: setup.py pyproject.toml piconumpy/*.c piconumpy/*.h piconumpy/*.py
	test -x $(VENV_CPY)/bin/python || $(PYTHON) -m venv $(VENV_CPY)
	$(VENV_CPY)/bin/python -m pip install $(PIP_FLAGS) --upgrade pip
	$(VENV_CPY)/bin/python -m pip install $(PIP_FLAGS) hpy==0.9.0 numpy pytest hypothesis mpmath matplotlib
	$(VENV_CPY)/bin/python -m pip install $(PIP_FLAGS) --force-reinstall --no-deps .
	touch $@

# numpy 1.26.4 is the last numpy with PyPy 3.9 wheels (no source build)
$(VENV_PYPY)/.installed: setup.py pyproject.toml piconumpy/*.c piconumpy/*.h piconumpy/*.py | pypy-system
	test -x $(VENV_PYPY)/bin/python || $(PYPY) -m venv $(VENV_PYPY)
	$(VENV_PYPY)/bin/python -m pip install $(PIP_FLAGS) --only-binary=:all: numpy==1.26.4 pytest hypothesis mpmath
	$(VENV_PYPY)/bin/python -m pip install $(PIP_FLAGS) --force-reinstall --no-deps .
	touch $@

# Debian's PyPy 7.3.11 (ships its own HPy 0.0.4); installed when missing.
pypy-system:
	@command -v $(PYPY) >/dev/null 2>&1 && $(PYPY) -m venv --help >/dev/null 2>&1 || { \
	  echo "== installing pypy3 (apt-get)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pypy3 pypy3-dev pypy3-venv >/dev/null; }

# PyPy 7.3.11's incremental GC can crash while pytest rewrites the test
# modules' asserts, on 2-vCPU machines (pytest-dev/pytest#11168, pypy/pypy#3959:
# fixed in PyPy 7.3.16; Debian ships 7.3.11).  Rewriting happens once, then is
# cached in tests/__pycache__ (so the PyPy runs may write bytecode): this step
# does only that (no test runs), retried on a crash; the test runs themselves
# are never retried.
PYPY_PYTEST = env -u PYTHONDONTWRITEBYTECODE $(VENV_PYPY)/bin/pytest
pypy-rewrite-cache: install
	@for i in 1 2 3; do \
	  $(PYPY_PYTEST) -q --collect-only tests >/dev/null && exit 0; \
	  echo "== PyPy crashed while pytest rewrote the tests (PyPy 7.3.11 GC bug), again"; \
	done; exit 1

test: install
	$(VENV_CPY)/bin/pytest -q tests
ifneq ($(PYPY),none)
	$(MAKE) pypy-rewrite-cache
	$(PYPY_PYTEST) -q tests
endif

# the whole suite again with every operator result of more than 8 elements
# deferred (piconumpy/fused.h): the deferred paths see every test's input
test-fused: install
	PICONUMPY_FUSE_MIN=9 $(VENV_CPY)/bin/pytest -q tests
ifneq ($(PYPY),none)
	$(MAKE) pypy-rewrite-cache
	PICONUMPY_FUSE_MIN=9 $(PYPY_PYTEST) -q tests
endif

bench: install
	$(VENV_CPY)/bin/python bench/run_bench.py --python $(VENV_CPY)/bin/python $(if $(filter none,$(PYPY)),,--pypy $(VENV_PYPY)/bin/python) $(BENCH_ARGS)

bench-quick:
	$(MAKE) bench BENCH_ARGS=--quick

clean:
	rm -rf build dist *.egg-info piconumpy/*.so bench/build $(VENV_CPY) $(VENV_PYPY) .pytest_cache .hypothesis
