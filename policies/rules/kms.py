"""KMS keys: customer-managed keys rotate, and no key policy lets everyone use the key.

A key policy's `"Resource": "*"` means "this key" and is how every key policy is written; what opens a key is its
principal. `"Principal": "*"`, `{"AWS": "*"}`, `{"AWS": ["*"]}`, a wildcard ARN (`arn:aws:iam::*:root`) or an
`Allow` with `NotPrincipal` admit every AWS account unless a condition ties the caller to known accounts
(`kms:CallerAccount`, `aws:PrincipalAccount`, `aws:PrincipalOrgID`, ... with a positive operator and no wildcard in
the account). `kms:ViaService` alone does not: any account's principal may call through that service.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from . import _policy
from ._base import MANDATORY, ResourceRule, flag

KEY = "aws:kms/key:Key"
KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy"
REPLICA_KEY = "aws:kms/replicaKey:ReplicaKey"
EXTERNAL_KEY = "aws:kms/externalKey:ExternalKey"
REPLICA_EXTERNAL_KEY = "aws:kms/replicaExternalKey:ReplicaExternalKey"


def _rotation(props: Mapping[str, Any], _args: Any) -> Iterator[str]:
    # Rotation exists only for symmetric encryption keys; asymmetric and HMAC keys are out of scope.
    spec = props.get("customerMasterKeySpec")
    if spec not in (None, "SYMMETRIC_DEFAULT"):
        return
    if flag(props, "enableKeyRotation") is not True:
        yield "enableKeyRotation must be true."


HINT = ("name the principals, or add a condition on kms:CallerAccount, aws:PrincipalAccount or aws:PrincipalOrgID "
        "that limits callers to known accounts.")


def _key_policy(props: Mapping[str, Any], _args: Any) -> Iterator[str]:
    if not any(k == "policy" for k in props):
        return  # no policy: AWS's default key policy, which trusts only this account
    yield from _policy.public_statement_findings(_policy.load(props["policy"]), HINT)


POLICIES = [
    ResourceRule(
        "kms-key-rotation", "Customer-managed KMS keys must have automatic rotation enabled",
        ("Checkov CKV_AWS_7",), MANDATORY, (KEY,), _rotation),
    ResourceRule(
        "kms-key-policy-no-public-principal",
        "KMS key policies must not allow a wildcard principal without a condition that limits callers to known "
        "accounts",
        ("Checkov CKV_AWS_33",), MANDATORY, (KEY, KEY_POLICY, REPLICA_KEY, EXTERNAL_KEY, REPLICA_EXTERNAL_KEY),
        _key_policy),
]
