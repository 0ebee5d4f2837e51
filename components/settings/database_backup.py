"""`aurora-platform:database.awsBackup`: AWS Backup for the cluster (components/aurora_backup.py).

A vault, a plan with one daily rule, a selection naming the cluster's ARN, the AWS Backup service role; optionally a
copy of every recovery point to a vault in another region, and a vault lock. On by default in production, off in
development (the snapshots it keeps are billed as backup storage, docs/database.md "AWS Backup").

Aurora's own continuous backups (`backupRetentionDays`, at most 35 days) stay as they are: AWS Backup adds snapshots
kept longer, under a lock, and copied out of the region.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .reader import Section

# AWS Backup's schedule: cron(minutes hours day-of-month month day-of-week year), one of day-of-month and day-of-week
# is "?" (the EventBridge cron form the plan's ScheduleExpression takes). Only the shape is checked here.
CRON = re.compile(r"cron\(\s*(\S+\s+){5}\S+\s*\)")
CRON_FIELD = re.compile(r"[0-9A-Za-z*?/,#L-]+")
# 07:00 UTC daily: after the default backupWindow (03:00-04:00) and the Sunday maintenance window (05:00-06:00),
# so the snapshot AWS Backup asks for never waits behind either.
DEFAULT_SCHEDULE = "cron(0 7 ? * * *)"
# A backup vault's ARN (ARN format of AWS Backup: arn:<partition>:backup:<region>:<account>:backup-vault:<name>).
VAULT_ARN = re.compile(r"arn:aws[a-z-]*:backup:([a-z]{2}(-[a-z]+)+-\d):(\d{12}):backup-vault:[A-Za-z0-9_.-]{2,50}")
# Days a recovery point may be kept: AWS Backup takes up to 100 years (36500 days).
RETENTION_MAX = 36500
LOCK_MODES = ("governance", "compliance")
# Compliance mode: AWS Backup's cooling-off before the lock becomes immutable is at least 72 hours.
CHANGEABLE_MIN = 3


@dataclass(frozen=True)
class VaultLock:
    enabled: bool = False
    # governance: the lock can be removed later by someone allowed backup:DeleteBackupVaultLockConfiguration;
    # compliance: after changeableForDays nobody (not even root) can remove it or delete a locked recovery point early.
    mode: str = "governance"
    min_retention_days: int = 7
    max_retention_days: int = 3650
    changeable_for_days: int | None = None


@dataclass(frozen=True)
class AwsBackup:
    enabled: bool = False
    schedule: str = DEFAULT_SCHEDULE
    retention_days: int = 35
    copy_to_vault_arn: str | None = None
    copy_retention_days: int | None = None
    vault_lock: VaultLock = field(default_factory=VaultLock)


def _cron_ok(text: str) -> bool:
    if not CRON.fullmatch(text):
        return False
    fields = text.strip()[len("cron("):-1].split()
    if not all(CRON_FIELD.fullmatch(f) for f in fields):
        return False
    # EventBridge cron: exactly one of day-of-month (3rd) and day-of-week (5th) is "?".
    return (fields[2] == "?") != (fields[4] == "?")


def parse_aws_backup(section: Section, production: bool, region: str | None) -> AwsBackup:
    """`section` is `database`; reads `database.awsBackup`."""
    sub = section.section("awsBackup")
    problems = sub.problems
    defaults = AwsBackup()
    enabled = sub.boolean("enabled", production)
    schedule = sub.string("schedule", defaults.schedule, check=_cron_ok,
                          allowed="an AWS Backup cron expression, cron(minutes hours day-of-month month day-of-week "
                                  "year) in UTC with exactly one of day-of-month and day-of-week \"?\", e.g. "
                                  f"\"{DEFAULT_SCHEDULE}\" (daily at 07:00 UTC)")
    retention = sub.integer("retentionDays", defaults.retention_days, minimum=1, maximum=RETENTION_MAX,
                            allowed=f"a whole number of days from 1 to {RETENTION_MAX} that AWS Backup keeps each "
                                    f"recovery point")
    copy_arn = sub.string(
        "copyToVaultArn", None, pattern=VAULT_ARN.pattern,
        check=lambda arn: region is None or arn.split(":")[3] != region,
        allowed="the ARN of a backup vault in another region than the stack's"
                + (f" ({region})" if region else "")
                + ", e.g. \"arn:aws:backup:us-west-2:123456789012:backup-vault:aurora-copies\"")
    copy_retention = sub.integer("copyRetentionDays", 0, minimum=1, maximum=RETENTION_MAX,
                                 allowed=f"a whole number of days from 1 to {RETENTION_MAX} that the copies are kept "
                                         f"(default: retentionDays)") or None
    if sub.has("coldStorageAfterDays"):
        sub.used.add("coldStorageAfterDays")
        problems.add_text(f"{sub.key}.coldStorageAfterDays",
                          "is not supported for Aurora: AWS Backup moves only some resource types to cold storage "
                          "(not Aurora, whose recovery points are cluster snapshots) and ignores the setting for the "
                          "others; remove it (retentionDays alone sets how long recovery points are kept)")
    lock = _vault_lock(sub.section("vaultLock"), production and enabled)
    sub.finish()

    if not enabled:
        if sub.raw and set(sub.raw) - {"enabled"}:
            problems.add_text(sub.key, "sets values but not enabled: true")
        return AwsBackup(vault_lock=VaultLock())
    if sub.has("copyRetentionDays") and copy_arn is None and not sub.has("copyToVaultArn"):
        problems.add_text(f"{sub.key}.copyRetentionDays", "applies only with copyToVaultArn (the vault the copies go "
                                                          "to)")
    if lock.enabled:
        # AWS Backup fails a backup job whose retention lies outside the lock's range.
        for name, days in (("retentionDays", retention),):
            if not lock.min_retention_days <= days <= lock.max_retention_days:
                problems.add_text(f"{sub.key}.{name}",
                                  f"got {days}; with vaultLock enabled it must lie within the lock's "
                                  f"minRetentionDays ({lock.min_retention_days}) and maxRetentionDays "
                                  f"({lock.max_retention_days}), or AWS Backup fails every backup job")
    return AwsBackup(enabled=True, schedule=schedule, retention_days=retention, copy_to_vault_arn=copy_arn,
                     copy_retention_days=copy_retention, vault_lock=lock)


def _vault_lock(sub: Section, default_on: bool) -> VaultLock:
    problems = sub.problems
    defaults = VaultLock()
    enabled = sub.boolean("enabled", default_on)
    mode = sub.string("mode", defaults.mode, choices=LOCK_MODES)
    minimum = sub.integer("minRetentionDays", defaults.min_retention_days, minimum=1, maximum=RETENTION_MAX)
    maximum = sub.integer("maxRetentionDays", defaults.max_retention_days, minimum=1, maximum=RETENTION_MAX)
    changeable = sub.integer("changeableForDays", 0, minimum=CHANGEABLE_MIN, maximum=RETENTION_MAX,
                             allowed=f"a whole number of days from {CHANGEABLE_MIN} (AWS Backup's 72-hour cooling-off) "
                                     f"to {RETENTION_MAX} before the compliance-mode lock becomes immutable") or None
    sub.finish()
    if not enabled:
        if sub.raw and set(sub.raw) - {"enabled"}:
            problems.add_text(sub.key, "sets values but not enabled: true")
        return VaultLock()
    if minimum > maximum:
        problems.add_text(f"{sub.key}.minRetentionDays",
                          f"got {minimum}, more than maxRetentionDays ({maximum}); allowed: at most maxRetentionDays")
    if mode == "compliance" and changeable is None and not sub.has("changeableForDays"):
        problems.add_text(f"{sub.key}.changeableForDays",
                          f"is required in compliance mode: the days (at least {CHANGEABLE_MIN}) during which the lock "
                          f"can still be changed or removed; after them it is immutable, and the vault cannot be "
                          f"deleted before its last recovery point expires")
    if mode == "governance" and sub.has("changeableForDays"):
        problems.add_text(f"{sub.key}.changeableForDays",
                          "applies only with mode: compliance (a governance-mode lock never becomes immutable)")
        changeable = None
    return VaultLock(enabled=True, mode=mode, min_retention_days=minimum, max_retention_days=maximum,
                     changeable_for_days=changeable if mode == "compliance" else None)
