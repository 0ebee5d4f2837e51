"""Encryption at rest for the supporting services: CloudWatch log groups and SNS topics, under customer keys.

A customer-managed key is one this account controls (its key policy, rotation, deletion, grants): an AWS-managed
key (`alias/aws/sns`, its alias ARN) cannot be shared, audited or protected on its own, so it does not count.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy.proxy import UnknownValueError

from ._base import MANDATORY, ResourceRule, aws_managed_key

LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
TOPIC = "aws:sns/topic:Topic"


def customer_key_problem(props: Mapping[str, Any], key: str, default: str) -> str | None:
    """Why `key` does not name a customer-managed key (None if it does). `default` is what the service uses when
    no key is given (its AWS-managed key, or no KMS encryption at all)."""
    if not any(k == key for k in props):
        return f"{key} must name a customer-managed KMS key; without it {default}."
    try:
        value = props[key]
    except UnknownValueError:
        # A key computed from another resource (its ARN during preview): a customer key of this program. An
        # AWS-managed key is always a literal alias, known during preview.
        return None
    # The provider treats an empty string as unset (the service then uses its default).
    if value is None or (isinstance(value, str) and not value.strip()):
        return f"{key} must name a customer-managed KMS key; without it {default}."
    if aws_managed_key(value):
        return (f"{key} {value.strip()} is an AWS-managed key; name a customer-managed KMS key (its ARN, id or "
                f"alias).")
    return None


def _log_group(props: Mapping[str, Any], _args: Any) -> Iterator[str]:
    problem = customer_key_problem(props, "kmsKeyId", "CloudWatch Logs encrypts with a key AWS owns")
    if problem:
        yield problem


def _topic(props: Mapping[str, Any], _args: Any) -> Iterator[str]:
    problem = customer_key_problem(props, "kmsMasterKeyId", "the topic is not encrypted with KMS")
    if problem:
        yield problem


POLICIES = [
    ResourceRule(
        "log-group-encrypted", "CloudWatch log groups must be encrypted with a customer-managed KMS key",
        ("Checkov CKV_AWS_158",), MANDATORY, (LOG_GROUP,), _log_group),
    ResourceRule(
        "sns-topic-encrypted", "SNS topics must be encrypted at rest with a customer-managed KMS key",
        ("Checkov CKV_AWS_26",), MANDATORY, (TOPIC,), _topic),
]
