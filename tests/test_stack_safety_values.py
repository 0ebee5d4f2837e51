"""Safety values a user relies on, read from the real stacks and compared with literals from the requirement.

Each expected value is written here, not computed from the code or the mock: the stack files' log retention, the
30-day key deletion window, the password recipe RDS accepts, and a proxy that never logs SQL in production. A
deliberate change of any of them in components/ fails one of these tests.
"""

from __future__ import annotations

import pytest

from preflight.engine import run_stack
from tests.conftest import REPO_ROOT

LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
KEY = "aws:kms/key:Key"
PASSWORD = "random:index/randomPassword:RandomPassword"
PROXY = "aws:rds/proxy:Proxy"

# Pulumi.dev.yaml / Pulumi.prod.yaml: database.logRetentionDays.
DATABASE_LOG_RETENTION = {"dev": 30, "prod": 365}


@pytest.mark.parametrize("stack", sorted(DATABASE_LOG_RETENTION))
def test_database_log_groups_keep_logs_as_long_as_the_stack_says(request, stack):
    run = request.getfixturevalue(stack)
    groups = [g for g in run.of_type(LOG_GROUP) if str(g.inputs.get("name", "")).startswith("/aws/rds/cluster/")]
    assert groups, "the database exports its logs to log groups of its own"
    assert {g.name: g.inputs["retentionInDays"] for g in groups} == {
        g.name: DATABASE_LOG_RETENTION[stack] for g in groups}


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_key_waits_thirty_days_before_deletion(request, stack):
    keys = request.getfixturevalue(stack).of_type(KEY)
    assert keys and {k.name: k.inputs.get("deletionWindowInDays") for k in keys} == {k.name: 30 for k in keys}


def test_the_master_password_recipe(dev):
    (password,) = [p for p in dev.of_type(PASSWORD) if p.name == "database-master-password"]
    recipe = {key: password.inputs.get(key) for key in (
        "length", "special", "overrideSpecial", "minUpper", "minLower", "minNumeric", "minSpecial")}
    assert recipe == {"length": 32, "special": True, "overrideSpecial": "!#$%&*()-_=+[]{}<>:?",
                      "minUpper": 2, "minLower": 2, "minNumeric": 2, "minSpecial": 2}
    # RDS refuses / @ " ' and space in a master password.
    assert not set(recipe["overrideSpecial"]) & set("/@\"' ")


def test_the_production_proxy_never_logs_sql():
    run = run_stack("prod", REPO_ROOT, {"aurora-platform:database": {"readers": 2, "proxy": {"enabled": True}},
                                        "aurora-platform:app": None})
    (proxy,) = run.of_type(PROXY)
    assert proxy.inputs.get("debugLogging") is False
