"""Aurora cluster and instance settings, one resource at a time (inputs as the program sets them)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy.proxy import UnknownValueError

from ._base import ADVISORY, MANDATORY, OURS, ResourceRule, aws_managed_key, engine_family, flag, fmt, has, number

CLUSTER = "aws:rds/cluster:Cluster"
INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
DB_INSTANCE = "aws:rds/instance:Instance"
GLOBAL_CLUSTER = "aws:rds/globalCluster:GlobalCluster"


def customer_key(props: Mapping[str, Any], key: str, unset: str) -> Iterator[str]:
    """`key` names a customer-managed KMS key: set, and not an AWS-managed `alias/aws/*` name or ARN.

    An unknown value (a key ARN during preview) counts as a customer key: the program computed it from a key. A
    blank string is no key: the provider drops it and RDS falls back to the AWS-managed key.
    """
    if not has(props, key):
        yield unset
        return
    try:
        value = props[key]
    except UnknownValueError:
        return
    if isinstance(value, str) and not value.strip():
        yield unset
    elif aws_managed_key(value):
        yield f"{key} {str(value).strip()} is an AWS-managed key; name a customer-managed KMS key."


STORAGE_KEY_UNSET = "kmsKeyId must name a customer-managed KMS key; without it RDS uses the AWS-managed aws/rds key."


def _storage_encrypted(props: Mapping[str, Any], _args: Any) -> Iterator[str]:
    if flag(props, "storageEncrypted") is not True:
        yield "storageEncrypted must be true."
    yield from customer_key(props, "kmsKeyId", STORAGE_KEY_UNSET)


def _instance_storage_encrypted(props: Mapping[str, Any], _args: Any) -> Iterator[str]:
    # A read replica takes its encryption from the source (storageEncrypted is ignored for a cross-region one);
    # its kmsKeyId still names the key of its own copy, so the key is required of every instance.
    if not has(props, "replicateSourceDb") and flag(props, "storageEncrypted") is not True:
        yield "storageEncrypted must be true."
    yield from customer_key(props, "kmsKeyId", STORAGE_KEY_UNSET)


def _global_storage_encrypted(props: Mapping[str, Any], _args: Any) -> Iterator[str]:
    # A global cluster created from an existing cluster inherits its encryption; only a fresh one is checked.
    if not has(props, "sourceDbClusterIdentifier") and flag(props, "storageEncrypted") is not True:
        yield "storageEncrypted must be true."


def _storage_or_global(props: Mapping[str, Any], args: Any) -> Iterator[str]:
    if args.resource_type == GLOBAL_CLUSTER:
        return _global_storage_encrypted(props, args)
    return _storage_encrypted(props, args)


DEFAULT_MINIMUM_RETENTION = 7


def _backup_retention(props: Mapping[str, Any], args: Any) -> Iterator[str]:
    minimum = number(args.get_config().get("minimumRetentionDays"))
    minimum = DEFAULT_MINIMUM_RETENTION if minimum is None else minimum
    if not has(props, "backupRetentionPeriod"):
        yield f"backupRetentionPeriod is not set (RDS keeps 1 day); the minimum for this stack is {fmt(minimum)} days."
        return
    days = number(props["backupRetentionPeriod"])
    if days is None or days < minimum:
        yield (f"backupRetentionPeriod is {fmt(props['backupRetentionPeriod'])} days; "
               f"the minimum for this stack is {fmt(minimum)} days.")


def _instance_backup_retention(props: Mapping[str, Any], args: Any) -> Iterator[str]:
    # Security Hub RDS.11 (AWS Config db-instance-backup-enabled) does not evaluate read replicas: RDS
    # PostgreSQL replicas cannot keep automated backups at all.
    if has(props, "replicateSourceDb"):
        return
    yield from _backup_retention(props, args)


def _deletion_protection(props: Mapping[str, Any], _args: Any) -> Iterator[str]:
    if flag(props, "deletionProtection") is not True:
        yield "deletionProtection must be true."


def _iam_auth(props: Mapping[str, Any], _args: Any) -> Iterator[str]:
    if flag(props, "iamDatabaseAuthenticationEnabled") is not True:
        yield "iamDatabaseAuthenticationEnabled must be true."


def _copy_tags(props: Mapping[str, Any], _args: Any) -> Iterator[str]:
    if flag(props, "copyTagsToSnapshot") is not True:
        yield "copyTagsToSnapshot must be true."


# RDS.34 asks Aurora MySQL for the audit log, RDS.37 asks Aurora PostgreSQL for the postgresql log.
REQUIRED_LOG_EXPORTS = {"mysql": "audit", "postgres": "postgresql"}


def _log_exports(props: Mapping[str, Any], _args: Any) -> Iterator[str]:
    family = engine_family(props.get("engine"))
    if family is None:
        return
    required = REQUIRED_LOG_EXPORTS[family]
    exports = [str(e) for e in (props.get("enabledCloudwatchLogsExports") or [])]
    if required not in exports:
        yield f"enabledCloudwatchLogsExports must include '{required}' for engine {props.get('engine')}."


def _not_public(props: Mapping[str, Any], _args: Any) -> Iterator[str]:
    if flag(props, "publiclyAccessible") is True:
        yield "publiclyAccessible must not be true."


def _auto_minor(props: Mapping[str, Any], _args: Any) -> Iterator[str]:
    # RDS enables it by default; only an explicit false is a finding.
    if flag(props, "autoMinorVersionUpgrade") is False:
        yield "autoMinorVersionUpgrade must not be false."


def _enhanced_monitoring(props: Mapping[str, Any], _args: Any) -> Iterator[str]:
    interval = number(props.get("monitoringInterval"))
    if not interval:
        yield "monitoringInterval must be one of 1, 5, 10, 15, 30, 60 (0 or unset turns enhanced monitoring off)."
    elif not has(props, "monitoringRoleArn"):
        yield "monitoringRoleArn must be set when monitoringInterval is non-zero."


def _performance_insights_cmk(props: Mapping[str, Any], _args: Any) -> Iterator[str]:
    if flag(props, "performanceInsightsEnabled") is True:
        yield from customer_key(props, "performanceInsightsKmsKeyId", "performanceInsightsKmsKeyId must name a "
                                "customer-managed KMS key when Performance Insights is on.")


def _backtrack_mysql_only(props: Mapping[str, Any], _args: Any) -> Iterator[str]:
    window = number(props.get("backtrackWindow"))
    engine = props.get("engine")
    if window and str(engine) != "aurora-mysql" and str(engine) != "aurora":
        yield f"backtrackWindow is {fmt(window)} but backtrack exists only on Aurora MySQL; engine is {engine}."


def _final_snapshot(props: Mapping[str, Any], _args: Any) -> Iterator[str]:
    if flag(props, "skipFinalSnapshot") is True:
        yield "skipFinalSnapshot must not be true."
    elif not has(props, "finalSnapshotIdentifier"):
        yield "finalSnapshotIdentifier must be set; without it deleting the cluster fails."


POLICIES = [
    ResourceRule(
        "aurora-storage-encrypted", "Aurora storage must be encrypted with a customer-managed KMS key",
        ("Security Hub RDS.27", "Checkov CKV_AWS_327"), MANDATORY, (CLUSTER, GLOBAL_CLUSTER), _storage_or_global),
    ResourceRule(
        "rds-instance-storage-encrypted", "RDS instance storage must be encrypted with a customer-managed KMS key",
        ("Security Hub RDS.3",), MANDATORY, (DB_INSTANCE,), _instance_storage_encrypted),
    ResourceRule(
        "rds-instance-backup-retention", "RDS instances must keep automated backups at least the configured number "
        "of days", ("Security Hub RDS.11",), MANDATORY, (DB_INSTANCE,), _instance_backup_retention,
        config={"minimumRetentionDays": {"type": "integer", "minimum": 1, "maximum": 35,
                                         "default": DEFAULT_MINIMUM_RETENTION,
                                         "description": "Fewest days of automated backups an instance may keep."}}),
    ResourceRule(
        "rds-instance-deletion-protection", "RDS instances must have deletion protection enabled",
        ("Security Hub RDS.8",), ADVISORY, (DB_INSTANCE,), _deletion_protection),
    ResourceRule(
        "aurora-backup-retention", "Aurora automated backups must be kept at least the configured number of days",
        ("Security Hub RDS.50",), MANDATORY, (CLUSTER,), _backup_retention,
        config={"minimumRetentionDays": {"type": "integer", "minimum": 1, "maximum": 35,
                                         "default": DEFAULT_MINIMUM_RETENTION,
                                         "description": "Fewest days of automated backups a cluster may keep."}}),
    ResourceRule(
        "aurora-deletion-protection", "Aurora clusters must have deletion protection enabled",
        ("Security Hub RDS.7",), ADVISORY, (CLUSTER, GLOBAL_CLUSTER), _deletion_protection),
    ResourceRule(
        "aurora-iam-auth", "Aurora clusters must enable IAM database authentication",
        ("Security Hub RDS.12",), ADVISORY, (CLUSTER,), _iam_auth),
    ResourceRule(
        "aurora-copy-tags-to-snapshot", "Aurora clusters must copy their tags to snapshots",
        ("Security Hub RDS.16",), ADVISORY, (CLUSTER,), _copy_tags),
    ResourceRule(
        "aurora-log-exports", "Aurora clusters must export their engine log to CloudWatch Logs",
        ("Security Hub RDS.34", "Security Hub RDS.37"), ADVISORY, (CLUSTER,), _log_exports),
    ResourceRule(
        "rds-not-publicly-accessible", "RDS clusters and instances must not be publicly accessible",
        ("Security Hub RDS.2",), MANDATORY, (CLUSTER, INSTANCE, DB_INSTANCE), _not_public),
    ResourceRule(
        "rds-auto-minor-version-upgrade", "RDS clusters and instances must keep automatic minor version upgrades on",
        ("Security Hub RDS.35",), ADVISORY, (CLUSTER, INSTANCE, DB_INSTANCE), _auto_minor),
    ResourceRule(
        "rds-enhanced-monitoring", "Aurora instances must have enhanced monitoring enabled",
        ("Security Hub RDS.6",), ADVISORY, (INSTANCE, DB_INSTANCE), _enhanced_monitoring),
    ResourceRule(
        "rds-performance-insights-cmk", "Performance Insights data must be encrypted with a customer-managed KMS key",
        ("Checkov CKV_AWS_354",), MANDATORY, (CLUSTER, INSTANCE, DB_INSTANCE), _performance_insights_cmk),
    ResourceRule(
        "aurora-backtrack-mysql-only", "Backtrack may only be configured on Aurora MySQL clusters",
        (OURS,), MANDATORY, (CLUSTER,), _backtrack_mysql_only),
    ResourceRule(
        "aurora-final-snapshot", "Aurora clusters must take a final snapshot when deleted",
        (OURS,), ADVISORY, (CLUSTER,), _final_snapshot),
]
