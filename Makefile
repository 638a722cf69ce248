# Two commands for a fresh machine: `make lab` and `make test`.
# Everything is installed into .venv from the pinned versions in constraints.txt,
# so the generated datasets and the solution outputs are the same on every machine.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip
PYTEST := $(BIN)/python -m pytest

RUNTIME_STAMP := $(VENV)/.installed-runtime
TEST_STAMP    := $(VENV)/.installed-test

.PHONY: lab test install install-test lint unit notebooks solutions build data bench constraints clean \
	browser-test

# In containers people often are root; JupyterLab then needs --allow-root to start.
LAB_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)

lab: $(RUNTIME_STAMP)
	cd notebooks && ../$(BIN)/jupyter lab $(LAB_ROOT) 00_welcome.ipynb

# `make test` runs its stages one after the other and prints how long each took; the unit
# stage also records the cost per exercise problem and per module, which
# benchmarks/project_test_time.py prints with the total against the target (well under 15
# minutes on 2 cores; --problems/--modules project a larger course). All lands in $(TIMES).
TIMES := .cache/test-times

define stage
	start=$$(date +%s); $(MAKE) --no-print-directory $(1); rc=$$?; \
	took=$$(( $$(date +%s) - start )); echo "$(1) $$took" >> $(TIMES)/stages.txt; \
	echo "make test: stage $(1) took $$took s"; exit $$rc
endef

test:
	@rm -rf $(TIMES) && mkdir -p $(TIMES)
	@$(call stage,install-test)
	@$(call stage,lint)
	@$(call stage,unit)
	@$(call stage,notebooks)
	@$(BIN)/python benchmarks/project_test_time.py $(TIMES)

install: $(RUNTIME_STAMP)
install-test: $(TEST_STAMP)

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "coursekit needs Python 3.11 or newer; found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)

$(RUNTIME_STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) install --quiet -c constraints.txt -e .
	@touch $@

$(TEST_STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) install --quiet -c constraints.txt -e ".[test]"
	@touch $(RUNTIME_STAMP) $@

lint: $(TEST_STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

# pytest exits 5 when it collects nothing: for us that means a broken suite, never a pass.
define pytest_or_fail
	$(PYTEST) $(1); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make: pytest collected no tests from '$(1)'; failing on purpose" >&2; exit 1; fi; \
	exit $$rc
endef

unit: $(TEST_STAMP)
	@mkdir -p $(TIMES)
	@PYTHONPATH=benchmarks COURSEKIT_TEST_TIMES=$(TIMES)/unit.json \
	  $(call pytest_or_fail,tests -n 2 -p unit_costs)

# Solution notebooks must reproduce their stored outputs; student notebooks must run top to bottom
# with every exercise check saying "not attempted" (the coursekit.nbval_student plugin).
# - --nbval-current-env: kernels run this .venv's Python, whatever kernelspecs are installed.
# - --dist loadfile: all cells of a notebook share one kernel, so they must stay in one xdist
#   worker (the default, --dist load, scatters them and they fail with NameError).
# - .ci/nbval_sanitize.cfg rewrites paths, addresses and timings; nbval never compares images.
# - Kernels get the environment `coursekit build --execute` used to store the outputs
#   (coursekit.build.NOTEBOOK_ENV, kept equal by tests/build): the inline plot backend even
#   where MPLBACKEND=Agg is exported, a fixed hash seed, no progress bars (they appear when
#   a check is slow, which depends on the machine), no personal language or data choice,
#   and a throwaway progress file instead of the user's.
# - The font cache is warmed first: a kernel that has to build it may print "Matplotlib is
#   building the font cache", an output no stored notebook has.
NB_SCRATCH := .cache/notebook-tests
# The modules with reveals and the simulator, run once more on a world handed out without
# its hidden tables (what `coursekit handout` gives trainees): no cell may fail there.
HANDED_OUT := $(wildcard notebooks/0[3-8]_*.ipynb)
NBVAL_OPTS := --nbval-current-env --nbval-sanitize-with .ci/nbval_sanitize.cfg -p no:randomly -n 2 --dist loadfile

notebooks: export MPLBACKEND := module://matplotlib_inline.backend_inline
notebooks: export PYTHONHASHSEED := 0
notebooks: export TQDM_DISABLE := 1
notebooks: export COURSEKIT_LANG :=
notebooks: export COURSEKIT_DATA :=
notebooks: export COURSEKIT_PROGRESS := $(CURDIR)/$(NB_SCRATCH)/progress.json
notebooks: $(TEST_STAMP)
	@$(BIN)/python -c "import matplotlib.pyplot"
	@rm -rf $(NB_SCRATCH) && mkdir -p $(NB_SCRATCH)
	@$(call pytest_or_fail,--nbval $(NBVAL_OPTS) solutions)
	@rm -rf $(NB_SCRATCH) && mkdir -p $(NB_SCRATCH)
	@$(call pytest_or_fail,--nbval-lax $(NBVAL_OPTS) -p coursekit.nbval_student notebooks)
	@rm -rf $(NB_SCRATCH) && mkdir -p $(NB_SCRATCH)
	@$(BIN)/coursekit data generate --customers 5000 --seed 17 --no-truth --quiet \
	  --out $(NB_SCRATCH)/handed-out
	@COURSEKIT_DATA=$(CURDIR)/$(NB_SCRATCH)/handed-out \
	  $(call pytest_or_fail,--nbval-lax $(NBVAL_OPTS) -p coursekit.nbval_student $(HANDED_OUT))

# Authors: re-run solution notebooks in place (all, or NB="02_rfm 05"), then rebuild notebooks/.
solutions: $(RUNTIME_STAMP)
	$(BIN)/coursekit build --execute $(NB)

build: $(RUNTIME_STAMP)
	$(BIN)/coursekit build

data: $(RUNTIME_STAMP)
	$(BIN)/coursekit data generate --customers 5000 --seed 2026 --out datasets --force

# The real-browser test (run by .ci/run after `make test`): JupyterLab from .venv, Debian's
# chromium driven by playwright, on notebooks/00_welcome.ipynb. The network is closed, so
# playwright never downloads a browser: chromium comes from apt (as root), else we stop
# with one line saying so. A screenshot is saved under .cache/.
CHROMIUM := /usr/bin/chromium

browser-test: $(TEST_STAMP)
	@test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && apt-get install -y -qq chromium) >/dev/null 2>&1 && \
	      test -x $(CHROMIUM) || \
	      { echo "make browser-test: apt-get install -y chromium did not give $(CHROMIUM)" >&2; exit 1; }; \
	  else \
	    echo "make browser-test: $(CHROMIUM) is missing; install it as root: apt-get install -y chromium" >&2; \
	    exit 1; \
	  fi; }
	@# A Chinese font, so that the screenshot shows the Chinese text (best effort, as root).
	@fc-list :lang=zh 2>/dev/null | grep -q . || [ "$$(id -u)" != 0 ] || \
	  apt-get install -y -qq fonts-wqy-zenhei >/dev/null 2>&1 || true
	@COURSEKIT_BROWSER=$(CHROMIUM) $(call pytest_or_fail,tests/browser tests/grade/test_report_browser.py -p no:randomly -n 0)

bench: $(TEST_STAMP)
	$(BIN)/python benchmarks/bench_synth.py
	$(BIN)/python benchmarks/bench_checks.py

# Refresh the pins after changing dependencies (then regenerate datasets and solution outputs).
constraints: | $(BIN)/python
	$(PIP) install --quiet -e ".[test]"
	$(PIP) freeze --exclude-editable | grep -v '^coursekit' > constraints.txt

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
