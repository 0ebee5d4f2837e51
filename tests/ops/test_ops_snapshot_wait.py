"""`ops snapshot` waits for the snapshot: a snapshot AWS reports as failed ends the wait at once (WaitFailed:
exit 3, the operation failed), never a wait until --timeout that reads as "still in progress" (exit 4)."""

from __future__ import annotations

import pytest

from ops.commands.snapshot import wait_available
from ops.waiters import WaitFailed

from .test_ops_waiters import poller


class Snapshots:
    """describe_db_cluster_snapshots answering the given statuses in turn (the last one repeated)."""

    def __init__(self, *statuses: str) -> None:
        self.statuses = list(statuses)
        self.calls = 0

    def describe_db_cluster_snapshots(self, DBClusterSnapshotIdentifier: str) -> dict:
        status = self.statuses[min(self.calls, len(self.statuses) - 1)]
        self.calls += 1
        return {"DBClusterSnapshots": [{"DBClusterSnapshotIdentifier": DBClusterSnapshotIdentifier,
                                        "Status": status, "PercentProgress": 40}]}


@pytest.mark.parametrize("status", ["failed", "error"])
def test_a_failed_snapshot_ends_the_wait_at_the_first_poll_that_sees_it(status):
    p, clock, _progress = poller(timeout=3600, interval=30)
    rds = Snapshots("creating", status)
    with pytest.raises(WaitFailed) as raised:
        wait_available(p, rds, "blog-manual-1")
    assert str(raised.value) == f"snapshot blog-manual-1: status {status}"
    assert raised.value.exit_code == 3
    assert rds.calls == 2 and clock.sleeps == [30]  # one wait between the two polls, none after the failure


def test_an_available_snapshot_is_returned_and_a_creating_one_is_waited_on():
    p, clock, progress = poller(timeout=3600, interval=30)
    snap = wait_available(p, Snapshots("creating", "creating", "available"), "blog-manual-1")
    assert snap["Status"] == "available"
    assert clock.sleeps == [30, 30]
    assert "creating 40%" in progress.getvalue()


class SnapshotsWithoutProgress(Snapshots):
    """An answer without PercentProgress (the RDS model does not require it; emulators leave it out)."""

    def describe_db_cluster_snapshots(self, DBClusterSnapshotIdentifier: str) -> dict:
        answer = super().describe_db_cluster_snapshots(DBClusterSnapshotIdentifier)
        del answer["DBClusterSnapshots"][0]["PercentProgress"]
        return answer


def test_a_snapshot_without_a_reported_progress_shows_0_percent():
    p, _clock, progress = poller(timeout=3600, interval=30)
    wait_available(p, SnapshotsWithoutProgress("creating", "available"), "blog-manual-1")
    assert progress.getvalue().splitlines()[0].endswith("snapshot blog-manual-1: creating 0%")
