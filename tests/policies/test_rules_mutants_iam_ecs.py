"""iam-sensitive-actions-scoped, iam-no-admin-managed-policy and ecs-secrets-not-in-environment: the cases surviving
mutants showed unpinned. Literals from IAM (an ARN has six colon-separated fields; an action is service:name) and from
the rules' requirements."""

from __future__ import annotations

import json

from .policy_helpers import check

POLICY = "aws:iam/policy:Policy"
RULE = "iam-sensitive-actions-scoped"
FIX = "scope it to exact resource ARNs."


def findings(*statements):
    return check(RULE, POLICY, {"policy": json.dumps({"Version": "2012-10-17", "Statement": list(statements)})})


def test_a_statement_after_a_deny_is_still_read():
    deny = {"Effect": "Deny", "Action": "kms:Decrypt", "Resource": "*"}
    allow = {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}
    assert findings(deny, allow) == [f'Statement[1] allows kms:Decrypt on Resource "*"; {FIX}']


def test_not_action_on_two_broad_resources_names_both():
    statement = {"Effect": "Allow", "NotAction": "ec2:*", "Resource": ["*", "arn:aws:kms:eu-west-1:*:key/1"]}
    granted = "ssm:GetParameter, ssm:GetParameters, ssm:GetParametersByPath"
    assert findings(statement) == [
        f'Statement[0] allows every action except ["ec2:*"] on Resource "*", which includes {granted}; {FIX}',
        f'Statement[0] allows every action except ["ec2:*"] on Resource "arn:aws:kms:eu-west-1:*:key/1" '
        f"(any account), which includes {granted}; {FIX}"]


def test_an_action_with_an_extra_colon_still_counts_by_its_service():
    # AWS refuses the document at deploy, so flagging it costs nothing; the service before the first colon decides.
    assert findings({"Effect": "Allow", "Action": "kms:Decrypt:x", "Resource": "*"}) == [
        f'Statement[0] allows kms:Decrypt:x on Resource "*"; {FIX}']


def test_a_six_field_resource_that_is_not_an_arn_is_every_resource():
    resource = "urn:aws:s3:::exports/*"
    assert findings({"Effect": "Allow", "Action": "s3:GetObject", "Resource": resource}) == [
        f'Statement[0] allows s3:GetObject on Resource "{resource}" (every resource); {FIX}']


def test_a_one_letter_name_prefix_still_names_something():
    resource = "arn:aws:ssm:eu-west-1:123456789012:parameter/X*"
    assert findings({"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": resource}) == []


def test_a_non_string_policy_arn_is_not_an_admin_policy():
    assert check("iam-no-admin-managed-policy", "aws:iam/role:Role",
                 {"assumeRolePolicy": "{}", "managedPolicyArns": [12.0, {"arn": "x"}]}) == []


# --- ecs-secrets-not-in-environment -----------------------------------------------------------------------------

TASK = "aws:ecs/taskDefinition:TaskDefinition"
ECS = "ecs-secrets-not-in-environment"


def task(*environment):
    return {"family": "app", "containerDefinitions": json.dumps([{"name": "app", "image": "app:1",
                                                                  "environment": list(environment)}])}


def test_a_malformed_variable_does_not_hide_the_next_one():
    props = task({"value": "no name"}, "not an object", {"name": "DB_PASSWORD", "value": "x"})
    assert check(ECS, TASK, props) == [
        "container app passes DB_PASSWORD as an environment variable; pass it through secrets (valueFrom) instead."]


def test_a_configured_pattern_is_case_insensitive_too():
    # The config's description: "Case-insensitive regex for variable names that hold secrets."
    props = task({"name": "Vault_Ticket", "value": "x"})
    assert check(ECS, TASK, props, config={ECS: {"secretNamePattern": "VAULT_TICKET"}}) == [
        "container app passes Vault_Ticket as an environment variable; pass it through secrets (valueFrom) instead."]
