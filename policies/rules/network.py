"""Network exposure: no admin or database port open to the world, flow logs on, default security group closed.

Whether a port is open to the world is judged in one place, `ingress.py` (no Pulumi imports; `ops verify` runs it on
live rules); this module only gathers what the program writes. The resource rule judges one resource on the engine's
inputs; the stack rules judge the union per security group (inline rules plus the rule resources attached to it) and
per cluster (its groups together). The fixed port list (EC2.19's) holds the engines' default ports; a cluster on
another port (`port: 6543`) is covered by the database rule, which reads each Aurora cluster's port.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import PolicyResource
from pulumi_policy.proxy import UnknownValueError

from ._base import (
    ADVISORY,
    MANDATORY,
    ResourceRule,
    StackRule,
    as_list,
    config_value,
    depends_on,
    engine_family,
    has,
    has_dependency,
    known,
    label,
    number,
)
from .ingress import Permission, describe, exposures, protocol_code
from .rds import CLUSTER

SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
DEFAULT_SECURITY_GROUP = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
VPC = "aws:ec2/vpc:Vpc"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
PREFIX_LIST = "aws:ec2/managedPrefixList:ManagedPrefixList"
PREFIX_LIST_ENTRY = "aws:ec2/managedPrefixListEntry:ManagedPrefixListEntry"

# Security Hub EC2.19's high-risk ports: remote administration and database listeners.
ADMIN_PORTS = [20, 21, 22, 23, 25, 110, 135, 143, 445, 1433, 1434, 3000, 3306, 3389, 4333, 5000, 5432, 5500,
               5601, 8080, 8088, 8888, 9200, 9300]
RULE_TYPES = (SECURITY_GROUP_RULE, INGRESS_RULE)
GROUP_TYPES = (SECURITY_GROUP, DEFAULT_SECURITY_GROUP)


def permissions(resource_type: str, props: Mapping[str, Any], where: str = "the rule") -> list[Permission]:
    """The ingress permissions one resource writes: a group's inline rules, or one rule resource (not egress)."""
    if resource_type in GROUP_TYPES:
        return [Permission(f"ingress[{i}]", rule.get("protocol"), rule.get("fromPort"), rule.get("toPort"),
                           tuple(as_list(rule.get("cidrBlocks")) + as_list(rule.get("ipv6CidrBlocks"))),
                           tuple(as_list(rule.get("prefixListIds"))))
                for i, rule in enumerate(as_list(props.get("ingress"))) if isinstance(rule, Mapping)]
    if resource_type == SECURITY_GROUP_RULE:
        # The provider accepts only "ingress" and "egress"; anything but egress is judged as ingress.
        if str(props.get("type")).strip().lower() == "egress":
            return []
        return [Permission(where, props.get("protocol"), props.get("fromPort"), props.get("toPort"),
                           tuple(as_list(props.get("cidrBlocks")) + as_list(props.get("ipv6CidrBlocks"))),
                           tuple(as_list(props.get("prefixListIds"))))]
    if resource_type == INGRESS_RULE:
        cidrs = tuple(c for c in (props.get("cidrIpv4"), props.get("cidrIpv6")) if c is not None)
        return [Permission(where, props.get("ipProtocol"), props.get("fromPort"), props.get("toPort"), cidrs,
                           tuple(as_list(props.get("prefixListId"))))]
    return []


def _watched(args: Any) -> list[int]:
    return [int(p) for p in config_value(args, "ports", ADMIN_PORTS)]


def _world_ingress(props: Mapping[str, Any], args: Any) -> Iterator[str]:
    """One resource alone, literal CIDRs only: prefix lists are left to the union rule, so the one place that judges
    them (at their worst unless trusted) is also the one place its `trustedPrefixLists` applies."""
    for line in describe(exposures(permissions(args.resource_type, props), _watched(args))):
        yield f"{line}."


# --- the union per security group (stack rules) -----------------------------------------------------------------


@dataclass
class Group:
    """One security group and every resource of the stack that writes ingress into it."""

    label: str
    urn: str | None  # where findings are reported: the group's, else its first rule's
    group_id: str | None = None  # the group's id when known (a group outside the stack, or a stack's `id` output)
    in_stack: bool = False
    members: list[PolicyResource] = field(default_factory=list)

    def permissions(self, qualified: bool = False) -> list[Permission]:
        """Inline rules are "ingress[0]", or "SecurityGroup 'g' ingress[0]" when several groups are judged together."""
        found = []
        for member in self.members:
            for p in _member_permissions(member):
                if qualified and member.resource_type in GROUP_TYPES:
                    p = dataclasses.replace(p, where=f"{self.label} {p.where}")
                found.append(p)
        return found


def _member_permissions(member: PolicyResource) -> list[Permission]:
    if member.resource_type in GROUP_TYPES:
        return permissions(member.resource_type, member.props)
    return permissions(member.resource_type, member.props, label(member))


def security_groups(resources: list[PolicyResource]) -> list[Group]:
    """Groups of the stack with their rule resources, linked by the securityGroupId property dependency, else by
    value (the group's `id`); rules of a group outside the stack are grouped by that group's id."""
    groups = [r for r in resources if r.resource_type in GROUP_TYPES]
    found = {}
    for g in groups:
        value = known(g.props, "id")
        value = value.strip().lower() if isinstance(value, str) else value
        found[g.urn] = Group(label(g), g.urn, value if isinstance(value, str) else None, True, [g])
    by_id = {g.group_id: urn for urn, g in found.items() if g.group_id}
    for rule in resources:
        if rule.resource_type not in RULE_TYPES:
            continue
        target = next((g.urn for g in groups if depends_on(rule, "securityGroupId", g)), None)
        value = known(rule.props, "securityGroupId")
        # Group ids are lowercase; a stray space or capital must not split one group's rules into two groups.
        value = value.strip().lower() if isinstance(value, str) else value
        if target is None and isinstance(value, str):
            target = by_id.get(value)
        if target is None:
            key = f"id:{value}" if isinstance(value, str) else rule.urn
            name = f"security group {value}" if isinstance(value, str) else label(rule)
            target = key
            found.setdefault(key, Group(name, rule.urn, value if isinstance(value, str) else None))
        found[target].members.append(rule)
    return list(found.values())


def _cluster_groups(cluster: PolicyResource, groups: list[Group]) -> list[Group]:
    """The groups a cluster is in: its vpcSecurityGroupIds property dependencies, else their values."""
    urns = {dep.urn for dep in cluster.property_dependencies.get("vpcSecurityGroupIds", [])}
    try:
        ids = {v.strip().lower() for v in as_list(cluster.props.get("vpcSecurityGroupIds")) if isinstance(v, str)}
    except UnknownValueError:
        ids = set()
    return [g for g in groups if (g.in_stack and g.urn in urns) or (g.group_id is not None and g.group_id in ids)]


def _signatures(permission: Permission) -> set[tuple[Any, ...]]:
    code = protocol_code(permission.protocol)
    return {(code, number(permission.from_port), number(permission.to_port), str(c)) for c in permission.cidrs}


def _alone(group: Group, watched: list[int]) -> set[tuple[int, str, int]]:
    """(family, protocol, port) that one member opens alone from its literal CIDRs: no-world-admin-ingress reports
    those. A group's inline rule that repeats an attached rule resource (the provider lists attached rules in the
    group's `ingress` output after a refresh) is not counted as the group's own."""
    attached = set().union(*(_signatures(p) for m in group.members if m.resource_type in RULE_TYPES
                             for p in _member_permissions(m)))
    seen = set()
    for member in group.members:
        if member.resource_type == DEFAULT_SECURITY_GROUP:
            continue  # no-world-admin-ingress does not judge default groups
        own = [p for p in _member_permissions(member) if not (member.resource_type in GROUP_TYPES
                                                            and _signatures(p) and _signatures(p) <= attached)]
        seen |= {(e.world.version, e.protocol, e.port) for e in exposures(own, watched)}
    return seen


def _trusted(args: Any) -> list[str]:
    return [str(t) for t in config_value(args, "trustedPrefixLists", [])]


def _unresolved(_prefix_list: str) -> None:
    return None  # a prefix list's entries live in AWS; offline they are unknown


def _prefix_list_values(rule: PolicyResource) -> tuple[str, list[Any]]:
    """The property through which a resource names prefix lists, and the ids it names."""
    if rule.resource_type == INGRESS_RULE:
        return "prefixListId", as_list(known(rule.props, "prefixListId"))
    if rule.resource_type == SECURITY_GROUP_RULE:
        return "prefixListIds", as_list(known(rule.props, "prefixListIds"))
    inline = [r for r in as_list(known(rule.props, "ingress")) if isinstance(r, Mapping)]
    return "ingress", [pl for r in inline for pl in as_list(r.get("prefixListIds"))]


def prefix_lists(resources: list[PolicyResource]) -> Callable[[str], list[Any] | None]:
    """Entries of the prefix lists the stack itself defines (ManagedPrefixList `entries` plus ManagedPrefixListEntry
    resources); any other list is unknown offline.

    A rule names a list by its id, which a program only knows after deploy; so the id is matched to a list through
    the rule's property dependency when that names exactly one list and the rule exactly one id, else by the list's
    `id` output (state, the real engine's stack rules). Entries added outside the program are not seen.
    """
    lists = [r for r in resources if r.resource_type == PREFIX_LIST]
    if not lists:
        return _unresolved
    entries: dict[str, list[Any]] = {
        pl.urn: [e.get("cidr") for e in as_list(known(pl.props, "entries")) if isinstance(e, Mapping)]
        for pl in lists}
    by_id = {v: pl.urn for pl in lists if isinstance(v := known(pl.props, "id"), str)}
    for entry in resources:
        if entry.resource_type == PREFIX_LIST_ENTRY:
            target = next((pl.urn for pl in lists if depends_on(entry, "prefixListId", pl)), None)
            target = target or by_id.get(known(entry.props, "prefixListId"))
            if target is not None:
                entries[target].append(known(entry.props, "cidr"))
    for rule in resources:
        if rule.resource_type in RULE_TYPES + GROUP_TYPES:
            prop, values = _prefix_list_values(rule)
            linked = [pl.urn for pl in lists if depends_on(rule, prop, pl)]
            named = {v for v in values if isinstance(v, str)}
            if len(linked) == 1 and len(named) == 1:
                by_id.setdefault(named.pop(), linked[0])
    return lambda prefix_list: entries[by_id[prefix_list]] if prefix_list in by_id else None


def _world_admin_ingress_union(resources: list[PolicyResource], args: Any) -> Iterator[tuple[str, str | None]]:
    watched = _watched(args)
    resolve = prefix_lists(resources)
    for group in security_groups(resources):
        alone = _alone(group, watched)
        found = [e for e in exposures(group.permissions(), watched, resolve_prefix_list=resolve,
                                      trusted_prefix_lists=_trusted(args))
                 if (e.world.version, e.protocol, e.port) not in alone]
        for line in describe(found):
            yield f"{group.label}: {line}.", group.urn


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


def _world_database_ingress(resources: list[PolicyResource], args: Any) -> Iterator[tuple[str, str | None]]:
    clusters = [(c, _cluster_port(c)) for c in resources if c.resource_type == CLUSTER]
    owners: dict[int, list[str]] = {}
    for cluster, port in clusters:
        if port is not None and port not in ADMIN_PORTS:  # listed ports: no-world-admin-ingress reports them
            owners.setdefault(port, []).append(label(cluster))
    groups = security_groups(resources)
    judge = {"resolve_prefix_list": prefix_lists(resources), "trusted_prefix_lists": _trusted(args)}
    if owners:
        for group in groups:
            found = exposures(group.permissions(), owners, **judge)
            for port, names in sorted(owners.items()):
                for line in describe([e for e in found if e.port == port]):
                    yield f"{group.label}: {line}, the database port of {', '.join(names)}.", group.urn
    # A cluster in several groups is reachable by what any of them allows (AWS's rule for an interface), so the
    # groups are judged together too, on its port whatever it is; what one group opens alone is reported above or
    # by the admin-port rules.
    for cluster, port in clusters:
        mine = _cluster_groups(cluster, groups)
        if port is None or len(mine) < 2:
            continue
        alone = {(e.world.version, e.protocol) for g in mine for e in exposures(g.permissions(), [port], **judge)}
        found = [e for e in exposures([p for g in mine for p in g.permissions(qualified=True)], [port], **judge)
                 if (e.world.version, e.protocol) not in alone]
        for line in describe(found):
            names = ", ".join(g.label for g in mine)
            yield f"{label(cluster)} (in {names}): {line}, its database port.", cluster.urn


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


PORTS_CONFIG = {"type": "array", "items": {"type": "integer", "minimum": 0, "maximum": 65535},
                "default": ADMIN_PORTS, "description": "Ports that must never be reachable from the whole internet."}
TRUSTED_CONFIG = {"type": "array", "items": {"type": "string", "pattern": "^pl-[0-9a-f]+$"}, "default": [],
                  "description": "Ids of prefix lists outside the stack reviewed as not the whole internet: offline "
                                 "their entries are unknown, so any other such list on a watched port is judged as "
                                 "the whole internet."}
INGRESS_TYPES = (SECURITY_GROUP, SECURITY_GROUP_RULE, INGRESS_RULE)

POLICIES = [
    ResourceRule(
        "no-world-admin-ingress",
        "Security groups must not allow ingress from 0.0.0.0/0 or ::/0 to remote-administration or database ports",
        ("Security Hub EC2.19", "Checkov CKV_AWS_24"), MANDATORY, INGRESS_TYPES, _world_ingress,
        config={"ports": PORTS_CONFIG}),
    StackRule(
        "no-world-admin-ingress-union",
        "The union of a security group's ingress across rules, rule resources and prefix lists must not open "
        "remote-administration or database ports to all of 0.0.0.0/0 or ::/0",
        ("Security Hub EC2.19", "Checkov CKV_AWS_24"), MANDATORY,
        (*INGRESS_TYPES, DEFAULT_SECURITY_GROUP, PREFIX_LIST, PREFIX_LIST_ENTRY), _world_admin_ingress_union,
        config={"ports": PORTS_CONFIG, "trustedPrefixLists": TRUSTED_CONFIG}),
    StackRule(
        "no-world-database-ingress",
        "Security groups must not allow ingress from 0.0.0.0/0 or ::/0 to the port of an Aurora cluster of the stack",
        ("Security Hub EC2.19", "Checkov CKV_AWS_24"), MANDATORY,
        (CLUSTER, *INGRESS_TYPES, DEFAULT_SECURITY_GROUP, PREFIX_LIST, PREFIX_LIST_ENTRY), _world_database_ingress,
        config={"trustedPrefixLists": TRUSTED_CONFIG}),
    StackRule(
        "vpc-flow-logs", "Every VPC must have a flow log",
        ("Security Hub EC2.6",), ADVISORY, (VPC, FLOW_LOG), _flow_logs),
    StackRule(
        "default-security-group-closed", "The default security group of every VPC must allow no traffic",
        ("Security Hub EC2.2",), MANDATORY, (VPC, DEFAULT_SECURITY_GROUP), _default_sg_closed),
]
