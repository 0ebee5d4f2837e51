"""restore's two waits: for the new cluster, then for its instances in one loop (botocore Stubber).

Stubber, because moto's restored clusters and new instances are `available` at once: the states in between
(`creating`, an instance not listed yet) and the states a restore cannot come back from never happen there. The
status names are RDS's (DBCluster.Status, DBInstance.DBInstanceStatus in the RDS User Guide); Stubber checks each
request against botocore's RDS model. What is pinned: each poll's progress line shows the AWS status of every
resource (docs/ops.md, "Waiting"), a state that cannot end well stops the wait at once naming every bad one
(exit 3, `WaitFailed`), rather than waiting out the two-hour --timeout."""

from __future__ import annotations

import io
import itertools
from datetime import UTC, datetime

import pytest

from ops.commands.restore import wait_cluster, wait_instances
from ops.errors import EXIT_AWS
from ops.waiters import Poller, WaitFailed

IN_COPY = {"Filters": [{"Name": "db-cluster-id", "Values": ["copy"]}]}


def poller() -> Poller:
    ticks = itertools.count()
    return Poller(0, 7200, io.StringIO(), clock=lambda: float(next(ticks)), sleep=lambda _seconds: None,
                  now=lambda: datetime(2026, 11, 27, 10, 0, tzinfo=UTC))


def statuses(p: Poller) -> list[str]:
    """The `what: status` part of each progress line."""
    return [line.split("] ", 1)[1] for line in p.progress.getvalue().splitlines()]


def cluster_polls(stubber, *states):
    for state in states:
        stubber.add_response("describe_db_clusters",
                             {"DBClusters": [{"DBClusterIdentifier": "copy", "Status": state}]},
                             {"DBClusterIdentifier": "copy"})


def instance_polls(stubber, *polls):
    for poll in polls:
        stubber.add_response("describe_db_instances", {"DBInstances": [
            {"DBInstanceIdentifier": name, "DBInstanceStatus": state} for name, state in poll.items()]}, IN_COPY)


def test_the_cluster_wait_shows_each_status_until_available(stubbed_rds):
    client, stubber = stubbed_rds
    cluster_polls(stubber, "creating", "backing-up", "available")
    p = poller()
    assert wait_cluster(p, client, "copy")["Status"] == "available"
    assert statuses(p) == ["cluster copy: creating", "cluster copy: backing-up", "cluster copy: available"]


@pytest.mark.parametrize("state", ["failed", "deleting", "inaccessible-encryption-credentials", "incompatible-restore"])
def test_a_cluster_that_cannot_become_available_stops_the_wait_naming_its_status(stubbed_rds, state):
    client, stubber = stubbed_rds
    cluster_polls(stubber, "creating", state)
    p = poller()
    with pytest.raises(WaitFailed) as error:
        wait_cluster(p, client, "copy")
    assert str(error.value) == f"cluster copy: status {state}"
    assert error.value.exit_code == EXIT_AWS
    assert statuses(p)[-1] == f"cluster copy: {state}"


def test_the_instance_wait_shows_every_instance_including_one_not_listed_yet(stubbed_rds):
    """Right after CreateDBInstance an instance may not be listed yet: it is shown as `not found`, not as a
    failure, and the wait goes on."""
    client, stubber = stubbed_rds
    instance_polls(stubber, {}, {"copy-1": "creating"}, {"copy-1": "available", "copy-2": "backing-up"},
                   {"copy-1": "available", "copy-2": "available"})
    p = poller()
    wait_instances(p, client, "copy", ["copy-1", "copy-2"])
    assert statuses(p) == [
        "instances of copy: copy-1 not found, copy-2 not found",
        "instances of copy: copy-1 creating, copy-2 not found",
        "instances of copy: copy-1 available, copy-2 backing-up",
        "instances of copy: copy-1 available, copy-2 available",
    ]


def test_instances_that_cannot_become_available_stop_the_wait_naming_each(stubbed_rds):
    client, stubber = stubbed_rds
    instance_polls(stubber, {"copy-1": "creating", "copy-2": "creating", "copy-3": "creating"},
                   {"copy-1": "failed", "copy-2": "available", "copy-3": "incompatible-parameters"})
    p = poller()
    with pytest.raises(WaitFailed) as error:
        wait_instances(p, client, "copy", ["copy-1", "copy-2", "copy-3"])
    assert str(error.value) == "instances of copy: copy-1 is failed; copy-3 is incompatible-parameters"
    assert error.value.exit_code == EXIT_AWS
