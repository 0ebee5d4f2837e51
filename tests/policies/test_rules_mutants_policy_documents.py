"""The shared resource-policy reading (policies/rules/_policy.py), through secretsmanager-secret-policy-not-public:
which conditions pin the caller to known accounts, and that every statement is read. Literals from IAM's rules:
an ARN is arn:partition:service:region:account:resource (the resource part may hold more colons), and
aws:SourceOrgPaths values start o-<org>/r-<root>/."""

from __future__ import annotations

import json

import pytest

from .policy_helpers import check

SECRET_POLICY = "aws:secretsmanager/secretPolicy:SecretPolicy"
RULE = "secretsmanager-secret-policy-not-public"
HINT = ("name the principals, or add a condition on aws:PrincipalAccount or aws:PrincipalOrgID that limits "
        "callers to known accounts.")
READ = {"Effect": "Allow", "Principal": "*", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}
PUBLIC = f'Statement[0] allows Principal "*" without a restricting condition; {HINT}'


def verdict(*statements, raw: str | None = None) -> list[str]:
    return check(RULE, SECRET_POLICY, {"policy": raw or json.dumps({"Statement": list(statements)})})


@pytest.mark.parametrize(("key", "value"), [
    ("aws:SourceArn", "arn:aws:sns:us-east-1:123456789012:alerts-*"),
    # the resource part of an ARN may hold colons; the account is still the fifth field
    ("aws:SourceArn", "arn:aws:logs:us-east-1:123456789012:log-group:/aws/app:*"),
    ("aws:PrincipalArn", "arn:aws:iam::123456789012:role/app-*"),
    # AWS-owned resources carry the account "aws"
    ("aws:SourceArn", "arn:aws:iam::aws:policy/*"),
    ("aws:SourceOrgPaths", "o-a1b2c3d4e5/r-ab12/*"),
    ("aws:PrincipalOrgPaths", "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*"),
])
def test_a_wildcard_outside_the_account_still_pins_the_caller(key, value):
    assert verdict({**READ, "Condition": {"ArnLike" if "Arn" in key else "StringLike": {key: value}}}) == []


@pytest.mark.parametrize(("key", "value"), [
    ("aws:SourceArn", "arn:aws:sns:us-east-1:*:alerts"),
    ("aws:SourceArn", "arn:aws:logs:us-east-1:12345678901*:log-group:/aws/app:*"),
    ("aws:SourceArn", "arn:aws:sns:*"),
    ("aws:PrincipalArn", "arn:aws:iam::AWS*:role/x"),
    ("aws:SourceOrgPaths", "o-*/r-ab12/*"),
    ("aws:SourceOrgPaths", "*"),
])
def test_a_wildcard_in_the_account_or_organisation_pins_nothing(key, value):
    assert verdict({**READ, "Condition": {"ArnLike" if "Arn" in key else "StringLike": {key: value}}}) == [PUBLIC]


def test_every_statement_is_read_after_one_that_is_not_public():
    deny = {"Effect": "Deny", "Principal": "*", "Action": "secretsmanager:DeleteSecret", "Resource": "*"}
    pinned = {**READ, "Condition": {"StringEquals": {"aws:PrincipalAccount": "123456789012"}}}
    assert verdict(deny, pinned, READ) == [
        f'Statement[2] allows Principal "*" without a restricting condition; {HINT}']


def test_statement_given_twice_as_lists_reads_both_lists():
    # JSON allows a key twice; the second "Statement" list must not hide (or be hidden by) the first.
    named = {**READ, "Principal": {"AWS": "arn:aws:iam::123456789012:role/app"}}
    raw = f'{{"Statement": [{json.dumps(named)}], "Statement": [{json.dumps(READ)}]}}'
    assert verdict(raw=raw) == [f'Statement[1] allows Principal "*" without a restricting condition; {HINT}']


def test_a_statement_after_one_that_is_not_an_object_is_still_read():
    assert verdict("not a statement", READ) == [
        f'Statement[1] allows Principal "*" without a restricting condition; {HINT}']


def test_effect_given_twice_with_deny_and_allow_is_judged_as_allow():
    statement = json.dumps(READ)[:-1] + ', "Effect": "Deny"}'  # "Effect": "Allow" then "Effect": "Deny"
    assert verdict(raw=f'{{"Statement": [{statement}]}}') == [PUBLIC]
    reversed_ = '{"Effect": "Deny", ' + json.dumps(READ)[1:]  # "Deny" first
    assert verdict(raw=f'{{"Statement": [{reversed_}]}}') == [PUBLIC]


def test_a_statement_without_effect_allows_nothing_and_does_not_break_the_rule():
    no_effect = {k: v for k, v in READ.items() if k != "Effect"}
    assert verdict(no_effect, READ) == [f'Statement[1] allows Principal "*" without a restricting condition; {HINT}']


def test_principal_given_twice_keeps_both_the_wildcard_and_the_named_one():
    named = json.dumps({"AWS": "arn:aws:iam::123456789012:role/app"})
    raw = ('{"Statement": [{"Effect": "Allow", "Principal": "*", "Principal": ' + named
           + ', "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}')
    assert verdict(raw=raw) == [PUBLIC]


@pytest.mark.parametrize("document", ["[]", json.dumps([READ]), '"text"', "42", "not json"])
def test_a_document_that_is_not_an_object_has_no_statements(document):
    assert verdict(raw=document) == []


def test_a_malformed_condition_restricts_nothing_and_does_not_break_the_rule():
    assert verdict({**READ, "Condition": {"StringEquals": "123456789012"}}) == [PUBLIC]


def test_a_bracket_in_an_action_is_literal_as_in_iam():
    # fnmatch would read [G] as a character class; IAM has no such syntax, so s3:[G]etObject names no real action.
    policy = json.dumps({"Statement": [{"Effect": "Allow", "Action": "s3:[G]etObject", "Resource": "*"}]})
    assert check("iam-sensitive-actions-scoped", "aws:iam/policy:Policy", {"policy": policy}) == []
