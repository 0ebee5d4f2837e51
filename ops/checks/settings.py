"""Cluster settings read straight from describe_db_clusters."""

from __future__ import annotations

from ops.checks.base import Facts, Outcome, failed, passed

# The log each engine must publish (Security Hub RDS.34 for MySQL audit, RDS.37 for PostgreSQL).
REQUIRED_LOGS = {"aurora-postgresql": {"postgresql"}, "aurora-mysql": {"audit"}}


def backup_retention(facts: Facts) -> Outcome:
    days = int(facts.cluster.get("BackupRetentionPeriod") or 0)
    if days < facts.min_retention:
        return failed(f"retention {days} day(s), below the minimum of {facts.min_retention}")
    return passed(f"retention {days} day(s) (minimum {facts.min_retention})")


def deletion_protection(facts: Facts) -> Outcome:
    if not facts.cluster.get("DeletionProtection"):
        return failed("deletion protection is off")
    return passed("deletion protection is on")


def iam_auth(facts: Facts) -> Outcome:
    if not facts.cluster.get("IAMDatabaseAuthenticationEnabled"):
        return failed("IAM database authentication is off")
    return passed("IAM database authentication is on")


def copy_tags(facts: Facts) -> Outcome:
    if not facts.cluster.get("CopyTagsToSnapshot"):
        return failed("tags are not copied to snapshots")
    return passed("tags are copied to snapshots")


def log_exports(facts: Facts) -> Outcome:
    enabled = set(facts.cluster.get("EnabledCloudwatchLogsExports") or [])
    if not enabled:
        return failed("no logs exported to CloudWatch Logs")
    missing = REQUIRED_LOGS.get(facts.cluster.get("Engine", ""), set()) - enabled
    if missing:
        return failed(f"missing log export(s): {', '.join(sorted(missing))}")
    return passed(f"exporting {', '.join(sorted(enabled))}")
