"""The per-stack monthly budget: the stack's estimated monthly cost must stay under the maximum its config sets.

The estimate is `_cost.estimate` over every resource the stack would create, priced for the stack's region with the
usage assumptions in the same rule config (`usage`), so `python -m preflight cost` prints exactly the figure judged
here. Advisory by default; a stack picks its level in `policies/config/<stack>.json` like any rule's.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pulumi_policy import PolicyResource, StackValidationArgs
from pulumi_policy.proxy import UnknownValueError

from ._base import ADVISORY, OURS, StackRule, known_values
from ._cost import USAGE, CostInputError, PriceTable, Resource, estimate, is_custom_type, money

NAME = "stack-monthly-budget"
# What the estimate prices (docs and tests list it); the rule itself reads every custom resource.
PRICED_TYPES = ("aws:rds/clusterInstance:ClusterInstance", "aws:rds/cluster:Cluster", "aws:rds/proxy:Proxy",
                "aws:ec2/natGateway:NatGateway", "aws:ec2/eip:Eip", "aws:ec2/instance:Instance",
                "aws:ec2/vpcEndpoint:VpcEndpoint", "aws:ecs/service:Service", "aws:kms/key:Key",
                "aws:cloudwatch/logGroup:LogGroup", "aws:cloudwatch/metricAlarm:MetricAlarm",
                "aws:cloudwatch/dashboard:Dashboard", "aws:sns/topic:Topic",
                "aws:lb/loadBalancer:LoadBalancer", "aws:ecr/repository:Repository", "aws:s3/bucket:Bucket",
                "aws:secretsmanager/secret:Secret", "aws:ssm/parameter:Parameter", "aws:backup/vault:Vault",
                "aws:route53/zone:Zone", "aws:ec2/vpcEndpointSubnetAssociation:VpcEndpointSubnetAssociation")
TOP = 3  # the biggest resources named in the message, so a reader knows where the money goes


def _region(resources: list[PolicyResource], configured: Any) -> str | None:
    # The stack's AWS provider says where it deploys (in the real engine); offline the default provider is not
    # visible, so the rule config's `region` stands in, and a test keeps it equal to Pulumi.<stack>.yaml.
    for r in resources:
        provider = getattr(r, "provider", None)
        if provider is not None and str(getattr(provider, "resource_type", "")).startswith("pulumi:providers:aws"):
            try:
                region = provider.props.get("region")
            except UnknownValueError:
                region = None
            if isinstance(region, str) and region:
                return region
    return configured if isinstance(configured, str) and configured else None


def to_resources(resources: list[PolicyResource]) -> list[Resource]:
    found = []
    for r in resources:
        if not is_custom_type(r.resource_type):
            continue
        dependencies = tuple(dep.urn for deps in (r.property_dependencies or {}).values() for dep in deps)
        found.append(Resource(urn=r.urn, type=r.resource_type, name=r.name, inputs=known_values(r.props),
                              dependencies=dependencies))
    return found


def _budget(resources: list[PolicyResource], args: StackValidationArgs) -> Iterator[tuple[str, str | None]]:
    config = args.get_config()
    maximum = config.get("monthlyMaximumUsd")
    if maximum is None:
        return  # no budget set for this stack: nothing to judge
    region = _region(resources, config.get("region"))
    if region is None:
        yield ("the stack's region is unknown: set `region` in this rule's config so the estimate uses that "
               "region's prices.", None)
        return
    try:
        result = estimate(to_resources(resources), region, config.get("usage"))
    except CostInputError as error:
        yield f"cannot estimate: {error}", None
        return
    if result.no_prices:
        yield (f"no prices for {region}: the budget of {money(float(maximum))} cannot be checked "
               f"(the price table has {', '.join(PriceTable.load().regions())}).", None)
        return
    if result.total <= float(maximum):
        return
    biggest = sorted(result.resources, key=lambda c: c.total(), reverse=True)[:TOP]
    parts = ", ".join(f"{c.name} ({c.type.split(':')[-1]}) {money(c.total())}" for c in biggest)
    unpriced = len(result.unpriced_lines) + sum(result.unpriced_types.values())
    tail = f"; {unpriced} item(s) have no price and are not counted" if unpriced else ""
    yield (f"estimated monthly cost {money(result.total)} (fixed {money(result.fixed)} + usage "
           f"{money(result.usage)}, {region}) exceeds this stack's budget of {money(float(maximum))}; largest: "
           f"{parts}{tail}. `python -m preflight cost` lists every line and assumption.", None)


POLICIES = [
    StackRule(
        NAME, "The stack's estimated monthly cost must not exceed the budget its config sets", (OURS,), ADVISORY,
        PRICED_TYPES, _budget,
        config={
            "monthlyMaximumUsd": {"type": "number", "minimum": 0,
                                  "description": "Monthly budget in USD; without it the rule judges nothing."},
            "region": {"type": "string", "pattern": "^[a-z]{2}(-[a-z]+)+-[0-9]$",
                       "description": "The stack's AWS region when no provider in the stack names one (offline)."},
            "usage": {"type": "object", "additionalProperties": False,
                      "properties": {name: {"type": "number", "minimum": 0, "description": f"{text} ({unit})"}
                                     for name, (_default, unit, text) in USAGE.items()},
                      "description": "Usage assumptions behind the usage lines of the estimate."},
        }),
]
