"""restore against moto. moto accepts any RestoreToTime, so these tests also pin that the
window check happens on our side before anything is created."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest


def cluster(stacks, cluster_id):
    return stacks.rds.describe_db_clusters(DBClusterIdentifier=cluster_id)["DBClusters"][0]


def exists(stacks, cluster_id) -> bool:
    return any(c["DBClusterIdentifier"] == cluster_id for c in stacks.rds.describe_db_clusters()["DBClusters"])


def assert_has_source_settings(stacks, stack, new_id, instances):
    new = cluster(stacks, new_id)
    assert new["Status"] == "available"
    assert new["Engine"] == stack.engine
    assert new["DBSubnetGroup"] == stack.subnet_group
    assert [g["VpcSecurityGroupId"] for g in new["VpcSecurityGroups"]] == [stack.security_group_id]
    assert new["DBClusterParameterGroup"] == stack.parameter_group
    assert new["StorageEncrypted"] is True
    assert new["KmsKeyId"] == stack.key_arn
    assert new["IAMDatabaseAuthenticationEnabled"] is True
    assert new["EnabledCloudwatchLogsExports"] == ["postgresql"]
    assert new["CopyTagsToSnapshot"] is True
    members = sorted(m["DBInstanceIdentifier"] for m in new["DBClusterMembers"])
    assert members == [f"{new_id}-{i + 1}" for i in range(instances)]
    described = stacks.rds.describe_db_instances(Filters=[{"Name": "db-cluster-id", "Values": [new_id]}])["DBInstances"]
    assert {i["DBInstanceClass"] for i in described} == {"db.r6g.large"}
    assert not any(i["PubliclyAccessible"] for i in described)
    if instances > 1:
        assert len({i["AvailabilityZone"] for i in described}) > 1


def test_point_in_time_inside_window_builds_cluster_and_instances(stacks, run_ops):
    stack = stacks.build(network=True, encrypted=True)
    earliest = cluster(stacks, stack.cluster_id)["EarliestRestorableTime"]
    result = run_ops(
        "restore",
        "--outputs",
        str(stack.outputs),
        "--to-time",
        earliest.isoformat(),
        "--new-cluster",
        "aurora-dev-pitr",
        "--instances",
        "2",
        "--yes",
        "--json",
    )
    assert result.code == 0, result.err
    assert_has_source_settings(stacks, stack, "aurora-dev-pitr", 2)
    assert result.json()["instances"] == ["aurora-dev-pitr-1", "aurora-dev-pitr-2"]
    assert cluster(stacks, stack.cluster_id)["Status"] == "available"  # source untouched


def test_latest_restorable_time(stacks, run_ops):
    stack = stacks.build(network=True, encrypted=True)
    result = run_ops("restore", "--cluster", stack.cluster_id, "--latest", "--new-cluster", "latest", "--yes")
    assert result.code == 0, result.err
    assert_has_source_settings(stacks, stack, "latest", 1)
    assert result.out.startswith("cluster latest restored from aurora-dev (the latest restorable time)")


def test_from_snapshot(stacks, run_ops):
    stack = stacks.build(network=True, encrypted=True)
    stacks.rds.create_db_cluster_snapshot(DBClusterIdentifier=stack.cluster_id, DBClusterSnapshotIdentifier="nightly")
    result = run_ops(
        "restore",
        "--cluster",
        stack.cluster_id,
        "--snapshot",
        "nightly",
        "--new-cluster",
        "from-snap",
        "--instances",
        "3",
        "--yes",
    )
    assert result.code == 0, result.err
    assert_has_source_settings(stacks, stack, "from-snap", 3)


@pytest.mark.parametrize("offset", [timedelta(days=-1), timedelta(hours=1)], ids=["before", "after"])
def test_time_outside_window_is_refused_and_nothing_is_created(stacks, run_ops, offset):
    stack = stacks.build()
    source = cluster(stacks, stack.cluster_id)
    edge = source["EarliestRestorableTime"] if offset.days < 0 else source["LatestRestorableTime"]
    when = (edge + offset).astimezone(UTC).isoformat()
    result = run_ops(
        "restore",
        "--cluster",
        stack.cluster_id,
        "--to-time",
        when,
        "--new-cluster",
        "too-far",
        "--yes",
    )
    assert result.code == 2
    assert "is outside the restorable window of aurora-dev: " in result.err
    assert len(result.err.splitlines()) == 1
    assert not exists(stacks, "too-far")


def test_no_terminal_and_no_yes_refuses_before_creating(stacks, run_ops):
    stack = stacks.build()
    result = run_ops("restore", "--cluster", stack.cluster_id, "--latest", "--new-cluster", "x")
    assert result.code == 2
    assert "pass --yes" in result.err
    assert not exists(stacks, "x")


def test_unknown_snapshot_is_one_line_aws_error(stacks, run_ops):
    stack = stacks.build()
    result = run_ops(
        "restore",
        "--cluster",
        stack.cluster_id,
        "--snapshot",
        "ghost",
        "--new-cluster",
        "x",
        "--yes",
    )
    assert result.code == 2
    assert result.err.startswith("error: DBClusterSnapshotNotFoundFault: ")
    assert len(result.err.splitlines()) == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--to-time", "yesterday", "--new-cluster", "x"], "argument --to-time: not an ISO 8601 time"),
        (
            ["--to-time", "2026-11-27T10:00:00", "--new-cluster", "x"],
            "argument --to-time: '2026-11-27T10:00:00' has no time zone",
        ),
        (["--latest"], "the following arguments are required: --new-cluster"),
        (
            ["--to-time", "2026-11-27T10:00:00Z", "--latest", "--new-cluster", "x"],
            "argument --latest: not allowed with argument --to-time",
        ),
        (["--new-cluster", "x"], "one of the arguments --to-time --latest --snapshot is required"),
        (["--latest", "--new-cluster", "x", "--instances", "0"], "error: --instances 0: must be between 1 and 16"),
    ],
    ids=["bad-iso", "no-zone", "no-new-cluster", "two-sources", "no-source", "zero-instances"],
)
def test_bad_input_names_the_flag_without_traceback(moto, run_ops, argv, message):
    result = run_ops("restore", "--cluster", "aurora-dev", *argv)
    assert result.code == 2
    assert message in result.err
    assert "Traceback" not in result.err


def test_source_without_restorable_window_is_refused(moto, run_ops):
    """A cluster that reports no window (backups off, or not yet ready) cannot be restored to a time."""
    from ops.commands.restore import check_window
    from ops.errors import OpsError

    with pytest.raises(OpsError, match="cluster c1 reports no restorable window"):
        check_window({"DBClusterIdentifier": "c1"}, datetime.now(UTC))
