"""Network exposure: no admin or database port open to the world, flow logs on, default security group closed.

The fixed port list (EC2.19's) holds the engines' default ports; a cluster on another port (`port: 6543`) is covered
by a stack rule that reads each Aurora cluster's port and checks every security group of the stack against it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pulumi_policy import PolicyResource
from pulumi_policy.proxy import UnknownValueError

from ._base import (
    ADVISORY,
    MANDATORY,
    ResourceRule,
    StackRule,
    as_list,
    depends_on,
    engine_family,
    has,
    has_dependency,
    label,
    number,
)
from .rds import CLUSTER

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


@dataclass(frozen=True)
class WorldIngress:
    """One ingress rule that opens some of the watched ports to the whole internet."""

    where: str  # "ingress[0]" (inline) or "the rule" (a rule resource)
    ports: tuple[int, ...]
    cidr: str

    def message(self, suffix: str = "") -> str:
        listed = ", ".join(str(p) for p in self.ports)
        return f"{self.where} opens port(s) {listed} to {self.cidr}{suffix}."


def _open(where: str, protocol: Any, from_port: Any, to_port: Any, cidrs: list[Any],
          ports: list[int]) -> Iterator[WorldIngress]:
    exposed = tuple(_exposed_ports(protocol, from_port, to_port, ports))
    for cidr in cidrs:
        if str(cidr) in WORLD and exposed:
            yield WorldIngress(where, exposed, str(cidr))


def _world_ingress_to(resource_type: str, props: Mapping[str, Any], ports: list[int]) -> Iterator[WorldIngress]:
    """Inline rules of a SecurityGroup, a SecurityGroupRule of type ingress, or a vpc.SecurityGroupIngressRule."""
    if resource_type == SECURITY_GROUP:
        for i, rule in enumerate(as_list(props.get("ingress"))):
            if isinstance(rule, Mapping):
                cidrs = as_list(rule.get("cidrBlocks")) + as_list(rule.get("ipv6CidrBlocks"))
                yield from _open(f"ingress[{i}]", rule.get("protocol"), rule.get("fromPort"), rule.get("toPort"),
                                 cidrs, ports)
    elif resource_type == SECURITY_GROUP_RULE:
        if str(props.get("type")) == "ingress":
            cidrs = as_list(props.get("cidrBlocks")) + as_list(props.get("ipv6CidrBlocks"))
            yield from _open("the rule", props.get("protocol"), props.get("fromPort"), props.get("toPort"),
                             cidrs, ports)
    elif resource_type == INGRESS_RULE:
        cidrs = [c for c in (props.get("cidrIpv4"), props.get("cidrIpv6")) if c is not None]
        yield from _open("the rule", props.get("ipProtocol"), props.get("fromPort"), props.get("toPort"), cidrs,
                         ports)


def _world_ingress(props: Mapping[str, Any], args: Any) -> Iterator[str]:
    ports = [int(p) for p in (args.get_config().get("ports") or ADMIN_PORTS)]
    for finding in _world_ingress_to(args.resource_type, props, ports):
        yield finding.message()


ENGINE_DEFAULT_PORTS = {"mysql": 3306, "postgres": 5432}


def _cluster_port(cluster: PolicyResource) -> int | None:
    """The port the program sets, else the engine's default (which the provider fills in, unknown in a preview)."""
    try:
        port = number(cluster.props.get("port"))
    except UnknownValueError:
        port = None
    if port is not None:
        return int(port)
    try:
        return ENGINE_DEFAULT_PORTS.get(engine_family(cluster.props.get("engine")) or "")
    except UnknownValueError:
        return None


def _world_database_ingress(resources: list[PolicyResource], _args: Any) -> Iterator[tuple[str, str | None]]:
    owners: dict[int, list[str]] = {}
    for cluster in resources:
        if cluster.resource_type == CLUSTER:
            port = _cluster_port(cluster)
            if port is not None and port not in ADMIN_PORTS:  # listed ports: no-world-admin-ingress reports them
                owners.setdefault(port, []).append(label(cluster))
    if not owners:
        return
    for group in resources:
        if group.resource_type in (SECURITY_GROUP, SECURITY_GROUP_RULE, INGRESS_RULE):
            for finding in _world_ingress_to(group.resource_type, group.props, sorted(owners)):
                clusters = ", ".join(c for port in finding.ports for c in owners[port])
                yield f"{label(group)}: {finding.message(f', the database port of {clusters}')}", group.urn


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
        "no-world-database-ingress",
        "Security groups must not allow ingress from 0.0.0.0/0 or ::/0 to the port of an Aurora cluster of the stack",
        ("Security Hub EC2.19", "Checkov CKV_AWS_24"), MANDATORY, (CLUSTER, SECURITY_GROUP, SECURITY_GROUP_RULE,
                                                                   INGRESS_RULE), _world_database_ingress),
    StackRule(
        "vpc-flow-logs", "Every VPC must have a flow log",
        ("Security Hub EC2.6",), ADVISORY, (VPC, FLOW_LOG), _flow_logs),
    StackRule(
        "default-security-group-closed", "The default security group of every VPC must allow no traffic",
        ("Security Hub EC2.2",), MANDATORY, (VPC, DEFAULT_SECURITY_GROUP), _default_sg_closed),
]
