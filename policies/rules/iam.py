"""IAM: no statement grants SSM or KMS actions on every resource."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from ._base import MANDATORY, OURS, ResourceRule, as_list

POLICY = "aws:iam/policy:Policy"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ROLE = "aws:iam/role:Role"

SENSITIVE = re.compile(r"^(\*|(ssm|kms):.*)$", re.IGNORECASE)
# Listing and describing reveal no parameter value or key material and cannot be scoped to a resource.
METADATA_ONLY = re.compile(r"^(ssm|kms):(List|Describe)\w*$", re.IGNORECASE)


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
        if "*" not in [str(r) for r in as_list(statement.get("Resource"))]:
            continue
        for action in (str(a) for a in as_list(statement.get("Action"))):
            if SENSITIVE.match(action) and not METADATA_ONLY.match(action):
                yield f'{where}Statement[{i}] allows {action} on Resource "*"; scope it to the parameter or key ARN.'


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
        (OURS, "related Checkov CKV_AWS_356"), MANDATORY, (POLICY, ROLE_POLICY, ROLE), _no_wildcard),
]
