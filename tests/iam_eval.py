"""A deliberately small model of IAM's Allow evaluation, for trying to get past the program's policies in tests.

It covers exactly what the program's documents use: `Allow` statements with `Action` and `Resource` (wildcards `*`
and `?`, actions case-insensitive), the condition operators StringEquals, StringEqualsIfExists, StringLike,
ArnEquals and ArnLike (a list of values matches any of them; every key of every operator must match; a key absent
from the request fails the condition unless the operator ends in IfExists), and a trust policy's service
principal. Anything else in a document fails loudly, so a new construct cannot silently widen or narrow a test.
"""

from __future__ import annotations

from collections.abc import Mapping
from fnmatch import fnmatchcase
from typing import Any

OPERATORS = {"StringEquals", "StringEqualsIfExists", "StringLike", "ArnEquals", "ArnLike"}
STATEMENT_KEYS = {"Sid", "Effect", "Action", "Resource", "Principal", "Condition"}


def as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _wildcard(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    if ignore_case:
        pattern, value = pattern.lower(), value.lower()
    return fnmatchcase(value, pattern.replace("[", "[[]"))


def _condition_holds(condition: Mapping[str, Mapping[str, Any]], context: Mapping[str, str]) -> bool:
    for operator, keys in condition.items():
        if operator not in OPERATORS:
            raise AssertionError(f"iam_eval does not model the condition operator {operator}")
        for key, expected in keys.items():
            if key not in context:
                if operator.endswith("IfExists"):
                    continue
                return False
            value = context[key]
            if operator.startswith("StringEquals"):
                matched = value in as_list(expected)
            else:  # StringLike, ArnEquals and ArnLike all take * and ? wildcards
                matched = any(_wildcard(pattern, value) for pattern in as_list(expected))
            if not matched:
                return False
    return True


def allows(document: Mapping[str, Any], action: str, resource: str, context: Mapping[str, str] | None = None) -> bool:
    """True when some Allow statement of an identity policy grants `action` on `resource` in `context`."""
    for statement in as_list(document["Statement"]):
        unknown = set(statement) - STATEMENT_KEYS
        assert not unknown, f"iam_eval does not model {sorted(unknown)}"
        assert statement["Effect"] == "Allow", "the program's documents only allow"
        if not any(_wildcard(pattern, action, ignore_case=True) for pattern in as_list(statement["Action"])):
            continue
        if not any(_wildcard(pattern, resource) for pattern in as_list(statement["Resource"])):
            continue
        if _condition_holds(statement.get("Condition", {}), context or {}):
            return True
    return False


def trusts(document: Mapping[str, Any], service: str, context: Mapping[str, str] | None = None) -> bool:
    """True when the trust policy lets `service` assume the role (sts:AssumeRole) in `context`."""
    for statement in as_list(document["Statement"]):
        assert statement["Effect"] == "Allow"
        if service not in as_list(statement.get("Principal", {}).get("Service", [])):
            continue
        if "sts:AssumeRole" not in as_list(statement["Action"]):
            continue
        if _condition_holds(statement.get("Condition", {}), context or {}):
            return True
    return False
