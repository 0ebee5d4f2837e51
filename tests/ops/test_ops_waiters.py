"""The polling loop, with a fake clock: progress, timeout, terminal failure."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError, ReadTimeoutError

from ops.waiters import CredentialsExpired, Poller, WaitFailed, WaitTimeout


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def poller(timeout: float, interval: float = 10) -> tuple[Poller, FakeClock, io.StringIO]:
    clock, progress = FakeClock(), io.StringIO()
    start = datetime(2026, 12, 1, 23, 0, tzinfo=UTC)
    return (
        Poller(interval, timeout, progress, clock, clock.sleep, now=lambda: start + timedelta(seconds=clock.now)),
        clock,
        progress,
    )


def test_polls_until_done_and_shows_each_state():
    p, clock, progress = poller(timeout=100)
    states = iter(["creating", "backing-up", "available"])
    result = p.until("snapshot s1", lambda: next(states), lambda s: s == "available", str)
    assert result == "available"
    assert clock.sleeps == [10, 10]
    assert progress.getvalue().splitlines() == [
        "2026-12-01T23:00:00Z [    0s] snapshot s1: creating",
        "2026-12-01T23:00:10Z [   10s] snapshot s1: backing-up",
        "2026-12-01T23:00:20Z [   20s] snapshot s1: available",
    ]


def test_gives_up_at_the_timeout_without_oversleeping():
    p, clock, _ = poller(timeout=25)
    with pytest.raises(WaitTimeout) as caught:
        p.until("writer", lambda: "old", lambda s: False, str)
    # The last sleep is cut to the 5 s left, and that last poll happens at the deadline itself.
    assert clock.sleeps == [10, 10, 5]
    assert str(caught.value) == (
        "stopped waiting for writer after 25s (--timeout 25), last state: old; writer may still change in AWS"
    )


def test_terminal_failure_stops_at_once():
    p, clock, _ = poller(timeout=100)
    with pytest.raises(WaitFailed, match="export e: FAILED"):
        p.until("export e", lambda: "FAILED", lambda s: False, str, failed=lambda s: s)
    assert clock.sleeps == []


def client_error(code, status=400):
    return ClientError({"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}}, "Op")


def failing_then(errors, final="available"):
    """A probe that raises each of ``errors`` once, then answers ``final``."""
    pending = list(errors)

    def probe():
        if pending:
            raise pending.pop(0)
        return final

    return probe


def test_blips_are_retried_with_doubling_backoff_and_shown():
    p, clock, progress = poller(timeout=1000, interval=10)
    blips = [
        client_error("Throttling"),
        client_error("ThrottlingException"),
        EndpointConnectionError(endpoint_url="https://rds"),
        ReadTimeoutError(endpoint_url="https://rds"),
        ConnectionClosedError(endpoint_url="https://rds"),
        client_error("ServiceUnavailable", 503),
        client_error("SomethingNew", 502),
    ]
    assert p.until("cluster c", failing_then(blips), lambda s: s == "available", str) == "available"
    assert clock.sleeps == [10, 20, 40, 60, 60, 60, 60]  # capped at 60 s
    lines = progress.getvalue().splitlines()
    assert lines[0] == "2026-12-01T23:00:00Z [    0s] cluster c: Throttling, poll 1 in a row failed; retrying in 10s"
    assert lines[2].endswith("cluster c: EndpointConnectionError, poll 3 in a row failed; retrying in 40s")
    assert lines[-1].endswith("cluster c: available")


def test_backoff_never_sleeps_past_the_deadline():
    p, clock, _ = poller(timeout=25, interval=10)
    with pytest.raises(WaitTimeout) as caught:
        p.until("cluster c", failing_then([client_error("Throttling")] * 10), lambda s: True, str)
    assert clock.sleeps == [10, 15]  # 10, then 20 would overshoot: cut to the 15 s left
    assert str(caught.value).startswith("stopped waiting for cluster c after 25s (--timeout 25), last state: not read")


@pytest.mark.parametrize("code", ["ExpiredToken", "ExpiredTokenException", "RequestExpired", "InvalidClientTokenId"])
def test_expired_credentials_stop_at_once_with_the_resume_commands(code):
    p, clock, _ = poller(timeout=1000)
    p.inflight.started("snapshot s1", "python -m ops status --snapshot s1", "python -m ops wait --snapshot s1")
    with pytest.raises(CredentialsExpired) as caught:
        p.until("snapshot s1", failing_then([client_error(code)]), lambda s: True, str)
    assert clock.sleeps == []
    assert str(caught.value) == (
        f"credentials stopped working ({code}) after 0s waiting for snapshot s1 (last state: not read yet); "
        "snapshot s1 continues in AWS; check it with `python -m ops status --snapshot s1`, resume with "
        "`python -m ops wait --snapshot s1`. Refresh the credentials first"
    )
    assert caught.value.exit_code == 4


@pytest.mark.parametrize(
    "error",
    [client_error("DBClusterNotFoundFault", 404), client_error("AccessDenied", 403), ValueError("bug")],
    ids=["not-found", "access-denied", "bug"],
)
def test_other_errors_are_not_retried(error):
    p, clock, _ = poller(timeout=1000)
    with pytest.raises(type(error)):
        p.until("cluster c", failing_then([error]), lambda s: True, str)
    assert clock.sleeps == []


def test_json_lines_progress():
    p, clock, progress = poller(timeout=100)
    p.json_lines = True
    p.until("export e", failing_then([client_error("Throttling")], "COMPLETE"), lambda s: s == "COMPLETE", str)
    records = [json.loads(line) for line in progress.getvalue().splitlines()]
    assert records == [
        {
            "time": "2026-12-01T23:00:00Z",
            "elapsed": 0.0,
            "what": "export e",
            "status": "Throttling, poll 1 in a row failed; retrying in 10s",
            "error": "Throttling",
        },
        {"time": "2026-12-01T23:00:10Z", "elapsed": 10.0, "what": "export e", "status": "COMPLETE"},
    ]


def test_timeout_zero_polls_once():
    p, clock, _ = poller(timeout=0)
    with pytest.raises(WaitTimeout, match=r"after 0s \(--timeout 0\), last state: creating"):
        p.until("snapshot s", lambda: "creating", lambda s: False, str)
    assert clock.sleeps == []


def test_one_deadline_for_all_the_waits_of_a_command():
    """A restore waits for the cluster, then for its instances: --timeout is the total, not per wait."""
    p, clock, _ = poller(timeout=30)
    states = iter(["creating", "creating", "available"])
    p.until("cluster c", lambda: next(states), lambda s: s == "available", str)
    assert clock.now == 20
    with pytest.raises(WaitTimeout, match=r"^stopped waiting for instances of c after 30s \(--timeout 30\)"):
        p.until("instances of c", lambda: "creating", lambda s: False, str)
    assert clock.sleeps == [10, 10, 10]
