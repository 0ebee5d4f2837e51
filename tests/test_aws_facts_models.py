"""The program's AWS facts against botocore's service models, pinned in requirements.txt.

The models carry the APIs' enums and the documented constraints of each member ("Must be 1 to 16 letters or
numbers", "Valid Values: 0 | 1 | 5 ..."). Each test reads the constraint from the model and fails when the program's
value disagrees, so a botocore bump re-checks the facts: when AWS changes a range, the model changes, and the test
names the fact to revisit (docs/aws-facts.md lists each with its source).

The parsing is deliberately strict: a test that cannot find the sentence it expects fails too, so a reworded
constraint is looked at by a person rather than silently passing.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import botocore
import botocore.session
import pytest

from components import aurora, aurora_monitoring, aurora_proxy, network
from components.aurora import PASSWORD_LENGTH, RDS_REFUSED_PASSWORD_CHARACTERS, cluster_identifier
from components.settings import SettingsError, load_settings
from components.settings import app as app_settings
from components.settings import database as db
from components.settings.reader import LOG_RETENTION_DAYS


@cache
def _session() -> botocore.session.Session:
    return botocore.session.get_session()


@cache
def model(service: str):
    return _session().get_service_model(service)


def member(service: str, shape: str, name: str):
    return model(service).shape_for(shape).members[name]


def text(service: str, shape: str, name: str) -> str:
    """A member's documentation as one line of plain text."""
    return " ".join(re.sub(r"<[^>]+>", " ", member(service, shape, name).documentation or "").split())


def find(pattern: str, service: str, shape: str, name: str) -> re.Match:
    found = re.search(pattern, text(service, shape, name))
    assert found, f"{service} {shape}.{name} no longer says /{pattern}/: {text(service, shape, name)[:400]}"
    return found


def test_the_models_read_are_the_pinned_botocore():
    requirements = (Path(__file__).resolve().parents[1] / "requirements.txt").read_text()
    # The lock may carry hashes after the version (`botocore==1.44.8 \`, then `--hash=...` lines).
    pinned = re.search(r"^botocore==([^\s\\;]+)", requirements, re.MULTILINE)
    assert pinned and botocore.__version__ == pinned.group(1)


# ---- RDS: CreateDBCluster -------------------------------------------------------------------------------------------
def test_engines_are_valid_create_db_cluster_engines():
    valid = find(r"Valid Values: (.+?) - For information", "rds", "CreateDBClusterMessage", "Engine").group(1).split()
    assert set(db.ENGINES) <= set(valid)


def test_master_username_length_and_first_character():
    found = find(r"Must be 1 to (\d+) letters or numbers\. First character must be a letter\.",
                 "rds", "CreateDBClusterMessage", "MasterUsername")
    assert {engine.username_max_length for engine in db.ENGINES.values()} == {int(found.group(1))}


def test_master_password_length_and_refused_characters():
    length = find(r"Must contain from (\d+) to (\d+) characters", "rds", "CreateDBClusterMessage", "MasterUserPassword")
    assert int(length.group(1)) <= PASSWORD_LENGTH <= int(length.group(2))
    refused = find(r"any printable ASCII character except (.+?)\.", "rds", "CreateDBClusterMessage",
                   "MasterUserPassword").group(1)
    named = set(re.findall(r'"(.)"', refused))
    assert named and named <= set(RDS_REFUSED_PASSWORD_CHARACTERS)
    assert not named & set(aurora.PASSWORD_SPECIALS)


def test_backup_retention_range():
    found = find(r"Must be a value from (\d+) to (\d+)\.", "rds", "CreateDBClusterMessage", "BackupRetentionPeriod")
    assert (int(found.group(1)), int(found.group(2))) == (db.RETENTION_MIN, db.RETENTION_MAX)


def test_backtrack_window_maximum():
    found = find(r"from 0 to ([\d,]+) \((\d+) hours\)", "rds", "CreateDBClusterMessage", "BacktrackWindow")
    assert int(found.group(1).replace(",", "")) == db.BACKTRACK_MAX_HOURS * 3600
    assert int(found.group(2)) == db.BACKTRACK_MAX_HOURS
    assert find(r"Aurora MySQL DB clusters only", "rds", "CreateDBClusterMessage", "BacktrackWindow")
    assert [e.name for e in db.ENGINES.values() if e.supports_backtrack] == ["aurora-mysql"]


def test_port_range():
    found = find(r"Valid Values: (\d+)-(\d+)", "rds", "CreateDBClusterMessage", "Port")
    low, high = int(found.group(1)), int(found.group(2))
    for port, ok in ((low - 1, False), (low, True), (high, True), (high + 1, False)):
        config = {"database": {"port": port}}
        if ok:
            assert load_settings(config, "dev", "us-east-1").database.port == port
        else:
            with pytest.raises(SettingsError):
                load_settings(config, "dev", "us-east-1")


def test_default_ports():
    found = find(r"Aurora MySQL - (\d+) RDS for PostgreSQL and Aurora PostgreSQL - (\d+)", "rds",
                 "CreateDBClusterMessage", "Port")
    assert db.ENGINES["aurora-mysql"].default_port == int(found.group(1))
    assert db.ENGINES["aurora-postgresql"].default_port == int(found.group(2))


def test_cluster_identifier_length():
    found = find(r"Must contain from 1 to (\d+) \(for Aurora DB clusters\)", "rds", "CreateDBClusterMessage",
                 "DBClusterIdentifier")
    assert len(cluster_identifier("p" * 40, "s" * 40)) == int(found.group(1))


def test_windows_minimum_length_and_days():
    backup = find(r"Must be at least (\d+) minutes", "rds", "CreateDBClusterMessage", "PreferredBackupWindow")
    maintenance = find(r"Must be at least (\d+) minutes", "rds", "CreateDBClusterMessage",
                       "PreferredMaintenanceWindow")
    assert db.MIN_WINDOW_MINUTES == int(backup.group(1)) == int(maintenance.group(1))
    days = find(r"Days must be one of ((?:\w{3} \| )+\w{3})", "rds", "CreateDBClusterMessage",
                "PreferredMaintenanceWindow").group(1)
    assert tuple(d.lower() for d in days.split(" | ")) == db.DAYS


@pytest.mark.parametrize(("engine", "label"), [("aurora-mysql", "Aurora MySQL"),
                                               ("aurora-postgresql", "Aurora PostgreSQL")])
def test_log_exports_are_valid_for_the_engine(engine, label):
    valid = find(rf"{label} - ((?:[\w-]+ \| )*[\w-]+)", "rds", "CreateDBClusterMessage",
                 "EnableCloudwatchLogsExports").group(1).split(" | ")
    assert set(db.ENGINES[engine].log_exports) <= set(valid)


def test_serverless_v2_capacity_limits():
    maximum = find(r"The largest value that you can use is (\d+) for recent Aurora versions, or (\d+) for older",
                   "rds", "ServerlessV2ScalingConfiguration", "MaxCapacity")
    assert (float(maximum.group(1)), float(maximum.group(2))) == (db.SERVERLESS_MAX, db.SERVERLESS_MAX_OLDER)
    minimum = find(r"the smallest value that you can use is (\d+)\. For versions that don't support Aurora Serverless "
                   r"v2 auto-pause, the smallest value that you can use is (\d+(?:\.\d+)?)", "rds",
                   "ServerlessV2ScalingConfiguration", "MinCapacity")
    assert float(minimum.group(1)) == db.SERVERLESS_MIN and db.Serverless().min_capacity == float(minimum.group(2))
    assert find(r"half-step increments", "rds", "ServerlessV2ScalingConfiguration", "MaxCapacity")
    pause = find(r"between (\d+) seconds .+? and ([\d,]+) seconds", "rds", "ServerlessV2ScalingConfiguration",
                 "SecondsUntilAutoPause")
    assert (int(pause.group(1)), int(pause.group(2).replace(",", ""))) == (db.AUTO_PAUSE_MIN, db.AUTO_PAUSE_MAX)


def test_instance_parameter_group_needs_allow_major_version_upgrade(any_stack):
    assert find(r"DBInstanceParameterGroupName parameter is valid in combination with the AllowMajorVersionUpgrade "
                r"parameter", "rds", "ModifyDBClusterMessage", "DBInstanceParameterGroupName")
    cluster = any_stack.one("aws:rds/cluster:Cluster")
    # The flag is the stack's (allowMajorVersionUpgrade: on in dev, off unless written in production); the group is
    # always sent, and the provider drops it when RDS refuses it on a minor update (docs/aws-facts.md).
    expected = {"dev": True, "prod": False}[any_stack.stack]
    assert "dbInstanceParameterGroupName" in cluster.inputs
    assert cluster.inputs["allowMajorVersionUpgrade"] is expected


# ---- RDS: instances -------------------------------------------------------------------------------------------------
def test_monitoring_intervals():
    found = find(r"Valid Values: ((?:\d+ \| )+\d+)", "rds", "CreateDBInstanceMessage", "MonitoringInterval")
    valid = [int(v) for v in found.group(1).split(" | ")]
    # 0 turns enhanced monitoring off, which the platform never does.
    assert list(db.MONITORING_INTERVALS) == [v for v in valid if v != 0]


def test_performance_insights_retention():
    found = find(r"Valid Values: (\d+) month \* (\d+), where month is a number of months from (\d+)-(\d+)\. .*? (\d+) "
                 r"Default", "rds", "CreateDBInstanceMessage", "PerformanceInsightsRetentionPeriod")
    free, per_month, first, last, longest = (int(g) for g in found.groups())
    assert (free,) + tuple(per_month * m for m in range(first, last + 1)) + (longest,) == db.PI_RETENTION_DAYS


def test_promotion_tiers():
    found = find(r"Valid Values: (\d+) - (\d+)", "rds", "CreateDBInstanceMessage", "PromotionTier")
    assert (int(found.group(1)), int(found.group(2))) == (0, 15)
    assert int(found.group(2)) == db.MAX_READERS  # the instances' promotion_tier is min(index, 15)


def test_ca_certificate_is_a_member_the_instance_api_takes():
    assert "CACertificateIdentifier" in model("rds").shape_for("CreateDBInstanceMessage").members
    assert re.fullmatch(r"rds-ca-(rsa|ecc)\d+-g\d+", aurora.CA_CERTIFICATE)


# ---- RDS: proxy and events ------------------------------------------------------------------------------------------
def test_proxy_enums():
    assert {e.proxy_engine_family for e in db.ENGINES.values()} <= set(
        member("rds", "CreateDBProxyRequest", "EngineFamily").enum)
    assert "IAM_AUTH" in member("rds", "CreateDBProxyRequest", "DefaultAuthScheme").enum
    assert set(aurora_proxy.CLIENT_PASSWORD_AUTH.values()) <= set(
        member("rds", "UserAuthConfig", "ClientPasswordAuthType").enum)


def test_proxy_pool_ranges():
    percent = find(r"Must be between (\d+) and (\d+)\.", "rds", "ConnectionPoolConfiguration", "MaxConnectionsPercent")
    assert (int(percent.group(1)), int(percent.group(2))) == (1, 100)
    borrow = find(r"Must be between (\d+) and (\d+)\.", "rds", "ConnectionPoolConfiguration",
                  "ConnectionBorrowTimeout")
    assert int(borrow.group(1)) <= 120 <= int(borrow.group(2))  # components/aurora_proxy.py sends 120


def test_event_subscription_source_types():
    valid = find(r"Valid Values: ((?:[\w-]+ \| )+[\w-]+)", "rds", "CreateEventSubscriptionMessage",
                 "SourceType").group(1).split(" | ")
    assert {"db-cluster", "db-instance"} <= set(valid)
    assert aurora_monitoring.CLUSTER_EVENT_CATEGORIES and aurora_monitoring.INSTANCE_EVENT_CATEGORIES


# ---- the other services ---------------------------------------------------------------------------------------------
def test_log_retention_periods():
    found = find(r"Possible values are: ((?:\d+, )+and \d+)", "logs", "PutRetentionPolicyRequest", "retentionInDays")
    assert tuple(int(v) for v in re.findall(r"\d+", found.group(1))) == LOG_RETENTION_DAYS


def test_flow_log_values():
    assert "ALL" in member("ec2", "CreateFlowLogsRequest", "TrafficType").enum
    assert "cloud-watch-logs" in member("ec2", "CreateFlowLogsRequest", "LogDestinationType").enum
    found = find(r"The possible values are (\d+) seconds \(1 minute\) or (\d+) seconds", "ec2",
                 "CreateFlowLogsRequest", "MaxAggregationInterval")
    assert 60 in (int(found.group(1)), int(found.group(2)))  # components/network.py sends 60
    assert network.TIERS == ("public", "private", "isolated")


def test_kms_deletion_window():
    found = find(r"it must be between (\d+) and (\d+), inclusive", "kms", "ScheduleKeyDeletionRequest",
                 "PendingWindowInDays")
    from components.kms import EncryptionKeyArgs
    default = EncryptionKeyArgs(description="d", alias="a", tags={}).deletion_window_days
    assert int(found.group(1)) <= default <= int(found.group(2))


def test_secret_recovery_window():
    found = find(r"from (\d+) to (\d+) that Secrets Manager waits", "secretsmanager", "DeleteSecretRequest",
                 "RecoveryWindowInDays")
    assert int(found.group(1)) <= 7 <= int(found.group(2))  # the proxy's login secret: recovery_window_in_days=7


def test_parameter_and_metadata_enums():
    assert "SecureString" in member("ssm", "PutParameterRequest", "Type").enum
    assert "required" in member("ec2", "InstanceMetadataOptionsRequest", "HttpTokens").enum


def test_ecs_enums():
    assert set(app_settings.CPU_ARCHITECTURES) == set(member("ecs", "RuntimePlatform", "cpuArchitecture").enum)
    values = find(r"The supported values are (\w+) , (\w+) , and (\w+) \.", "ecs", "ClusterSetting", "value").groups()
    assert set(app_settings.CONTAINER_INSIGHTS) <= set(values)
    assert "readonlyRootFilesystem" in model("ecs").shape_for("ContainerDefinition").members


def _fargate_memory_from_the_model() -> dict[int, tuple[int, ...]]:
    doc = text("ecs", "RegisterTaskDefinitionRequest", "memory")
    body = doc.split("you must use one of the following values.", 1)[1]
    table: dict[int, tuple[int, ...]] = {}
    for values, cpu in re.findall(r"(.+?) - Available cpu values: (\d+) \([^)]*\)(?: This option requires Linux "
                                  r"platform [\d.]+ or later\.)?", body):
        values = values.split("Windows containers on Fargate.")[-1]
        between = re.search(r"Between (\d+)\s*(?:\(\d+ GB\)|GB) and (\d+)\s*(?:\(\d+ GB\)|GB) in (?:increments of "
                            r"(\d+) \(\d+ GB\)|(\d+) GB increments)", values)
        if between:
            low, high = int(between.group(1)), int(between.group(2))
            step = int(between.group(3)) if between.group(3) else int(between.group(4)) * 1024
            if "GB" in between.group(0).split("and")[0] and low < 512:  # "Between 16 GB and 60 GB": GB, not MiB
                low, high = low * 1024, high * 1024
            table[int(cpu)] = tuple(range(low, high + 1, step))
        else:
            table[int(cpu)] = tuple(int(v) for v in re.findall(r"(\d+) \(\d+(?:\.\d+)? GB\)", values))
    return table


def test_fargate_cpu_and_memory_table():
    assert _fargate_memory_from_the_model() == app_settings.FARGATE_MEMORY


# ---- the ops tools --------------------------------------------------------------------------------------------------
def test_export_task_statuses():
    from ops.commands import export

    statuses = find(r"The status can be one of the following: ((?:[A-Z_]+ )+[A-Z_]+)", "rds", "ExportTask",
                    "Status").group(1).split()
    assert {export.DONE, *export.BAD} <= set(statuses)


def test_export_role_actions_in_docs_are_the_api_s():
    actions = set(re.findall(r"s3:\w+\*?", find(r"include the following required actions (.+?) In the policy", "rds",
                                                 "StartExportTaskMessage", "IamRoleArn").group(1)))
    ops_doc = (Path(__file__).resolve().parents[1] / "docs" / "ops.md").read_text()
    section = ops_doc.split("## `export`", 1)[1].split("## ", 1)[0]
    assert actions and actions == set(re.findall(r"`(s3:\w+\*?)`", section))


def test_ssm_parameter_names():
    assert find(r"can't be prefixed with \" aws \" or \" ssm \" \(case-insensitive\)", "ssm", "PutParameterRequest",
                "Name")
    assert find(r"only the following symbols and letters: a-zA-Z0-9_\.-", "ssm", "PutParameterRequest", "Name")
    for bad in ("/aws/x", "/SSM/x", "/a b"):
        assert not re.fullmatch(app_settings.SSM_NAME, bad)
    assert re.fullmatch(app_settings.SSM_NAME, "/blog/prod/session-key")
