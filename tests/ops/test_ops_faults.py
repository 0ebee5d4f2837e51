"""Faults mid-operation, through a fault-injecting proxy on 127.0.0.1 in front of moto: what is
left behind in AWS, what the user is told, and that the command it names picks the work up.

The commands reach the proxy with --endpoint-url; the tests' own clients read moto directly.
AWS_MAX_ATTEMPTS=1 (conftest): botocore does not retry, so every blip reaches our wait loop.
"""

from __future__ import annotations

import re
import shlex

import pytest

from ops.aws import boto3_client

RESTORE = "RestoreDBClusterToPointInTime"


def restore_argv(proxy, stack, *extra):
    return (
        "restore", "--cluster", stack.cluster_id, "--latest", "--new-cluster", "restored", "--instances", "2",
        "--yes", "--endpoint-url", proxy.url, *extra,
    )


def members(stacks, cluster_id):
    found = stacks.rds.describe_db_instances(Filters=[{"Name": "db-cluster-id", "Values": [cluster_id]}])
    return sorted(i["DBInstanceIdentifier"] for i in found["DBInstances"])


def cluster_ids(stacks):
    return sorted(c["DBClusterIdentifier"] for c in stacks.rds.describe_db_clusters()["DBClusters"])


def quoted_commands(message):
    """The `...` commands a message tells the user to run."""
    return re.findall(r"`(python -m ops [^`]+)`", message)


def test_wait_survives_throttling_a_drop_and_a_read_timeout(stacks, run_ops, fault_proxy):
    stack = stacks.build()
    for kind in ("throttle", "throttle", "drop"):
        fault_proxy.add(kind, "DescribeDBClusters", after=RESTORE)
    fault_proxy.add("stall", "DescribeDBInstances", after="CreateDBInstance", seconds=2)
    result = run_ops(*restore_argv(fault_proxy, stack, "--cli-read-timeout", "1"))
    assert result.code == 0, result.err
    assert fault_proxy.fired == [
        ("throttle", "DescribeDBClusters"),
        ("throttle", "DescribeDBClusters"),
        ("drop", "DescribeDBClusters"),
        ("stall", "DescribeDBInstances"),
    ]
    progress = result.err
    assert "cluster restored: ThrottlingException, poll 1 in a row failed; retrying in 0s" in progress
    assert "cluster restored: ThrottlingException, poll 2 in a row failed" in progress
    assert "cluster restored: ConnectionClosedError, poll 3 in a row failed" in progress
    assert "instances of restored: ReadTimeoutError, poll 1 in a row failed" in progress
    assert "Traceback" not in progress
    assert members(stacks, "restored") == ["restored-1", "restored-2"]


def test_expired_credentials_stop_the_wait_and_the_named_command_finishes_the_restore(stacks, run_ops, fault_proxy):
    stack = stacks.build()
    fault_proxy.add("expired", "DescribeDBClusters", after=RESTORE)
    result = run_ops(*restore_argv(fault_proxy, stack))
    assert result.code == 4
    last = result.err.splitlines()[-1]
    assert last.startswith(
        "ops: error: credentials stopped working (ExpiredToken) after 0s waiting for cluster restored (last state: not "
        "read yet); the restore of restored (its instances are created only by `ops restore`) continues in AWS;"
    )
    assert last.endswith("Refresh the credentials first")
    # Left behind: the cluster, no instances; nothing else was attempted after the refusal.
    assert "restored" in cluster_ids(stacks)
    assert members(stacks, "restored") == []
    assert "CreateDBInstance" not in fault_proxy.seen
    status, resume = quoted_commands(last)[-2:]
    assert status == f"python -m ops status --cluster restored --region eu-west-1 --endpoint-url {fault_proxy.url}"
    assert resume == f"python -m ops restore --resume restored --region eu-west-1 --endpoint-url {fault_proxy.url}"

    checked = run_ops(*shlex.split(status)[3:], "--json")
    assert checked.code == 0, checked.err
    assert checked.json()["detail"]["instances"] == {}
    finished = run_ops(*shlex.split(resume)[3:], "--yes")
    assert finished.code == 0, finished.err
    assert "cluster restored exists from an earlier run of this restore; creating only what is missing" in finished.err
    assert members(stacks, "restored") == ["restored-1", "restored-2"]


def test_ctrl_c_during_the_wait_names_the_resume_command_and_a_rerun_resumes(stacks, run_ops, fault_proxy):
    stack = stacks.build()
    fault_proxy.add("throttle", "DescribeDBClusters", after=RESTORE)

    def ctrl_c(seconds):
        raise KeyboardInterrupt

    result = run_ops(*restore_argv(fault_proxy, stack), sleep=ctrl_c)
    assert result.code == 130
    assert result.err.splitlines()[-1] == (
        "ops: error: "
        "interrupted; the restore of restored (its instances are created only by `ops restore`) continues in "
        f"AWS; check it with `python -m ops status --cluster restored --region eu-west-1 --endpoint-url "
        f"{fault_proxy.url}`, resume with `python -m ops restore --resume restored --region eu-west-1 "
        f"--endpoint-url {fault_proxy.url}`"
    )
    assert members(stacks, "restored") == []
    # The same command again finds the cluster it created (by its tags) and creates only what is missing.
    again = run_ops(*restore_argv(fault_proxy, stack))
    assert again.code == 0, again.err
    assert fault_proxy.seen.count(RESTORE) == 1
    assert members(stacks, "restored") == ["restored-1", "restored-2"]


def test_timeout_during_throttling_says_how_long_it_really_waited(stacks, run_ops, fault_proxy):
    """--timeout 0: one poll, throttled; the command stops at once and says 0s, not a rounded-up interval."""
    stack = stacks.build()
    fault_proxy.add("throttle", "DescribeDBClusters", after=RESTORE)
    result = run_ops(*restore_argv(fault_proxy, stack, "--timeout", "0"))
    assert result.code == 4
    assert result.err.splitlines()[-1].startswith(
        "ops: error: stopped waiting for cluster restored after 0s (--timeout 0), last state: not read yet; "
        "the restore of restored"
    )


def test_failover_wait_survives_a_throttled_poll(stacks, run_ops, fault_proxy):
    stack = stacks.build(zones=("a", "b"))
    fault_proxy.add("throttle", "DescribeDBClusters", count=2, after="FailoverDBCluster")
    result = run_ops("failover", "--cluster", stack.cluster_id, "--yes", "--endpoint-url", fault_proxy.url)
    assert result.code == 0, result.err
    assert result.out == "aurora-dev: writer aurora-dev-1 -> aurora-dev-2\n"
    assert len(fault_proxy.fired) == 2


def test_an_error_that_is_not_a_blip_is_not_retried(stacks, run_ops, fault_proxy):
    """Throttling before anything started is AWS refusing the command: exit 3, nothing created."""
    stack = stacks.build()
    fault_proxy.add("throttle", RESTORE)
    result = run_ops(*restore_argv(fault_proxy, stack))
    assert result.code == 3
    assert result.err.splitlines()[-1] == (
        f"ops: error: ThrottlingException in eu-west-1 ({RESTORE}, request id fault-1): Rate exceeded"
    )
    assert "restored" not in cluster_ids(stacks)


@pytest.mark.parametrize("kind", ["drop", "expired"])
def test_snapshot_wait_fault_leaves_the_snapshot_and_says_how_to_wait(stacks, run_ops, fault_proxy, kind):
    stack = stacks.build()
    fault_proxy.add(kind, "DescribeDBClusterSnapshots", after="CreateDBClusterSnapshot")
    result = run_ops(
        "snapshot", "--cluster", stack.cluster_id, "--snapshot-id", "s1", "--endpoint-url", fault_proxy.url
    )
    if kind == "drop":
        assert result.code == 0, result.err
        assert "snapshot s1: ConnectionClosedError, poll 1 in a row failed" in result.err
    else:
        assert result.code == 4
        assert result.err.splitlines()[-1].endswith(
            f"`python -m ops wait --snapshot s1 --region eu-west-1 --endpoint-url {fault_proxy.url}`. "
            "Refresh the credentials first"
        )


def test_ctrl_c_while_the_restore_request_is_in_flight_says_it_may_have_started(stacks, run_ops):
    """Between sending the request and reading the answer nobody knows whether AWS took it."""
    stack = stacks.build()
    client = boto3_client("rds", "eu-west-1")

    def ctrl_c(**_kwargs):
        raise KeyboardInterrupt

    client.meta.events.register(f"before-call.rds.{RESTORE}", ctrl_c)
    result = run_ops(*restore_argv_plain(stack), make_client=lambda service, region: client)
    assert result.code == 130
    assert result.err.splitlines()[-1] == (
        "ops: error: interrupted; the restore of restored (its instances are created only by `ops restore`) may or may "
        "not have started in AWS; check with `python -m ops status --cluster restored --region eu-west-1` and, if it "
        "did, resume with `python -m ops restore --resume restored --region eu-west-1`"
    )


def test_refused_restore_request_does_not_claim_anything_runs(stacks, run_ops, fault_proxy):
    stack = stacks.build()
    fault_proxy.add("expired", RESTORE)
    result = run_ops(*restore_argv(fault_proxy, stack))
    assert result.code == 3
    assert result.err.splitlines()[-1] == (
        f"ops: error: ExpiredToken in eu-west-1 ({RESTORE}, request id fault-1): The security token included in the "
        "request is expired"
    )


def restore_argv_plain(stack):
    return ("restore", "--cluster", stack.cluster_id, "--latest", "--new-cluster", "restored", "--yes")
