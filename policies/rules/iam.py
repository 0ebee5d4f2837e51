"""IAM identity policies: no secret-reading or key-using action on every resource, no AWS-managed admin policies.

IAM matches `Action` and `Resource` with the wildcards `*` and `?` (case-insensitively for actions), so an action
pattern is judged by what it matches, not by its spelling: `*`, `*:*`, `km?:Decrypt`, `*Decrypt` and `ssm:Get*` all
reach parameter values or key material. `Allow` + `NotResource` applies to every resource but the ones listed, and
`Allow` + `NotAction` on every resource to every action but the ones listed: both count unless they exclude what
this rule protects. A resource is "every resource" when it is `*`, when its account is a wildcard
(`arn:aws:kms:*:*:key/...`) or when its resource id is only a wildcard (`key/*`, `parameter/*`, `secret:*`).

Only identity policies are judged here: a KMS key policy's `"Resource": "*"` means "this key" (see kms.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from . import _policy
from ._base import MANDATORY, OURS, ResourceRule, as_list, has

POLICY = "aws:iam/policy:Policy"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
USER_POLICY = "aws:iam/userPolicy:UserPolicy"
GROUP_POLICY = "aws:iam/groupPolicy:GroupPolicy"
ROLE = "aws:iam/role:Role"
ROLE_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
USER_ATTACHMENT = "aws:iam/userPolicyAttachment:UserPolicyAttachment"
GROUP_ATTACHMENT = "aws:iam/groupPolicyAttachment:GroupPolicyAttachment"
ATTACHMENT = "aws:iam/policyAttachment:PolicyAttachment"
ROLE_ATTACHMENTS = "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive"
USER_ATTACHMENTS = "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive"
GROUP_ATTACHMENTS = "aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive"
# IAM Identity Center permission sets: the same documents and managed policies, handed to people.
SSO_INLINE = "aws:ssoadmin/permissionSetInlinePolicy:PermissionSetInlinePolicy"
SSO_ATTACHMENT = "aws:ssoadmin/managedPolicyAttachment:ManagedPolicyAttachment"
SSO_ATTACHMENTS = "aws:ssoadmin/managedPolicyAttachmentsExclusive:ManagedPolicyAttachmentsExclusive"

# Every action of these services counts (parameter values, key material, secret values, remote commands), except
# the ones below that reveal no data and cannot be scoped to a resource anyway. ssm:UpdateInstanceInformation is the
# SSM Agent's registration heartbeat: AWS's minimum Session Manager instance policy ("Create a custom IAM role for
# Session Manager") grants it on "*"; it reads no parameter, command or secret. Only that exact name is exempt.
SERVICES = ("ssm", "kms", "secretsmanager")
METADATA_ONLY = re.compile(r"^(ssm|kms|secretsmanager):(List|Describe)[\w*?]*$|^secretsmanager:GetRandomPassword$"
                           r"|^ssm:UpdateInstanceInformation$", re.IGNORECASE)
# Actions that read secrets, use keys, hand out roles or read and replace data; a pattern that matches any of them
# counts, and a NotAction list that does not exclude them still grants them (the first three are named).
SENSITIVE_ACTIONS = (
    "ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath", "ssm:PutParameter", "ssm:SendCommand",
    "ssm:StartSession", "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom", "kms:CreateGrant",
    "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue",
    "secretsmanager:PutResourcePolicy", "iam:PassRole", "s3:GetObject", "s3:GetObjectVersion", "s3:PutObject",
    "s3:DeleteObject", "s3:PutBucketPolicy", "rds-db:connect")


def sensitive(pattern: str) -> bool:
    """True when the action pattern allows a sensitive action (see SENSITIVE_ACTIONS and SERVICES)."""
    pattern = pattern.strip()
    if METADATA_ONLY.match(pattern):
        return False
    if ":" in pattern and any(_policy.matches(pattern.split(":", 1)[0], s) for s in SERVICES):
        return True
    return any(_policy.matches(pattern, action) for action in SENSITIVE_ACTIONS)


_TYPED_ID = re.compile(r"^[A-Za-z0-9-]+[/:]")


def broad(resource: str) -> str | None:
    """Why a Resource entry reaches resources nobody named (None if it does not)."""
    value = resource.strip()
    if not _policy.WILDCARD.search(value):
        return None
    parts = value.split(":", 5)
    if len(parts) < 6 or parts[0].lower() != "arn" or not value.strip("*?"):
        return "every resource"  # `*`, or a wildcard before the resource part, which IAM lets span the colons
    if _policy.WILDCARD.search(parts[4]):
        return "any account"
    part = parts[5]
    # S3 object ARNs have no type prefix ("bucket/key"); elsewhere "key/", "parameter/", "secret:", "dbuser:"...
    prefix = None if parts[2].lower() == "s3" else _TYPED_ID.match(part)
    rest = part[prefix.end():] if prefix else part
    kind = prefix.group()[:-1] if prefix else "resource"
    if not rest.strip("*?/"):
        return f"every {kind}"
    if rest[0] in "*?":
        # `secret:*-AbCdEf`, `key/*mrk*`, `arn:aws:s3:::*-exports/*`: no literal part names this stack's resource.
        return f"any {kind} name"
    return None


def _scope(label: str, values: list[str], why: str | None) -> str:
    shown = json.dumps(values[0]) if len(values) == 1 else json.dumps(values)
    return f"{label} {shown}" + (f" ({why})" if why and values != ["*"] else "")


def _statement_findings(where: str, raw: Any) -> Iterator[str]:
    for statement in _policy.statements(_policy.load(raw)):
        if not statement.allows:
            continue
        at = f"{where}{statement.at}"
        scopes = []
        if statement.not_resources is not None:
            scopes.append(f"NotResource {json.dumps(statement.not_resources)} (every other resource)")
        for resource in statement.resources or []:
            why = broad(resource)
            if why:
                scopes.append(_scope("Resource", [resource], why))
        for scope in scopes:
            if statement.not_actions is not None:
                excluded = statement.not_actions
                granted = [a for a in SENSITIVE_ACTIONS if not any(_policy.matches(p, a) for p in excluded)]
                if granted:
                    yield (f"{at} allows every action except {json.dumps(excluded)} on {scope}, which includes "
                           f"{', '.join(granted[:3])}; scope it to exact resource ARNs.")
                continue
            for action in statement.actions or []:
                if sensitive(action):
                    yield f"{at} allows {action} on {scope}; scope it to exact resource ARNs."


def _identity_policies(props: Mapping[str, Any], args: Any) -> Iterator[str]:
    if args.resource_type == ROLE:
        for i, inline in enumerate(as_list(props.get("inlinePolicies"))):
            if isinstance(inline, Mapping):
                yield from _statement_findings(f"inlinePolicies[{i}] ", inline.get("policy"))
    elif args.resource_type == SSO_INLINE:
        yield from _statement_findings("", props.get("inlinePolicy"))
    else:
        yield from _statement_findings("", props.get("policy"))


# AWS-managed policies live in the account "aws"; their last path segment is the policy name.
_AWS_MANAGED_POLICY = re.compile(r"^arn:aws[a-z-]*:iam::aws:policy/(?:.*/)?([^/]+)$", re.IGNORECASE)
_ADMIN_NAME = re.compile(r"administrator|fullaccess|poweruser", re.IGNORECASE)


def admin_policy(arn: Any) -> bool:
    """AdministratorAccess, PowerUserAccess, every `*FullAccess` and the job-function administrators."""
    if not isinstance(arn, str):
        return False
    match = _AWS_MANAGED_POLICY.match(arn.strip())
    return bool(match and _ADMIN_NAME.search(match.group(1)))


def _attachments(props: Mapping[str, Any], args: Any) -> Iterator[str]:
    key = {ROLE: "managedPolicyArns", ROLE_ATTACHMENTS: "policyArns", USER_ATTACHMENTS: "policyArns",
           GROUP_ATTACHMENTS: "policyArns", SSO_ATTACHMENT: "managedPolicyArn",
           SSO_ATTACHMENTS: "managedPolicyArns"}.get(args.resource_type, "policyArn")
    if not has(props, key):
        return
    for arn in as_list(props[key]):
        if admin_policy(arn):
            yield (f"{key} attaches {str(arn).strip()}, an AWS-managed administrator or full-access policy; attach "
                   f"a policy that grants only the actions and resources this identity needs.")


TRUST_HINT = ("name the principals (accounts, roles or services), or add a condition on aws:PrincipalAccount or "
              "aws:PrincipalOrgID that limits who may assume the role.")


def _trust(props: Mapping[str, Any], _args: Any) -> Iterator[str]:
    if has(props, "assumeRolePolicy"):
        for finding in _policy.public_statement_findings(_policy.load(props["assumeRolePolicy"]), TRUST_HINT):
            yield f"assumeRolePolicy {finding}"


POLICIES = [
    ResourceRule(
        "iam-sensitive-actions-scoped",
        "IAM policies must not grant secret-reading, key-using, role-passing or object-data actions on every "
        'resource (Resource "*", wildcard accounts or ids, NotResource)',
        (OURS, "related Checkov CKV_AWS_356"), MANDATORY,
        (POLICY, ROLE_POLICY, USER_POLICY, GROUP_POLICY, ROLE, SSO_INLINE), _identity_policies),
    ResourceRule(
        "iam-no-admin-managed-policy",
        "Roles, users and groups must not have AWS-managed administrator, power-user or full-access policies attached",
        ("Checkov CKV_AWS_274",), MANDATORY,
        (ROLE_ATTACHMENT, USER_ATTACHMENT, GROUP_ATTACHMENT, ATTACHMENT, ROLE, ROLE_ATTACHMENTS, USER_ATTACHMENTS,
         GROUP_ATTACHMENTS, SSO_ATTACHMENT, SSO_ATTACHMENTS), _attachments),
    ResourceRule(
        "iam-role-trust-not-public",
        "A role's trust policy must not let every AWS account assume it",
        ("Checkov CKV_AWS_60",), MANDATORY, (ROLE,), _trust),
]
