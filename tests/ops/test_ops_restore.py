"""restore against moto. moto accepts any RestoreToTime, so these tests also pin that the
window check happens on our side before anything is created."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.stub import ANY


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
    assert result.err == "ops: error: --snapshot ghost: no such cluster snapshot; nothing changed\n"
    assert not exists(stacks, "x")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--to-time", "yesterday", "--new-cluster", "x"], "argument --to-time: not an ISO 8601 time"),
        (
            ["--to-time", "2026-11-27T10:00:00", "--new-cluster", "x"],
            "argument --to-time: '2026-11-27T10:00:00' has no time zone",
        ),
        (["--latest"], "ops: error: --new-cluster NAME is required (or --resume NAME to finish an earlier restore)"),
        (
            ["--to-time", "2026-11-27T10:00:00Z", "--latest", "--new-cluster", "x"],
            "argument --latest: not allowed with argument --to-time",
        ),
        (["--new-cluster", "x"], "one of the arguments --to-time --latest --snapshot --resume is required"),
        (["--latest", "--new-cluster", "x", "--instances", "0"], "ops: error: --instances 0: must be between 1 and 16"),
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


# ------------------------------------------------------------------- Stubber: the exact requests

SOURCE_KEY = "arn:aws:kms:eu-west-1:123456789012:key/1111"
MONITORING_ROLE = "arn:aws:iam::123456789012:role/aurora-dev-monitoring"


def serverless_source(**extra):
    """The dev stack as AWS describes it: Serverless v2 that auto-pauses (Pulumi.dev.yaml)."""
    return {
        "DBClusterIdentifier": "aurora-dev",
        "Engine": "aurora-postgresql",
        "EngineVersion": "16.6",
        "Status": "available",
        "Port": 5432,
        "DBSubnetGroup": "aurora-dev-isolated",
        "VpcSecurityGroups": [{"VpcSecurityGroupId": "sg-db", "Status": "active"}],
        "DBClusterParameterGroup": "aurora-dev-cluster",
        "StorageEncrypted": True,
        "KmsKeyId": SOURCE_KEY,
        "IAMDatabaseAuthenticationEnabled": True,
        "EnabledCloudwatchLogsExports": ["postgresql"],
        "CopyTagsToSnapshot": True,
        "DeletionProtection": False,
        "BackupRetentionPeriod": 7,
        "PreferredBackupWindow": "03:00-04:00",
        "StorageType": "aurora",
        "ServerlessV2ScalingConfiguration": {"MinCapacity": 0.0, "MaxCapacity": 4.0, "SecondsUntilAutoPause": 1800},
        "EarliestRestorableTime": datetime(2026, 11, 20, 3, 0, tzinfo=UTC),
        "LatestRestorableTime": datetime(2026, 11, 27, 11, 55, tzinfo=UTC),
        "DBClusterMembers": [{"DBInstanceIdentifier": "aurora-dev-1", "IsClusterWriter": True, "PromotionTier": 0}],
        "TagList": [
            {"Key": "Project", "Value": "aurora-platform"},
            {"Key": "Stack", "Value": "dev"},
            {"Key": "Environment", "Value": "development"},
            {"Key": "ManagedBy", "Value": "pulumi"},
        ],
        **extra,
    }


SERVERLESS_WRITER = {
    "DBInstanceIdentifier": "aurora-dev-1",
    "DBInstanceClass": "db.serverless",
    "Engine": "aurora-postgresql",
    "AvailabilityZone": "eu-west-1a",
    "DBParameterGroups": [{"DBParameterGroupName": "aurora-dev-instance", "ParameterApplyStatus": "in-sync"}],
    "CACertificateIdentifier": "rds-ca-rsa2048-g1",
    "AutoMinorVersionUpgrade": True,
    "PerformanceInsightsEnabled": True,
    "PerformanceInsightsKMSKeyId": SOURCE_KEY,
    "PerformanceInsightsRetentionPeriod": 31,
    "MonitoringInterval": 15,
    "MonitoringRoleArn": MONITORING_ROLE,
}
STACK_TAGS = [
    {"Key": "Project", "Value": "aurora-platform"},
    {"Key": "Stack", "Value": "dev"},
    {"Key": "Environment", "Value": "development"},
]
CLUSTER_TAGS = [
    *STACK_TAGS,
    {"Key": "restored-from", "Value": "aurora-dev"},
    {"Key": "restored-from-point", "Value": "time:2026-11-27T09:30:00Z"},
    {"Key": "ops-restore-instances", "Value": "1"},
    {"Key": "created-by", "Value": "aurora-platform-ops"},
]
INSTANCE_TAGS = [
    *STACK_TAGS,
    {"Key": "restored-from", "Value": "aurora-dev"},
    {"Key": "restored-from-point", "Value": "time:2026-11-27T09:30:00Z"},
    {"Key": "created-by", "Value": "aurora-platform-ops"},
]


def absent_cluster(stubber, cluster_id):
    stubber.add_client_error(
        "describe_db_clusters",
        "DBClusterNotFoundFault",
        f"DBCluster {cluster_id} not found.",
        http_status_code=404,
        expected_params={"DBClusterIdentifier": cluster_id},
    )


def absent_instance(stubber, instance_id):
    stubber.add_client_error(
        "describe_db_instances",
        "DBInstanceNotFound",
        f"DBInstance {instance_id} not found.",
        http_status_code=404,
        expected_params={"DBInstanceIdentifier": instance_id},
    )


def test_serverless_source_restore_request_carries_every_setting(stubbed_rds, run_ops):
    """Stubber, because moto copies every attribute of the source into a restored cluster (so
    a forgotten parameter would go unnoticed) and accepts a db.serverless instance in a cluster
    without a Serverless v2 scaling configuration, which AWS refuses. Stubber also validates
    each request against botocore's RDS service model."""
    client, stubber = stubbed_rds
    when = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
    absent_cluster(stubber, "aurora-dev-0930")
    stubber.add_response(
        "describe_db_clusters", {"DBClusters": [serverless_source()]}, {"DBClusterIdentifier": "aurora-dev"}
    )
    stubber.add_response(
        "describe_db_instances",
        {"DBInstances": [SERVERLESS_WRITER]},
        {"Filters": [{"Name": "db-cluster-id", "Values": ["aurora-dev"]}]},
    )
    absent_instance(stubber, "aurora-dev-0930-1")
    stubber.add_response(
        "restore_db_cluster_to_point_in_time",
        {"DBCluster": {"DBClusterIdentifier": "aurora-dev-0930", "Status": "creating"}},
        {
            "SourceDBClusterIdentifier": "aurora-dev",
            "RestoreToTime": when,
            "DBClusterIdentifier": "aurora-dev-0930",
            "DBSubnetGroupName": "aurora-dev-isolated",
            "VpcSecurityGroupIds": ["sg-db"],
            "DBClusterParameterGroupName": "aurora-dev-cluster",
            "EnableIAMDatabaseAuthentication": True,
            "CopyTagsToSnapshot": True,
            "DeletionProtection": False,
            "BackupRetentionPeriod": 7,
            "PreferredBackupWindow": "03:00-04:00",
            "KmsKeyId": SOURCE_KEY,
            "EnableCloudwatchLogsExports": ["postgresql"],
            "Port": 5432,
            "StorageType": "aurora",
            "ServerlessV2ScalingConfiguration": {"MinCapacity": 0.0, "MaxCapacity": 4.0, "SecondsUntilAutoPause": 1800},
            "Tags": CLUSTER_TAGS,
        },
    )
    new_cluster = {"DBClusterIdentifier": "aurora-dev-0930", "Status": "available", "Endpoint": "new.example"}
    stubber.add_response(
        "describe_db_clusters", {"DBClusters": [new_cluster]}, {"DBClusterIdentifier": "aurora-dev-0930"}
    )
    stubber.add_response(
        "create_db_instance",
        {"DBInstance": {"DBInstanceIdentifier": "aurora-dev-0930-1"}},
        {
            "DBInstanceIdentifier": "aurora-dev-0930-1",
            "DBClusterIdentifier": "aurora-dev-0930",
            "PromotionTier": 0,
            "DBInstanceClass": "db.serverless",
            "Engine": "aurora-postgresql",
            "PubliclyAccessible": False,
            "Tags": INSTANCE_TAGS,
            "DBParameterGroupName": "aurora-dev-instance",
            "CACertificateIdentifier": "rds-ca-rsa2048-g1",
            "AutoMinorVersionUpgrade": True,
            "EnablePerformanceInsights": True,
            "PerformanceInsightsKMSKeyId": SOURCE_KEY,
            "PerformanceInsightsRetentionPeriod": 31,
            "MonitoringInterval": 15,
            "MonitoringRoleArn": MONITORING_ROLE,
            "AvailabilityZone": "eu-west-1a",
        },
    )
    stubber.add_response(
        "describe_db_instances",
        {"DBInstances": [{"DBInstanceIdentifier": "aurora-dev-0930-1", "DBInstanceStatus": "available"}]},
        {"Filters": [{"Name": "db-cluster-id", "Values": ["aurora-dev-0930"]}]},
    )
    stubber.add_response(
        "describe_db_clusters", {"DBClusters": [new_cluster]}, {"DBClusterIdentifier": "aurora-dev-0930"}
    )
    result = run_ops(
        "restore",
        "--cluster",
        "aurora-dev",
        "--to-time",
        "2026-11-27T10:30:00+01:00",
        "--new-cluster",
        "aurora-dev-0930",
        "--yes",
        make_client=lambda service, region: client,
    )
    assert result.code == 0, result.err
    assert "cluster aurora-dev-0930 restored from aurora-dev (2026-11-27T09:30:00Z)" in result.out


def test_snapshot_restore_names_the_snapshots_engine_and_version(stubbed_rds, run_ops):
    """Stubber, because moto's restore_db_cluster_from_snapshot does not require Engine: AWS
    does, and the version must be the snapshot's (a snapshot taken before an upgrade)."""
    client, stubber = stubbed_rds
    absent_cluster(stubber, "x")
    stubber.add_response("describe_db_clusters", {"DBClusters": [serverless_source(EngineVersion="16.8")]})
    stubber.add_response("describe_db_instances", {"DBInstances": [SERVERLESS_WRITER]})
    absent_instance(stubber, "x-1")
    stubber.add_response(
        "describe_db_cluster_snapshots",
        {
            "DBClusterSnapshots": [
                {
                    "DBClusterSnapshotIdentifier": "before-upgrade",
                    "Engine": "aurora-postgresql",
                    "EngineVersion": "16.6",
                    "Status": "available",
                }
            ]
        },
        {"DBClusterSnapshotIdentifier": "before-upgrade"},
    )
    copied = [  # pinned with their values by the point-in-time test above
        "DBClusterIdentifier",
        "DBSubnetGroupName",
        "VpcSecurityGroupIds",
        "DBClusterParameterGroupName",
        "EnableIAMDatabaseAuthentication",
        "CopyTagsToSnapshot",
        "DeletionProtection",
        "BackupRetentionPeriod",
        "PreferredBackupWindow",
        "Tags",
        "KmsKeyId",
        "EnableCloudwatchLogsExports",
        "Port",
        "StorageType",
        "ServerlessV2ScalingConfiguration",
    ]
    stubber.add_client_error(
        "restore_db_cluster_from_snapshot",
        "DBClusterAlreadyExistsFault",
        "DB Cluster already exists",
        expected_params={
            "SnapshotIdentifier": "before-upgrade",
            "Engine": "aurora-postgresql",
            "EngineVersion": "16.6",
            **dict.fromkeys(copied, ANY),
        },
    )
    result = run_ops(
        "restore",
        "--cluster",
        "aurora-dev",
        "--snapshot",
        "before-upgrade",
        "--new-cluster",
        "x",
        "--yes",
        make_client=lambda service, region: client,
    )
    # Created between our check and the call (a colleague, a second terminal): AWS's refusal, exit 3.
    assert (result.code, result.err) == (
        3,
        "ops: error: "
        "DBClusterAlreadyExistsFault in eu-west-1 (RestoreDBClusterFromSnapshot): DB Cluster already exists\n",
    )


@pytest.mark.parametrize(
    ("when", "accepted"),
    [
        ("2026-11-20T03:00:00Z", True),  # EarliestRestorableTime itself
        ("2026-11-27T11:55:00Z", True),  # LatestRestorableTime itself
        ("2026-11-20T02:59:59Z", False),
        ("2026-11-27T11:55:01Z", False),
    ],
)
def test_window_includes_both_ends(when, accepted):
    from ops.commands.restore import check_window
    from ops.errors import OpsError
    from ops.timeparse import iso_time

    if accepted:
        check_window(serverless_source(), iso_time(when))
    else:
        with pytest.raises(OpsError, match=r"outside the restorable window of aurora-dev: 2026-11-20T03:00:00Z \.\. "):
            check_window(serverless_source(), iso_time(when))


# ------------------------------------------------------------------- resumable, pre-checked, tagged


def restore(run_ops, stack, *extra, new="copy"):
    return run_ops("restore", "--cluster", stack.cluster_id, "--latest", "--new-cluster", new, *extra)


def instance_ids(stacks, cluster_id):
    found = stacks.rds.describe_db_instances(Filters=[{"Name": "db-cluster-id", "Values": [cluster_id]}])
    return sorted(i["DBInstanceIdentifier"] for i in found["DBInstances"])


def test_restored_cluster_carries_the_stack_tags_and_what_it_came_from(stacks, run_ops):
    stack = stacks.build()
    result = restore(run_ops, stack, "--yes")
    assert result.code == 0, result.err
    tags = {t["Key"]: t["Value"] for t in cluster(stacks, "copy")["TagList"]}
    assert tags == {
        "Project": "aurora-platform",
        "stack": "dev",  # the source's spelling is kept
        "Environment": "development",
        "restored-from": "aurora-dev",
        "restored-from-point": "latest",
        "ops-restore-instances": "1",
        "created-by": "aurora-platform-ops",
    }


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("1copy", "--new-cluster '1copy': not a valid cluster identifier"),
        ("copy--x", "--new-cluster 'copy--x': not a valid cluster identifier"),
        ("copy-", "--new-cluster 'copy-': not a valid cluster identifier"),
        ("copy_x", "--new-cluster 'copy_x': not a valid cluster identifier"),
        ("c" * 61, f"--new-cluster '{'c' * 61}': not a valid cluster identifier (1-60 letters"),
        ("AURORA-DEV", "--new-cluster AURORA-DEV: that is the source cluster"),
        ("aurora-dev", "--new-cluster aurora-dev: that is the source cluster"),
    ],
    ids=["digit-first", "double-hyphen", "trailing-hyphen", "underscore", "too-long", "source-upper", "source"],
)
def test_new_cluster_name_is_checked_before_anything(stacks, run_ops, new, message):
    stack = stacks.build()
    result = restore(run_ops, stack, "--yes", new=new)
    assert result.code == 2
    assert result.err.startswith("ops: error: " + message)
    assert len(result.err.splitlines()) == 1
    assert [c["DBClusterIdentifier"] for c in stacks.rds.describe_db_clusters()["DBClusters"]] == ["aurora-dev"]


def test_existing_cluster_not_made_by_restore_is_refused(stacks, run_ops):
    stack = stacks.build()
    stacks.build(name="taken", zones=("a",))
    result = restore(run_ops, stack, "--yes", new="taken")
    assert (result.code, result.err) == (
        2,
        "ops: error: --new-cluster taken: a cluster of that name already exists and was not created by `ops restore`; "
        "choose another name. Nothing changed\n",
    )
    assert instance_ids(stacks, "taken") == ["taken-1"]


def test_existing_restore_from_another_point_is_refused_and_named(stacks, run_ops):
    stack = stacks.build()
    stacks.rds.create_db_cluster_snapshot(DBClusterIdentifier=stack.cluster_id, DBClusterSnapshotIdentifier="nightly")
    assert restore(run_ops, stack, "--yes").code == 0
    result = run_ops(
        "restore", "--cluster", stack.cluster_id, "--snapshot", "nightly", "--new-cluster", "copy", "--yes"
    )
    assert (result.code, result.err) == (
        2,
        "ops: error: "
        "--new-cluster copy: already exists, restored from aurora-dev at the latest restorable time, not from "
        "aurora-dev at snapshot nightly; choose another name, or finish that restore with "
        "`python -m ops restore --resume copy`. Nothing changed\n",
    )


def test_instance_name_taken_by_another_cluster_is_refused_before_the_cluster_exists(stacks, run_ops):
    stack = stacks.build()
    other = stacks.build(name="other", zones=("a",))
    stacks.rds.create_db_instance(
        DBInstanceIdentifier="copy-2", DBClusterIdentifier=other.cluster_id, Engine="aurora-postgresql",
        DBInstanceClass="db.r6g.large",
    )
    result = restore(run_ops, stack, "--yes", "--instances", "2")
    assert (result.code, result.err) == (
        2,
        "ops: error: "
        "instance copy-2 already exists (in cluster other); choose another --new-cluster. Nothing changed\n",
    )
    assert not exists(stacks, "copy")


def test_snapshot_that_is_not_available_yet_is_refused(stubbed_rds, run_ops):
    client, stubber = stubbed_rds
    absent_cluster(stubber, "x")
    stubber.add_response("describe_db_clusters", {"DBClusters": [serverless_source()]})
    stubber.add_response("describe_db_instances", {"DBInstances": [SERVERLESS_WRITER]})
    absent_instance(stubber, "x-1")
    stubber.add_response(
        "describe_db_cluster_snapshots",
        {"DBClusterSnapshots": [{"DBClusterSnapshotIdentifier": "s", "Status": "creating"}]},
    )
    result = run_ops(
        "restore", "--cluster", "aurora-dev", "--snapshot", "s", "--new-cluster", "x", "--yes",
        make_client=lambda service, region: client,
    )
    assert (result.code, result.err) == (
        2,
        "ops: error: --snapshot s: is creating, not available; wait for it (`python -m ops wait --snapshot s`) and run "
        "again\n",
    )


def test_dry_run_prints_the_exact_requests_and_creates_nothing(stacks, run_ops):
    stack = stacks.build()
    result = restore(run_ops, stack, "--dry-run", "--instances", "2", "--json")
    assert result.code == 0, result.err
    assert result.json()["dryRun"] is True  # a script reading the JSON knows nothing was created
    requests = result.json()["requests"]
    assert [r["operation"] for r in requests] == [
        "RestoreDBClusterToPointInTime",
        "CreateDBInstance",
        "CreateDBInstance",
    ]
    assert requests[0]["request"]["SourceDBClusterIdentifier"] == "aurora-dev"
    assert requests[0]["request"]["UseLatestRestorableTime"] is True
    assert requests[0]["request"]["DBClusterIdentifier"] == "copy"
    assert [(r["request"]["DBInstanceIdentifier"], r["request"]["PromotionTier"]) for r in requests[1:]] == [
        ("copy-1", 0),
        ("copy-2", 1),
    ]
    assert not exists(stacks, "copy")
    text = restore(run_ops, stack, "--dry-run")
    assert text.out.startswith("dry run, nothing changed; the requests would be:\n")


def test_no_wait_starts_the_cluster_and_names_the_command_that_finishes(stacks, run_ops):
    stack = stacks.build()
    result = restore(run_ops, stack, "--yes", "--no-wait")
    assert result.code == 0, result.err
    assert result.out == (
        "restore of copy started; not waiting (--no-wait). The instances are not created yet: run "
        "`python -m ops restore --resume copy --region eu-west-1` (it waits for the cluster, then creates them)\n"
    )
    assert exists(stacks, "copy")
    assert instance_ids(stacks, "copy") == []
    resumed = run_ops("restore", "--resume", "copy", "--region", "eu-west-1", "--yes", "--json")
    assert resumed.code == 0, resumed.err
    assert resumed.json()["instances"] == ["copy-1"]
    assert instance_ids(stacks, "copy") == ["copy-1"]


def test_resume_creates_only_missing_instances(stacks, run_ops):
    stack = stacks.build()
    assert restore(run_ops, stack, "--yes", "--instances", "3", "--no-wait").code == 0
    # As if the first run died after creating the writer.
    source = cluster(stacks, "aurora-dev")
    assert source["Status"] == "available"
    stacks.rds.create_db_instance(
        DBInstanceIdentifier="copy-1", DBClusterIdentifier="copy", Engine="aurora-postgresql",
        DBInstanceClass="db.r6g.large",
    )
    result = run_ops("restore", "--resume", "copy", "--yes")
    assert result.code == 0, result.err
    assert "cluster copy exists from an earlier run of this restore; creating only what is missing" in result.err
    assert instance_ids(stacks, "copy") == ["copy-1", "copy-2", "copy-3"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--resume", "ghost"], "ops: error: --resume ghost: no cluster of that name in eu-west-1; nothing to resume"),
        (["--resume", "aurora-dev"], "ops: error: "
                                     "--resume aurora-dev: cluster aurora-dev was not created by `ops restore`"),
        (["--resume", "copy", "--new-cluster", "other"], "ops: error: "
                                                         "--new-cluster other and --resume copy name different"),
    ],
    ids=["missing", "not-ours", "two-names"],
)
def test_resume_refusals(stacks, run_ops, argv, message):
    stacks.build()
    result = run_ops("restore", *argv, "--yes")
    assert result.code == 2
    assert result.err.startswith(message)


def test_prompt_shows_what_resume_will_do(stacks, run_ops, tty):
    stack = stacks.build()
    assert restore(run_ops, stack, "--yes", "--no-wait").code == 0
    result = run_ops("restore", "--resume", "copy", stdin=tty("n\n"))
    assert result.code == 2
    assert "Finish the restore of copy (from aurora-dev at the latest restorable time, status available): " \
           "create copy-1 (billed from now on)." in result.err
    assert instance_ids(stacks, "copy") == []


def test_a_resume_with_every_instance_there_says_it_creates_nothing_and_only_waits(stacks, run_ops, tty):
    # An operator re-running a restore that already created everything must not read "billed from now on".
    stack = stacks.build()
    assert restore(run_ops, stack, "--yes", "--no-wait").code == 0
    assert run_ops("restore", "--resume", "copy", "--yes", "--no-wait").code == 0
    result = run_ops("restore", "--resume", "copy", stdin=tty("n\n"))
    assert result.code == 2
    assert "Finish the restore of copy (from aurora-dev at the latest restorable time, status available): " \
           "create nothing; only wait for it." in result.err
    assert "billed" not in result.err
    assert instance_ids(stacks, "copy") == ["copy-1"]


def test_a_resume_with_no_wait_once_the_cluster_is_available_reports_what_it_started(stacks, run_ops):
    """The first run stopped before the instances (--no-wait); the resume creates them and, with --no-wait again,
    returns a result a script can follow: the cluster, the instances being created, waited false."""
    stack = stacks.build()
    assert restore(run_ops, stack, "--yes", "--instances", "2", "--no-wait").code == 0
    result = run_ops("restore", "--resume", "copy", "--yes", "--no-wait", "--json")
    assert result.code == 0, result.err
    data = result.json()
    assert (data["source"], data["cluster"], data["instances"], data["waited"]) == (
        "aurora-dev", "copy", ["copy-1", "copy-2"], False)
    assert instance_ids(stacks, "copy") == ["copy-1", "copy-2"]


def test_the_region_given_is_where_the_source_is_read_and_the_copy_made(moto, run_ops):
    """--region wins over the default region (AWS_DEFAULT_REGION is eu-west-1 here): the source in us-east-1 is
    found there, and the requests are for there."""
    rds = boto3.client("rds", region_name="us-east-1", endpoint_url=moto, aws_access_key_id="testing",
                       aws_secret_access_key="testing")
    rds.create_db_cluster(DBClusterIdentifier="virginia", Engine="aurora-postgresql", MasterUsername="platform",
                          MasterUserPassword="not-a-real-password-1")
    rds.create_db_instance(DBInstanceIdentifier="virginia-1", DBClusterIdentifier="virginia",
                           Engine="aurora-postgresql", DBInstanceClass="db.r6g.large")
    result = run_ops("restore", "--region", "us-east-1", "--cluster", "virginia", "--latest", "--new-cluster", "copy",
                     "--dry-run", "--json")
    assert result.code == 0, result.err
    requests = result.json()["requests"]
    assert [(r["operation"], r["request"]["DBClusterIdentifier"]) for r in requests] == [
        ("RestoreDBClusterToPointInTime", "copy"), ("CreateDBInstance", "copy")]
    assert requests[0]["request"]["SourceDBClusterIdentifier"] == "virginia"


def test_a_snapshot_without_an_engine_version_is_restored_to_the_sources(stubbed_rds, run_ops):
    """Stubber (moto always records a version): EngineVersion is optional in DescribeDBClusterSnapshots' model; the
    restore request then carries the source's version rather than failing."""
    client, stubber = stubbed_rds
    absent_cluster(stubber, "x")
    stubber.add_response("describe_db_clusters", {"DBClusters": [serverless_source(EngineVersion="16.8")]})
    stubber.add_response("describe_db_instances", {"DBInstances": [SERVERLESS_WRITER]})
    absent_instance(stubber, "x-1")
    stubber.add_response(
        "describe_db_cluster_snapshots",
        {"DBClusterSnapshots": [{"DBClusterSnapshotIdentifier": "s", "Engine": "aurora-postgresql",
                                 "Status": "available"}]},
        {"DBClusterSnapshotIdentifier": "s"},
    )
    result = run_ops("restore", "--cluster", "aurora-dev", "--snapshot", "s", "--new-cluster", "x", "--dry-run",
                     "--json", make_client=lambda service, region: client)
    assert result.code == 0, result.err
    restore_call = result.json()["requests"][0]
    assert restore_call["operation"] == "RestoreDBClusterFromSnapshot"
    assert {k: restore_call["request"][k] for k in ("SnapshotIdentifier", "Engine", "EngineVersion")} == {
        "SnapshotIdentifier": "s", "Engine": "aurora-postgresql", "EngineVersion": "16.8"}
