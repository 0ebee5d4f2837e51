"""How the world-ingress rules word a finding (policies/rules/ingress.py `describe`) where no other test looked:
one sentence naming ports opened over different protocols by the same rules, and the same rules opening different
ports to IPv4 and to IPv6 (two sentences, each with its own ports)."""

from __future__ import annotations

from .policy_helpers import check, check_stack, resource

SG = "aws:ec2/securityGroup:SecurityGroup"
RESOURCE_RULE = "no-world-admin-ingress"
UNION_RULE = "no-world-admin-ingress-union"
PORTS = [22, 3389]
PL_NOTE = ("the entries of prefix list pl-0a1b2c3d are not known here: judged as the whole internet unless its id is "
           "trusted (trustedPrefixLists)")


def all_traffic(cidr):
    return {"protocol": "-1", "fromPort": 0.0, "toPort": 0.0, "cidrBlocks": [cidr]}


def test_ports_over_different_protocols_are_listed_in_port_order_in_one_sentence():
    # Two halves of IPv4 on every protocol together open 22 and 3389 over tcp and udp; a third rule opens udp 3389
    # alone, so it is named alone for that one, and the halves are left with 22 over both and 3389 over tcp.
    udp_rdp = {"protocol": "udp", "fromPort": 3389.0, "toPort": 3389.0, "cidrBlocks": ["0.0.0.0/0"]}
    props = {"ingress": [all_traffic("0.0.0.0/1"), all_traffic("128.0.0.0/1"), udp_rdp]}
    assert check(RESOURCE_RULE, SG, props, {RESOURCE_RULE: {"ports": PORTS}}) == [
        "ingress[0] (0.0.0.0/1) and ingress[1] (128.0.0.0/1) together open port(s) 22 over tcp and udp and port(s) "
        "3389 to 0.0.0.0/0.",
        "ingress[2] opens port(s) 3389 over udp to 0.0.0.0/0."]


def test_a_udp_port_below_a_tcp_port_comes_first():
    # Ports in ascending order whatever their protocol: 53 over udp before 3389 (tcp). The halves open 53 and 3389
    # over both protocols; tcp 53 and udp 3389 are each opened alone by another rule, named alone for them.
    tcp_53 = {"protocol": "tcp", "fromPort": 53.0, "toPort": 53.0, "cidrBlocks": ["0.0.0.0/0"]}
    udp_rdp = {"protocol": "udp", "fromPort": 3389.0, "toPort": 3389.0, "cidrBlocks": ["0.0.0.0/0"]}
    props = {"ingress": [all_traffic("0.0.0.0/1"), all_traffic("128.0.0.0/1"), tcp_53, udp_rdp]}
    assert check(RESOURCE_RULE, SG, props, {RESOURCE_RULE: {"ports": [53, 3389]}}) == [
        "ingress[2] opens port(s) 53 to 0.0.0.0/0.",
        "ingress[0] (0.0.0.0/1) and ingress[1] (128.0.0.0/1) together open port(s) 53 over udp and port(s) 3389 "
        "to 0.0.0.0/0.",
        "ingress[3] opens port(s) 3389 over udp to 0.0.0.0/0."]


def test_the_same_rule_opening_other_ports_to_ipv6_than_to_ipv4_gets_one_sentence_per_family():
    # An unknown prefix list counts as the whole internet of both families. The IPv6 rule opens 3389 to ::/0 alone:
    # the resource rule reports that, so the union rule leaves it out and names the prefix list for the rest.
    admin = {"protocol": "tcp", "fromPort": 22.0, "toPort": 3389.0, "prefixListIds": ["pl-0a1b2c3d"]}
    rdp6 = {"protocol": "tcp", "fromPort": 3389.0, "toPort": 3389.0, "ipv6CidrBlocks": ["::/0"]}
    group = resource(SG, "admin", {"ingress": [admin, rdp6]})
    assert check_stack(UNION_RULE, [group], {UNION_RULE: {"ports": PORTS}}) == [
        f"SecurityGroup 'admin': ingress[0] (pl-0a1b2c3d) opens port(s) 22, 3389 to 0.0.0.0/0 ({PL_NOTE}).",
        f"SecurityGroup 'admin': ingress[0] (pl-0a1b2c3d) opens port(s) 22 to ::/0 ({PL_NOTE})."]


def test_the_same_rule_opening_the_same_ports_to_both_families_is_one_sentence():
    admin = {"protocol": "tcp", "fromPort": 22.0, "toPort": 3389.0, "prefixListIds": ["pl-0a1b2c3d"]}
    group = resource(SG, "admin", {"ingress": [admin]})
    assert check_stack(UNION_RULE, [group], {UNION_RULE: {"ports": PORTS}}) == [
        f"SecurityGroup 'admin': ingress[0] (pl-0a1b2c3d) opens port(s) 22, 3389 to 0.0.0.0/0 and ::/0 ({PL_NOTE})."]
