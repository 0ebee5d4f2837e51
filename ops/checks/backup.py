"""AWS Backup read back from the account (the pack's aurora-backup-plan): does a backup plan select the cluster, and
has it produced a recovery point lately.

A plan deleted in the console, a selection edited to another ARN, or a role AWS Backup can no longer assume (every
job fails, no recovery point appears) all drift from what the stack set; the gate cannot see any of them.
Run by `verify --backup` (a stack without `database.awsBackup` has nothing to find).
"""

from __future__ import annotations

import fnmatch
from datetime import UTC, datetime, timedelta
from typing import Any

from ops.checks.base import Facts, Outcome, failed, passed, skipped

# A daily plan's newest recovery point is at most a day old, plus the start and completion windows; two days leave
# room for one late job and still catch a plan that stopped.
MAX_AGE = timedelta(hours=48)


def _pages(call: Any, key: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    token = None
    while True:
        page = call(**params, **({"NextToken": token} if token else {}))
        items += page.get(key, [])
        token = page.get("NextToken")
        if not token:
            return items


def _matches(arn: str, patterns: list[str]) -> bool:
    # AWS Backup takes "*" wildcards in selection ARNs (arn:aws:rds:*:*:cluster:*); ARNs are case-sensitive.
    return any(fnmatch.fnmatchcase(arn, p) for p in patterns)


def selections_of(backup: Any, arn: str) -> list[tuple[str, str]]:
    """(plan name, selection name) of every selection whose Resources name `arn` and NotResources do not."""
    found = []
    for plan in _pages(backup.list_backup_plans, "BackupPlansList"):
        plan_id = plan["BackupPlanId"]
        for item in _pages(backup.list_backup_selections, "BackupSelectionsList", BackupPlanId=plan_id):
            selection = backup.get_backup_selection(BackupPlanId=plan_id, SelectionId=item["SelectionId"])
            body = selection.get("BackupSelection", {})
            if _matches(arn, body.get("Resources", [])) and not _matches(arn, body.get("NotResources", [])):
                found.append((plan.get("BackupPlanName", plan_id), body.get("SelectionName", item["SelectionId"])))
    return found


def _selections(facts: Facts) -> list[tuple[str, str]]:
    arn = facts.cluster["DBClusterArn"]
    return facts.once("backup-selections", arn, lambda: selections_of(facts.aws.backup, arn))


def backup_plan(facts: Facts) -> Outcome:
    arn = facts.cluster["DBClusterArn"]
    found = _selections(facts)
    if not found:
        return failed(f"no AWS Backup plan selects {arn}")
    return passed("selected by " + ", ".join(f"plan {p} (selection {s})" for p, s in found))


def recovery_point(facts: Facts) -> Outcome:
    arn = facts.cluster["DBClusterArn"]
    if not _selections(facts):
        return skipped("no AWS Backup plan selects the cluster (aurora-backup-plan)")
    points = _pages(facts.aws.backup.list_recovery_points_by_resource, "RecoveryPoints", ResourceArn=arn)
    completed = [p for p in points if p.get("Status") == "COMPLETED" and p.get("CreationDate")]
    if not completed:
        others = sorted({p.get("Status", "?") for p in points})
        return failed("no completed recovery point" + (f" (only {', '.join(others)})" if others else ""))
    latest = max(completed, key=lambda p: p["CreationDate"])
    now = facts.now or datetime.now(UTC)
    age = now - latest["CreationDate"]
    hours = int(age.total_seconds() // 3600)
    if age > MAX_AGE:
        return failed(f"newest recovery point is {hours} hours old ({latest['CreationDate']:%Y-%m-%d %H:%M} UTC); "
                      f"the plan's jobs have stopped or fail")
    return passed(f"newest recovery point {hours} hours old, in vault {latest.get('BackupVaultName', '?')}")
