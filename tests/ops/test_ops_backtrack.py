"""backtrack: engine and window checks against moto; the API calls themselves with Stubber.

moto 5.2.5 implements neither backtrack_db_cluster nor describe_db_cluster_backtracks (it
answers HTTP 500, which botocore reports as ResponseParserError), and it never reports
EarliestBacktrackTime. So the exact requests, the progress loop and the EarliestBacktrackTime
bound are pinned with botocore.stub.Stubber; the refusals that happen before any backtrack call
run against moto.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def test_postgresql_is_refused_and_pointed_to_restore(stacks, run_ops):
    stack = stacks.build()
    when = datetime.now(UTC).isoformat()
    result = run_ops("backtrack", "--cluster", stack.cluster_id, "--to-time", when, "--yes")
    assert result.code == 2
    assert result.err.startswith(
        "ops: error: backtrack is only for Aurora MySQL; aurora-dev runs aurora-postgresql. "
        "Use `python -m ops restore --to-time"
    )


def test_mysql_without_backtrack_window_is_refused(stacks, run_ops):
    stack = stacks.build(engine="aurora-mysql")
    when = datetime.now(UTC).isoformat()
    result = run_ops("backtrack", "--cluster", stack.cluster_id, "--to-time", when, "--yes")
    assert result.code == 2
    assert "backtrack is not enabled on aurora-dev (BacktrackWindow 0)" in result.err


@pytest.mark.parametrize("offset", [timedelta(hours=-2), timedelta(minutes=5)], ids=["before", "future"])
def test_time_outside_window_is_refused(stacks, run_ops, offset):
    stack = stacks.build(engine="aurora-mysql", backtrack=3600)
    when = (datetime.now(UTC) + offset).isoformat()
    result = run_ops("backtrack", "--cluster", stack.cluster_id, "--to-time", when, "--yes")
    assert result.code == 2
    assert "is outside the backtrack window of aurora-dev" in result.err


def test_dry_run_checks_and_changes_nothing(stacks, run_ops):
    stack = stacks.build(engine="aurora-mysql", backtrack=3600)
    when = (datetime.now(UTC) - timedelta(minutes=10)).isoformat()
    result = run_ops("backtrack", "--cluster", stack.cluster_id, "--to-time", when, "--dry-run", "--json")
    assert result.code == 0, result.err
    assert result.json()["dryRun"] is True


def test_an_endpoint_that_cannot_answer_backtrack_is_one_line():
    """What an endpoint without the call (moto, some proxies) looks like: botocore cannot parse its answer."""
    from botocore.parsers import ResponseParserError

    from ops.errors import one_line

    error = ResponseParserError("Unable to parse response (no element found), invalid XML received.\nb'<html>'")
    assert one_line(error) == ("ResponseParserError: Unable to parse response (no element found), invalid XML "
                               "received. (the endpoint may not implement this call)")


# ------------------------------------------------------------------- Stubber: exact requests


def mysql_cluster(**extra):
    return {
        "DBClusterIdentifier": "orders",
        "Engine": "aurora-mysql",
        "Status": "available",
        "BacktrackWindow": 86400,
        "EarliestBacktrackTime": NOW - timedelta(hours=6),
        **extra,
    }


def run_stubbed(run_ops, client, *argv, **kwargs):
    return run_ops(
        "backtrack",
        "--cluster",
        "orders",
        *argv,
        make_client=lambda service, region: client,
        now=lambda: NOW,
        **kwargs,
    )


def test_backtrack_request_and_progress(stubbed_rds, run_ops):
    """Stubber, because moto lacks backtrack_db_cluster and describe_db_cluster_backtracks: the
    exact BacktrackDBCluster request (no UseEarliestTimeOnPointInTimeUnavailable, the time in
    UTC) and the polling of its status until completed."""
    client, stubber = stubbed_rds
    when = NOW - timedelta(hours=1)
    stubber.add_response("describe_db_clusters", {"DBClusters": [mysql_cluster()]}, {"DBClusterIdentifier": "orders"})
    stubber.add_response(
        "backtrack_db_cluster",
        {"BacktrackIdentifier": "bt-1", "Status": "pending"},
        {"DBClusterIdentifier": "orders", "BacktrackTo": when},
    )
    expected = {"DBClusterIdentifier": "orders", "BacktrackIdentifier": "bt-1"}
    for status in ("applying", "completed"):
        stubber.add_response(
            "describe_db_cluster_backtracks",
            {"DBClusterBacktracks": [{"BacktrackIdentifier": "bt-1", "Status": status}]},
            expected,
        )
    result = run_stubbed(run_ops, client, "--to-time", "2026-11-27T12:00:00+01:00", "--yes", "--json")
    assert result.code == 0, result.err
    assert result.json()["backtrackId"] == "bt-1"
    assert result.json()["status"] == "completed"
    # --json: progress comes as JSON lines on stderr, one per poll.
    lines = [json.loads(line) for line in result.err.splitlines()]
    assert lines[0] == {"time": "2026-11-27T12:00:00Z", "note": "backtrack bt-1 of orders started"}
    progress = [p for p in lines if "what" in p]
    assert [(p["what"], p["status"]) for p in progress] == [
        ("backtrack bt-1", "applying"),
        ("backtrack bt-1", "completed"),
    ]
    assert progress[0]["time"] == "2026-11-27T12:00:00Z"


def test_a_refused_backtrack_is_one_line_and_exit_3(stubbed_rds, run_ops):
    """Stubber: RDS refuses the call (a cluster that is not available); the user gets its code and message."""
    client, stubber = stubbed_rds
    when = NOW - timedelta(hours=1)
    stubber.add_response("describe_db_clusters", {"DBClusters": [mysql_cluster()]}, {"DBClusterIdentifier": "orders"})
    stubber.add_client_error("backtrack_db_cluster", service_error_code="InvalidDBClusterStateFault",
                             service_message="DbCluster orders is not in available state.\nRetry later.",
                             http_status_code=400,
                             expected_params={"DBClusterIdentifier": "orders", "BacktrackTo": when})
    result = run_stubbed(run_ops, client, "--to-time", "2026-11-27T12:00:00+01:00", "--yes")
    assert result.code == 3
    assert result.err == (
        "ops: error: "
        "InvalidDBClusterStateFault in eu-west-1 (BacktrackDBCluster): DbCluster orders is not in available "
        "state.\n"
    )


def test_earliest_backtrack_time_bounds_the_window(stubbed_rds, run_ops):
    """Stubber, because moto never reports EarliestBacktrackTime."""
    client, stubber = stubbed_rds
    stubber.add_response("describe_db_clusters", {"DBClusters": [mysql_cluster()]})
    # Inside the 24 h BacktrackWindow but before EarliestBacktrackTime (6 h ago): refused.
    result = run_stubbed(run_ops, client, "--to-time", "2026-11-27T05:00:00Z", "--yes")
    assert result.code == 2
    assert result.err == (
        "ops: error: --to-time 2026-11-27T05:00:00Z is outside the backtrack window of orders: "
        "2026-11-27T06:00:00Z .. 2026-11-27T12:00:00Z (now)\n"
    )


def test_failed_backtrack_is_an_error(stubbed_rds, run_ops):
    """Stubber, because moto lacks describe_db_cluster_backtracks."""
    client, stubber = stubbed_rds
    stubber.add_response("describe_db_clusters", {"DBClusters": [mysql_cluster()]})
    stubber.add_response("backtrack_db_cluster", {"BacktrackIdentifier": "bt-2", "Status": "pending"})
    stubber.add_response(
        "describe_db_cluster_backtracks",
        {"DBClusterBacktracks": [{"BacktrackIdentifier": "bt-2", "Status": "failed"}]},
    )
    result = run_stubbed(run_ops, client, "--to-time", "2026-11-27T11:00:00Z", "--yes")
    assert result.code == 3
    assert result.err.endswith("ops: error: backtrack bt-2: failed\n")


def test_no_terminal_and_no_yes_refuses_before_calling(stubbed_rds, run_ops):
    client, stubber = stubbed_rds
    stubber.add_response("describe_db_clusters", {"DBClusters": [mysql_cluster()]})
    result = run_stubbed(run_ops, client, "--to-time", "2026-11-27T11:00:00Z")
    assert result.code == 2
    assert "pass --yes" in result.err


@pytest.mark.parametrize("to_time", ["2026-11-27T06:00:00Z", "2026-11-27T12:00:00Z"], ids=["earliest", "now"])
def test_both_ends_of_the_window_can_be_backtracked_to(stubbed_rds, run_ops, to_time):
    client, stubber = stubbed_rds
    stubber.add_response("describe_db_clusters", {"DBClusters": [mysql_cluster()]})
    result = run_stubbed(run_ops, client, "--to-time", to_time, "--dry-run", "--json")
    assert result.code == 0, result.err
    assert result.json() == {"cluster": "orders", "backtrackTo": to_time,
                             "window": {"earliest": "2026-11-27T06:00:00Z", "latest": "2026-11-27T12:00:00Z"},
                             "dryRun": True}
    stubber.add_response("describe_db_clusters", {"DBClusters": [mysql_cluster()]})
    result = run_stubbed(run_ops, client, "--to-time", to_time, "--dry-run")
    assert result.out == f"dry run: orders can be backtracked to {to_time}; nothing changed\n"


class _Terminal:
    """A terminal's stdin with the user's answer."""

    def __init__(self, answer: str) -> None:
        self.answer, self.closed = answer, False

    def isatty(self) -> bool:
        return True

    def readline(self) -> str:
        return self.answer


def test_the_prompt_names_the_cluster_and_the_time_and_a_yes_starts_it(stubbed_rds, run_ops):
    client, stubber = stubbed_rds
    stubber.add_response("describe_db_clusters", {"DBClusters": [mysql_cluster()]})
    stubber.add_response("backtrack_db_cluster", {"BacktrackIdentifier": "bt-3", "Status": "pending"})
    result = run_stubbed(run_ops, client, "--to-time", "2026-11-27T11:00:00Z", "--no-wait", stdin=_Terminal("y\n"))
    assert result.code == 0, result.err
    assert result.err.startswith("Backtrack orders in place to 2026-11-27T11:00:00Z: every change after it is lost."
                                 "\nProceed? [y/N] ")
    assert result.out == "backtrack bt-3 of orders started; not waiting (--no-wait)\n"


def test_the_stacks_region_wins_over_the_environments(stacks, run_ops, monkeypatch):
    stack = stacks.build(engine="aurora-mysql", backtrack=3600)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-2")  # no cluster there: it is in the stack's eu-west-1
    when = (datetime.now(UTC) - timedelta(minutes=10)).isoformat()
    result = run_ops("backtrack", "--outputs", str(stack.outputs), "--to-time", when, "--dry-run")
    assert result.code == 0, result.err


def test_no_wait_json_names_the_backtrack_and_its_first_status(stubbed_rds, run_ops):
    """Stubber, because moto lacks backtrack_db_cluster: with --no-wait the JSON result carries what a script needs to
    follow it (`ops wait --cluster orders --backtrack ID`): the id, AWS's first status, and that nothing waited."""
    client, stubber = stubbed_rds
    stubber.add_response("describe_db_clusters", {"DBClusters": [mysql_cluster()]})
    stubber.add_response("backtrack_db_cluster", {"BacktrackIdentifier": "bt-4", "Status": "pending"})
    result = run_stubbed(run_ops, client, "--to-time", "2026-11-27T11:00:00Z", "--yes", "--no-wait", "--json")
    assert result.code == 0, result.err
    assert result.json() == {"cluster": "orders", "backtrackTo": "2026-11-27T11:00:00Z",
                             "window": {"earliest": "2026-11-27T06:00:00Z", "latest": "2026-11-27T12:00:00Z"},
                             "dryRun": False, "backtrackId": "bt-4", "status": "pending", "waited": False}


def test_a_finished_backtrack_says_where_the_cluster_was_rewound_to(stubbed_rds, run_ops):
    """Stubber, because moto lacks backtrack_db_cluster and describe_db_cluster_backtracks."""
    client, stubber = stubbed_rds
    stubber.add_response("describe_db_clusters", {"DBClusters": [mysql_cluster()]})
    stubber.add_response("backtrack_db_cluster", {"BacktrackIdentifier": "bt-5", "Status": "pending"})
    stubber.add_response("describe_db_cluster_backtracks",
                         {"DBClusterBacktracks": [{"BacktrackIdentifier": "bt-5", "Status": "completed"}]})
    result = run_stubbed(run_ops, client, "--to-time", "2026-11-27T11:00:00Z", "--yes")
    assert result.code == 0, result.err
    assert result.out == "orders backtracked to 2026-11-27T11:00:00Z (bt-5)\n"


def test_to_time_is_required(run_ops, aws_env):
    result = run_ops("backtrack", "--cluster", "orders", "--dry-run")
    assert result.code == 2
    assert result.err.splitlines()[-1].endswith("error: the following arguments are required: --to-time")


def test_help_says_to_time_is_an_iso8601_time_to_rewind_to(run_ops):
    result = run_ops("backtrack", "--help")
    assert result.code == 0
    text = " ".join(result.out.split())  # argparse wraps to the terminal's width
    assert "--to-time ISO8601 time to rewind to" in text
    assert "--dry-run check engine and window, change nothing" in text
