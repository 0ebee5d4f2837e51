"""Reading IAM policy documents (identity policies, key policies, bucket policies) the way a rule must: generously.

A rule must not be bypassed by a spelling AWS would also accept, nor by one AWS would reject (that only makes
the deployment fail, and flagging it costs nothing). So element names and `Effect` are read case-insensitively, a
key given twice counts with all its values, `Statement`, `Action`, `Resource` may be a single value or a list, and
a `Principal` may be `"*"`, `{"AWS": "*"}`, `{"AWS": ["*"]}` or a wildcard ARN. Matching of actions follows IAM:
`*` and `?` wildcards, case-insensitive.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from ._base import as_list

_ELEMENTS = ("Version", "Id", "Statement", "Sid", "Effect", "Action", "NotAction", "Resource", "NotResource",
             "Principal", "NotPrincipal", "Condition")
_CANONICAL = {name.casefold(): name for name in _ELEMENTS}


class _Pairs(list):
    """A JSON object as its (key, value) pairs, so a key given twice keeps both values."""


def _merge_pairs(pairs: list[tuple[str, Any]], canonical: bool) -> dict[str, Any]:
    """Keys folded to their canonical element name (when `canonical`); a repeated key keeps every value."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        name = _CANONICAL.get(key.casefold(), key) if canonical else key
        if name not in out:
            out[name] = value
        elif name in ("Principal", "NotPrincipal") and isinstance(out[name], _Pairs) and isinstance(value, _Pairs):
            out[name] = _Pairs([*out[name], *value])  # every principal of both counts
        # Two Statement objects are two statements; two Condition objects are a list, which restricts nothing
        # (which one AWS would apply is not known, so neither is credited).
        else:
            out[name] = _many(out[name]) + _many(value)
    return out


def _many(value: Any) -> list[Any]:
    return [value] if isinstance(value, _Pairs) else as_list(value)


def _normalise(value: Any, canonical: bool = True) -> Any:
    if isinstance(value, _Pairs):
        # Inside Principal and Condition the keys are principal types and operators, not element names.
        merged = _merge_pairs([(k, v) for k, v in value], canonical)
        return {k: _normalise(v, canonical and k not in ("Principal", "NotPrincipal", "Condition"))
                for k, v in merged.items()}
    if isinstance(value, Mapping):
        return _normalise(_Pairs(value.items()), canonical)
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):  # lists arrive as the SDK's proxies
        return [_normalise(v, canonical) for v in value]
    return value


def load(raw: Any) -> Mapping[str, Any] | None:
    """A policy document from a JSON string or an object (pulumi-aws accepts both); None if it is neither."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw, object_pairs_hook=_Pairs)
        except ValueError:
            return None
    document = _normalise(raw)
    return document if isinstance(document, Mapping) else None


@dataclass(frozen=True)
class Statement:
    index: int
    sid: str
    effect: str  # "allow", "deny" or what was written, lower-cased
    actions: list[str] | None
    not_actions: list[str] | None
    resources: list[str] | None
    not_resources: list[str] | None
    principals: list[tuple[str, str]] | None
    not_principals: list[tuple[str, str]] | None
    conditions: list[tuple[str, str, list[str]]] = field(default_factory=list)

    @property
    def at(self) -> str:
        return f'Statement[{self.index}] (Sid "{self.sid}")' if self.sid else f"Statement[{self.index}]"

    @property
    def allows(self) -> bool:
        return self.effect == "allow"

    @property
    def denies(self) -> bool:
        return self.effect == "deny"


def _strings(value: Any) -> list[str] | None:
    return None if value is None else [str(v) for v in as_list(value)]


def _principals(value: Any) -> list[tuple[str, str]] | None:
    if value is None:
        return None
    out = []
    for item in as_list(value):
        if isinstance(item, Mapping):
            out += [(str(kind), str(identifier)) for kind, ids in item.items() for identifier in as_list(ids)]
        else:
            # "*" is everyone; any other bare string is not valid IAM, read it as an AWS principal.
            out.append(("*" if str(item).strip() == "*" else "AWS", str(item)))
    return out


def _conditions(value: Any) -> list[tuple[str, str, list[str]]]:
    out = []
    if isinstance(value, Mapping):
        for operator, keys in value.items():
            if isinstance(keys, Mapping):
                for key, values in keys.items():
                    rendered = [json.dumps(v) if isinstance(v, bool) else str(v) for v in as_list(values)]
                    out.append((str(operator), str(key), rendered))
            else:  # malformed: keep it visible as a condition that restricts nothing
                out.append((str(operator), "", []))
    return out


def statements(document: Mapping[str, Any] | None) -> Iterator[Statement]:
    if document is None:
        return
    for index, raw in enumerate(as_list(document.get("Statement"))):
        if not isinstance(raw, Mapping):
            continue
        effects = [str(e).strip().lower() for e in as_list(raw.get("Effect"))]
        # A key given twice with Allow and Deny: judge the Allow (the generous reading).
        effect = "allow" if "allow" in effects else (effects[0] if effects else "")
        yield Statement(index, str(raw.get("Sid") or ""), effect, _strings(raw.get("Action")),
                        _strings(raw.get("NotAction")), _strings(raw.get("Resource")),
                        _strings(raw.get("NotResource")), _principals(raw.get("Principal")),
                        _principals(raw.get("NotPrincipal")), _conditions(raw.get("Condition")))


def matches(pattern: str, action: str) -> bool:
    """IAM action matching: `*` and `?` wildcards, case-insensitive (fnmatch's `[` is literal in IAM)."""
    return fnmatchcase(action.lower(), pattern.strip().lower().replace("[", "[[]"))


WILDCARD = re.compile(r"[*?]")


def wildcard_principals(principals: list[tuple[str, str]] | None) -> list[str]:
    """Principals that name everyone: `*` in any principal type, or a wildcard ARN (`arn:aws:iam::*:root`)."""
    return [identifier for _kind, identifier in principals or [] if WILDCARD.search(identifier)]


# Condition keys that tie the caller (or the calling service's source) to known accounts, organisations, networks.
RESTRICTING_KEYS = frozenset(k.casefold() for k in (
    "aws:PrincipalAccount", "aws:PrincipalOrgID", "aws:PrincipalOrgPaths", "aws:PrincipalArn", "aws:SourceAccount",
    "aws:SourceArn", "aws:SourceOrgID", "aws:SourceOrgPaths", "aws:SourceOwner", "aws:SourceVpce", "aws:SourceVpc",
    "aws:userid", "kms:CallerAccount"))
# Positive matches only: a negated operator (StringNotEquals), `...IfExists` (true when the key is absent) and
# `ForAllValues:` (true for an empty set) let callers through that the key does not describe.
_RESTRICTING_OPERATORS = frozenset(o.casefold() for o in (
    "StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike"))


def _specific(operator: str, key: str, value: str) -> bool:
    """A condition value that names something: no policy variable, and no wildcard where the identity is
    (StringEquals takes `*` literally; ArnEquals matches wildcards as ArnLike does)."""
    if "${" in value or not value.strip():
        return False
    if not WILDCARD.search(value) or operator.startswith("stringequals"):
        return True
    if key in ("aws:principalarn", "aws:sourcearn"):
        parts = value.split(":", 5)
        return len(parts) == 6 and bool(re.fullmatch(r"\d{12}|aws", parts[4]))
    if key in ("aws:principalorgpaths", "aws:sourceorgpaths"):
        return bool(re.match(r"o-[a-z0-9]+/r-[a-z0-9]+/", value))
    return False


def restricting_condition(conditions: list[tuple[str, str, list[str]]]) -> tuple[str, str] | None:
    """The first (operator, key) that limits who may call to known accounts; conditions are ANDed, so one is enough,
    and a key's values are ORed, so every value must be specific."""
    for operator, key, values in conditions:
        op = operator.casefold()
        if op.startswith("foranyvalue:"):
            op = op[len("foranyvalue:"):]
        if op in _RESTRICTING_OPERATORS and key.casefold() in RESTRICTING_KEYS and values and \
                all(_specific(op, key.casefold(), v) for v in values):
            return operator, key
    return None


def public_statement_findings(document: Mapping[str, Any] | None, hint: str) -> Iterator[str]:
    """Allow statements open to everyone: a wildcard principal, or `NotPrincipal` (every principal but a few),
    without a condition that limits the caller to known accounts. `hint` says how to fix it."""
    for statement in statements(document):
        if not statement.allows or restricting_condition(statement.conditions):
            continue
        if statement.not_principals is not None:
            excluded = json.dumps([identifier for _, identifier in statement.not_principals])
            yield f"{statement.at} allows every principal except {excluded}; {hint}"
        wild = wildcard_principals(statement.principals)
        if wild:
            yield f"{statement.at} allows Principal {json.dumps(wild[0])} without a restricting condition; {hint}"
