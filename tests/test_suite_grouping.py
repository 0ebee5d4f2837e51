"""How `make test` spreads the suite over xdist workers (tests/conftest.py): every test of the real PostgreSQL in one
group (one worker, one server), every other test with its file (module fixtures set up once)."""

from __future__ import annotations


def _group(item) -> str:
    marker = item.get_closest_marker("xdist_group")
    assert marker is not None, item.nodeid
    return marker.args[0] if marker.args else marker.kwargs["name"]


def test_every_postgres_test_is_in_the_one_group_and_no_other_is(request):
    items = request.session.items
    postgres = [item for item in items if "cluster" in item.fixturenames]
    others = [item for item in items if "cluster" not in item.fixturenames]
    assert {_group(item) for item in postgres} <= {"postgres"}
    assert [item.nodeid for item in others if _group(item) != item.nodeid.split("::", 1)[0]] == []


def test_this_file_is_its_own_group(request):
    assert _group(request.node) == "tests/test_suite_grouping.py"
