"""KMS keys: customer-managed keys rotate, and no key policy lets everyone use the key.

A key policy's `"Resource": "*"` means "this key" and is how every key policy is written; what opens a key is its
principal. `"Principal": "*"`, `{"AWS": "*"}`, `{"AWS": ["*"]}`, a wildcard ARN (`arn:aws:iam::*:root`) or an
`Allow` with `NotPrincipal` admit every AWS account unless a condition ties the caller to known accounts
(`kms:CallerAccount`, `aws:PrincipalAccount`, `aws:PrincipalOrgID`, ... with a positive operator and no wildcard in
the account). `kms:ViaService` alone does not: any account's principal may call through that service.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import PolicyResource
from pulumi_policy.proxy import UnknownValueError

from . import _policy
from ._base import (
    MANDATORY,
    ResourceRule,
    StackRule,
    as_list,
    aws_managed_key,
    config_value,
    flag,
    known,
    known_values,
    label,
)

KEY = "aws:kms/key:Key"
KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy"
REPLICA_KEY = "aws:kms/replicaKey:ReplicaKey"
EXTERNAL_KEY = "aws:kms/externalKey:ExternalKey"
REPLICA_EXTERNAL_KEY = "aws:kms/replicaExternalKey:ReplicaExternalKey"
ALIAS = "aws:kms/alias:Alias"
KEYS = (KEY, REPLICA_KEY, EXTERNAL_KEY, REPLICA_EXTERNAL_KEY)
REPOSITORY = "aws:ecr/repository:Repository"
VAULT = "aws:backup/vault:Vault"


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


# ---- a customer key the offline program can show is one -------------------------------------------------------
# A KMS key reference is an ARN (arn:<partition>:kms:<region>:<account>:key/<id>), a key id (a UUID, or mrk-... for a
# multi-Region key), an alias name (alias/<name>) or an alias ARN. An AWS-managed key (aws/ecr's, aws/backup's) has
# an id and ARN of exactly the same form, so only its alias gives it away (the service rules catch alias/aws/*).
# What the program shows: a key it creates (an aws:kms key resource of the stack) or an alias it creates (CreateAlias
# accepts only a customer managed key as target), linked by property dependency or matched by value.
_KEY_ARN = re.compile(r"arn:aws[a-z-]*:kms:[^:]*:[^:]*:key/(?P<id>.+)")
_ALIAS_ARN = re.compile(r"arn:aws[a-z-]*:kms:[^:]*:[^:]*:(?P<alias>alias/.+)")


def _identity(value: str) -> str:
    """One spelling per key or alias: a key id in lower case (UUIDs are case-free), an alias name as written
    (`alias/<name>`; alias names are case-sensitive)."""
    value = value.strip()
    match = _KEY_ARN.fullmatch(value)
    if match:
        return match.group("id").lower()
    match = _ALIAS_ARN.fullmatch(value)
    if match:
        return match.group("alias")
    return value if value.startswith("alias/") else value.lower()


def _stack_keys(resources: list[PolicyResource]) -> tuple[set[str], set[str]]:
    """The identities of the stack's keys and aliases, and the urns of those resources."""
    identities: set[str] = set()
    urns: set[str] = set()
    for resource in resources:
        if resource.resource_type in KEYS:
            fields = ("arn", "keyId", "id")
        elif resource.resource_type == ALIAS:
            fields = ("name", "arn")
        else:
            continue
        urns.add(resource.urn)
        # Without the SDK's unknown check: a key whose ARN is not known yet is matched by dependency instead, and
        # reading it must not make every key of a preview "cannot verify".
        data = known_values(resource.props)
        identities.update(_identity(v) for v in (data.get(f) for f in fields) if isinstance(v, str) and v)
    return identities, urns


def _references(resource: PolicyResource) -> Iterator[tuple[str, str, Any]]:
    """(top-level property, path shown, value) of each KMS key the resource names; a value not known before
    deployment is UNKNOWN_KEY, so the caller can tell it from an unset one (None)."""
    if resource.resource_type == VAULT:
        yield "kmsKeyArn", "kmsKeyArn", _value(resource.props, "kmsKeyArn")
    elif resource.resource_type == REPOSITORY:
        for index, item in enumerate(as_list(known(resource.props, "encryptionConfigurations"))):
            if isinstance(item, Mapping) and known(item, "encryptionType") in ("KMS", "KMS_DSSE"):
                yield ("encryptionConfigurations", f"encryptionConfigurations[{index}].kmsKey",
                       _value(item, "kmsKey"))


UNKNOWN_KEY = object()


def _value(props: Mapping[str, Any], key: str) -> Any:
    if not any(k == key for k in props):
        return None
    try:
        return props[key]
    except UnknownValueError:
        return UNKNOWN_KEY


FIX = "create the key in the stack and pass its arn, or list it in this policy's customerManagedKeys config."


def _provable(resources: list[PolicyResource], args: Any) -> Iterator[tuple[str, str | None]]:
    if not any(r.resource_type in (REPOSITORY, VAULT) for r in resources):
        return
    identities, urns = _stack_keys(resources)
    listed = {_identity(v) for v in as_list(config_value(args, "customerManagedKeys", [])) if isinstance(v, str)}
    for resource in resources:
        for prop, path, value in _references(resource):
            if value is UNKNOWN_KEY:
                # Not known before deployment (a key created in the same run): the dependency is all there is.
                if not any(dep.urn in urns for dep in resource.property_dependencies.get(prop, [])):
                    yield (f"{label(resource)} {path} is not known before deployment and is computed from no KMS "
                           "key or alias of this stack (a lookup of an existing key, say), so nothing shows it is "
                           f"customer-managed; {FIX}", resource.urn)
                continue
            if not isinstance(value, str) or not value.strip() or aws_managed_key(value):
                continue  # unset, empty or alias/aws/*: the service's own rule names it
            if _identity(value) in identities or _identity(value) in listed:
                continue
            yield (f"{label(resource)} {path} {value.strip()} is not a KMS key or alias of this stack, so nothing "
                   "shows it is customer-managed (an AWS-managed key's id and ARN look like any other); " + FIX,
                   resource.urn)


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
    StackRule(
        "customer-key-provable",
        "ECR repositories and AWS Backup vaults must be encrypted with a KMS key the stack shows to be "
        "customer-managed: a key or alias of the stack, or one the policy config lists",
        ("Checkov CKV_AWS_136", "Checkov CKV_AWS_166"), MANDATORY, (REPOSITORY, VAULT, *KEYS, ALIAS), _provable,
        config={"customerManagedKeys": {
            "type": "array", "items": {"type": "string"}, "default": [],
            "description": "Customer-managed keys outside the stack (key ARNs, key ids, alias names or ARNs) that "
                           "repositories and vaults may use."}}),
]
