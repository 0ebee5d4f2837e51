"""Network ACLs: no remote-administration port open to the world (Security Hub EC2.21), and a return path for what a
NACL admits (NACLs are stateless).

EC2.21 ("Network ACLs should not allow ingress from 0.0.0.0/0 to port 22 or port 3389") judges entries: an inbound
`allow` entry whose source is the whole internet and whose ports include 22 or 3389. Here an entry is read with the
same reasoning as security group rules (`ingress.py`): protocol in any spelling (`-1`, `all`, `6`, `tcp`, `6.0`),
ports as numbers or strings with a missing bound read as every port, CIDRs in any spelling (`::0/0`, `1.2.3.4/0`),
and the union of several entries that together cover the whole family (`0.0.0.0/1` + `128.0.0.0/1`). A `deny`
entry with a lower number in front does not excuse an allow-world entry: the control counts the entry, and a later
edit of the deny would open the port. An action that is neither allow nor deny is judged as allow.

Where: `aws:ec2/networkAcl:NetworkAcl` and `aws:ec2/defaultNetworkAcl:DefaultNetworkAcl` inline `ingress`, and
`aws:ec2/networkAclRule:NetworkAclRule` (egress false or unset); the stack rule judges each NACL with the rule
resources attached to it (networkAclId: property dependency, else the NACL's `id`).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import PolicyResource

from ._base import (
    ADVISORY,
    MANDATORY,
    OURS,
    ResourceRule,
    StackRule,
    as_list,
    config_value,
    depends_on,
    flag,
    known,
    label,
)
from ._base import number as as_number
from .ingress import ALL, TCP, Permission, describe, exposures, protocol_code

NETWORK_ACL = "aws:ec2/networkAcl:NetworkAcl"
DEFAULT_NETWORK_ACL = "aws:ec2/defaultNetworkAcl:DefaultNetworkAcl"
NETWORK_ACL_RULE = "aws:ec2/networkAclRule:NetworkAclRule"
ACL_TYPES = (NETWORK_ACL, DEFAULT_NETWORK_ACL)
# EC2.21's ports: SSH and RDP.
WATCHED = [22, 3389]
EPHEMERAL_LOW, EPHEMERAL_HIGH = 1024, 65535
# Ports a client picks for its side of a connection: Linux (32768-60999), Windows and NAT gateways (1024-65535),
# ELB (1024-65535). A reply to any of them must leave the subnet.
SAMPLE_EPHEMERAL_PORTS = (1024, 32768, 49152, 60999, 65535)


def _allows(action: Any) -> bool:
    """Only an explicit deny is a deny: anything else (allow in any case, a typo, unset) is judged as allow."""
    return not (isinstance(action, str) and action.strip().lower() == "deny")


@dataclass(frozen=True)
class Entry:
    """One NACL entry as written: inline (`ingress[0]`) or a NetworkAclRule resource."""

    where: str
    egress: bool
    number: Any
    action: Any
    protocol: Any
    from_port: Any
    to_port: Any
    cidrs: tuple[Any, ...]

    def permission(self) -> Permission:
        return Permission(self.where, self.protocol, self.from_port, self.to_port, self.cidrs)


def _inline(props: Mapping[str, Any], direction: str, prefix: str = "") -> list[Entry]:
    return [Entry(f"{prefix}{direction}[{i}]", direction == "egress", rule.get("ruleNo"), rule.get("action"),
                  rule.get("protocol"), rule.get("fromPort"), rule.get("toPort"),
                  tuple(c for c in (rule.get("cidrBlock"), rule.get("ipv6CidrBlock")) if c not in (None, "")))
            for i, rule in enumerate(as_list(known(props, direction))) if isinstance(rule, Mapping)]


def entries(resource_type: str, props: Mapping[str, Any], where: str = "the rule", prefix: str = "") -> list[Entry]:
    """Every entry (ingress and egress) one resource writes."""
    if resource_type in ACL_TYPES:
        return _inline(props, "ingress", prefix) + _inline(props, "egress", prefix)
    if resource_type == NETWORK_ACL_RULE:
        cidrs = tuple(c for c in (known(props, "cidrBlock"), known(props, "ipv6CidrBlock")) if c not in (None, ""))
        return [Entry(where, flag(props, "egress") is True, known(props, "ruleNumber"), known(props, "ruleAction"),
                      known(props, "protocol"), known(props, "fromPort"), known(props, "toPort"), cidrs)]
    return []


def _world_allows(found: Sequence[Entry], watched: Sequence[int]) -> list[str]:
    allows = [e.permission() for e in found if not e.egress and _allows(e.action)]
    return describe(exposures(allows, watched))


def _watched(args: Any) -> list[int]:
    return [int(p) for p in config_value(args, "ports", WATCHED)]


def _nacl_world_ingress(props: Mapping[str, Any], args: Any) -> Iterator[str]:
    for line in _world_allows(entries(args.resource_type, props), _watched(args)):
        yield f"{line}."


# --- one NACL with its rule resources ----------------------------------------------------------------------------


@dataclass
class Acl:
    label: str
    urn: str | None
    members: list[PolicyResource] = field(default_factory=list)

    def entries(self) -> list[Entry]:
        return [e for m in self.members for e in entries(m.resource_type, m.props, label(m))]


def acls(resources: list[PolicyResource]) -> list[Acl]:
    """NACLs of the stack with the NetworkAclRule resources attached to them; rules of a NACL outside the stack are
    grouped by its id."""
    own = [r for r in resources if r.resource_type in ACL_TYPES]
    found = {a.urn: Acl(label(a), a.urn, [a]) for a in own}
    by_id = {v.strip(): a.urn for a in own if isinstance(v := known(a.props, "id"), str)}
    for rule in resources:
        if rule.resource_type != NETWORK_ACL_RULE:
            continue
        target = next((a.urn for a in own if depends_on(rule, "networkAclId", a)), None)
        value = known(rule.props, "networkAclId")
        value = value.strip() if isinstance(value, str) else None
        if target is None and value is not None:
            target = by_id.get(value)
        if target is None:
            target = f"id:{value}" if value else rule.urn
            found.setdefault(target, Acl(f"network ACL {value}" if value else label(rule), rule.urn))
        found[target].members.append(rule)
    return list(found.values())


def _nacl_world_ingress_union(resources: list[PolicyResource], args: Any) -> Iterator[tuple[str, str | None]]:
    watched = _watched(args)
    for acl in acls(resources):
        if len(acl.members) < 2:
            continue  # one resource alone: nacl-no-world-admin-ingress reports it
        alone = {(e.world.version, e.protocol, e.port) for m in acl.members
                 for e in exposures([x.permission() for x in entries(m.resource_type, m.props)
                                     if not x.egress and _allows(x.action)], watched)}
        allows = [e.permission() for e in acl.entries() if not e.egress and _allows(e.action)]
        found = [e for e in exposures(allows, watched) if (e.world.version, e.protocol, e.port) not in alone]
        for line in describe(found):
            yield f"{acl.label}: {line}.", acl.urn


# --- the return path ---------------------------------------------------------------------------------------------


def _first_match(rules: Sequence[Entry], address: ipaddress.IPv4Address | ipaddress.IPv6Address,
                 port: int) -> Entry | None:
    """The entry a TCP packet to/from `address` on `port` meets first (lowest number); None: the final `*` deny."""
    def key(e: Entry) -> float:
        n = as_number(e.number)
        return n if n is not None else float("inf")

    for entry in sorted(rules, key=key):
        code = protocol_code(entry.protocol)
        if code not in (ALL, TCP):
            continue
        if code == TCP:
            low, high = as_number(entry.from_port), as_number(entry.to_port)
            if low is None or high is None or not min(low, high) <= port <= max(low, high):
                continue
        for cidr in entry.cidrs:
            try:
                network = ipaddress.ip_network(str(cidr), strict=False)
            except ValueError:
                continue
            if network.version == address.version and address in network:
                return entry
    return None


def return_path_gaps(found: Sequence[Entry]) -> list[str]:
    """For each TCP service an ingress allow admits (a single port or a range below the ephemeral ports) from a
    CIDR, the replies to that CIDR's first address on the sample ephemeral ports must pass the egress entries."""
    egress = [e for e in found if e.egress]
    gaps = []
    for entry in found:
        if entry.egress or not _allows(entry.action) or protocol_code(entry.protocol) != TCP:
            continue
        low, high = as_number(entry.from_port), as_number(entry.to_port)
        if low is None or high is None or (high - low >= 1000 and high >= EPHEMERAL_LOW):
            continue  # an ephemeral range admitted is itself a return path, not a service
        for cidr in entry.cidrs:
            try:
                network = ipaddress.ip_network(str(cidr), strict=False)
            except ValueError:
                continue
            dropped = [p for p in SAMPLE_EPHEMERAL_PORTS
                       if not ((m := _first_match(egress, network.network_address, p)) and _allows(m.action))]
            if dropped:
                ports = f"{int(low)}" if low == high else f"{int(low)}-{int(high)}"
                gaps.append(f"{entry.where} admits TCP {ports} from {cidr}, but no egress entry lets the replies "
                            f"back to {cidr} on ephemeral port(s) {', '.join(map(str, dropped))}: NACLs are "
                            f"stateless, so every such connection hangs")
    return gaps


def _nacl_return_path(resources: list[PolicyResource], _args: Any) -> Iterator[tuple[str, str | None]]:
    for acl in acls(resources):
        for line in return_path_gaps(acl.entries()):
            yield f"{acl.label}: {line}.", acl.urn


PORTS_CONFIG = {"type": "array", "items": {"type": "integer", "minimum": 0, "maximum": 65535}, "default": WATCHED,
                "description": "Ports no network ACL may admit from the whole internet (EC2.21: 22 and 3389)."}

POLICIES = [
    ResourceRule(
        "nacl-no-world-admin-ingress",
        "Network ACLs must not allow ingress from 0.0.0.0/0 or ::/0 to port 22 or 3389",
        ("Security Hub EC2.21",), MANDATORY, (*ACL_TYPES, NETWORK_ACL_RULE), _nacl_world_ingress,
        config={"ports": PORTS_CONFIG}),
    StackRule(
        "nacl-no-world-admin-ingress-union",
        "The entries of a network ACL together (inline and NetworkAclRule resources) must not allow ingress from all "
        "of 0.0.0.0/0 or ::/0 to port 22 or 3389",
        ("Security Hub EC2.21",), MANDATORY, (*ACL_TYPES, NETWORK_ACL_RULE), _nacl_world_ingress_union,
        config={"ports": PORTS_CONFIG}),
    StackRule(
        "nacl-return-path",
        "A network ACL that admits a TCP service from a network must let the replies back out to it on the ephemeral "
        "ports (NACLs are stateless)",
        (OURS,), ADVISORY, (*ACL_TYPES, NETWORK_ACL_RULE), _nacl_return_path),
]
