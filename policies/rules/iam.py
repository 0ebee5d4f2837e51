"""IAM: no statement grants SSM or KMS actions on every resource.

IAM matches `Action` and `Resource` with the wildcards `*` and `?` (case-insensitively for actions), so an action
pattern is judged by what it matches, not by its spelling: `*`, `*:*`, `km?:Decrypt` and `ssm:Get*` all reach the
parameter values or key material. `Allow` + `NotResource` applies to every resource but the ones listed, and
`Allow` + `NotAction` on `*` to every action but the ones listed: both are "on every resource" unless they exclude
what this rule protects.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from fnmatch import fnmatchcase
from typing import Any

from ._base import MANDATORY, OURS, ResourceRule, as_list

POLICY = "aws:iam/policy:Policy"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
USER_POLICY = "aws:iam/userPolicy:UserPolicy"
GROUP_POLICY = "aws:iam/groupPolicy:GroupPolicy"
ROLE = "aws:iam/role:Role"

SERVICES = ("ssm", "kms")
# Listing and describing reveal no parameter value or key material and cannot be scoped to a resource.
# `ssm:Describe*` only ever expands to describe actions.
METADATA_ONLY = re.compile(r"^(ssm|kms):(List|Describe)[\w*?]*$", re.IGNORECASE)
# Actions that read secrets or use keys: a NotAction list that does not exclude these still grants them.
SENSITIVE_ACTIONS = ("ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath", "ssm:PutParameter",
                     "ssm:SendCommand", "ssm:StartSession", "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey",
                     "kms:CreateGrant", "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion")


def _matches(pattern: str, action: str) -> bool:
    """IAM action matching: `*` and `?` wildcards, case-insensitive."""
    return fnmatchcase(action.lower(), pattern.lower().replace("[", "[[]"))


def _sensitive(pattern: str) -> bool:
    """True when the action pattern allows an SSM or KMS action other than listing and describing."""
    if METADATA_ONLY.match(pattern):
        return False
    service = pattern.split(":", 1)[0] if ":" in pattern else pattern
    return any(_matches(service, s) for s in SERVICES)


def _document(raw: Any) -> Mapping[str, Any] | None:
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return None
    return raw if isinstance(raw, Mapping) else None


def _statement_findings(where: str, raw: Any) -> Iterator[str]:
    document = _document(raw)
    if document is None:
        return
    for i, statement in enumerate(as_list(document.get("Statement"))):
        if not isinstance(statement, Mapping) or statement.get("Effect") != "Allow":
            continue
        at = f"{where}Statement[{i}]"
        resources = [str(r) for r in as_list(statement.get("Resource"))]
        if "NotResource" in statement:
            scope = f"NotResource {json.dumps([str(r) for r in as_list(statement['NotResource'])])} (every other " \
                    f"resource)"
        elif "*" in resources:
            scope = 'Resource "*"'
        else:
            continue
        if "NotAction" in statement:
            excluded = [str(a) for a in as_list(statement.get("NotAction"))]
            granted = [a for a in SENSITIVE_ACTIONS if not any(_matches(p, a) for p in excluded)]
            if granted:
                yield (f"{at} allows every action except {json.dumps(excluded)} on {scope}, which includes "
                       f"{', '.join(granted[:3])}; scope it to the parameter or key ARN.")
            continue
        for action in (str(a) for a in as_list(statement.get("Action"))):
            if _sensitive(action):
                yield f"{at} allows {action} on {scope}; scope it to the parameter or key ARN."


def _no_wildcard(props: Mapping[str, Any], args: Any) -> Iterator[str]:
    if args.resource_type == ROLE:
        for i, inline in enumerate(as_list(props.get("inlinePolicies"))):
            if isinstance(inline, Mapping):
                yield from _statement_findings(f"inlinePolicies[{i}] ", inline.get("policy"))
    else:
        yield from _statement_findings("", props.get("policy"))


POLICIES = [
    ResourceRule(
        "iam-no-wildcard-ssm-kms", 'IAM policies must not grant SSM or KMS actions on Resource "*"',
        (OURS, "related Checkov CKV_AWS_356"), MANDATORY, (POLICY, ROLE_POLICY, USER_POLICY, GROUP_POLICY, ROLE),
        _no_wildcard),
]
