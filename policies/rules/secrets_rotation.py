"""Secrets Manager rotation schedules the stack sets (`aws.secretsmanager.SecretRotation`, e.g. the RDS-managed master
password's): rotation on, and at most every `maximumDays` days (Security Hub SecretsManager.4 asks for 90)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from ._base import MANDATORY, ResourceRule, flag, fmt, number

ROTATION = "aws:secretsmanager/secretRotation:SecretRotation"
DEFAULT_MAXIMUM_DAYS = 90


def _days(rules: Mapping[str, Any]) -> float | None | str:
    """Days between rotations, None when no schedule is set, or "unreadable" for an expression this rule cannot
    bound (cron, or a rate in another unit)."""
    days = number(rules.get("automaticallyAfterDays"))
    if days is not None:
        return days
    expression = rules.get("scheduleExpression")
    if expression is None:
        return None
    match = re.fullmatch(r"\s*rate\(\s*(\d+)\s+(day|days|hour|hours)\s*\)\s*", str(expression))
    if not match:
        return "unreadable"
    amount = int(match.group(1))
    return amount if match.group(2).startswith("day") else amount / 24


def _rotation(props: Mapping[str, Any], args: Any) -> Iterator[str]:
    maximum = number(args.get_config().get("maximumDays")) or DEFAULT_MAXIMUM_DAYS
    if flag(props, "rotationEnabled") is False:
        yield "rotationEnabled is false; the secret is never rotated."
        return
    rules = props.get("rotationRules")
    days = _days(rules) if isinstance(rules, Mapping) else None
    if days is None:
        yield f"rotationRules must set automaticallyAfterDays (at most {fmt(maximum)}) or a rate() schedule."
    elif days == "unreadable":
        yield (f"rotationRules.scheduleExpression {rules.get('scheduleExpression')!r} cannot be bounded offline; use "
               f"automaticallyAfterDays or rate(N days) with N at most {fmt(maximum)}.")
    elif days > maximum:
        yield f"the secret is rotated every {fmt(days)} days; at most {fmt(maximum)} are allowed."


POLICIES = [
    ResourceRule(
        "secrets-rotation-schedule", "Secret rotation schedules must rotate at least every configured number of days",
        ("Security Hub SecretsManager.4",), MANDATORY, (ROTATION,), _rotation,
        config={"maximumDays": {"type": "integer", "minimum": 1, "maximum": 1000, "default": DEFAULT_MAXIMUM_DAYS,
                                "description": "Most days a secret may go between rotations."}}),
]
