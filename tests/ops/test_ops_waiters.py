"""The polling loop, with a fake clock: progress, timeout, terminal failure."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest

from ops.waiters import Poller, WaitFailed, WaitTimeout


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
