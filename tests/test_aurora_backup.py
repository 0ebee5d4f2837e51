"""AWS Backup of the cluster (`database.awsBackup`): settings, the vault/plan/selection/role under mocks for dev and
prod, and the gate's aurora-backup-plan and backup-vault-cmk rules with the shapes that try to get past them."""

from __future__ import annotations

import json

import pytest

from components.settings import SettingsError, load_settings
from preflight.engine import read_stack_config
from preflight.policy_eval import UNKNOWN
from tests.conftest import REPO_ROOT
from tests.policies.policy_helpers import check, check_stack, resource, urn

KEY = "aurora-platform:database"
B = f"{KEY}.awsBackup"
VAULT = "aws:backup/vault:Vault"
PLAN = "aws:backup/plan:Plan"
SELECTION = "aws:backup/selection:Selection"
LOCK = "aws:backup/vaultLockConfiguration:VaultLockConfiguration"
CLUSTER = "aws:rds/cluster:Cluster"
COPY_VAULT = "arn:aws:backup:us-west-2:123456789012:backup-vault:aurora-copies"


def backup(values: dict, environment: str = "development", region: str | None = "us-east-1"):
    return load_settings({"environment": environment, "database": {"awsBackup": values}}, "s",
                         region).database.aws_backup


def problems(values: dict, environment: str = "development", region: str | None = "us-east-1") -> list[str]:
    with pytest.raises(SettingsError) as caught:
        backup(values, environment, region)
    return caught.value.problems


def test_on_in_production_off_in_development():
    prod = backup({}, "production")
    assert prod.enabled and prod.vault_lock.enabled and prod.vault_lock.mode == "governance"
    assert prod.schedule == "cron(0 7 ? * * *)" and prod.retention_days == 35
    dev = backup({})
    assert not dev.enabled and not dev.vault_lock.enabled
    # Turned on in development: the lock stays off unless asked for.
    assert backup({"enabled": True}).vault_lock.enabled is False


def test_every_value_parses():
    got = backup({"enabled": True, "schedule": "cron(30 2 ? * MON-FRI *)", "retentionDays": "90",
                  "copyToVaultArn": COPY_VAULT, "copyRetentionDays": 30,
                  "vaultLock": {"enabled": True, "mode": "compliance", "minRetentionDays": 30,
                                "maxRetentionDays": 365, "changeableForDays": 3}})
    assert (got.schedule, got.retention_days, got.copy_to_vault_arn, got.copy_retention_days) == (
        "cron(30 2 ? * MON-FRI *)", 90, COPY_VAULT, 30)
    assert (got.vault_lock.mode, got.vault_lock.min_retention_days, got.vault_lock.max_retention_days,
            got.vault_lock.changeable_for_days) == ("compliance", 30, 365, 3)


@pytest.mark.parametrize("schedule", ["cron(0 7 * * * *)", "cron(0 7 ? * ? *)", "rate(1 day)", "0 7 * * *",
                                      "cron(0 7 ? * *)", "cron(0 7 ? * * * *)", "cron(0;7 ? * * *)"])
def test_bad_schedules(schedule):
    assert problems({"enabled": True, "schedule": schedule}) == [
        f"{B}.schedule: got {json.dumps(schedule)}; allowed: an AWS Backup cron expression, cron(minutes hours "
        f"day-of-month month day-of-week year) in UTC with exactly one of day-of-month and day-of-week \"?\", e.g. "
        f"\"cron(0 7 ? * * *)\" (daily at 07:00 UTC)"]


@pytest.mark.parametrize("days", [0, -3, 36501])
def test_retention_outside_1_to_36500_days_is_refused_with_its_bounds(days):
    # AWS Backup keeps a recovery point at least one day; 36500 days (100 years) is the setting's documented ceiling.
    assert problems({"enabled": True, "retentionDays": days}) == [
        f"{B}.retentionDays: got {days}; allowed: a whole number of days from 1 to 36500 that AWS Backup keeps each "
        f"recovery point"]


@pytest.mark.parametrize("days", [1, 36500])
def test_retention_at_its_bounds_is_taken(days):
    assert backup({"enabled": True, "retentionDays": days}).retention_days == days


def test_cold_storage_is_refused_for_aurora():
    assert problems({"enabled": True, "coldStorageAfterDays": 30}) == [
        f"{B}.coldStorageAfterDays: is not supported for Aurora: AWS Backup moves only some resource types to cold "
        f"storage (not Aurora, whose recovery points are cluster snapshots) and ignores the setting for the others; "
        f"remove it (retentionDays alone sets how long recovery points are kept)"]


@pytest.mark.parametrize("arn", ["arn:aws:backup:us-east-1:123456789012:backup-vault:same-region",
                                 "arn:aws:backup:us-west-2:123456789012:vault:x1",
                                 "arn:aws:s3:::bucket", "aurora-copies",
                                 "arn:aws:backup:us-west-2:12345:backup-vault:x1"])
def test_the_copy_goes_to_a_vault_of_another_region(arn):
    assert problems({"enabled": True, "copyToVaultArn": arn}) == [
        f"{B}.copyToVaultArn: got {json.dumps(arn)}; allowed: the ARN of a backup vault in another region than the "
        f"stack's (us-east-1), e.g. \"arn:aws:backup:us-west-2:123456789012:backup-vault:aurora-copies\""]


def test_without_a_known_region_the_copy_message_names_none():
    # A stack whose region is not known yet (aws:region unset) still gets the message, without a made-up region.
    assert problems({"enabled": True, "copyToVaultArn": "aurora-copies"}, region=None) == [
        f"{B}.copyToVaultArn: got \"aurora-copies\"; allowed: the ARN of a backup vault in another region than the "
        f"stack's, e.g. \"arn:aws:backup:us-west-2:123456789012:backup-vault:aurora-copies\""]


@pytest.mark.parametrize("days", [0, -1, 36501])
def test_copy_retention_outside_1_to_36500_days_is_refused_with_its_bounds(days):
    assert problems({"enabled": True, "copyToVaultArn": COPY_VAULT, "copyRetentionDays": days}) == [
        f"{B}.copyRetentionDays: got {days}; allowed: a whole number of days from 1 to 36500 that the copies are "
        f"kept (default: retentionDays)"]


@pytest.mark.parametrize("days", [1, 36500])
def test_copy_retention_at_its_bounds_is_taken(days):
    got = backup({"enabled": True, "copyToVaultArn": COPY_VAULT, "copyRetentionDays": days})
    assert got.copy_retention_days == days


def test_copies_without_their_own_retention_are_kept_as_long_as_the_originals():
    # None means "retentionDays": a default of 1 would delete every cross-region copy after a day.
    got = backup({"enabled": True, "retentionDays": 90, "copyToVaultArn": COPY_VAULT})
    assert (got.retention_days, got.copy_retention_days) == (90, None)


@pytest.mark.parametrize("environment", ["development", "production"])
def test_enabled_false_alone_is_not_a_setting_without_effect(environment):
    # Only values beside `enabled: false` are refused ("sets values but not enabled: true"); the switch itself is fine.
    got = backup({"enabled": False}, environment)
    assert got.enabled is False and got.vault_lock.enabled is False


def test_a_bad_copy_vault_is_the_one_problem_beside_its_copy_retention():
    # copyToVaultArn is given, only wrong: "copyRetentionDays applies only with copyToVaultArn" would send the user
    # looking for a setting that is there.
    assert problems({"enabled": True, "copyToVaultArn": "aurora-copies", "copyRetentionDays": 30}) == [
        f"{B}.copyToVaultArn: got \"aurora-copies\"; allowed: the ARN of a backup vault in another region than the "
        f"stack's (us-east-1), e.g. \"arn:aws:backup:us-west-2:123456789012:backup-vault:aurora-copies\""]


def test_lock_and_retention_must_agree():
    assert problems({"enabled": True, "retentionDays": 5, "vaultLock": {"enabled": True}}) == [
        f"{B}.retentionDays: got 5; with vaultLock enabled it must lie within the lock's minRetentionDays (7) and "
        f"maxRetentionDays (3650), or AWS Backup fails every backup job"]
    assert problems({"vaultLock": {"minRetentionDays": 40}}, "production") == [
        f"{B}.retentionDays: got 35; with vaultLock enabled it must lie within the lock's minRetentionDays (40) and "
        f"maxRetentionDays (3650), or AWS Backup fails every backup job"]
    assert problems({"vaultLock": {"minRetentionDays": 30, "maxRetentionDays": 20}}, "production")[0] == (
        f"{B}.vaultLock.minRetentionDays: got 30, more than maxRetentionDays (20); allowed: at most maxRetentionDays")


def test_compliance_mode_needs_its_cooling_off():
    assert problems({"vaultLock": {"mode": "compliance"}}, "production") == [
        f"{B}.vaultLock.changeableForDays: is required in compliance mode: the days (at least 3) during which the "
        f"lock can still be changed or removed; after them it is immutable, and the vault cannot be deleted before "
        f"its last recovery point expires"]
    assert problems({"vaultLock": {"mode": "compliance", "changeableForDays": 2}}, "production") == [
        f"{B}.vaultLock.changeableForDays: got 2; allowed: a whole number of days from 3 (AWS Backup's 72-hour "
        f"cooling-off) to 36500 before the compliance-mode lock becomes immutable"]
    assert problems({"vaultLock": {"changeableForDays": 5}}, "production") == [
        f"{B}.vaultLock.changeableForDays: applies only with mode: compliance (a governance-mode lock never becomes "
        f"immutable)"]


def test_typos_and_values_without_enabled():
    found = problems({"retentionDay": 10, "vaultLock": {"mode": "complience"}}, "production")
    assert found[0] == (f'{B}.vaultLock.mode: got "complience"; allowed: governance, compliance. Did you mean '
                        f'"compliance"?')
    assert found[1].startswith(f"{B}.retentionDay: unknown setting") and 'Did you mean "retentionDays"' in found[1]
    assert problems({"retentionDays": 10}) == [f"{B}: sets values but not enabled: true"]
    assert problems({"enabled": True, "copyRetentionDays": 10}) == [
        f"{B}.copyRetentionDays: applies only with copyToVaultArn (the vault the copies go to)"]


# ---- the program under mocks --------------------------------------------------------------------------------------

def test_dev_has_no_backup_plan(dev):
    assert [r for r in dev.resources if r.type.startswith("aws:backup/")] == []


def test_prod_vault_plan_selection_and_role(prod):
    vault = prod.one(VAULT)
    assert vault.inputs["name"] == "aurora-platform-prod-backups"
    assert vault.inputs["kmsKeyArn"] == prod.named("database-key").outputs["arn"]
    assert vault.inputs["forceDestroy"] is False and vault.protect is True
    lock = prod.one(LOCK).inputs
    assert (lock["minRetentionDays"], lock["maxRetentionDays"]) == (7, 3650)
    assert "changeableForDays" not in lock  # governance mode: never immutable
    plan = prod.one(PLAN)
    rule = plan.inputs["rules"][0]
    assert (rule["schedule"], rule["lifecycle"], rule["targetVaultName"]) == (
        "cron(0 7 ? * * *)", {"deleteAfter": 35}, "aurora-platform-prod-backups")
    assert "coldStorageAfter" not in rule["lifecycle"] and "copyActions" not in rule
    assert urn_of(prod, LOCK) in plan.dependencies
    selection = prod.one(SELECTION)
    cluster = next(r for r in prod.of_type(CLUSTER) if r.name == "database")
    assert selection.inputs["resources"] == ["arn:aws:rds:us-east-1:123456789012:cluster:aurora-platform-prod"]
    assert selection.property_dependencies["resources"] == [cluster.urn]
    assert selection.inputs["planId"] == plan.id
    role = prod.named("database-backup")
    assert selection.inputs["iamRoleArn"] == role.outputs["arn"]
    assert json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]["Principal"] == {
        "Service": "backup.amazonaws.com"}
    assert [a for a in prod.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
            if "Backup" in a.inputs["policyArn"]] == []
    policy = json.loads(next(r for r in prod.of_type("aws:iam/rolePolicy:RolePolicy")
                             if r.name == "database-backup").inputs["policy"])
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    assert by_sid["SnapshotTheCluster"]["Resource"] == [
        "arn:aws:rds:us-east-1:123456789012:cluster:aurora-platform-prod",
        "arn:aws:rds:us-east-1:123456789012:cluster-snapshot:awsbackup:*"]
    assert by_sid["CopyAndExpireBackupSnapshots"]["Resource"] == (
        "arn:aws:rds:*:123456789012:cluster-snapshot:awsbackup:*")
    assert by_sid["Vaults"]["Resource"] == [vault.outputs["arn"]]
    # Nothing beyond snapshots of Aurora: no instance, volume, table or file system action, no key use.
    actions = [a for s in policy["Statement"] for a in s["Action"]]
    assert all(a.startswith(("rds:", "backup:")) for a in actions)
    assert not any("DBInstance" in a or a.endswith("DBCluster") for a in actions)


def test_prod_exports_where_its_backups_go(prod):
    # The stack says where its backups go: the vault by name, the plan by id (for whoever checks or restores them).
    assert prod.exports["backupVaultName"] == prod.one(VAULT).outputs["name"] == "aurora-platform-prod-backups"
    assert prod.exports["backupPlanId"] == prod.one(PLAN).id


def urn_of(run, type_):
    return run.one(type_).urn


def test_prod_copy_and_compliance_lock(evaluate):
    database = dict(read_stack_config(REPO_ROOT, {"name": "aurora-platform"}, "prod")[KEY])
    run = evaluate("prod", {KEY: {**database, "awsBackup": {
        "retentionDays": 60, "copyToVaultArn": COPY_VAULT,
        "vaultLock": {"mode": "compliance", "changeableForDays": 7, "minRetentionDays": 30}}}})
    rule = run.one(PLAN).inputs["rules"][0]
    assert rule["copyActions"] == [{"destinationVaultArn": COPY_VAULT, "lifecycle": {"deleteAfter": 60}}]
    policy = json.loads(next(r for r in run.of_type("aws:iam/rolePolicy:RolePolicy")
                             if r.name == "database-backup").inputs["policy"])
    assert [s["Resource"] for s in policy["Statement"] if s["Sid"] == "Vaults"] == [
        [run.one(VAULT).outputs["arn"], COPY_VAULT]]
    lock = run.one(LOCK).inputs
    assert (lock["changeableForDays"], lock["minRetentionDays"]) == (7, 30)
    # A vault has one lock: a replacement created first and the old one deleted after would leave it unlocked.
    assert run.one(LOCK).delete_before_replace is True


def test_prod_without_backup_fails_the_prod_gate(evaluate):
    from preflight.policy_eval import Analyzer, load_policy_config
    database = dict(read_stack_config(REPO_ROOT, {"name": "aurora-platform"}, "prod")[KEY])
    run = evaluate("prod", {KEY: {**database, "awsBackup": {"enabled": False}}})
    evaluation = Analyzer(load_policy_config(REPO_ROOT / "policies" / "config" / "prod.json")).evaluate(run.resources)
    assert [(v.policy, v.enforcement_level, v.detail) for v in evaluation.violations] == [
        ("aurora-backup-plan", "mandatory",
         "Cluster 'database' is in no AWS Backup selection (resources naming its ARN, or a selection tag it carries); "
         "turn on aurora-platform:database.awsBackup.")]


# ---- the rules ----------------------------------------------------------------------------------------------------

ARN = "arn:aws:rds:us-east-1:123456789012:cluster:db"


def stack(selection: dict | None = None, deps: dict | None = None, plan_rules=True, cluster_tags=None):
    cluster = resource(CLUSTER, "db", {"clusterIdentifier": "db", "arn": ARN, "tags": cluster_tags or {}})
    plan = resource(PLAN, "p", {"name": "p", "id": "plan-1",
                                "rules": [{"ruleName": "daily", "schedule": "cron(0 7 ? * * *)"}] if plan_rules
                                else []})
    found = [cluster, plan]
    if selection is not None:
        found.append(resource(SELECTION, "s", {"planId": "plan-1", "iamRoleArn": "arn:aws:iam::1:role/b",
                                               **selection}, property_dependencies=deps or {}))
    return found


def plan_rule(resources):
    return check_stack("aurora-backup-plan", resources, {"aurora-backup-plan": {"allStacks": True}})


@pytest.mark.parametrize(("environment", "judged"), [("production", True), (" PROD ", True), ("development", False),
                                                     (None, False)])
def test_only_production_stacks_are_judged_by_default(environment, judged):
    tags = {"Environment": environment} if environment else {}
    found = check_stack("aurora-backup-plan", stack(None, cluster_tags=tags))
    assert found == ([NOT_SELECTED] if judged else [])


NOT_SELECTED = ("Cluster 'db' is in no AWS Backup selection (resources naming its ARN, or a selection tag it "
                "carries); turn on aurora-platform:database.awsBackup.")


@pytest.mark.parametrize(("selection", "deps"), [
    # Not known before deployment: computed from the cluster is all there is (a known value must name its ARN).
    ({"resources": [UNKNOWN]}, {"resources": [urn(CLUSTER, "db")]}),
    ({"resources": [ARN]}, None),
    ({"resources": ["arn:aws:rds:*:*:cluster:*"]}, None),
    ({"resources": ["*"]}, None),
    ({"resources": [], "selectionTags": [{"type": "STRINGEQUALS", "key": "Backup", "value": "daily"}]}, None),
])
def test_selected_clusters_pass(selection, deps):
    assert plan_rule(stack(selection, deps, cluster_tags={"Backup": "daily"})) == []


@pytest.mark.parametrize("selection", [
    None,
    {"resources": ["arn:aws:rds:us-east-1:123456789012:cluster:other"]},
    {"resources": ["arn:aws:rds:us-east-1:123456789012:cluster:DB"]},  # ARNs are case-sensitive
    {"resources": ["arn:aws:rds:*:*:db:*"]},  # instances, not clusters
    {"resources": ["*"], "notResources": [ARN]},
    {"selectionTags": [{"type": "STRINGEQUALS", "key": "Backup", "value": "weekly"}]},
])
def test_clusters_not_selected_fail(selection):
    assert plan_rule(stack(selection, cluster_tags={"Backup": "daily"})) == [NOT_SELECTED]


def test_a_plan_without_rules_protects_nothing():
    assert plan_rule(stack({"resources": [ARN]}, {"planId": [urn(PLAN, "p")]}, plan_rules=False)) == [
        "Cluster 'db' is selected, but Plan 'p' has no rule."]


def test_a_selection_without_plan():
    assert plan_rule(stack({"resources": [ARN], "planId": None})) == [
        "Cluster 'db' is selected, but Selection 's' belongs to no plan."]


def test_a_plan_outside_the_stack_counts():
    assert plan_rule(stack({"resources": [ARN], "planId": "plan-elsewhere"})) == []


@pytest.mark.parametrize(("props", "expected"), [
    ({"name": "v", "kmsKeyArn": "arn:aws:kms:us-east-1:123456789012:key/abc"}, []),
    ({"name": "v"}, ["kmsKeyArn is not set: AWS Backup then encrypts with its AWS-managed key (alias/aws/backup); set "
                     "a customer-managed key of the stack."]),
    ({"name": "v", "kmsKeyArn": "alias/aws/backup"},
     ["kmsKeyArn 'alias/aws/backup' is not a customer-managed key; set a customer-managed key of the stack."]),
    ({"name": "v", "kmsKeyArn": "arn:aws:kms:us-east-1:123456789012:alias/aws/backup"},
     ["kmsKeyArn 'arn:aws:kms:us-east-1:123456789012:alias/aws/backup' is not a customer-managed key; set a "
      "customer-managed key of the stack."]),
    ({"name": "v", "kmsKeyArn": "ALIAS/AWS/BACKUP"},
     ["kmsKeyArn 'ALIAS/AWS/BACKUP' is not a customer-managed key; set a customer-managed key of the stack."]),
    ({"name": "v", "kmsKeyArn": "  "},
     ["kmsKeyArn '  ' is not a customer-managed key; set a customer-managed key of the stack."]),
])
def test_vault_cmk(props, expected):
    assert check("backup-vault-cmk", VAULT, props) == expected


# A character outside the cron alphabet (digits, letters, * ? / , # L -) in any of the six fields, the last
# character of the year field included, is refused: AWS Backup would refuse the plan only at deploy.
@pytest.mark.parametrize("schedule", ["cron(0; 7 ? * * *)", "cron(0 7:00 ? * * *)", "cron(0 7 ?; * * *)",
                                      "cron(0 7 ? *; * *)", "cron(0 7 ? * *; *)", "cron(0 7 ? * * *;)",
                                      "cron(0 7 ? * * 2026;)"])
def test_a_character_outside_the_cron_alphabet_in_any_field_is_refused(schedule):
    assert problems({"enabled": True, "schedule": schedule}) == [
        f"{B}.schedule: got {json.dumps(schedule)}; allowed: an AWS Backup cron expression, cron(minutes hours "
        f"day-of-month month day-of-week year) in UTC with exactly one of day-of-month and day-of-week \"?\", e.g. "
        f"\"cron(0 7 ? * * *)\" (daily at 07:00 UTC)"]
