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

.PHONY: lab test install install-test lint unit notebooks build data bench constraints clean

lab: $(RUNTIME_STAMP)
	cd notebooks && ../$(BIN)/jupyter lab 00_welcome.ipynb

test: $(TEST_STAMP) lint unit notebooks

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
	@$(call pytest_or_fail,tests -n 2)

# Solution notebooks must reproduce their stored outputs; student notebooks must run top to bottom.
notebooks: $(TEST_STAMP)
	@$(call pytest_or_fail,--nbval --nbval-current-env --nbval-sanitize-with .ci/nbval_sanitize.cfg -p no:randomly solutions -n 2)
	@$(call pytest_or_fail,--nbval-lax --nbval-current-env notebooks -n 2)

build: $(RUNTIME_STAMP)
	$(BIN)/coursekit build

data: $(RUNTIME_STAMP)
	$(BIN)/coursekit data generate --customers 5000 --seed 2026 --out datasets --force

bench: $(TEST_STAMP)
	$(BIN)/python benchmarks/bench_synth.py
	$(BIN)/python benchmarks/bench_checks.py

# Refresh the pins after changing dependencies (then regenerate datasets and solution outputs).
constraints: | $(BIN)/python
	$(PIP) install --quiet -e ".[test]"
	$(PIP) freeze --exclude-editable | grep -v '^coursekit' > constraints.txt

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
