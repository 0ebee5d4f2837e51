"""Encryption at rest for the supporting services: CloudWatch log groups and SNS topics."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ._base import MANDATORY, ResourceRule, has

LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
TOPIC = "aws:sns/topic:Topic"


def _log_group(props: Mapping[str, Any], _args: Any) -> Iterator[str]:
    if not has(props, "kmsKeyId"):
        yield "kmsKeyId must name a customer-managed KMS key."


def _topic(props: Mapping[str, Any], _args: Any) -> Iterator[str]:
    if not has(props, "kmsMasterKeyId"):
        yield "kmsMasterKeyId must name a KMS key."


POLICIES = [
    ResourceRule(
        "log-group-encrypted", "CloudWatch log groups must be encrypted with a customer-managed KMS key",
        ("Checkov CKV_AWS_158",), MANDATORY, (LOG_GROUP,), _log_group),
    ResourceRule(
        "sns-topic-encrypted", "SNS topics must be encrypted at rest with KMS",
        ("Checkov CKV_AWS_26",), MANDATORY, (TOPIC,), _topic),
]
