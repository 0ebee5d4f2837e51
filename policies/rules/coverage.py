"""What the pack can see: AWS resources must be written with pulumi_aws's own types.

Every rule of the pack reads pulumi_aws type tokens (`aws:rds/cluster:Cluster`). The same AWS resource can be created
in spellings no rule reads: the aws-native provider (`aws-native:rds:DbCluster`), a CloudFormation stack or stack set
whose template holds it, a Cloud Control resource whose `desiredState` describes it, a shell command
(`command:local:Command` running the AWS CLI) or a dynamic provider (Python calling boto3 at deploy time). Each would
deploy an unencrypted, public or TLS-less resource past every rule with no finding, so each is a finding itself,
unless a reviewer has listed its type in `allowedTypes`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pulumi_policy import PolicyResource

from ._base import MANDATORY, OURS, StackRule, config_value, label

# Providers whose resources create or change AWS resources under type tokens no rule reads: aws-native, shell
# commands, and dynamic providers (`pulumi.dynamic.Resource`, `pulumi-python:dynamic:Resource`), whose code runs at
# deploy time with the stack's credentials.
OPAQUE_PACKAGES = ("aws-native", "command", "pulumi-python", "pulumi-nodejs")
# pulumi_aws resources that create other AWS resources from a document the rules do not read.
OPAQUE_TYPES = (
    "aws:cloudformation/stack:Stack",
    "aws:cloudformation/stackSet:StackSet",
    "aws:cloudformation/stackSetInstance:StackSetInstance",
    "aws:cloudformation/stackInstances:StackInstances",
    "aws:cloudcontrol/resource:Resource",
)


def _opaque(resource_type: str) -> bool:
    return resource_type in OPAQUE_TYPES or resource_type.split(":", 1)[0] in OPAQUE_PACKAGES


def _unjudged(resources: list[PolicyResource], args: Any) -> Iterator[tuple[str, str | None]]:
    allowed = {str(t) for t in config_value(args, "allowedTypes", [])}
    for resource in resources:
        kind = resource.resource_type
        if _opaque(kind) and kind not in allowed:
            yield (f"{label(resource)} ({kind}) creates AWS resources no rule of this pack reads, so their "
                   f"encryption, TLS and public access cannot be checked; write them with pulumi_aws's own "
                   f"resource types, or list {kind} in allowedTypes after review.", resource.urn)


POLICIES = [
    StackRule(
        "aws-resources-judgeable",
        "AWS resources must be created with pulumi_aws types the pack can judge, not through aws-native, "
        "CloudFormation, Cloud Control, shell commands or dynamic providers",
        (OURS,), MANDATORY, OPAQUE_TYPES, _unjudged,  # and every aws-native:, command: and dynamic type
        config={"allowedTypes": {"type": "array", "items": {"type": "string"}, "default": [],
                                 "description": "Type tokens reviewed as safe to create outside the pack's "
                                                "sight (exact tokens, e.g. aws:cloudformation/stack:Stack)."}}),
]
