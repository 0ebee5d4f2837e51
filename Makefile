# The README's two commands: `make plan STACK=dev` (set up, then evaluate a stack offline) and `make test`.
VENV   ?= .venv
PYTHON := $(VENV)/bin/python
STACK  ?= dev
PYTHON_BOOTSTRAP ?= python3

.PHONY: plan test lint setup clean

setup: $(VENV)/.installed

# Re-installs whenever requirements.txt changes; the stamp keeps repeated runs instant.
$(VENV)/.installed: requirements.txt
	$(PYTHON_BOOTSTRAP) -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

plan: setup
	$(PYTHON) -m preflight --stack $(STACK)

test: setup
	$(PYTHON) -m pytest

lint: setup
	$(PYTHON) -m ruff check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
