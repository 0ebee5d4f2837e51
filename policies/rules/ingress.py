"""World ingress as AWS receives it: which ports the union of a security group's ingress opens to the internet.

Pure reasoning, no pulumi imports: the policy rules (policies/rules/network.py) feed it a program's inline rules and
rule resources, `ops verify` (ops/checks/network.py) feeds it live `IpPermissions`; both get the same answer.

How a permission is read, as EC2 applies it:
- protocol: `tcp`/`udp`/`icmp`/`icmpv6`/`all` in any case, or a number 0-255 as int, float or string (`6`, `6.0`,
  `"6"`); `-1`/`all` is every protocol on every port. Only TCP (6) and UDP (17) carry ports, and both count: admin
  services listen on UDP too (RDP on 3389, the SQL Server Browser on 1434). Any other protocol
  (ICMP, ESP, GRE) reaches no port; SCTP (132) has ports, but no admin or database listener speaks it.
- ports: ints, floats or numeric strings; a reversed range is read low to high; for TCP/UDP a missing, `-1` or
  unreadable bound is read as the widest range, so an input AWS would refuse is judged at its worst, not skipped.
- sources: CIDRs are parsed with `ipaddress`, host bits allowed (AWS stores `1.2.3.4/0` as `0.0.0.0/0`), any IPv6
  spelling (`::0/0`, `0:0:0:0:0:0:0:0/0`). An IPv4-mapped IPv6 range (`::ffff:0:0/96`) is also counted as the IPv4
  range it maps: stricter than EC2, which matches IPv4 packets against IPv4 rules only, but no legitimate rule needs
  that spelling and a reader would take it for "all of IPv4". A source that does not parse is judged as the whole
  internet (both families) with a note, as is a prefix list whose entries are not known and not trusted.
- "world" means the union of a family's ranges that reach one port over one protocol covers the whole family
  (`collapse_addresses` gives exactly `0.0.0.0/0` or `::/0`), over however many rules or resources it is split.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

IPV4_WORLD = ipaddress.IPv4Network("0.0.0.0/0")
IPV6_WORLD = ipaddress.IPv6Network("::/0")
WORLDS = (IPV4_WORLD, IPV6_WORLD)
_MAPPED = ipaddress.IPv6Network("::ffff:0:0/96")

ALL = "-1"
TCP, UDP = "6", "17"
PORTED = {TCP: "tcp", UDP: "udp"}
MAX_PORT = 65535

# Names EC2 accepts (tcp, udp, icmp, icmpv6), the provider's "all", and the IANA keywords the Terraform provider
# translates to numbers; none but tcp and udp is 6 or 17, so any of them reaches no port.
_PROTOCOL_NAMES = {
    "all": ALL, "tcp": TCP, "udp": UDP, "icmp": "1", "icmpv6": "58", "ipv6-icmp": "58", "igmp": "2", "ggp": "3",
    "ipv4": "4", "ipencap": "4", "egp": "8", "igp": "9", "ipv6": "41", "rsvp": "46", "gre": "47", "esp": "50",
    "ah": "51", "eigrp": "88", "ospf": "89", "ospfigp": "89", "pim": "103", "vrrp": "112", "l2tp": "115",
    "sctp": "132",
}


@dataclass(frozen=True, eq=False)
class Permission:
    """One ingress permission as written: an inline rule, a rule resource, or one live IpPermission.

    `where` is how messages name it ("ingress[0]", a rule resource's label, a group id). Which resource wrote it is
    not recorded: the rules that tell one resource's finding from a union's judge each resource on its own.
    """

    where: str
    protocol: Any
    from_port: Any = None
    to_port: Any = None
    cidrs: tuple[Any, ...] = ()
    prefix_lists: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Reach:
    """What one permission lets in: per protocol ("tcp"/"udp") the watched ports, and why it was read so."""

    ports: Mapping[str, frozenset[int]]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Contribution:
    """A permission and the sources of it (as written) that reach an exposed port."""

    permission: Permission
    sources: tuple[str, ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Exposure:
    """One (family, protocol, port) that the union opens to the whole family, and who contributes to it."""

    world: Network
    protocol: str  # "tcp" or "udp"
    port: int
    contributions: tuple[Contribution, ...]


# --- reading one permission -------------------------------------------------------------------------------------


def protocol_code(value: Any) -> str | None:
    """"-1", "6", "17", or another protocol number as a string; None when `value` is no protocol AWS knows."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _PROTOCOL_NAMES:
            return _PROTOCOL_NAMES[text]
        value = text
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if not number.is_integer() or not -1 <= number <= 255:
        return None
    return str(int(number))


def _port(value: Any) -> int | None:
    """A port bound as written (int, float, numeric string); None when unset, -1, or not a port at all."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(str(value).strip()) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        return None
    if not number.is_integer() or not 0 <= number <= MAX_PORT:
        return None
    return int(number)


def _minus_one(value: Any) -> bool:
    """-1 in any spelling: EC2's "no port" (all ports for the all-protocol rule)."""
    try:
        return not isinstance(value, bool) and float(value) == -1
    except (TypeError, ValueError):
        return False


def reach(permission: Permission, watched: Iterable[int]) -> Reach:
    """The watched ports this permission opens, per protocol, judged at its worst when it cannot be read."""
    watched = frozenset(watched)
    code = protocol_code(permission.protocol)
    if code is None:
        note = f"protocol {permission.protocol!r} is not a protocol name or number -1..255: judged as all traffic"
        return Reach({"tcp": watched, "udp": watched}, (note,))
    if code == ALL:
        return Reach({"tcp": watched, "udp": watched})
    if code not in PORTED:
        return Reach({})
    low, high = _port(permission.from_port), _port(permission.to_port)
    notes = []
    for name, given, bound in (("fromPort", permission.from_port, low), ("toPort", permission.to_port, high)):
        if bound is None and given is not None and not _minus_one(given):
            notes.append(f"{name} {given!r} is not a port 0..65535: judged as every port")
    low = 0 if low is None else low
    high = MAX_PORT if high is None else high
    low, high = min(low, high), max(low, high)
    return Reach({PORTED[code]: frozenset(p for p in watched if low <= p <= high)}, tuple(notes))


def networks(source: Any) -> tuple[list[Network], str | None]:
    """The ranges a CIDR source stands for, and a note when it had to be judged as the whole internet."""
    if isinstance(source, str):
        try:
            # strict=False: AWS stores a CIDR with host bits set as its network (1.2.3.4/0 is 0.0.0.0/0).
            net = ipaddress.ip_network(source, strict=False)
        except ValueError:
            pass
        else:
            nets: list[Network] = [net]
            if isinstance(net, ipaddress.IPv6Network) and net.subnet_of(_MAPPED):
                first = net.network_address.ipv4_mapped
                nets.append(ipaddress.IPv4Network(f"{first}/{net.prefixlen - 96}"))
            return nets, None
    return list(WORLDS), f"source {source!r} is not an IPv4 or IPv6 CIDR block: judged as the whole internet"


PrefixListResolver = Callable[[str], "Sequence[str] | None"]


def _sources(permission: Permission, resolve: PrefixListResolver | None,
             trusted: frozenset[str]) -> list[tuple[str, list[Network], str | None]]:
    """(source as written, its ranges, note) for every CIDR and, when judged, every prefix list of a permission."""
    out = []
    for cidr in permission.cidrs:
        nets, note = networks(cidr)
        out.append((str(cidr), nets, note))
    if resolve is None:
        return out
    for pl in permission.prefix_lists:
        if str(pl) in trusted:
            continue
        entries = resolve(str(pl))
        if entries is None:
            out.append((str(pl), list(WORLDS),
                        f"the entries of prefix list {pl} are not known here: judged as the whole internet unless "
                        f"its id is trusted (trustedPrefixLists)"))
            continue
        for entry in entries:
            nets, note = networks(entry)
            out.append((f"{pl} ({entry})", nets, note))
    return out


# --- the union --------------------------------------------------------------------------------------------------


def is_world(nets: Iterable[Network], world: Network) -> bool:
    """True when the ranges of `world`'s family together cover all of it (split however finely)."""
    mine = [n for n in nets if n.version == world.version]
    return list(ipaddress.collapse_addresses(mine)) == [world]


@dataclass(frozen=True)
class _Item:
    """One source of one permission, reduced to the ranges of one family."""

    permission: Permission
    text: str
    nets: tuple[Network, ...]
    notes: tuple[str, ...]


def _contributions(items: Sequence[_Item]) -> tuple[Contribution, ...]:
    by_permission: dict[int, tuple[Permission, list[str], list[str]]] = {}
    for item in items:
        _, texts, notes = by_permission.setdefault(id(item.permission), (item.permission, [], []))
        if item.text not in texts:
            texts.append(item.text)
        notes.extend(n for n in item.notes if n not in notes)
    return tuple(Contribution(p, tuple(texts), tuple(notes)) for p, texts, notes in by_permission.values())


def _why(items: list[_Item], world: Network) -> list[tuple[Contribution, ...]]:
    """Who to name for a world-covering union: each permission that covers it alone (one finding each), else an
    irredundant subset of the sources (dropping, in order, any the others still cover the world without)."""
    alone = [i for i in items if is_world(i.nets, world)]
    if alone:
        per_permission: dict[int, list[_Item]] = {}
        for item in alone:
            per_permission.setdefault(id(item.permission), []).append(item)
        return [_contributions(chosen) for chosen in per_permission.values()]
    kept = list(items)
    for item in items:
        rest = [k for k in kept if k is not item]
        if is_world([n for k in rest for n in k.nets], world):
            kept = rest
    return [_contributions(kept)]


def exposures(permissions: Iterable[Permission], watched: Iterable[int], *,
              resolve_prefix_list: PrefixListResolver | None = None,
              trusted_prefix_lists: Iterable[str] = ()) -> list[Exposure]:
    """Every (family, protocol, port) among `watched` that the union of `permissions` opens to the whole family.

    Prefix lists are judged only when `resolve_prefix_list` is given: it returns a list's CIDRs, or None when they
    cannot be known (then the list counts as the whole internet unless its id is in `trusted_prefix_lists`).
    """
    watched = sorted(set(watched))
    trusted = frozenset(str(t) for t in trusted_prefix_lists)
    piles: dict[tuple[int, str, int], list[_Item]] = {}
    for permission in permissions:
        what = reach(permission, watched)
        if not any(what.ports.values()):
            continue
        for text, nets, note in _sources(permission, resolve_prefix_list, trusted):
            for world in WORLDS:
                mine = tuple(n for n in nets if n.version == world.version)
                if not mine:
                    continue
                item = _Item(permission, text, mine, (*what.notes, *([note] if note else [])))
                for protocol, ports in what.ports.items():
                    for port in ports:
                        piles.setdefault((world.version, protocol, port), []).append(item)
    found = []
    for (version, protocol, port), items in sorted(piles.items()):
        world = IPV4_WORLD if version == 4 else IPV6_WORLD
        if is_world([n for item in items for n in item.nets], world):
            found.extend(Exposure(world, protocol, port, why) for why in _why(items, world))
    return found


# --- messages ---------------------------------------------------------------------------------------------------


def _ports_text(items: list[Exposure]) -> str:
    """'port(s) 22, 3389' (TCP, the usual case), 'port(s) 53 over udp', 'port(s) 22 over tcp and udp'."""
    by_port: dict[int, set[str]] = {}
    for e in items:
        by_port.setdefault(e.port, set()).add(e.protocol)
    groups: dict[tuple[str, ...], list[int]] = {}
    for port, protocols in sorted(by_port.items()):
        groups.setdefault(tuple(sorted(protocols)), []).append(port)
    return " and ".join(f"port(s) {', '.join(str(p) for p in ports)}"
                        + ("" if protocols == ("tcp",) else f" over {' and '.join(protocols)}")
                        for protocols, ports in sorted(groups.items(), key=lambda g: g[1][0]))


def _who(contribution: Contribution, worlds: Sequence[Network]) -> str:
    """The permission's name, with its sources unless it names exactly the one world it opens."""
    sources = contribution.sources
    if len(sources) == 1 and len(worlds) == 1 and _exactly(sources[0], worlds[0]):
        return contribution.permission.where
    return f"{contribution.permission.where} ({', '.join(sources)})"


def _exactly(source: str, world: Network) -> bool:
    try:
        return ipaddress.ip_network(source) == world
    except ValueError:
        return False


Who = Callable[[Contribution, Sequence[Network]], str]


def describe(found: Sequence[Exposure], who: Who = _who) -> list[str]:
    """One sentence per set of contributors: who opens which ports to which world(s), and any notes.

    The same contributors opening the same ports to both families read as one sentence ("to 0.0.0.0/0 and ::/0").
    """
    groups: dict[tuple[tuple[int, tuple[str, ...]], ...], dict[int, list[Exposure]]] = {}
    for e in found:
        key = tuple((id(c.permission), c.sources) for c in e.contributions)
        groups.setdefault(key, {}).setdefault(e.world.version, []).append(e)
    lines = []
    for families in groups.values():
        texts = {version: _ports_text(items) for version, items in families.items()}
        if len(set(texts.values())) == 1:
            parts = [[items[0] for items in families.values()]]
        else:
            parts = [[items[0]] for items in families.values()]
        for firsts in parts:
            worlds = [e.world for e in firsts]
            contributions = firsts[0].contributions
            names = [who(c, worlds) for c in contributions]
            verb = "opens" if len(names) == 1 else "together open"
            notes = dict.fromkeys(n for c in contributions for n in c.notes)
            tail = f" ({'; '.join(notes)})" if notes else ""
            ports = texts[worlds[0].version]
            lines.append(f"{' and '.join(names)} {verb} {ports} to {' and '.join(str(w) for w in worlds)}{tail}")
    return lines
