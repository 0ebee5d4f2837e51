"""The bastion instance, when the stack has one: IMDSv2 only and encrypted volumes."""

from __future__ import annotations

from typing import Any

from ops.checks.base import Facts, Outcome, failed, passed, skipped

NO_BASTION = "no bastion given (--bastion-instance or bastionInstanceId)"


def _instance(facts: Facts) -> dict[str, Any]:
    instance_id = str(facts.bastion_instance)

    def read() -> dict[str, Any]:
        reservations = facts.aws.ec2.describe_instances(InstanceIds=[instance_id])
        return reservations["Reservations"][0]["Instances"][0]

    return facts.once("ec2-instance", instance_id, read)


def bastion_imdsv2(facts: Facts) -> Outcome:
    if not facts.bastion_instance:
        return skipped(NO_BASTION)
    options = _instance(facts).get("MetadataOptions", {})
    if options.get("HttpEndpoint") == "disabled":
        return passed(f"{facts.bastion_instance}: instance metadata endpoint disabled")
    tokens = options.get("HttpTokens")
    if tokens != "required":
        return failed(f"{facts.bastion_instance}: HttpTokens={tokens}, IMDSv2 is not required")
    return passed(f"{facts.bastion_instance}: IMDSv2 required")


def bastion_volumes_encrypted(facts: Facts) -> Outcome:
    if not facts.bastion_instance:
        return skipped(NO_BASTION)
    mappings = _instance(facts).get("BlockDeviceMappings", [])
    volume_ids = [m["Ebs"]["VolumeId"] for m in mappings if "Ebs" in m]
    if not volume_ids:
        return passed(f"{facts.bastion_instance}: no EBS volumes")
    volumes = facts.aws.ec2.describe_volumes(VolumeIds=volume_ids)["Volumes"]
    plain = sorted(v["VolumeId"] for v in volumes if not v.get("Encrypted"))
    if plain:
        return failed(f"{facts.bastion_instance}: unencrypted volume(s) {', '.join(plain)}")
    return passed(f"{facts.bastion_instance}: {len(volumes)} volume(s) encrypted")
