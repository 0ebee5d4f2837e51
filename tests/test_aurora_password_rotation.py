"""Rotation of the RDS-managed master password (`passwordRotationDays`) and the gate's secrets-rotation-schedule."""

from __future__ import annotations

import pytest

from components.settings import SettingsError, load_settings
from preflight.engine import read_stack_config
from tests.conftest import REPO_ROOT
from tests.policies.policy_helpers import check

KEY = "aurora-platform:database"
ROTATION = "aws:secretsmanager/secretRotation:SecretRotation"


def problems(values: dict) -> list[str]:
    with pytest.raises(SettingsError) as caught:
        load_settings({"database": values}, "dev", "us-east-1")
    return caught.value.problems


def test_days_only_with_an_rds_managed_password():
    database = load_settings({"database": {"manageMasterUserPassword": True, "passwordRotationDays": 30}}, "dev",
                             "us-east-1").database
    assert database.password_rotation_days == 30
    assert load_settings({"database": {}}, "dev", "us-east-1").database.password_rotation_days is None
    assert problems({"passwordRotationDays": 30}) == [
        f"{KEY}.passwordRotationDays: applies only with manageMasterUserPassword: true (RDS rotates the password it "
        f"keeps in Secrets Manager); the generated password rotates when passwordVersion is raised"]


@pytest.mark.parametrize("days", [0, 1001, "weekly", 7.5])
def test_bad_days_are_named(days):
    found = problems({"manageMasterUserPassword": True, "passwordRotationDays": days})
    assert len(found) == 1 and found[0].endswith(
        "allowed: a whole number of days from 1 to 1000 between rotations of the RDS-managed master password")


@pytest.mark.parametrize("days", [1, 1000])
def test_the_first_and_last_days_secrets_manager_takes_are_taken(days):
    # RotationRules.AutomaticallyAfterDays: 1 to 1000, both ends included.
    database = load_settings({"database": {"manageMasterUserPassword": True, "passwordRotationDays": days}}, "dev",
                             "us-east-1").database
    assert database.password_rotation_days == days


def test_the_program_sets_the_schedule_of_the_rds_secret(evaluate):
    database = {**dict(read_stack_config(REPO_ROOT, {"name": "aurora-platform"}, "prod")[KEY]),
                "manageMasterUserPassword": True, "passwordRotationDays": 30}
    run = evaluate("prod", {KEY: database, "aurora-platform:app": None})
    rotation = run.one(ROTATION)
    assert rotation.inputs["rotationRules"] == {"automaticallyAfterDays": 30}
    assert rotation.inputs["secretId"].startswith("arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!cluster-")
    assert "rotationLambdaArn" not in rotation.inputs
    assert rotation.parent == run.one("aurora-platform:database:AuroraCluster").urn  # the database's, in its URN


def test_dev_and_prod_keep_the_generated_password_and_set_no_schedule(dev, prod):
    assert dev.of_type(ROTATION) == [] and prod.of_type(ROTATION) == []


def rule(props, config=None):
    return check("secrets-rotation-schedule", ROTATION, props, config)


@pytest.mark.parametrize("rules", [{"automaticallyAfterDays": 30}, {"automaticallyAfterDays": 90},
                                   {"scheduleExpression": "rate(10 days)"}, {"scheduleExpression": "rate(4 hours)"}])
def test_schedules_within_90_days_pass(rules):
    assert rule({"secretId": "s", "rotationRules": rules}) == []


@pytest.mark.parametrize(("props", "message"), [
    ({"rotationRules": {"automaticallyAfterDays": 91}}, "the secret is rotated every 91 days; at most 90 are allowed."),
    ({"rotationRules": {"scheduleExpression": "rate(365 days)"}},
     "the secret is rotated every 365 days; at most 90 are allowed."),
    ({"rotationRules": {"scheduleExpression": "cron(0 0 1 1 ? *)"}},
     "rotationRules.scheduleExpression 'cron(0 0 1 1 ? *)' cannot be bounded offline; use automaticallyAfterDays or "
     "rate(N days) with N at most 90."),
    ({"rotationRules": {"scheduleExpression": "rate(3 weeks)"}},
     "rotationRules.scheduleExpression 'rate(3 weeks)' cannot be bounded offline; use automaticallyAfterDays or "
     "rate(N days) with N at most 90."),
    ({"rotationRules": {}}, "rotationRules must set automaticallyAfterDays (at most 90) or a rate() schedule."),
    ({}, "rotationRules must set automaticallyAfterDays (at most 90) or a rate() schedule."),
    ({"rotationEnabled": False, "rotationRules": {"automaticallyAfterDays": 7}},
     "rotationEnabled is false; the secret is never rotated."),
])
def test_schedules_that_rotate_too_rarely_or_never_fail(props, message):
    assert rule({"secretId": "s", **props}) == [message]


def test_the_limit_is_configurable():
    config = {"secrets-rotation-schedule": {"maximumDays": 30}}
    assert rule({"secretId": "s", "rotationRules": {"automaticallyAfterDays": 31}}, config) == [
        "the secret is rotated every 31 days; at most 30 are allowed."]
