# skylift — the two commands a new user needs: `make demo` and `make test`.
# Everything is installed from the package registries into .venv (uv, pinned by uv.lock).

SHELL := /bin/bash
PYTHON ?= python3
TOOLS := .tools
UV := $(TOOLS)/bootstrap/bin/uv
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.synced
PYTEST_ARGS ?=
# Python keeps compiled bytecode as a normal install does (pip compiles on
# install); some environments switch that off, which costs every CLI start
# ~0.5 s of recompiling. site-packages are compiled by uv at sync.
unexport PYTHONDONTWRITEBYTECODE
export UV_COMPILE_BYTECODE := 1

.PHONY: all venv lock lint typecheck imports unit test demo bench clean help

help:
	@echo "make demo   run the pipeline on the bundled sample estate"
	@echo "make test   lint, type-check, check layering, run every test"
	@echo "make bench  run the benchmarks (slow; numbers go to docs/benchmarks.md)"
	@echo "make lock   re-resolve uv.lock after changing pyproject.toml"

$(UV):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "skylift needs Python >= 3.11")'
	$(PYTHON) -m venv $(TOOLS)/bootstrap
	$(TOOLS)/bootstrap/bin/pip install --quiet --disable-pip-version-check "uv==0.13.9"

$(STAMP): $(UV) uv.lock pyproject.toml
	$(UV) sync --frozen --python $(PYTHON)
	@touch $(STAMP)

venv: $(STAMP)

lock: $(UV)
	$(UV) lock

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks samples
	$(BIN)/ruff format --check src tests benchmarks samples

typecheck: $(STAMP)
	$(BIN)/mypy src

imports: $(STAMP)
	$(BIN)/lint-imports

unit: $(STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint typecheck imports unit

demo: $(STAMP)
	$(BIN)/python samples/demo.py

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) $(TOOLS) build .pytest_cache .mypy_cache .ruff_cache

# --- storage test servers (storage layer; owner: storage) ---------------------
# Azurite (Azure Blob emulator) from npm, pinned by tools/azurite/package-lock.json,
# installed into .tools/node. The other servers (rclone, moto, fake-gcs-server)
# are Python dev dependencies in .venv. Tests skip Azure if this was not run.
AZURITE_STAMP := $(TOOLS)/node/.installed-azurite

$(AZURITE_STAMP): tools/azurite/package.json tools/azurite/package-lock.json
	@command -v npm >/dev/null || { echo "npm (Node >= 20) is needed for Azurite"; exit 1; }
	mkdir -p $(TOOLS)/node
	cp tools/azurite/package.json tools/azurite/package-lock.json $(TOOLS)/node/
	cd $(TOOLS)/node && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

.PHONY: test-servers
test-servers: $(STAMP) $(AZURITE_STAMP)

unit: test-servers
# --- end storage test servers ------------------------------------------------

# --- validators for generated artifacts (generate; owner: generate) ------------
# hadolint, kubernetes-validate, python-hcl2, terraform and ansible-core are Python
# dev dependencies in .venv. checkov lives in its own venv (.tools/checkov) because
# its bc-detect-secrets dependency replaces the detect-secrets module of .venv;
# pinned by tools/checkov/requirements.txt (uv pip compile --universal).
# Refresh the pins: uv pip compile --universal --python-version 3.11 \
#   tools/checkov/requirements.in -o tools/checkov/requirements.txt
CHECKOV_STAMP := $(TOOLS)/checkov/.installed
$(CHECKOV_STAMP): $(UV) tools/checkov/requirements.txt
	$(UV) venv --allow-existing --python $(PYTHON) $(TOOLS)/checkov
	$(UV) pip install --quiet --python $(TOOLS)/checkov/bin/python -r tools/checkov/requirements.txt
	@touch $@
.PHONY: validators
validators: $(STAMP) $(CHECKOV_STAMP)
unit: validators
demo: validators
# --- end validators -----------------------------------------------------------

# --- test strictness and mutation testing (tests; owner: issue 15) -------------
# `make test` runs pytest with SKYLIFT_STRICT_SKIPS=1: a test skipped for a missing
# component (server binary, checkov, validator) fails, as under CI=true; only the
# capability/privilege/external-data skips listed in tests/conftest.py may skip.
unit: export SKYLIFT_STRICT_SKIPS = 1
# Mutation testing (slow, not part of `make test`): mutmut over the core modules,
# each against its own area's tests, in scratch copies under build/mutation/.
# One module: `make mutation MODULES=plan-waves`; list: tools/mutation/run.py --list.
MODULES ?=
.PHONY: mutation
mutation: $(STAMP)
	$(BIN)/python tools/mutation/run.py $(MODULES)
# --- end test strictness and mutation testing -------------------------------------

# --- system packages (Debian) for real servers, browsers and load clients -----
# tools/system/packages.txt lists them (PostgreSQL, MariaDB, pgcopydb, Chromium,
# Prometheus, node_exporter, wrk, ab); tools/system/install.sh installs the missing
# ones with apt-get and does nothing when all are present.
.PHONY: system
system:
	@tools/system/install.sh
unit: system
demo: system
# --- end system packages --------------------------------------------------------
