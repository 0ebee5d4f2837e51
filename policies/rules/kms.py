"""KMS keys: customer-managed keys rotate."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ._base import MANDATORY, ResourceRule, flag

KEY = "aws:kms/key:Key"


def _rotation(props: Mapping[str, Any], _args: Any) -> Iterator[str]:
    # Rotation exists only for symmetric encryption keys; asymmetric and HMAC keys are out of scope.
    spec = props.get("customerMasterKeySpec")
    if spec not in (None, "SYMMETRIC_DEFAULT"):
        return
    if flag(props, "enableKeyRotation") is not True:
        yield "enableKeyRotation must be true."


POLICIES = [
    ResourceRule(
        "kms-key-rotation", "Customer-managed KMS keys must have automatic rotation enabled",
        ("Checkov CKV_AWS_7",), MANDATORY, (KEY,), _rotation),
]
