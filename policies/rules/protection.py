"""Stateful resources are `protect`ed in stacks that declare themselves production.

A program declares production by tagging its resources Environment=production (or through the provider's
defaultTags); policy config can force the rule with {"requireProtect": true}. It is a stack rule so one
production tag anywhere is enough: a key that forgot its tag in a production stack is still caught.

The declaration is read the way a person means it, not byte for byte: AWS tag keys are case-sensitive, but
`environment: Production` or `ENVIRONMENT: " PRODUCTION "` declares production as surely as the canonical spelling,
and a stack that says `prod` means it too. Missing a production stack costs an unprotected database; treating a
stack as production costs only a `protect` flag, so doubtful spellings count as production.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from pulumi_policy import PolicyResource, StackValidationArgs
from pulumi_policy.proxy import UnknownValueError

from ._base import MANDATORY, OURS, StackRule, flag, label, tags
from .kms import KEY
from .rds import CLUSTER, DB_INSTANCE
from .ssm import PARAMETER

ENVIRONMENT_KEY = "environment"
PRODUCTION_VALUES = frozenset({"production", "prod"})


def _fold(value: object) -> str:
    return str(value).strip().casefold()


def _environments(resource: PolicyResource) -> list[str]:
    """Every value the resource's tags, or its provider's defaultTags, give an `Environment` key in any spelling."""
    sources = [tags(resource.props)]
    if resource.provider is not None:
        default_tags = resource.provider.props.get("defaultTags")
        if isinstance(default_tags, Mapping) and isinstance(default_tags.get("tags"), Mapping):
            sources.append(default_tags["tags"])
    found = []
    for source in sources:
        for key in source:  # keys only: another tag's value may be unknown during a preview
            if _fold(key) != ENVIRONMENT_KEY:
                continue
            try:
                value = source[key]
            except UnknownValueError:
                continue
            if value is not None:
                found.append(_fold(value))
    return found


def _production(resource: PolicyResource) -> bool:
    return any(value in PRODUCTION_VALUES for value in _environments(resource))


def _stateful(resource: PolicyResource) -> bool:
    if resource.resource_type in (CLUSTER, DB_INSTANCE, KEY):
        return True
    return resource.resource_type == PARAMETER and str(resource.props.get("type")) == "SecureString"


def _protected(resources: list[PolicyResource], args: StackValidationArgs) -> Iterator[tuple[str, str | None]]:
    forced = flag(args.get_config(), "requireProtect") is True
    production = forced or any(_production(r) for r in resources)
    if not production:
        return
    why = "policy config requireProtect is true" if forced else "the stack is tagged Environment=production"
    for resource in resources:
        if _stateful(resource) and not resource.opts.protect:
            yield f"{label(resource)} must set protect=True ({why}).", resource.urn


POLICIES = [
    StackRule(
        "production-protect",
        "In production stacks, Aurora clusters, RDS instances, KMS keys and SecureString parameters must be "
        "protected",
        (OURS,), MANDATORY, (CLUSTER, DB_INSTANCE, KEY, PARAMETER), _protected,
        config={"requireProtect": {"type": "boolean", "default": False,
                                   "description": "Require protect even without an Environment=production tag."}}),
]
