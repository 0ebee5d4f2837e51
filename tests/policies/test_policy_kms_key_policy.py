"""kms-key-policy-no-public-principal: every way of writing "everyone" fails unless a condition names the accounts;
`"Resource": "*"` (this key) and named principals pass."""

import json

import pytest

from .policy_helpers import check

RULE = "kms-key-policy-no-public-principal"
KEY = "aws:kms/key:Key"
ROOT = "arn:aws:iam::123456789012:root"
HINT = ("name the principals, or add a condition on kms:CallerAccount, aws:PrincipalAccount or aws:PrincipalOrgID "
        "that limits callers to known accounts.")
ADMIN = {"Sid": "AccountAdministration", "Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "kms:*",
         "Resource": "*"}


def policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": [ADMIN, *statements]})


def use(principal, **extra):
    return {"Effect": "Allow", "Principal": principal, "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
            "Resource": "*", **extra}


def findings(*statements, type_=KEY):
    return check(RULE, type_, {"policy": policy(*statements)})


def public(shown, index=1):
    return f"Statement[{index}] allows Principal {json.dumps(shown)} without a restricting condition; {HINT}"


def test_the_platform_key_policy_passes():
    logs = {"Sid": "Logs", "Effect": "Allow", "Principal": {"Service": "logs.eu-west-1.amazonaws.com"},
            "Action": "kms:Encrypt*", "Resource": "*",
            "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn":
                                      "arn:aws:logs:eu-west-1:123456789012:log-group:*"}}}
    assert findings(logs) == []


def test_no_policy_is_the_default_policy_and_passes():
    assert check(RULE, KEY, {"description": "k", "enableKeyRotation": True}) == []


@pytest.mark.parametrize(("principal", "shown"), [
    ("*", "*"),
    ({"AWS": "*"}, "*"),
    ({"AWS": ["*"]}, "*"),
    ({"AWS": [ROOT, "*"]}, "*"),
    ({"AWS": "arn:aws:iam::*:root"}, "arn:aws:iam::*:root"),
    ({"AWS": "arn:aws:iam::*:role/app"}, "arn:aws:iam::*:role/app"),
    ({"CanonicalUser": "*"}, "*"),
    ({"Service": "*"}, "*"),
    ({"aws": "*"}, "*"),
])
def test_everyone_in_any_spelling(principal, shown):
    assert findings(use(principal)) == [public(shown)]


@pytest.mark.parametrize("type_", ["aws:kms/keyPolicy:KeyPolicy", "aws:kms/replicaKey:ReplicaKey",
                                   "aws:kms/externalKey:ExternalKey", "aws:kms/replicaExternalKey:ReplicaExternalKey"])
def test_other_key_resources_are_judged_too(type_):
    assert findings(use("*"), type_=type_) == [public("*")]


def test_not_principal_allows_everyone_else():
    statement = {"Effect": "Allow", "NotPrincipal": {"AWS": ROOT}, "Action": "kms:Decrypt", "Resource": "*"}
    assert findings(statement) == [f'Statement[1] allows every principal except ["{ROOT}"]; {HINT}']


def test_lower_case_elements_and_effect():
    raw = json.dumps({"statement": [{"sid": "Open", "effect": "allow", "principal": {"AWS": "*"},
                                     "action": "kms:Decrypt", "resource": "*"}]})
    assert check(RULE, KEY, {"policy": raw}) == [
        f'Statement[0] (Sid "Open") allows Principal "*" without a restricting condition; {HINT}']


def test_principal_key_given_twice_counts_both():
    raw = ('{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "' + ROOT + '", "AWS": "*"}, '
           '"Action": "kms:Decrypt", "Resource": "*"}]}')
    # json would keep only the last duplicate; IAM's reading is unknown, so both count.
    assert check(RULE, KEY, {"policy": raw}) == [
        f'Statement[0] allows Principal "*" without a restricting condition; {HINT}']


# --- conditions ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("condition", [
    {"StringEquals": {"kms:CallerAccount": "123456789012"}},
    {"StringEquals": {"kms:CallerAccount": "123456789012", "kms:ViaService": "rds.eu-west-1.amazonaws.com"}},
    {"StringEquals": {"aws:PrincipalOrgID": "o-abc123def4"}},
    {"StringEquals": {"AWS:PrincipalAccount": ["123456789012", "210987654321"]}},
    {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/app-*"}},
    {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": "o-abc123def4/r-ab12/ou-ab12-11111111/*"}},
    {"StringEquals": {"aws:SourceAccount": "123456789012"}},
    {"StringEquals": {"kms:CallerAccount": "*"}},  # StringEquals has no wildcards: no account is called "*"
])
def test_conditions_that_limit_callers_to_known_accounts_pass(condition):
    assert findings(use({"AWS": "*"}, Condition=condition)) == []


@pytest.mark.parametrize("condition", [
    {"StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}},
    {"Bool": {"aws:SecureTransport": "true"}},
    {"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}},
    {"StringNotEquals": {"kms:CallerAccount": "999999999999"}},
    {"StringEqualsIfExists": {"kms:CallerAccount": "123456789012"}},
    {"ForAllValues:StringEquals": {"aws:PrincipalOrgID": "o-abc123def4"}},
    {"StringLike": {"kms:CallerAccount": "*"}},
    {"StringLike": {"aws:PrincipalOrgID": "o-*"}},
    {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/app"}},
    {"StringEquals": {"aws:PrincipalAccount": "${aws:PrincipalAccount}"}},
    {"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::*:root"}},  # ArnEquals takes wildcards like ArnLike
    {"StringLike": {"kms:CallerAccount": ["123456789012", "*"]}},
    {"Null": {"aws:PrincipalOrgID": "false"}},
    {"StringEquals": {"aws:PrincipalTag/team": "platform"}},
])
def test_conditions_that_do_not_restrict_the_caller(condition):
    assert findings(use("*", Condition=condition)) == [public("*")]


def test_deny_with_everyone_passes():
    statement = {"Effect": "Deny", "Principal": "*", "Action": "kms:*", "Resource": "*",
                 "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
    assert findings(statement) == []


def test_named_accounts_and_services_pass():
    assert findings(use({"AWS": ["arn:aws:iam::210987654321:root", "123456789012"]}),
                    use({"Service": "events.rds.amazonaws.com"})) == []


def test_principal_object_given_twice_counts_both():
    raw = ('{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "' + ROOT + '"}, "Principal": {"AWS": "*"}, '
           '"Action": "kms:Decrypt", "Resource": "*"}]}')
    assert check(RULE, KEY, {"policy": raw}) == [
        f'Statement[0] allows Principal "*" without a restricting condition; {HINT}']


def test_statement_object_given_twice_counts_both():
    raw = ('{"Statement": {"Effect": "Allow", "Principal": {"AWS": "' + ROOT + '"}, "Action": "kms:*", '
           '"Resource": "*"}, "statement": {"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", '
           '"Resource": "*"}}')
    assert check(RULE, KEY, {"policy": raw}) == [
        f'Statement[1] allows Principal "*" without a restricting condition; {HINT}']


def test_a_condition_given_twice_is_not_credited():
    raw = ('{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*", '
           '"Condition": {"Bool": {"aws:SecureTransport": "true"}}, '
           '"Condition": {"StringEquals": {"kms:CallerAccount": "123456789012"}}}]}')
    assert check(RULE, KEY, {"policy": raw}) == [
        f'Statement[0] allows Principal "*" without a restricting condition; {HINT}']
