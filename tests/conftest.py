"""Shared fixtures: the real program evaluated under the project's one offline engine (preflight/engine.py)."""

from __future__ import annotations

import functools
import os
import sys
from functools import cache
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from preflight.engine import StackRun, list_stacks, run_stack  # noqa: E402

STACKS = list_stacks(REPO_ROOT)


@cache
def _cached_run(stack: str) -> StackRun:
    # Evaluations are deterministic, so each unmodified stack is evaluated once per session; tests that change
    # settings call run_stack themselves. Tests must not mutate what this returns.
    return run_stack(stack)


@pytest.fixture(params=STACKS)
def any_stack(request) -> StackRun:
    """Each `Pulumi.<stack>.yaml` in the repository, as the real program registers it."""
    return _cached_run(request.param)


@pytest.fixture
def dev() -> StackRun:
    return _cached_run("dev")


@pytest.fixture
def prod() -> StackRun:
    return _cached_run("prod")


@pytest.fixture
def evaluate():
    """Evaluate a stack with some settings replaced: evaluate("dev", {"aurora-platform:network": {...}})."""
    def _evaluate(stack: str, overrides: dict | None = None, program_dir: Path = REPO_ROOT) -> StackRun:
        return run_stack(stack, program_dir, overrides)
    return _evaluate


def needs_tool(path: str | None, name: str, install: str):
    """Skip where a developer lacks an external tool; fail under CI (CI=true), whose set-up (.ci/run) installs it, so a
    missing install step can never turn a check into a quiet skip."""
    if path is None and os.environ.get("CI", "").lower() == "true":
        def failing(test):
            @functools.wraps(test)
            def missing(*args, **kwargs):
                pytest.fail(f"{name} is missing under CI; .ci/run must install it: {install}")
            return missing
        return failing
    return pytest.mark.skipif(path is None, reason=f"needs {name} ({install})")
