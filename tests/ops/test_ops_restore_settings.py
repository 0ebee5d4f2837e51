"""What a restored cluster and its instances are created with (restore's request builders as plain functions).

A restore makes a new cluster from the old one's backups: every setting that keeps it locked down (encryption key,
deletion protection, retention, IAM authentication, private instances, the CA clients pin) has to be copied by us,
because the restore APIs do not carry it over. Expected values are the settings written out by hand."""

from __future__ import annotations

from typing import Any

import pytest

from ops.commands.restore import (
    cluster_settings,
    instance_requests,
    instance_template,
    restored_tags,
    snapshot_engine,
)
from ops.errors import OpsError

KEY = "arn:aws:kms:eu-west-1:123456789012:key/1111aaaa-2222-bbbb-3333-cccc4444dddd"
PI_KEY = "arn:aws:kms:eu-west-1:123456789012:key/5555eeee-6666-ffff-7777-000088889999"
MONITORING_ROLE = "arn:aws:iam::123456789012:role/rds-monitoring"


def source(**changes: Any) -> dict[str, Any]:
    """A DescribeDBClusters entry of a production cluster, everything a restore copies set."""
    described = {
        "DBClusterIdentifier": "orders",
        "Engine": "aurora-postgresql",
        "DBSubnetGroup": "orders-db-subnets",
        "VpcSecurityGroups": [{"VpcSecurityGroupId": "sg-0aa", "Status": "active"},
                              {"VpcSecurityGroupId": "sg-0bb", "Status": "active"}],
        "DBClusterParameterGroup": "orders-tls-only",
        "IAMDatabaseAuthenticationEnabled": True,
        "CopyTagsToSnapshot": True,
        "DeletionProtection": True,
        "BackupRetentionPeriod": 14,
        "PreferredBackupWindow": "02:00-03:00",
        "StorageEncrypted": True,
        "KmsKeyId": KEY,
        "EnabledCloudwatchLogsExports": ["postgresql"],
        "Port": 5432,
        "StorageType": "aurora-iopt1",
        "ServerlessV2ScalingConfiguration": {"MinCapacity": 0.5, "MaxCapacity": 8.0, "SecondsUntilAutoPause": 300},
    }
    described.update(changes)
    return {k: v for k, v in described.items() if v is not None}


# ---- cluster_settings ------------------------------------------------------------------------------------------
def test_every_setting_of_a_locked_down_cluster_is_copied():
    assert cluster_settings(source(), "orders-copy") == {
        "DBClusterIdentifier": "orders-copy",
        "DBSubnetGroupName": "orders-db-subnets",
        "VpcSecurityGroupIds": ["sg-0aa", "sg-0bb"],
        "DBClusterParameterGroupName": "orders-tls-only",
        "EnableIAMDatabaseAuthentication": True,
        "CopyTagsToSnapshot": True,
        "DeletionProtection": True,
        "BackupRetentionPeriod": 14,
        "PreferredBackupWindow": "02:00-03:00",
        "KmsKeyId": KEY,
        "EnableCloudwatchLogsExports": ["postgresql"],
        "Port": 5432,
        "StorageType": "aurora-iopt1",
        "ServerlessV2ScalingConfiguration": {"MinCapacity": 0.5, "MaxCapacity": 8.0, "SecondsUntilAutoPause": 300},
    }


def test_a_bare_cluster_gives_only_the_name_and_the_three_switches_off():
    # Nothing to copy is left out of the request (None and [] are refused by the API), but the three switches are
    # sent as false: left out, RDS would pick its own default, not what the source had.
    assert cluster_settings({"DBClusterIdentifier": "orders"}, "orders-copy") == {
        "DBClusterIdentifier": "orders-copy",
        "EnableIAMDatabaseAuthentication": False,
        "CopyTagsToSnapshot": False,
        "DeletionProtection": False,
    }


@pytest.mark.parametrize("switch", ["IAMDatabaseAuthenticationEnabled", "CopyTagsToSnapshot", "DeletionProtection"])
def test_a_switch_the_source_has_off_is_sent_off(switch):
    request = {"IAMDatabaseAuthenticationEnabled": "EnableIAMDatabaseAuthentication"}.get(switch, switch)
    assert cluster_settings(source(**{switch: False}), "orders-copy")[request] is False


def test_an_empty_security_group_list_and_no_log_exports_are_left_out():
    settings = cluster_settings(source(VpcSecurityGroups=[], EnabledCloudwatchLogsExports=[]), "orders-copy")
    assert "VpcSecurityGroupIds" not in settings
    assert "EnableCloudwatchLogsExports" not in settings
    assert settings["DeletionProtection"] is True


def test_the_key_is_copied_only_for_an_encrypted_source():
    # RestoreDBClusterFromSnapshot / ToPointInTime: KmsKeyId on an unencrypted source would encrypt the copy with it;
    # copying is only to keep an encrypted source's own key (not the default aws/rds key).
    assert "KmsKeyId" not in cluster_settings(source(StorageEncrypted=False), "orders-copy")
    assert "KmsKeyId" not in cluster_settings(source(StorageEncrypted=None), "orders-copy")
    assert "KmsKeyId" not in cluster_settings(source(KmsKeyId=None), "orders-copy")
    assert cluster_settings(source(), "orders-copy")["KmsKeyId"] == KEY


def test_port_and_backtrack_window_are_sent_as_numbers():
    settings = cluster_settings(source(Port="3306", BacktrackWindow="86400"), "orders-copy")
    assert settings["Port"] == 3306
    assert settings["BacktrackWindow"] == 86400
    assert "BacktrackWindow" not in cluster_settings(source(BacktrackWindow=0), "orders-copy")
    assert "Port" not in cluster_settings(source(Port=0), "orders-copy")


@pytest.mark.parametrize(("storage", "sent"), [("aurora", "aurora"), ("aurora-iopt1", "aurora-iopt1"),
                                               ("gp3", None), ("", None), (None, None)])
def test_only_aurora_storage_types_are_copied(storage, sent):
    assert cluster_settings(source(StorageType=storage), "orders-copy").get("StorageType") == sent


def test_serverless_scaling_copies_the_three_limits_the_api_takes_and_only_those_given():
    scaling = {"MinCapacity": 0, "MaxCapacity": 4.0, "SecondsUntilAutoPause": 600, "Unknown": 1}
    settings = cluster_settings(source(ServerlessV2ScalingConfiguration=scaling), "orders-copy")
    assert settings["ServerlessV2ScalingConfiguration"] == {"MinCapacity": 0, "MaxCapacity": 4.0,
                                                            "SecondsUntilAutoPause": 600}
    settings = cluster_settings(source(ServerlessV2ScalingConfiguration={"MinCapacity": 1, "MaxCapacity": 2}),
                                "orders-copy")
    assert settings["ServerlessV2ScalingConfiguration"] == {"MinCapacity": 1, "MaxCapacity": 2}
    assert "ServerlessV2ScalingConfiguration" not in cluster_settings(
        source(ServerlessV2ScalingConfiguration={}), "orders-copy")


def test_false_values_are_kept_and_only_none_and_empty_lists_dropped():
    # BackupRetentionPeriod 0 is impossible for Aurora, but a False switch must stay in the request.
    settings = cluster_settings(source(DeletionProtection=False, PreferredBackupWindow=None), "orders-copy")
    assert settings["DeletionProtection"] is False
    assert "PreferredBackupWindow" not in settings


# ---- instance_template -----------------------------------------------------------------------------------------
class Paginator:
    def __init__(self, rds: FakeRds) -> None:
        self.rds = rds

    def paginate(self, **request: Any) -> list[dict[str, Any]]:
        self.rds.requests.append(request)
        # two pages, as DescribeDBInstances returns them past 100 instances
        return [{"DBInstances": self.rds.instances[:1]}, {"DBInstances": self.rds.instances[1:]}]


class FakeRds:
    def __init__(self, instances: list[dict[str, Any]]) -> None:
        self.instances = instances
        self.requests: list[dict[str, Any]] = []

    def get_paginator(self, name: str) -> Paginator:
        assert name == "describe_db_instances"
        return Paginator(self)


MEMBERS = [{"DBInstanceIdentifier": "orders-2", "IsClusterWriter": False},
           {"DBInstanceIdentifier": "orders-1", "IsClusterWriter": True}]
TAGS = [{"Key": "Environment", "Value": "production"}, {"Key": "ManagedBy", "Value": "pulumi"},
        {"Key": "Project", "Value": "aurora-platform"}]


def writer(**changes: Any) -> dict[str, Any]:
    described = {
        "DBInstanceIdentifier": "orders-1",
        "DBInstanceClass": "db.r6g.large",
        "AvailabilityZone": "eu-west-1b",
        "PubliclyAccessible": True,  # must not be copied: a restored instance is private whatever the source was
        "DBParameterGroups": [{"DBParameterGroupName": "orders-writer", "ParameterApplyStatus": "in-sync"},
                              {"DBParameterGroupName": "orders-second"}],
        "CACertificateIdentifier": "rds-ca-rsa2048-g1",
        "AutoMinorVersionUpgrade": False,
        "PerformanceInsightsEnabled": True,
        "PerformanceInsightsKMSKeyId": PI_KEY,
        "PerformanceInsightsRetentionPeriod": 731,
        "MonitoringInterval": 60,
        "MonitoringRoleArn": MONITORING_ROLE,
    }
    described.update(changes)
    return {k: v for k, v in described.items() if v is not None}


# The reader comes first and differs in everything: the writer must be found by name, not by position.
READER = {"DBInstanceIdentifier": "orders-2", "DBInstanceClass": "db.t4g.medium", "AvailabilityZone": "eu-west-1a",
          "DBParameterGroups": [{"DBParameterGroupName": "orders-reader"}],
          "CACertificateIdentifier": "rds-ca-ecc384-g1",
          "AutoMinorVersionUpgrade": True, "PerformanceInsightsEnabled": False}
CREATING = {"DBInstanceIdentifier": "orders-3", "DBInstanceClass": "db.r6g.large"}  # no zone yet


def template_of(writer_instance: dict[str, Any], point: str | None = "snapshot:orders-final"):
    described = {**source(), "DBClusterMembers": MEMBERS, "TagList": TAGS}
    rds = FakeRds([READER, writer_instance, CREATING])
    result = instance_template(rds, described, point)
    assert rds.requests == [{"Filters": [{"Name": "db-cluster-id", "Values": ["orders"]}]}]
    return result


def test_the_writers_settings_are_copied_and_the_instances_are_private():
    template, zones = template_of(writer())
    assert template == {
        "DBInstanceClass": "db.r6g.large",
        "Engine": "aurora-postgresql",
        "PubliclyAccessible": False,
        "Tags": [{"Key": "Environment", "Value": "production"}, {"Key": "Project", "Value": "aurora-platform"},
                 {"Key": "restored-from", "Value": "orders"},
                 {"Key": "restored-from-point", "Value": "snapshot:orders-final"},
                 {"Key": "created-by", "Value": "aurora-platform-ops"}],
        "DBParameterGroupName": "orders-writer",
        "CACertificateIdentifier": "rds-ca-rsa2048-g1",
        "AutoMinorVersionUpgrade": False,
        "EnablePerformanceInsights": True,
        "PerformanceInsightsKMSKeyId": PI_KEY,
        "PerformanceInsightsRetentionPeriod": 731,
        "MonitoringInterval": 60,
        "MonitoringRoleArn": MONITORING_ROLE,
    }
    # The zones the source's instances run in, each once, sorted; an instance without one yet is skipped.
    assert zones == ["eu-west-1a", "eu-west-1b"]


def test_without_a_point_the_tags_say_only_where_the_copy_came_from():
    template, _ = template_of(writer(), point=None)
    assert [t["Key"] for t in template["Tags"]] == ["Environment", "Project", "restored-from", "created-by"]


def test_a_bare_writer_gives_the_class_the_engine_and_private():
    bare = {"DBInstanceIdentifier": "orders-1", "DBInstanceClass": "db.serverless"}
    template, zones = template_of(bare)
    assert {k: v for k, v in template.items() if k != "Tags"} == {
        "DBInstanceClass": "db.serverless", "Engine": "aurora-postgresql", "PubliclyAccessible": False}
    assert zones == ["eu-west-1a"]


def test_minor_upgrades_are_copied_when_on_and_left_to_rds_when_unknown():
    assert template_of(writer(AutoMinorVersionUpgrade=True))[0]["AutoMinorVersionUpgrade"] is True
    assert template_of(writer(AutoMinorVersionUpgrade=1))[0]["AutoMinorVersionUpgrade"] is True
    assert "AutoMinorVersionUpgrade" not in template_of(writer(AutoMinorVersionUpgrade=None))[0]


def test_performance_insights_settings_only_when_it_is_on():
    template = template_of(writer(PerformanceInsightsEnabled=False))[0]
    assert not {"EnablePerformanceInsights", "PerformanceInsightsKMSKeyId",
                "PerformanceInsightsRetentionPeriod"} & set(template)
    template = template_of(writer(PerformanceInsightsKMSKeyId=None, PerformanceInsightsRetentionPeriod=None))[0]
    assert template["EnablePerformanceInsights"] is True
    assert "PerformanceInsightsKMSKeyId" not in template
    assert "PerformanceInsightsRetentionPeriod" not in template
    assert template_of(writer(PerformanceInsightsRetentionPeriod="7"))[0]["PerformanceInsightsRetentionPeriod"] == 7


@pytest.mark.parametrize("changes", [{"MonitoringInterval": 0}, {"MonitoringInterval": None},
                                     {"MonitoringRoleArn": None}, {"MonitoringRoleArn": ""}])
def test_enhanced_monitoring_needs_both_the_interval_and_the_role(changes):
    # CreateDBInstance refuses an interval without a role; without an interval the role does nothing.
    template = template_of(writer(**changes))[0]
    assert "MonitoringInterval" not in template
    assert "MonitoringRoleArn" not in template


def test_no_parameter_group_listed_leaves_the_default():
    assert "DBParameterGroupName" not in template_of(writer(DBParameterGroups=[]))[0]
    assert "DBParameterGroupName" not in template_of(writer(DBParameterGroups=None))[0]
    assert "CACertificateIdentifier" not in template_of(writer(CACertificateIdentifier=""))[0]


@pytest.mark.parametrize("members", [[{"DBInstanceIdentifier": "orders-2", "IsClusterWriter": False}],
                                     [{"DBInstanceIdentifier": "orders-9", "IsClusterWriter": True}]],
                         ids=["no-writer-member", "writer-not-described"])
def test_a_cluster_without_a_writer_to_copy_is_one_clear_error(members):
    described = {**source(), "DBClusterMembers": members}
    with pytest.raises(OpsError) as error:
        instance_template(FakeRds([READER]), described)
    assert str(error.value) == "cluster orders has no writer to copy settings from"


# A snapshot is restored to its own engine and version: the source may have been upgraded (or changed engine) since
# it was taken, and RestoreDBClusterFromSnapshot needs Engine.
def test_a_snapshot_is_restored_to_its_own_engine_and_version_not_the_sources_of_today():
    snapshot = {"Engine": "aurora-postgresql", "EngineVersion": "16.4"}
    assert snapshot_engine(snapshot, {"Engine": "aurora-mysql", "EngineVersion": "16.6"}) == {
        "Engine": "aurora-postgresql", "EngineVersion": "16.4"}


def test_a_snapshot_that_names_neither_takes_the_sources_engine_and_version():
    assert snapshot_engine({}, {"Engine": "aurora-postgresql", "EngineVersion": "16.6"}) == {
        "Engine": "aurora-postgresql", "EngineVersion": "16.6"}


@pytest.mark.parametrize("snapshot", [{}, {"EngineVersion": ""}, {"EngineVersion": None}])
def test_without_a_version_anywhere_none_is_sent_and_rds_picks_the_engines_default(snapshot):
    assert snapshot_engine(snapshot, {"Engine": "aurora-mysql"}) == {"Engine": "aurora-mysql"}


# ---- restored_tags and instance_requests -----------------------------------------------------------------------
def test_an_untagged_source_gives_only_the_restore_tags():
    # TagList is optional in DescribeDBClusters (botocore's RDS model): a cluster nobody tagged has none to keep.
    assert restored_tags({"DBClusterIdentifier": "orders"}, "latest", 2) == [
        {"Key": "restored-from", "Value": "orders"},
        {"Key": "restored-from-point", "Value": "latest"},
        {"Key": "ops-restore-instances", "Value": "2"},
        {"Key": "created-by", "Value": "aurora-platform-ops"},
    ]


def test_a_resumed_restore_asks_only_for_the_instances_still_missing_with_their_own_tier_and_zone():
    # --resume after an interruption that left the writer and the third instance: the second alone is asked for,
    # with the tier and zone it would have had the first time.
    requests = instance_requests("orders-copy", {"DBInstanceClass": "db.r6g.large"}, ["eu-west-1a", "eu-west-1b"],
                                 4, {"orders-copy-1", "orders-copy-3"})
    assert requests == [
        {"DBInstanceIdentifier": "orders-copy-2", "DBClusterIdentifier": "orders-copy", "PromotionTier": 1,
         "DBInstanceClass": "db.r6g.large", "AvailabilityZone": "eu-west-1b"},
        {"DBInstanceIdentifier": "orders-copy-4", "DBClusterIdentifier": "orders-copy", "PromotionTier": 3,
         "DBInstanceClass": "db.r6g.large", "AvailabilityZone": "eu-west-1b"},
    ]


def test_without_a_zone_to_copy_the_instances_are_left_to_rds_placement():
    # Every source instance still without an AvailabilityZone (all creating): no zone is sent, RDS picks one.
    requests = instance_requests("orders-copy", {"DBInstanceClass": "db.r6g.large"}, [], 2, set())
    assert requests == [
        {"DBInstanceIdentifier": "orders-copy-1", "DBClusterIdentifier": "orders-copy", "PromotionTier": 0,
         "DBInstanceClass": "db.r6g.large"},
        {"DBInstanceIdentifier": "orders-copy-2", "DBClusterIdentifier": "orders-copy", "PromotionTier": 1,
         "DBInstanceClass": "db.r6g.large"},
    ]
