"""verify --backup: a plan selects the cluster, and its newest recovery point is recent.

moto 5.2.5 implements backup plans and vaults but not ListBackupSelections, GetBackupSelection or
ListRecoveryPointsByResource, so the AWS Backup answers are pinned with botocore's Stubber (shapes from the service
model: the Stubber refuses a response the model does not allow); the cluster comes from moto."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import boto3
import pytest
from botocore.stub import Stubber

from ops.checks import BACKUP_CHECKS, run_checks
from ops.checks.base import Facts

ARN = "arn:aws:rds:eu-west-1:123456789012:cluster:shared-pg"
NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
PLAN = {"BackupPlanId": "plan-1", "BackupPlanName": "aurora-platform-prod-daily"}


@pytest.fixture
def backup(aws_env):
    client = boto3.client("backup", region_name="eu-west-1")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def facts(client, arn=ARN):
    return Facts(SimpleNamespace(backup=client), {"DBClusterArn": arn}, [], 7, None, None, now=NOW)


def plans(stubber, resources, not_resources=(), selections=1, paged=False):
    if paged:
        stubber.add_response("list_backup_plans", {"BackupPlansList": [], "NextToken": "t2"}, {})
        stubber.add_response("list_backup_plans", {"BackupPlansList": [PLAN]}, {"NextToken": "t2"})
    else:
        stubber.add_response("list_backup_plans", {"BackupPlansList": [PLAN]}, {})
    stubber.add_response("list_backup_selections", {"BackupSelectionsList": [
        {"SelectionId": f"sel-{i}", "BackupPlanId": "plan-1"} for i in range(selections)]},
        {"BackupPlanId": "plan-1"})
    for i in range(selections):
        body = {"SelectionName": f"cluster-{i}", "IamRoleArn": "arn:aws:iam::123456789012:role/b",
                "Resources": list(resources)}
        if not_resources:
            body["NotResources"] = list(not_resources)
        stubber.add_response("get_backup_selection", {"BackupSelection": body, "SelectionId": f"sel-{i}",
                                                      "BackupPlanId": "plan-1"},
                             {"BackupPlanId": "plan-1", "SelectionId": f"sel-{i}"})


def points(stubber, *items):
    stubber.add_response("list_recovery_points_by_resource", {"RecoveryPoints": list(items)}, {"ResourceArn": ARN})


def point(created, status="COMPLETED"):
    return {"RecoveryPointArn": "arn:aws:rds:eu-west-1:123456789012:cluster-snapshot:awsbackup:job-1",
            "CreationDate": created, "Status": status, "BackupVaultName": "aurora-platform-prod-backups"}


def results(client):
    return {r.name: (r.status, r.detail) for r in run_checks(facts(client), BACKUP_CHECKS)}


def test_selected_with_a_fresh_recovery_point_passes(backup):
    client, stubber = backup
    plans(stubber, [ARN], paged=True)
    points(stubber, point(datetime(2026, 12, 1, 7, 5, tzinfo=UTC)),
           point(datetime(2026, 12, 2, 7, 5, tzinfo=UTC)), point(datetime(2026, 12, 2, 11, 0, tzinfo=UTC), "RUNNING"))
    assert results(client) == {
        "aurora-backup-plan": ("pass", "selected by plan aurora-platform-prod-daily (selection cluster-0)"),
        "aurora-backup-recovery-point": ("pass", "newest recovery point 4 hours old, in vault "
                                                 "aurora-platform-prod-backups")}


@pytest.mark.parametrize("pattern", ["arn:aws:rds:*:*:cluster:*", "*", "arn:aws:rds:eu-west-1:123456789012:cluster:*"])
def test_wildcard_selections_count(backup, pattern):
    client, stubber = backup
    plans(stubber, [pattern])
    points(stubber, point(datetime(2026, 12, 2, 7, 0, tzinfo=UTC)))
    assert results(client)["aurora-backup-plan"][0] == "pass"


@pytest.mark.parametrize(("resources", "not_resources"), [
    (["arn:aws:rds:eu-west-1:123456789012:cluster:other"], ()),
    (["arn:aws:rds:eu-west-1:123456789012:cluster:SHARED-PG"], ()),  # case-sensitive, as AWS matches ARNs
    (["arn:aws:rds:*:*:db:*"], ()),
    (["*"], [ARN]),
    ([], ()),
])
def test_no_selection_naming_the_cluster_fails_and_skips_the_point_check(backup, resources, not_resources):
    client, stubber = backup
    plans(stubber, resources, not_resources)
    assert results(client) == {
        "aurora-backup-plan": ("fail", f"no AWS Backup plan selects {ARN}"),
        "aurora-backup-recovery-point": ("skip", "no AWS Backup plan selects the cluster (aurora-backup-plan)")}


def test_a_stale_recovery_point_fails(backup):
    client, stubber = backup
    plans(stubber, [ARN])
    points(stubber, point(datetime(2026, 11, 29, 7, 0, tzinfo=UTC)))
    assert results(client)["aurora-backup-recovery-point"] == (
        "fail", "newest recovery point is 77 hours old (2026-11-29 07:00 UTC); the plan's jobs have stopped or fail")


def test_only_failed_jobs_fail(backup):
    client, stubber = backup
    plans(stubber, [ARN])
    points(stubber, point(datetime(2026, 12, 2, 7, 0, tzinfo=UTC), "EXPIRED"),
           point(datetime(2026, 12, 2, 8, 0, tzinfo=UTC), "PARTIAL"))
    assert results(client)["aurora-backup-recovery-point"] == (
        "fail", "no completed recovery point (only EXPIRED, PARTIAL)")
    plans(stubber, [ARN])
    points(stubber)
    assert results(client)["aurora-backup-recovery-point"] == ("fail", "no completed recovery point")


def test_access_denied_is_an_error_of_that_check_only(backup):
    client, stubber = backup
    stubber.add_client_error("list_backup_plans", "AccessDeniedException", "not allowed", 400)
    found = results(client)
    assert found["aurora-backup-plan"][0] == "error"
    assert "AccessDeniedException" in found["aurora-backup-plan"][1]


def test_verify_runs_the_backup_checks_only_when_asked(shared_stacks, run_ops):
    from tests.ops.conftest import reused_client
    stack = shared_stacks.get()
    client = boto3.client("backup", region_name="eu-west-1")
    stubber = Stubber(client)
    arn = f"arn:aws:rds:eu-west-1:123456789012:cluster:{stack.cluster_id}"

    def make(service, region, options=None):
        return client if service == "backup" else reused_client(service, region, options)

    plain = run_ops("verify", "--outputs", str(stack.outputs), "--json", make_client=make)
    assert "aurora-backup-plan" not in {c["name"] for c in plain.json()["checks"]}
    stubber.add_response("list_backup_plans", {"BackupPlansList": []}, {})
    with stubber:
        result = run_ops("verify", "--outputs", str(stack.outputs), "--json", "--backup", make_client=make)
    checks = {c["name"]: (c["status"], c["detail"]) for c in result.json()["checks"]}
    assert checks["aurora-backup-plan"] == ("fail", f"no AWS Backup plan selects {arn}")
    assert result.code == 1
