"""Secrets at rest in SSM Parameter Store and Secrets Manager: SecureString, under a customer-managed key."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from . import _policy
from ._base import MANDATORY, OURS, ResourceRule, as_list, has
from .encryption import customer_key_problem

PARAMETER = "aws:ssm/parameter:Parameter"
SECRET = "aws:secretsmanager/secret:Secret"
SECRET_POLICY = "aws:secretsmanager/secretPolicy:SecretPolicy"
PUBLIC_HINT = ("name the principals, or add a condition on aws:PrincipalAccount or aws:PrincipalOrgID that limits "
               "callers to known accounts.")

# The analyzer receives secret inputs already unwrapped (the SDK drops the secret marker), so a parameter
# "holds a secret" by its name or by being declared SecureString.
SECRET_NAME = re.compile(r"pass(word|wd)?|secret|token|credential|private[-_]?key|api[-_]?key", re.IGNORECASE)


def _parameter(props: Mapping[str, Any], _args: Any) -> Iterator[str]:
    kind = str(props.get("type"))
    name = props.get("name")
    if kind != "SecureString":
        if isinstance(name, str) and SECRET_NAME.search(name):
            yield f"parameter {name} looks like a secret and must be type SecureString, not {kind}."
        return
    problem = customer_key_problem(props, "keyId", "SSM uses the AWS-managed aws/ssm key")
    if problem:
        yield problem


def _secret(props: Mapping[str, Any], _args: Any) -> Iterator[str]:
    default = "Secrets Manager uses the AWS-managed aws/secretsmanager key"
    problem = customer_key_problem(props, "kmsKeyId", default)
    if problem:
        yield problem
    # Each replica is encrypted in its own region with its own key, aws/secretsmanager there when none is named.
    for i, replica in enumerate(as_list(props.get("replicas"))):
        if isinstance(replica, Mapping):
            problem = customer_key_problem(replica, "kmsKeyId", f"{default} of {replica.get('region')}")
            if problem:
                yield f"replicas[{i}] {problem}"


def _secret_policy(props: Mapping[str, Any], _args: Any) -> Iterator[str]:
    if has(props, "policy"):
        yield from _policy.public_statement_findings(_policy.load(props["policy"]), PUBLIC_HINT)


POLICIES = [
    ResourceRule(
        "ssm-secret-parameter-secure-cmk",
        "SSM parameters holding secrets must be SecureString encrypted with a customer-managed KMS key",
        ("Checkov CKV2_AWS_34", "Checkov CKV_AWS_337"), MANDATORY, (PARAMETER,), _parameter),
    ResourceRule(
        "secretsmanager-secret-cmk", "Secrets Manager secrets must be encrypted with a customer-managed KMS key",
        ("Checkov CKV_AWS_149",), MANDATORY, (SECRET,), _secret),
    ResourceRule(
        "secretsmanager-secret-policy-not-public",
        "Secrets Manager resource policies must not let every AWS account read or change a secret",
        (OURS,), MANDATORY, (SECRET, SECRET_POLICY), _secret_policy),
]
