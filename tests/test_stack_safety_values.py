"""Safety values a user relies on, read from the real stacks and compared with literals from the requirement.

Each expected value is written here, not computed from the code or the mock: the stack files' log retention, the
30-day key deletion window, the password recipe RDS accepts, and a proxy that never logs SQL in production. A
deliberate change of any of them in components/ fails one of these tests.
"""

from __future__ import annotations

import json

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


# How a person finds the stack's keys in the console or the CLI (`aws kms list-aliases`): by alias, by Name tag and by
# description, each naming project, stack and what the key protects. Written out: a key without them is a key
# nobody dares to schedule for deletion or to reuse.
KEYS = {
    "platform": ("alias/aurora-platform-{stack}-platform", "aurora-platform-{stack}-platform",
                 "aurora-platform/{stack}: logs and volumes"),
    "database-key": ("alias/aurora-platform-{stack}-database", "aurora-platform-{stack}-database",
                     "aurora-platform/{stack}: Aurora storage, snapshots, Performance Insights, password, database "
                     "logs and events"),
}


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_key_is_named_by_alias_tag_and_description_and_rotates(request, stack):
    run = request.getfixturevalue(stack)
    keys = {k.name: k for k in run.of_type(KEY)}
    assert set(keys) == set(KEYS)
    aliases = {a.name: a for a in run.of_type("aws:kms/alias:Alias")}
    for name, (alias, tag, description) in KEYS.items():
        key = keys[name]
        assert key.inputs["description"] == description.format(stack=stack)
        assert key.inputs["tags"]["Name"] == tag.format(stack=stack)
        assert key.inputs["tags"]["Stack"] == stack and key.inputs["tags"]["Project"] == "aurora-platform"
        assert key.inputs["enableKeyRotation"] is True
        assert aliases[name].inputs["name"] == alias.format(stack=stack)
        assert aliases[name].property_dependencies["targetKeyId"] == [key.urn]


# A key's URN is its identity in the state: a change of the component's type token or of its parent chain makes
# Pulumi delete the key and create another (every byte it encrypted unreadable after the deletion window), so the
# URNs of a deployed stack are pinned here as written.
KEY_URNS = {
    "platform": "urn:pulumi:{stack}::aurora-platform::aurora-platform:security:EncryptionKey$aws:kms/key:Key::platform",
    "database-key": "urn:pulumi:{stack}::aurora-platform::aurora-platform:database:AuroraCluster$"
                    "aurora-platform:security:EncryptionKey$aws:kms/key:Key::database-key",
}


@pytest.mark.parametrize(("stack", "protected"), [("dev", False), ("prod", True)])
def test_keys_keep_their_urns_and_production_keys_are_protected(request, stack, protected):
    run = request.getfixturevalue(stack)
    keys = {k.name: k for k in run.of_type(KEY)}
    assert {name: key.urn for name, key in keys.items()} == {
        name: urn.format(stack=stack) for name, urn in KEY_URNS.items()}
    # The alias, the name people and policies use for the key, lives beside it in the same component.
    aliases = {a.name: a.urn for a in run.of_type("aws:kms/alias:Alias")}
    assert aliases == {name: urn.format(stack=stack).replace("aws:kms/key:Key", "aws:kms/alias:Alias")
                       for name, urn in KEY_URNS.items()}
    # `pulumi destroy` and a replacement stop at a protected key in production; dev is torn down often.
    assert {name: key.protect for name, key in keys.items()} == {name: protected for name in KEY_URNS}


# The key policy's first statement is what keeps the key manageable: the account's root (and so its IAM policies)
# may administer it, the default key policy AWS gives a key created in the console ("Default key policy", AWS KMS
# developer guide). Without it, KMS refuses the policy (the lockout safety check) or, bypassed, nobody can ever change
# the key again. Written out; the log statement's wording too, since a person reads it in the console.
ACCOUNT_ADMINISTRATION = {"Sid": "AccountAdministration", "Effect": "Allow",
                          "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*", "Resource": "*"}
LOGS_ACTIONS = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]


def test_the_platform_key_policy_as_written(dev):
    (key,) = [k for k in dev.of_type(KEY) if k.name == "platform"]
    policy = json.loads(key.inputs["policy"])
    assert policy == {"Version": "2012-10-17", "Statement": [ACCOUNT_ADMINISTRATION, {
        "Sid": "CloudWatchLogsForTheStacksLogGroups", "Effect": "Allow",
        "Principal": {"Service": "logs.us-east-1.amazonaws.com"}, "Action": LOGS_ACTIONS, "Resource": "*",
        "Condition": {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": [
            "arn:aws:logs:us-east-1:123456789012:log-group:/aurora-platform/dev/app",
            "arn:aws:logs:us-east-1:123456789012:log-group:/aurora-platform/dev/migrations",
            "arn:aws:logs:us-east-1:123456789012:log-group:/aurora-platform/dev/network-flow-logs"]}}}]}


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_key_lets_the_account_administer_it_first(request, stack):
    for key in request.getfixturevalue(stack).of_type(KEY):
        assert json.loads(key.inputs["policy"])["Statement"][0] == ACCOUNT_ADMINISTRATION, key.name


def test_the_database_key_policy_as_written(dev):
    (key,) = [k for k in dev.of_type(KEY) if k.name == "database-key"]
    assert json.loads(key.inputs["policy"]) == {"Version": "2012-10-17", "Statement": [ACCOUNT_ADMINISTRATION, {
        "Sid": "CloudWatchLogsForTheStacksLogGroups", "Effect": "Allow",
        "Principal": {"Service": "logs.us-east-1.amazonaws.com"}, "Action": LOGS_ACTIONS, "Resource": "*",
        "Condition": {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": [
            "arn:aws:logs:us-east-1:123456789012:log-group:/aws/rds/cluster/aurora-platform-dev/postgresql"]}}}, {
        # CloudWatch alarms and RDS event notifications publish to the stack's encrypted SNS topic: data keys only,
        # and only for this account (aws:SourceAccount, the confused-deputy guard both services send).
        "Sid": "ServicesPublishingEncryptedData", "Effect": "Allow",
        "Principal": {"Service": ["cloudwatch.amazonaws.com", "events.rds.amazonaws.com"]},
        "Action": ["kms:GenerateDataKey*", "kms:Decrypt"], "Resource": "*",
        "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}}}]}
