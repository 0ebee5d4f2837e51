"""Under CI (`CI=true`, what .ci/run and the workflows set) a skipped test is a failure.

Every skip in the suite is for something a developer's machine may lack (a server binary, a browser, a package the
virtualenv was made without); .ci/run installs all of it, so under CI a skip can only mean a missing install step,
and a check that quietly stopped running would otherwise leave the run green. An expected failure (xfail) is not a
skip and is left alone."""

from __future__ import annotations

import os
from collections.abc import Mapping

import pytest


def under_ci(environ: Mapping[str, str] = os.environ) -> bool:
    return environ.get("CI", "").strip().lower() == "true"


def fail_skip(report: pytest.TestReport | pytest.CollectReport, environ: Mapping[str, str] = os.environ) -> None:
    """Turn a skipped `report` (a test's, or a module's skipped at collection by a module-level importorskip) into a
    failed one, with the skip's reason, when running under CI."""
    if not report.skipped or hasattr(report, "wasxfail") or not under_ci(environ):
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    report.outcome = "failed"
    report.longrepr = f"skipped under CI=true, where .ci/run installs everything the suite needs: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    fail_skip(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    fail_skip(outcome.get_result())
