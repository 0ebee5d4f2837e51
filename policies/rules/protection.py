"""Stateful resources are `protect`ed in stacks that declare themselves production.

A program declares production by tagging its resources Environment=production (or through the provider's
defaultTags); policy config can force the rule with {"requireProtect": true}. It is a stack rule so one
production tag anywhere is enough: a key that forgot its tag in a production stack is still caught.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from pulumi_policy import PolicyResource, StackValidationArgs

from ._base import MANDATORY, OURS, StackRule, flag, label, tags
from .kms import KEY
from .rds import CLUSTER
from .ssm import PARAMETER

PRODUCTION = "production"


def _environment(resource: PolicyResource) -> str | None:
    value = tags(resource.props).get("Environment")
    if value is None and resource.provider is not None:
        default_tags = resource.provider.props.get("defaultTags")
        if isinstance(default_tags, Mapping) and isinstance(default_tags.get("tags"), Mapping):
            value = default_tags["tags"].get("Environment")
    return None if value is None else str(value)


def _stateful(resource: PolicyResource) -> bool:
    if resource.resource_type in (CLUSTER, KEY):
        return True
    return resource.resource_type == PARAMETER and str(resource.props.get("type")) == "SecureString"


def _protected(resources: list[PolicyResource], args: StackValidationArgs) -> Iterator[tuple[str, str | None]]:
    forced = flag(args.get_config(), "requireProtect") is True
    production = forced or any(_environment(r) == PRODUCTION for r in resources)
    if not production:
        return
    why = "policy config requireProtect is true" if forced else "the stack is tagged Environment=production"
    for resource in resources:
        if _stateful(resource) and not resource.opts.protect:
            yield f"{label(resource)} must set protect=True ({why}).", resource.urn


POLICIES = [
    StackRule(
        "production-protect",
        "In production stacks, Aurora clusters, KMS keys and SecureString parameters must be protected",
        (OURS,), MANDATORY, (CLUSTER, KEY, PARAMETER), _protected,
        config={"requireProtect": {"type": "boolean", "default": False,
                                   "description": "Require protect even without an Environment=production tag."}}),
]
