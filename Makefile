# The README's two commands: `make plan STACK=dev` (set up, then evaluate a stack offline) and `make test`.
VENV   ?= .venv
PYTHON := $(VENV)/bin/python
STACK  ?= dev
PYTHON_BOOTSTRAP ?= python3

.PHONY: plan test lint setup clean lock mutate

setup: $(VENV)/.installed

# Re-installs whenever requirements.txt changes; the stamp keeps repeated runs instant. --require-hashes: pip installs
# only the exact files `make lock` recorded, so a re-uploaded or tampered distribution fails the install.
$(VENV)/.installed: requirements.txt
	$(PYTHON_BOOTSTRAP) -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.txt
	touch $@

plan: setup
	$(PYTHON) -m preflight --stack $(STACK)

test: setup
	$(PYTHON) -m pytest

lint: setup
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
