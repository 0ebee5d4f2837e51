"""Network exposure: no admin or database port open to the world, flow logs on, default security group closed."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import PolicyResource

from ._base import (
    ADVISORY,
    MANDATORY,
    ResourceRule,
    StackRule,
    as_list,
    depends_on,
    has,
    has_dependency,
    label,
    number,
)

SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
DEFAULT_SECURITY_GROUP = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
VPC = "aws:ec2/vpc:Vpc"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"

WORLD = ("0.0.0.0/0", "::/0")
# Security Hub EC2.19's high-risk ports: remote administration and database listeners.
ADMIN_PORTS = [20, 21, 22, 23, 25, 110, 135, 143, 445, 1433, 1434, 3000, 3306, 3389, 4333, 5000, 5432, 5500,
               5601, 8080, 8088, 8888, 9200, 9300]
ALL_PROTOCOLS = ("-1", "all")


def _exposed_ports(protocol: Any, from_port: Any, to_port: Any, ports: list[int]) -> list[int]:
    protocol = str(protocol).lower()
    if protocol in ALL_PROTOCOLS:
        return ports
    if protocol not in ("tcp", "udp", "6", "17"):
        return []  # ICMP and friends carry no port
    low, high = number(from_port), number(to_port)
    if low is None or high is None:
        return []
    return [p for p in ports if low <= p <= high]


def _findings(where: str, protocol: Any, from_port: Any, to_port: Any, cidrs: list[Any],
              ports: list[int]) -> Iterator[str]:
    exposed = _exposed_ports(protocol, from_port, to_port, ports)
    for cidr in cidrs:
        if str(cidr) in WORLD and exposed:
            listed = ", ".join(str(p) for p in exposed)
            yield f"{where} opens port(s) {listed} to {cidr}."


def _world_ingress(props: Mapping[str, Any], args: Any) -> Iterator[str]:
    ports = [int(p) for p in (args.get_config().get("ports") or ADMIN_PORTS)]
    if args.resource_type == SECURITY_GROUP:
        for i, rule in enumerate(as_list(props.get("ingress"))):
            if isinstance(rule, Mapping):
                cidrs = as_list(rule.get("cidrBlocks")) + as_list(rule.get("ipv6CidrBlocks"))
                yield from _findings(f"ingress[{i}]", rule.get("protocol"), rule.get("fromPort"),
                                     rule.get("toPort"), cidrs, ports)
    elif args.resource_type == SECURITY_GROUP_RULE:
        if str(props.get("type")) == "ingress":
            cidrs = as_list(props.get("cidrBlocks")) + as_list(props.get("ipv6CidrBlocks"))
            yield from _findings("the rule", props.get("protocol"), props.get("fromPort"), props.get("toPort"),
                                 cidrs, ports)
    else:
        cidrs = [c for c in (props.get("cidrIpv4"), props.get("cidrIpv6")) if c is not None]
        yield from _findings("the rule", props.get("ipProtocol"), props.get("fromPort"), props.get("toPort"),
                             cidrs, ports)


def _belongs_to_vpc(resource: PolicyResource, vpc: PolicyResource) -> bool:
    """Linked by the vpcId property dependency; by value only when no dependency was recorded (e.g. old state)."""
    if has_dependency(resource, "vpcId"):
        return depends_on(resource, "vpcId", vpc)
    return has(resource.props, "vpcId") and has(vpc.props, "id") and resource.props["vpcId"] == vpc.props["id"]


def _flow_logs(resources: list[PolicyResource], _args: Any) -> Iterator[tuple[str, str | None]]:
    logs = [r for r in resources if r.resource_type == FLOW_LOG]
    for vpc in resources:
        if vpc.resource_type == VPC and not any(_belongs_to_vpc(log, vpc) for log in logs):
            yield f"{label(vpc)} has no flow log.", vpc.urn


def _default_sg_closed(resources: list[PolicyResource], _args: Any) -> Iterator[tuple[str, str | None]]:
    groups = [r for r in resources if r.resource_type == DEFAULT_SECURITY_GROUP]
    for vpc in resources:
        if vpc.resource_type != VPC:
            continue
        mine = [g for g in groups if _belongs_to_vpc(g, vpc)]
        if not mine:
            yield (f"{label(vpc)} does not adopt its default security group; add an "
                   f"aws.ec2.DefaultSecurityGroup with no rules.", vpc.urn)
        for group in mine:
            for direction in ("ingress", "egress"):
                count = len(as_list(group.props.get(direction)))
                if count:
                    yield f"{label(group)} of {label(vpc)} has {count} {direction} rule(s); it must have none.", \
                        group.urn


POLICIES = [
    ResourceRule(
        "no-world-admin-ingress",
        "Security groups must not allow ingress from 0.0.0.0/0 or ::/0 to remote-administration or database ports",
        ("Security Hub EC2.19", "Checkov CKV_AWS_24"), MANDATORY, (SECURITY_GROUP, SECURITY_GROUP_RULE, INGRESS_RULE),
        _world_ingress,
        config={"ports": {"type": "array", "items": {"type": "integer"}, "default": ADMIN_PORTS,
                          "description": "Ports that must never be reachable from the whole internet."}}),
    StackRule(
        "vpc-flow-logs", "Every VPC must have a flow log",
        ("Security Hub EC2.6",), ADVISORY, (VPC, FLOW_LOG), _flow_logs),
    StackRule(
        "default-security-group-closed", "The default security group of every VPC must allow no traffic",
        ("Security Hub EC2.2",), MANDATORY, (VPC, DEFAULT_SECURITY_GROUP), _default_sg_closed),
]
