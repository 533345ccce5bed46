# egov: two commands set up everything on a fresh machine — `make demo` and `make test`.
# Needs only Python 3.11, Node/npm, make and git. uv is installed with pip when missing,
# and always uses the machine's Python (no interpreter downloads).

SHELL := /bin/bash
PYTHON ?= python3.11
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(PYTHON)
UV := $(shell command -v uv 2>/dev/null || echo "$(PYTHON) -m uv")
VENV := .venv
BIN := $(VENV)/bin
EGOV := $(BIN)/egov
DEMO_OTP ?= 246810

.PHONY: install bytecode demo test lint typecheck importlint pytest pytest-postgres bench bench-audit bench-registry bench-exchange bench-apply bench-issue screenshots clean-demo help

help:
	@echo "make demo    install, set up an SQLite database with demo data, serve http://127.0.0.1:8000"
	@echo "make test    lint, type-check, import contracts, tests on SQLite (and PostgreSQL when EGOV_TEST_POSTGRES_URL is set)"
	@echo "make install the installing part alone (.venv, Python and npm packages, translations, static files)"
	@echo "make bench   every benchmark; make screenshots  pages into docs/screenshots/"

install: $(VENV)/.installed bytecode node_modules/.installed var/.static

# Bytecode is written ahead: where PYTHONDONTWRITEBYTECODE is set, as on our CI machines,
# every process would otherwise compile each module it imports from source again (about
# half the CPU of starting an `egov` command, a server worker or a test's subprocess).
# Python still ignores a .pyc whose source changed since, so a stale one costs nothing.
bytecode: $(VENV)/.installed
	@$(BIN)/python -m compileall -q -j0 egov config

$(VENV)/.installed: pyproject.toml uv.lock
	@command -v uv >/dev/null 2>&1 || $(PYTHON) -m uv --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet --user uv
	$(UV) sync --frozen --quiet --compile-bytecode
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

var/.static: $(VENV)/.installed node_modules/.installed $(shell find egov -path '*/static/*' -type f 2>/dev/null) $(shell find egov -name '*.po' 2>/dev/null)
	@mkdir -p var
	$(EGOV) i18n compile
	$(EGOV) collectstatic --noinput --verbosity 0
	@touch $@

demo: install
	EGOV_DEMO_OTP_BYPASS=$(DEMO_OTP) $(EGOV) demo

# The SQLite and the PostgreSQL runs are independent (own test databases, keys and audit
# checkpoints in their own temporary directories, servers on free ports): run them side
# by side on the two cores, each run's output printed whole when it ends.
test: install lint typecheck importlint
	$(MAKE) --no-print-directory -j2 --output-sync=target pytest pytest-postgres

lint:
	$(BIN)/ruff check .

typecheck:
	$(BIN)/mypy egov config

importlint:
	$(BIN)/lint-imports

pytest:
	$(BIN)/pytest

# The whole suite again on PostgreSQL when a server is named (CI always names one).
pytest-postgres:
	@if [ -n "$$EGOV_TEST_POSTGRES_URL" ]; then \
		echo "== the suite on PostgreSQL"; DATABASE_URL="$$EGOV_TEST_POSTGRES_URL" $(BIN)/pytest; \
	elif [ "$$CI" = "true" ]; then \
		echo "CI=true requires EGOV_TEST_POSTGRES_URL"; exit 1; \
	else echo "skipping the PostgreSQL run: set EGOV_TEST_POSTGRES_URL=postgresql://127.0.0.1:5432/egov_test to run it"; fi

bench: bench-audit bench-registry bench-exchange bench-apply bench-issue

bench-audit: install
	$(BIN)/python bench/bench_audit.py

# Generate and import RESIDENTS (default 100000) synthetic residents with everything they own, on
# DATABASE_URL when set (a throw-away database named *bench*) or a fresh SQLite file under var/bench/.
bench-registry: install
	$(BIN)/python bench/registry.py --residents $(or $(RESIDENTS),100000)

# Signed exchanges between two deployments on loopback against the same reads in-process;
# PROFILE=1 adds where the signed path's time goes.
bench-exchange: install
	$(BIN)/python bench/bench_exchange.py $(if $(PROFILE),--profile)

# Citizens filing business-closure-report end to end over HTTP on PostgreSQL (EGOV_BENCH_POSTGRES_URL),
# against a minimal endpoint doing the same writes; PROFILE=1 adds where one application's time goes.
bench-apply: install
	$(BIN)/python bench/bench_apply.py $(if $(PROFILE),--profile)

# Signed documents issued end to end (gate read, render, sign, time-stamp, store, audit) by as many processes as server workers
# against the bare render + sign + time-stamp, then verification by number over HTTP; PROFILE=1 adds where
# one document's time goes.
bench-issue: install
	$(BIN)/python bench/bench_issue.py $(if $(PROFILE),--profile)

screenshots: install
	$(BIN)/python -m egov.portal.screenshots docs/screenshots
