# lambda-netkit: `make check` runs the offline policy check of the dev stack; `make test` runs everything CI runs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# `make check` installs only what `netkit check` needs (requirements.txt), no test or lint tools.
CHECK_STAMP := $(VENV)/.check-installed

.PHONY: venv lint typecheck test check bench clean pack-dist pulumi-cli

venv: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt policies/requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP) $(CHECK_STAMP)

$(CHECK_STAMP): requirements.txt policies/requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(CHECK_STAMP)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: venv
	$(BIN)/mypy

test: lint typecheck pulumi-cli
	$(BIN)/python -m pytest

check: $(CHECK_STAMP)
	$(BIN)/netkit check dev

bench: venv
	$(BIN)/python benchmarks/check_bench.py

pulumi-cli:  ## build the Pulumi CLI (version pinned in tools/pulumi-cli/go.mod) from Go modules into .tools/bin
	bash tools/build-pulumi-cli

pack-dist: venv  ## stage policies/ in build/pack for `pulumi policy publish` (without the repo's virtualenv option)
	$(BIN)/python -m automation.pack_publish policies build/pack

clean:
	rm -rf $(VENV) .tools .mypy_cache .ruff_cache .pytest_cache .netkit build
