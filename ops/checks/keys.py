"""KMS: is a key customer-managed, and does it rotate."""

from __future__ import annotations

from typing import Any

from ops.checks.base import Facts, Outcome, failed, passed, skipped

AWS_MANAGED_ALIAS_PREFIX = "alias/aws/"


def key_problem(kms: Any, key_id: str) -> str | None:
    """None when ``key_id`` names an enabled customer-managed key, else why it does not."""
    if key_id.startswith(AWS_MANAGED_ALIAS_PREFIX):
        return f"{key_id} is an AWS-managed key, not a customer-managed key"
    meta = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    if meta.get("KeyManager") != "CUSTOMER":
        return f"{meta['Arn']} is managed by {meta.get('KeyManager')}, not the customer"
    # moto reports its alias/aws/* keys as KeyManager CUSTOMER; the alias still tells the truth,
    # and on AWS the extra look-up costs one call.
    for alias in kms.list_aliases(KeyId=meta["KeyId"]).get("Aliases", []):
        if alias["AliasName"].startswith(AWS_MANAGED_ALIAS_PREFIX):
            return f"{meta['Arn']} is the AWS-managed key {alias['AliasName']}"
    if meta.get("KeyState", "Enabled") != "Enabled":
        return f"{meta['Arn']} is {meta['KeyState']}"
    return None


def cmk_problem(facts: Facts, key_id: str) -> str | None:
    """key_problem, asked once per key per verify run."""
    return facts.once("kms-key", key_id, lambda: key_problem(facts.aws.kms, key_id))


def storage_encrypted_cmk(facts: Facts) -> Outcome:
    cluster = facts.cluster
    if not cluster.get("StorageEncrypted"):
        return failed("storage is not encrypted")
    key_id = cluster.get("KmsKeyId")
    if not key_id:
        return failed("storage encrypted but no KMS key reported")
    problem = cmk_problem(facts, key_id)
    if problem:
        return failed(problem)
    return passed(f"encrypted with {key_id}")


def key_rotation(facts: Facts) -> Outcome:
    key_id = facts.cluster.get("KmsKeyId")
    # Only a customer-managed key has a rotation switch we own; aurora-storage-encrypted already
    # fails for the other cases, so do not report the same problem twice.
    if not facts.cluster.get("StorageEncrypted") or not key_id:
        return skipped("storage is not encrypted")
    if cmk_problem(facts, key_id):
        return skipped("storage key is not an enabled customer-managed key")
    enabled = facts.aws.kms.get_key_rotation_status(KeyId=key_id).get("KeyRotationEnabled")
    if not enabled:
        return failed(f"automatic rotation is off for {key_id}")
    return passed(f"rotation on for {key_id}")
