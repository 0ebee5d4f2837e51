"""Shared fixtures: the real program evaluated under the project's one offline engine (preflight/engine.py)."""

from __future__ import annotations

import functools
import json
import os
import sys
from copy import deepcopy
from functools import cache
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from preflight.collector import freeze_imports  # noqa: E402
from preflight.engine import ProgramError, StackRun, list_stacks, run_stack  # noqa: E402

# The real PostgreSQL server of tests/db and tests/app: one per session for both.
from tests.postgres_server import blog_db, cluster, empty_db  # noqa: E402, F401

# Under CI a skipped test fails (tests/ci_skips.py).
pytest_plugins = ["tests.ci_skips"]

STACKS = list_stacks(REPO_ROOT)


def mutmut_collecting_stats() -> bool:
    """True while mutmut maps each function to the tests that call it (`make mutate`, docs/mutation-testing.md).

    A test that reads a cached evaluation calls nothing of the program, so mutmut would never run it against a
    mutant of the program: the caches below evaluate afresh while mutmut collects. Within one mutant's run caching
    is right again (every evaluation there is of the same mutant)."""
    return os.environ.get("MUTANT_UNDER_TEST") == "stats"


def per_module_unless_collecting(fixture_name: str, config: pytest.Config) -> str:
    """The scope of a module fixture that evaluates a program or computes what its module's tests read:
    `@pytest.fixture(scope=per_module_unless_collecting)`. Once per module, as `scope="module"`, except while mutmut
    collects its stats: then once per test, so every test that reads it is linked to the functions it reaches, not
    only the first (tests/test_mutation_fixtures.py finds wider fixtures without it)."""
    return "function" if mutmut_collecting_stats() else "module"


_forgetters: list = []                                   # clears every cache below
_cached_under = [os.environ.get("MUTANT_UNDER_TEST", "")]  # the mutant they were filled under


def _forget_what_another_mutant_cached() -> None:
    """tools/mutation_inprocess.py runs many mutants in one process and switches MUTANT_UNDER_TEST between them: an
    evaluation cached under one mutant (or under none, the baseline) is not the program of the next, and reading it
    would let a mutant survive (or be killed by another's change). So the caches start empty when the mutant
    changes. A normal run, and mutmut's own process per mutant, never change it."""
    now = os.environ.get("MUTANT_UNDER_TEST", "")
    if now != _cached_under[0]:
        _cached_under[0] = now
        for forget in _forgetters:
            forget()


def cache_unless_collecting(function):
    """`functools.cache` for a function of the tests that evaluates or computes what several tests read, except
    while mutmut collects its stats (the same reason as above), and emptied when the mutant under test changes."""
    once = cache(function)
    _forgetters.append(once.cache_clear)

    @functools.wraps(function)
    def cached(*args, **kwargs):
        _forget_what_another_mutant_cached()
        return function(*args, **kwargs) if mutmut_collecting_stats() else once(*args, **kwargs)

    cached.cache_clear = once.cache_clear
    return cached


@cache_unless_collecting
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


_variants: dict[str, StackRun | ProgramError] = {}
_forgetters.append(lambda: _variants.clear())   # through the name: a test may put its own dict there


def _cached_variant(stack: str, overrides: dict | None) -> StackRun:
    """The repository's program for `stack` with `overrides`, evaluated once per session however many tests ask (an
    evaluation is deterministic; several files check the same variant). Each caller gets its own deep copy, so a test
    that changes what it got cannot change what the next one sees; a settings or program error is kept and raised
    again the same way."""
    _forget_what_another_mutant_cached()
    key = json.dumps([stack, overrides], sort_keys=True, default=repr)
    if key not in _variants or mutmut_collecting_stats():
        try:
            _variants[key] = run_stack(stack, REPO_ROOT, overrides)
        except ProgramError as error:
            _variants[key] = error
    found = _variants[key]
    if isinstance(found, ProgramError):
        copy = ProgramError(str(found), found.kind)
        copy.resources = deepcopy(found.resources)
        raise copy
    return deepcopy(found)


@pytest.fixture
def evaluate():
    """Evaluate a stack with some settings replaced: evaluate("dev", {"aurora-platform:network": {...}})."""
    def _evaluate(stack: str, overrides: dict | None = None, program_dir: Path = REPO_ROOT) -> StackRun:
        if Path(program_dir).resolve() == REPO_ROOT:
            return _cached_variant(stack, overrides)
        return run_stack(stack, program_dir, overrides)
    return _evaluate


def pytest_collection_finish(session):
    """Every test module is imported: freeze that heap (gc.freeze) so the collector stops re-walking it during the
    evaluations, and collect less often (their futures and tasks are short-lived). Measured in docs/tests.md."""
    freeze_imports()


def pytest_configure(config):
    from tests.hypothesis_profiles import register

    try:
        register()  # HYPOTHESIS_PROFILE=fast (the default) or full (docs/tests.md)
    except ValueError as error:
        raise pytest.UsageError(str(error)) from None


# The tests of the real PostgreSQL (the `cluster` fixture) live here; tests/test_suite_grouping.py checks that none
# lives elsewhere.
POSTGRES_DIRS = ("tests/db/", "tests/app/")


@pytest.hookimpl(optionalhook=True)  # a hook of xdist's: none without it (`-p no:xdist`, TEST_JOBS=1)
def pytest_xdist_make_scheduler(config, log):
    """`make test` (`-n N --dist loadfile`): each file whole on one worker, so a module fixture (the workflow
    workspace, the moto stacks) is set up once, and every PostgreSQL test file on one and the same worker, so one
    server is started and the template built once. (xdist's own `loadgroup` renames node ids through an attribute
    pytest 9 no longer reads, so its groups silently become single tests there.)"""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class FilesAndPostgres(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return scope_of(nodeid)

    return FilesAndPostgres(config, log)


def scope_of(nodeid: str) -> str:
    """The unit the scheduler hands to one worker: `postgres` for every test of POSTGRES_DIRS, else the file."""
    path = nodeid.split("::", 1)[0]
    return "postgres" if path.startswith(POSTGRES_DIRS) else path


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
