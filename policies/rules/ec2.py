"""EC2 hosts (the bastion): IMDSv2 only, encrypted volumes."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ._base import MANDATORY, ResourceRule, as_list, flag

INSTANCE = "aws:ec2/instance:Instance"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
VOLUME = "aws:ebs/volume:Volume"


def _imdsv2(props: Mapping[str, Any], _args: Any) -> Iterator[str]:
    options = props.get("metadataOptions")
    if not isinstance(options, Mapping):
        yield "metadataOptions.httpTokens is not set, so IMDSv1 stays available; set it to required."
        return
    if str(options.get("httpEndpoint")) == "disabled":
        return  # no metadata service at all
    tokens = options.get("httpTokens")
    if tokens is None:
        yield "metadataOptions.httpTokens is not set, so IMDSv1 stays available; set it to required."
    elif str(tokens) != "required":
        yield f"metadataOptions.httpTokens is {tokens}; set it to required."


def _unencrypted(path: str, device: Any) -> Iterator[str]:
    if not isinstance(device, Mapping) or flag(device, "encrypted") is not True:
        yield f"{path}.encrypted must be true."


def _ebs(props: Mapping[str, Any], args: Any) -> Iterator[str]:
    # Account-level "EBS encryption by default" is invisible to a program, so volumes say it themselves.
    if args.resource_type == INSTANCE:
        yield from _unencrypted("rootBlockDevice", props.get("rootBlockDevice"))
        for i, device in enumerate(as_list(props.get("ebsBlockDevices"))):
            yield from _unencrypted(f"ebsBlockDevices[{i}]", device)
    elif args.resource_type == LAUNCH_TEMPLATE:
        for i, mapping in enumerate(as_list(props.get("blockDeviceMappings"))):
            if isinstance(mapping, Mapping) and mapping.get("ebs") is not None:
                yield from _unencrypted(f"blockDeviceMappings[{i}].ebs", mapping.get("ebs"))
    elif flag(props, "encrypted") is not True:
        yield "encrypted must be true."


POLICIES = [
    ResourceRule(
        "ec2-imdsv2-required", "EC2 instances and launch templates must require IMDSv2 session tokens",
        ("Security Hub EC2.8",), MANDATORY, (INSTANCE, LAUNCH_TEMPLATE), _imdsv2),
    ResourceRule(
        "ec2-ebs-encrypted", "EBS volumes of EC2 instances must be encrypted",
        ("Security Hub EC2.3",), MANDATORY, (INSTANCE, LAUNCH_TEMPLATE, VOLUME), _ebs),
]
