# make serve : set up .venv and run the server on http://127.0.0.1:8080 (SQLite, demo data, local callbacks)
# make test  : set up .venv, newman and PostgreSQL, then run the whole test suite
# make lint  : ruff + mypy          make bench : bench/run.py

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
VENV_PY := $(VENV)/bin/python
# records the pyproject.toml the venv was installed from: re-install only when it changes
VENV_STAMP := $(VENV)/.tmf-installed
NODE_STAMP := node_modules/.tmf-installed

# official TM Forum documents, beside the repository unless told otherwise
TMF_REFERENCE_DIR ?= $(abspath $(CURDIR)/../shared/tmf-reference)
export TMF_REFERENCE_DIR

# Two workers (the machine has 2 cores; much of the suite waits on servers and subprocesses);
# a module's tests stay on one worker, with its module-scoped servers and databases.
PYTEST_ARGS ?= -q -n 2 --dist loadfile
SERVE_ARGS ?=

.PHONY: help serve test lint bench docs venv node postgres clean

help:
	@echo "make serve   set up .venv and run the server on http://127.0.0.1:8080 (SQLite, demo data, docs at /docs/, Swagger UI at /swagger)"
	@echo "make test    set up .venv, newman and PostgreSQL, run the whole suite (SQLite + throwaway PostgreSQL)"
	@echo "make lint    ruff check + mypy"
	@echo "make docs    write the documentation site into site/ (static, works offline)"
	@echo "make bench   run bench/run.py"

# --- setup ------------------------------------------------------------------------------------

$(VENV_PY):
	$(PYTHON) -m venv $(VENV)

$(VENV_STAMP): pyproject.toml | $(VENV_PY)
	@if [ -f $@ ] && cmp -s pyproject.toml $@; then \
		touch $@; \
	else \
		echo "Installing the project and its dev tools into $(VENV) ..."; \
		$(VENV_PY) -m pip install --disable-pip-version-check --quiet -e '.[dev]'; \
		cp pyproject.toml $@; \
	fi

venv: $(VENV_STAMP)

$(NODE_STAMP): package.json $(wildcard package-lock.json)
	@if [ -f $@ ] && cat package.json $(wildcard package-lock.json) | cmp -s - $@; then \
		touch $@; \
	else \
		command -v npm >/dev/null || { echo "npm not found: install Node.js 20 (it brings npm) to run the CTKs" >&2; exit 1; }; \
		echo "Installing newman into node_modules ..."; \
		if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; \
		else npm install --no-audit --no-fund --loglevel=error; fi; \
		cat package.json $(wildcard package-lock.json) > $@; \
	fi

node: $(NODE_STAMP)

# PostgreSQL server binaries for the throwaway test cluster (tests/fixtures/databases.py)
postgres:
	@if [ "$${TMF_SKIP_POSTGRES:-}" = 1 ]; then exit 0; fi; \
	if [ -n "$${TMF_PG_BINDIR:-}" ] && [ -x "$${TMF_PG_BINDIR}/initdb" ]; then exit 0; fi; \
	for dir in /usr/lib/postgresql/*/bin; do [ -x "$$dir/initdb" ] && exit 0; done; \
	if command -v initdb >/dev/null && command -v postgres >/dev/null; then exit 0; fi; \
	if [ "$$(id -u)" != 0 ]; then \
		echo "PostgreSQL server binaries missing: run 'sudo apt-get install -y postgresql'" \
		     "(or set TMF_SKIP_POSTGRES=1 to skip the PostgreSQL tests)" >&2; exit 1; \
	fi; \
	echo "Installing PostgreSQL server binaries (apt-get) ..."; \
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null

# --- targets ----------------------------------------------------------------------------------

serve: venv
	$(VENV)/bin/tmf serve --demo-data --callback-allow-private $(SERVE_ARGS)

# pytest's exit code 5 (no tests collected) fails the target like any other non-zero code
# The three setups are independent: side by side they take as long as the slowest (pip), not the sum.
test:
	@$(MAKE) --no-print-directory -j3 venv node postgres
	@echo "TMF_REFERENCE_DIR=$(TMF_REFERENCE_DIR)"
	$(VENV_PY) -m pytest $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

docs: venv
	$(VENV)/bin/tmf docs build --out site

bench: venv
	$(VENV_PY) bench/run.py

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache
