"""The pure ingress reasoning (policies/rules/ingress.py): spellings AWS accepts, and the union of ranges per port.

The expected values are literals from the requirement (ports, protocols, CIDRs), never recomputed with the module.
"""

from __future__ import annotations

import ipaddress
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policies.rules.ingress import Permission, describe, exposures, is_world, protocol_code, reach
from tests.hypothesis_profiles import examples


def opened(*permissions: Permission, ports=(22,), **kwargs) -> set[tuple[str, str, int]]:
    """(world, protocol, port) that the union opens."""
    return {(str(e.world), e.protocol, e.port) for e in exposures(permissions, ports, **kwargs)}


def tcp(*cidrs, low=22, high=22, where="r"):
    return Permission(where, "tcp", low, high, tuple(cidrs))


# --- protocols ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("spelling", ["tcp", "TCP", " Tcp ", "6", 6, 6.0, "6.0"])
def test_tcp_spellings(spelling):
    assert opened(Permission("r", spelling, 22, 22, ("0.0.0.0/0",))) == {("0.0.0.0/0", "tcp", 22)}


@pytest.mark.parametrize("spelling", ["udp", "UDP", "17", 17, 17.0])
def test_udp_counts_as_tcp_does(spelling):
    assert opened(Permission("r", spelling, 22, 22, ("0.0.0.0/0",))) == {("0.0.0.0/0", "udp", 22)}


@pytest.mark.parametrize("spelling", ["-1", -1, -1.0, "-1.0", "all", "ALL", "All"])
def test_all_protocol_spellings_open_every_port_over_tcp_and_udp(spelling):
    # The ports of a -1 rule mean nothing to AWS: 0-0 still opens everything.
    assert opened(Permission("r", spelling, 0, 0, ("0.0.0.0/0",)), ports=(22, 3389)) == {
        ("0.0.0.0/0", "tcp", 22), ("0.0.0.0/0", "udp", 22), ("0.0.0.0/0", "tcp", 3389), ("0.0.0.0/0", "udp", 3389)}


@pytest.mark.parametrize("spelling", ["icmp", "ICMP", "1", 1, "icmpv6", "58", 58.0, "esp", "50", "gre", "sctp"])
def test_portless_protocols_reach_no_port(spelling):
    assert opened(Permission("r", spelling, -1, -1, ("0.0.0.0/0", "::/0"))) == set()


@pytest.mark.parametrize("spelling", ["ssh", "tcp/22", 256, -2, 6.5, "", None, True])
def test_a_protocol_that_is_no_protocol_is_judged_as_all_traffic(spelling):
    assert protocol_code(spelling) is None
    [line] = describe(exposures([Permission("r", spelling, 22, 22, ("0.0.0.0/0",))], [22]))
    assert line == (f"r opens port(s) 22 over tcp and udp to 0.0.0.0/0 (protocol {spelling!r} is not a protocol "
                    "name or number -1..255: judged as all traffic)")


# --- ports --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("low", "high"), [("22", "22"), (22.0, 22.0), ("22.0", "22"), (3389, 20), ("0", 65535)])
def test_port_spellings_and_reversed_ranges(low, high):
    assert opened(tcp("0.0.0.0/0", low=low, high=high)) == {("0.0.0.0/0", "tcp", 22)}


@pytest.mark.parametrize(("low", "high"), [(-1, -1), (None, None), ("-1", "-1.0"), (22, None), (None, 3389)])
def test_tcp_without_ports_is_judged_as_every_port(low, high):
    assert opened(tcp("0.0.0.0/0", low=low, high=high), ports=(22, 3389)) == {
        ("0.0.0.0/0", "tcp", 22), ("0.0.0.0/0", "tcp", 3389)}


def test_unreadable_port_is_judged_as_every_port_with_a_note():
    [line] = describe(exposures([tcp("0.0.0.0/0", low="ssh", high=22)], [22]))
    assert line == "r opens port(s) 22 to 0.0.0.0/0 (fromPort 'ssh' is not a port 0..65535: judged as every port)"


@pytest.mark.parametrize(("low", "high"), [(23, 3388), (443, 443), (0, 21)])
def test_ranges_beside_the_port_pass(low, high):
    assert opened(tcp("0.0.0.0/0", low=low, high=high)) == set()


# --- CIDR spellings -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("cidr", "world"), [
    ("0.0.0.0/0", "0.0.0.0/0"), ("1.2.3.4/0", "0.0.0.0/0"), ("255.255.255.255/0", "0.0.0.0/0"),
    ("::/0", "::/0"), ("::0/0", "::/0"), ("0:0:0:0:0:0:0:0/0", "::/0"), ("::1/0", "::/0"), ("FFFF::/0", "::/0"),
    ("::ffff:0:0/96", "0.0.0.0/0"), ("::ffff:0.0.0.0/96", "0.0.0.0/0"),
])
def test_world_spellings(cidr, world):
    assert opened(tcp(cidr)) == {(world, "tcp", 22)}


@pytest.mark.parametrize("cidr", ["203.0.113.0/24", "0.0.0.0/1", "128.0.0.0/1", "0.0.0.0/32", "::/1", "2001:db8::/32",
                                  "::ffff:0:0/97", "64:ff9b::/96"])
def test_partial_ranges_pass(cidr):
    assert opened(tcp(cidr)) == set()


def test_security_group_sourced_rule_is_not_world():
    assert opened(Permission("r", "tcp", 22, 22, (), ())) == set()


@pytest.mark.parametrize("cidr", ["0/0", "any", " 0.0.0.0/0", "000.0.0.0/0", "0.0.0.0/33", 0, None])
def test_unparseable_source_is_judged_as_the_whole_internet(cidr):
    assert opened(tcp(cidr)) == {("0.0.0.0/0", "tcp", 22), ("::/0", "tcp", 22)}
    [line] = describe(exposures([tcp(cidr)], [22]))
    assert line.endswith(
        f"to 0.0.0.0/0 and ::/0 (source {cidr!r} is not an IPv4 or IPv6 CIDR block: judged as the whole internet)")


# --- the union ----------------------------------------------------------------------------------------------------


def test_split_in_one_rule():
    assert opened(tcp("0.0.0.0/1", "128.0.0.0/1")) == {("0.0.0.0/0", "tcp", 22)}


def test_split_over_two_rules_names_both():
    found = exposures([tcp("0.0.0.0/1", where="a"), tcp("128.0.0.0/1", where="b")], [22])
    assert describe(found) == ["a (0.0.0.0/1) and b (128.0.0.0/1) together open port(s) 22 to 0.0.0.0/0"]


def test_ipv6_split_over_two_rules():
    assert opened(tcp("::/1", where="a"), tcp("8000::/1", where="b")) == {("::/0", "tcp", 22)}


def test_mapped_ipv6_and_ipv4_halves_make_the_ipv4_world():
    assert opened(tcp("::ffff:0:0/97"), tcp("128.0.0.0/1")) == {("0.0.0.0/0", "tcp", 22)}


def test_split_over_a_range_and_the_all_protocol():
    assert opened(tcp("0.0.0.0/1", low=0, high=1024), Permission("b", "-1", 0, 0, ("128.0.0.0/1",))) == {
        ("0.0.0.0/0", "tcp", 22)}


def test_halves_over_tcp_and_udp_are_not_one_world():
    assert opened(tcp("0.0.0.0/1"), Permission("u", "udp", 22, 22, ("128.0.0.0/1",))) == set()


def test_halves_on_different_ports_are_not_one_world():
    assert opened(tcp("0.0.0.0/1", low=22, high=22), tcp("128.0.0.0/1", low=23, high=23), ports=(22, 23)) == set()


def test_halves_across_families_are_not_a_world():
    assert opened(tcp("0.0.0.0/1"), tcp("8000::/1")) == set()


def test_only_the_needed_rules_are_named():
    found = exposures([tcp("203.0.113.0/24", where="office"), tcp("0.0.0.0/0", where="world")], [22])
    assert describe(found) == ["world opens port(s) 22 to 0.0.0.0/0"]


def test_every_rule_that_opens_alone_is_its_own_finding():
    found = exposures([tcp("0.0.0.0/0", where="a"), tcp("1.2.3.4/0", where="b")], [22])
    assert describe(found) == ["a opens port(s) 22 to 0.0.0.0/0", "b (1.2.3.4/0) opens port(s) 22 to 0.0.0.0/0"]


# --- prefix lists -------------------------------------------------------------------------------------------------


def test_prefix_lists_are_ignored_without_a_resolver():
    assert opened(Permission("r", "tcp", 22, 22, (), ("pl-1",))) == set()


def test_unresolved_prefix_list_is_the_whole_internet_unless_trusted():
    permission = Permission("r", "tcp", 22, 22, (), ("pl-1",))
    assert opened(permission, resolve_prefix_list=lambda pl: None) == {("0.0.0.0/0", "tcp", 22), ("::/0", "tcp", 22)}
    assert opened(permission, resolve_prefix_list=lambda pl: None, trusted_prefix_lists=["pl-1"]) == set()


def test_resolved_prefix_list_joins_the_union():
    entries = {"pl-1": ["0.0.0.0/1"], "pl-2": ["203.0.113.0/24"]}
    permission = Permission("r", "tcp", 22, 22, ("128.0.0.0/1",), ("pl-1",))
    assert opened(permission, resolve_prefix_list=entries.get) == {("0.0.0.0/0", "tcp", 22)}
    partial = Permission("r", "tcp", 22, 22, ("128.0.0.0/1",), ("pl-2",))
    assert opened(partial, resolve_prefix_list=entries.get) == set()


# --- property-based -----------------------------------------------------------------------------------------------


def random_split(world, rng: random.Random, pieces: int):
    """Split a network into `pieces` random CIDR blocks that together cover it exactly."""
    parts = [world]
    while len(parts) < pieces:
        candidates = [p for p in parts if p.prefixlen < world.max_prefixlen]
        victim = rng.choice(candidates)
        parts.remove(victim)
        parts.extend(victim.subnets(prefixlen_diff=1))
    return parts


def spread(parts, rng: random.Random):
    """Put the pieces in 1-4 permissions with host bits set at random (AWS normalises them)."""
    count = rng.randint(1, 4)
    buckets: list[list[str]] = [[] for _ in range(count)]
    for part in parts:
        host = part.network_address + rng.randrange(part.num_addresses)
        buckets[rng.randrange(count)].append(f"{host}/{part.prefixlen}")
    return [tcp(*cidrs, where=f"r{i}") for i, cidrs in enumerate(buckets) if cidrs]


@settings(max_examples=examples(150), deadline=None)
@given(seed=st.integers(0, 2**32), pieces=st.integers(1, 40), v6=st.booleans())
def test_any_split_of_the_world_is_the_world(seed, pieces, v6):
    rng = random.Random(seed)
    world = ipaddress.ip_network("::/0" if v6 else "0.0.0.0/0")
    permissions = spread(random_split(world, rng, pieces), rng)
    assert opened(*permissions) == {("::/0" if v6 else "0.0.0.0/0", "tcp", 22)}


@settings(max_examples=examples(150), deadline=None)
@given(address=st.integers(0, 2**32 - 1), extra=st.lists(st.tuples(st.integers(0, 2**32 - 1), st.integers(1, 32)),
                                                         max_size=5), seed=st.integers(0, 2**32))
def test_a_union_missing_one_address_is_not_the_world(address, extra, seed):
    rng = random.Random(seed)
    missing = ipaddress.ip_network(f"{ipaddress.IPv4Address(address)}/32")
    parts = list(ipaddress.ip_network("0.0.0.0/0").address_exclude(missing))
    for value, prefix in extra:  # overlaps are fine as long as none covers the missing address
        net = ipaddress.ip_network(f"{ipaddress.IPv4Address(value)}/{prefix}", strict=False)
        if missing.network_address not in net:
            parts.append(net)
    rng.shuffle(parts)
    assert opened(*spread(parts, rng)) == set()


@settings(max_examples=examples(100), deadline=None)
@given(address=st.integers(0, 2**128 - 1), seed=st.integers(0, 2**32))
def test_an_ipv6_union_missing_one_address_is_not_the_world(address, seed):
    rng = random.Random(seed)
    missing = ipaddress.ip_network(f"{ipaddress.IPv6Address(address)}/128")
    parts = list(ipaddress.ip_network("::/0").address_exclude(missing))
    assert opened(*spread(parts, rng)) == set()


@settings(max_examples=examples(200), deadline=None)
@given(low=st.integers(0, 65535), high=st.integers(0, 65535), port=st.integers(0, 65535),
       as_text=st.booleans(), as_float=st.booleans())
def test_a_port_is_reached_exactly_when_the_range_holds_it(low, high, port, as_text, as_float):
    def spell(n):
        value = float(n) if as_float else n
        return str(value) if as_text else value

    result = reach(Permission("r", "tcp", spell(low), spell(high), ("0.0.0.0/0",)), [port])
    assert result.ports == {"tcp": frozenset({port} if min(low, high) <= port <= max(low, high) else set())}


@settings(max_examples=examples(100), deadline=None)
@given(nets=st.lists(st.tuples(st.integers(0, 2**32 - 1), st.integers(0, 32)), min_size=1, max_size=12))
def test_is_world_agrees_with_counting_addresses(nets):
    networks = [ipaddress.ip_network(f"{ipaddress.IPv4Address(v)}/{p}", strict=False) for v, p in nets]
    covered = sum(n.num_addresses for n in ipaddress.collapse_addresses(networks))
    assert is_world(networks, ipaddress.ip_network("0.0.0.0/0")) == (covered == 2**32)
