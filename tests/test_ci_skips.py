"""A skip under CI=true is a failure (tests/ci_skips.py); outside CI it stays a skip."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ci_skips import fail_skip, under_ci

REPO_ROOT = Path(__file__).resolve().parent.parent


def _report(outcome: str, longrepr=None, **extra) -> pytest.TestReport:
    report = pytest.TestReport("tests/x.py::t", ("tests/x.py", 1, "t"), {}, outcome, longrepr, "call")
    for key, value in extra.items():
        setattr(report, key, value)
    return report


@pytest.mark.parametrize("value", ["true", "TRUE", "True", " true "])
def test_ci_is_read_as_the_runners_set_it(value):
    assert under_ci({"CI": value})


@pytest.mark.parametrize("environ", [{}, {"CI": ""}, {"CI": "false"}, {"CI": "0"}, {"CI": "yes"}])
def test_anything_else_is_not_ci(environ):
    assert not under_ci(environ)


def test_a_skip_under_ci_becomes_a_failure_that_keeps_its_reason():
    report = _report("skipped", ("tests/x.py", 3, "Skipped: needs chromedriver (apt-get install chromium-driver)"))
    fail_skip(report, {"CI": "true"})
    assert report.outcome == "failed"
    assert "needs chromedriver (apt-get install chromium-driver)" in str(report.longrepr)
    assert "CI=true" in str(report.longrepr)


def test_a_skip_outside_ci_stays_a_skip():
    report = _report("skipped", ("tests/x.py", 3, "Skipped: no initdb"))
    fail_skip(report, {})
    assert report.outcome == "skipped"


def test_an_expected_failure_is_not_a_skip():
    report = _report("skipped", ("tests/x.py", 3, "known bug"), wasxfail="known bug")
    fail_skip(report, {"CI": "true"})
    assert report.outcome == "skipped"


def test_passes_and_failures_are_left_alone():
    for outcome in ("passed", "failed"):
        report = _report(outcome)
        fail_skip(report, {"CI": "true"})
        assert report.outcome == outcome


def test_the_plugin_is_live_in_a_real_run(tmp_path):
    """One real pytest process: the hook is registered through tests/conftest.py's pytest_plugins, and a skip at
    collection time (importorskip of a missing module) fails too under CI."""
    (tmp_path / "test_module_skip.py").write_text(
        "import pytest\n"
        "pytest.importorskip('no_such_module_here')\n"
        "def test_never_runs():\n    pass\n")
    (tmp_path / "test_probe.py").write_text(
        "import pytest\n"
        "def test_runtime_skip():\n    pytest.skip('needs a tool')\n"
        "def test_fine():\n    pass\n")
    env = {**os.environ, "CI": "true", "PYTHONPATH": str(REPO_ROOT)}
    result = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist",
                             "-p", "no:randomly", "-p", "tests.ci_skips", "--continue-on-collection-errors",
                             str(tmp_path)],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 failed, 1 passed, 1 error" in result.stdout
    assert "no_such_module_here" in result.stdout
    assert "skipped under CI=true" in result.stdout
