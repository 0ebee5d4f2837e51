"""verify's checks: the policy pack's rules, read back from a live stack's describe APIs.

Each check is a small function ``Facts -> (status, detail)``. The names are the policy pack's
rule names (policies/rules, docs/policies.md), so a finding here and a violation at preview
time read the same; scripts match on them in ``verify --json``.
"""

from __future__ import annotations

from ops.checks import audit, backup, bastion, engine, forwarding, keys, network, password, settings, tls
from ops.checks.base import ERROR, FAIL, PASS, SKIP, Check, CheckResult, Facts
from ops.errors import AWS_ERRORS, one_line

CHECKS: list[tuple[str, Check]] = [
    ("aurora-storage-encrypted", keys.storage_encrypted_cmk),
    ("kms-key-rotation", keys.key_rotation),
    ("aurora-tls-forced", tls.tls_enforced),
    ("aurora-backup-retention", settings.backup_retention),
    ("aurora-deletion-protection", settings.deletion_protection),
    ("aurora-iam-auth", settings.iam_auth),
    ("aurora-copy-tags-to-snapshot", settings.copy_tags),
    ("aurora-log-exports", settings.log_exports),
    ("aurora-audit-logging", audit.audit_logging),
    ("aurora-write-forwarding-consistency", forwarding.write_forwarding),
    ("rds-not-publicly-accessible", network.no_public_instances),
    ("aurora-readers-multi-az", network.multi_az_instances),
    ("ssm-secret-parameter-secure-cmk", password.password_parameter_cmk),
    ("no-world-database-ingress", network.no_open_db_ingress),
    ("ec2-imdsv2-required", bastion.bastion_imdsv2),
    ("ec2-ebs-encrypted", bastion.bastion_volumes_encrypted),
]


# `verify --backup`: AWS Backup of the cluster (stacks with database.awsBackup on; moto has no backup selections, so
# the default run, which the tests pass against moto, leaves them out).
BACKUP_CHECKS: list[tuple[str, Check]] = [
    ("aurora-backup-plan", backup.backup_plan),
    ("aurora-backup-recovery-point", backup.recovery_point),
]


# `verify --live-facts`: the AWS facts the program pins offline that only the region can confirm (docs/aws-facts.md).
LIVE_FACT_CHECKS: list[tuple[str, Check]] = [
    ("engine-version-available", engine.engine_version_available),
    ("instance-class-orderable", engine.instance_class_orderable),
    ("ca-certificate-current", engine.ca_certificate_current),
    ("serverless-capacity-supported", engine.serverless_capacity_supported),
]


def run_checks(facts: Facts, checks: list[tuple[str, Check]] | None = None) -> list[CheckResult]:
    """Every check (CHECKS unless given), each isolated: one AccessDenied marks that check ERROR, the rest still
    run."""
    results = []
    for name, check in CHECKS if checks is None else checks:
        try:
            status, detail = check(facts)
        except AWS_ERRORS as exc:
            status, detail = ERROR, one_line(exc)
        results.append(CheckResult(name, status, detail))
    return results


__all__ = ["BACKUP_CHECKS", "CHECKS", "ERROR", "LIVE_FACT_CHECKS", "FAIL", "PASS", "SKIP", "CheckResult", "Facts",
           "run_checks"]
