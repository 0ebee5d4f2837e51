"""How `make test` spreads the suite over xdist workers (tests/conftest.py's scheduler): every test of the real
PostgreSQL in one unit (one worker, one server), every other test with its file (module fixtures set up once)."""

from __future__ import annotations

import pytest

from tests.conftest import POSTGRES_DIRS, scope_of


@pytest.mark.parametrize(("nodeid", "scope"), [
    ("tests/db/test_roles.py::test_x", "postgres"),
    ("tests/app/test_pages.py::test_y[a::b]", "postgres"),
    ("tests/app/test_pages.py", "postgres"),
    ("tests/test_app.py::test_z", "tests/test_app.py"),              # not tests/app/
    ("tests/dbx/test_a.py::test_b", "tests/dbx/test_a.py"),          # a prefix of a name is not the directory
    ("tests/ops/test_ops_cli.py::test_c[x::y]", "tests/ops/test_ops_cli.py"),
    ("tests/test_workflow_gate.py::test_d", "tests/test_workflow_gate.py"),
])
def test_scope_of_a_node_id(nodeid, scope):
    assert scope_of(nodeid) == scope


def test_every_postgres_test_lives_where_the_scheduler_looks(request):
    # The scheduler sees node ids only; a `cluster` test elsewhere would start a second server on another worker.
    outside = [item.nodeid for item in request.session.items
               if "cluster" in item.fixturenames and not item.nodeid.startswith(POSTGRES_DIRS)]
    assert outside == []


def test_make_test_uses_the_scheduler():
    from pathlib import Path

    makefile = (Path(__file__).resolve().parent.parent / "Makefile").read_text()
    assert "--dist loadfile" in makefile
