"""EC2.21 over network ACLs: inline entries, NetworkAclRule resources and their union, in every spelling that tries to
get past it; the return-path rule."""

import pytest

from .policy_helpers import check, check_stack, resource, urn

NACL = "aws:ec2/networkAcl:NetworkAcl"
DEFAULT = "aws:ec2/defaultNetworkAcl:DefaultNetworkAcl"
RULE = "aws:ec2/networkAclRule:NetworkAclRule"
NAME = "nacl-no-world-admin-ingress"
UNION = "nacl-no-world-admin-ingress-union"


def entry(**kw):
    base = {"ruleNo": 100, "action": "allow", "protocol": "tcp", "cidrBlock": "10.0.0.0/16", "fromPort": 22,
            "toPort": 22}
    base.update(kw)
    return {k: v for k, v in base.items() if v is not None}


def inline(*entries, type_=NACL):
    return check(NAME, type_, {"vpcId": "vpc-1", "ingress": list(entries)})


def test_private_ssh_passes():
    assert inline(entry()) == []


def test_world_ssh_fails():
    assert inline(entry(cidrBlock="0.0.0.0/0")) == ["ingress[0] opens port(s) 22 to 0.0.0.0/0."]


@pytest.mark.parametrize("protocol", ["-1", -1, "all", "ALL", " All ", -1.0])
def test_every_all_traffic_spelling(protocol):
    assert inline(entry(cidrBlock="0.0.0.0/0", protocol=protocol, fromPort=0, toPort=0)) == [
        "ingress[0] opens port(s) 22, 3389 over tcp and udp to 0.0.0.0/0."]


@pytest.mark.parametrize("protocol", ["6", 6, 6.0, "TCP", "tcp"])
def test_every_tcp_spelling(protocol):
    assert inline(entry(cidrBlock="0.0.0.0/0", protocol=protocol, fromPort=3389, toPort=3389)) == [
        "ingress[0] opens port(s) 3389 to 0.0.0.0/0."]


def test_udp_3389_counts():
    assert inline(entry(cidrBlock="0.0.0.0/0", protocol="udp", fromPort=3389, toPort=3389)) == [
        "ingress[0] opens port(s) 3389 over udp to 0.0.0.0/0."]


@pytest.mark.parametrize(("low", "high"), [(0, 65535), (1, 1024), (1024, 65535), ("20", "25"), (3389, 22),
                                           (None, None), (3000, 4000)])
def test_port_ranges_covering_a_watched_port(low, high):
    found = inline(entry(cidrBlock="0.0.0.0/0", fromPort=low, toPort=high))
    assert len(found) == 1 and found[0].startswith("ingress[0] opens port(s) ")


def test_the_ephemeral_range_includes_rdp():
    assert inline(entry(cidrBlock="0.0.0.0/0", fromPort=1024, toPort=65535)) == [
        "ingress[0] opens port(s) 3389 to 0.0.0.0/0."]


@pytest.mark.parametrize(("low", "high"), [(23, 3388), (3390, 65535), (80, 80), (443, 443)])
def test_ranges_around_the_ports_pass(low, high):
    assert inline(entry(cidrBlock="0.0.0.0/0", fromPort=low, toPort=high)) == []


@pytest.mark.parametrize("cidr", ["::/0", "::0/0", "0:0:0:0:0:0:0:0/0"])
def test_ipv6_world(cidr):
    assert inline(entry(cidrBlock=None, ipv6CidrBlock=cidr)) == ["ingress[0] opens port(s) 22 to ::/0."]


def test_host_bits_world_spelling():
    assert inline(entry(cidrBlock="1.2.3.4/0")) == ["ingress[0] (1.2.3.4/0) opens port(s) 22 to 0.0.0.0/0."]


def test_split_world_across_entries():
    assert inline(entry(cidrBlock="0.0.0.0/1"), entry(ruleNo=101, cidrBlock="128.0.0.0/1")) == [
        "ingress[0] (0.0.0.0/1) and ingress[1] (128.0.0.0/1) together open port(s) 22 to 0.0.0.0/0."]


def test_a_deny_in_front_does_not_excuse_the_allow():
    assert inline(entry(ruleNo=50, action="deny", cidrBlock="0.0.0.0/0"), entry(cidrBlock="0.0.0.0/0")) == [
        "ingress[1] opens port(s) 22 to 0.0.0.0/0."]


def test_deny_world_alone_passes():
    assert inline(entry(action="deny", cidrBlock="0.0.0.0/0"), entry(action="DENY", cidrBlock="::/0")) == []


@pytest.mark.parametrize("action", ["Allow", "ALLOW", "alow", None])
def test_anything_but_deny_is_judged_as_allow(action):
    assert inline(entry(cidrBlock="0.0.0.0/0", action=action)) == ["ingress[0] opens port(s) 22 to 0.0.0.0/0."]


def test_egress_is_not_ingress():
    assert check(NAME, NACL, {"egress": [entry(cidrBlock="0.0.0.0/0")]}) == []


def test_default_nacl_inline():
    assert inline(entry(cidrBlock="0.0.0.0/0", protocol="-1", fromPort=0, toPort=0), type_=DEFAULT) == [
        "ingress[0] opens port(s) 22, 3389 over tcp and udp to 0.0.0.0/0."]


def test_icmp_reaches_no_port():
    assert inline(entry(cidrBlock="0.0.0.0/0", protocol="icmp", fromPort=-1, toPort=-1)) == []


@pytest.mark.parametrize("props", [
    {"networkAclId": "acl-1", "ruleNumber": 100, "egress": False, "protocol": "6", "ruleAction": "allow",
     "cidrBlock": "0.0.0.0/0", "fromPort": 22, "toPort": 22},
    {"networkAclId": "acl-1", "ruleNumber": 100, "protocol": "tcp", "ruleAction": "allow",
     "cidrBlock": "0.0.0.0/0", "fromPort": 22, "toPort": 22},
    {"networkAclId": "acl-1", "ruleNumber": 100, "egress": "false", "protocol": "all", "ruleAction": "allow",
     "ipv6CidrBlock": "::/0"},
])
def test_rule_resource(props):
    assert len(check(NAME, RULE, props)) == 1


def test_egress_rule_resource_passes():
    assert check(NAME, RULE, {"networkAclId": "acl-1", "ruleNumber": 100, "egress": True, "protocol": "-1",
                              "ruleAction": "allow", "cidrBlock": "0.0.0.0/0"}) == []


# --- the union of a NACL and its rule resources ----------------------------------------------------------------------

def union_stack(linked=True):
    acl = resource(NACL, "acl", {"vpcId": "vpc-1", "id": "acl-123",
                                 "ingress": [entry(cidrBlock="0.0.0.0/1")]})
    half = {"networkAclId": "acl-123", "ruleNumber": 200, "protocol": "tcp", "ruleAction": "allow",
            "cidrBlock": "128.0.0.0/1", "fromPort": 22, "toPort": 22}
    deps = {"networkAclId": [urn(NACL, "acl")]} if linked else {}
    return [acl, resource(RULE, "half", half, property_dependencies=deps)]


@pytest.mark.parametrize("linked", [True, False])
def test_union_of_inline_and_rule_resource(linked):
    assert check_stack(UNION, union_stack(linked)) == [
        "NetworkAcl 'acl': ingress[0] (0.0.0.0/1) and NetworkAclRule 'half' (128.0.0.0/1) together open port(s) 22 "
        "to 0.0.0.0/0."]
    # Each alone opens nothing to the world.
    assert [check(NAME, r.type, r.inputs) for r in union_stack(linked)] == [[], []]


def test_rules_of_a_nacl_outside_the_stack_are_grouped_by_its_id():
    rules = [resource(RULE, f"r{i}", {"networkAclId": "acl-9", "ruleNumber": 100 + i, "protocol": "-1",
                                      "ruleAction": "allow", "cidrBlock": cidr})
             for i, cidr in enumerate(["0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/1"])]
    found = check_stack(UNION, rules)
    assert len(found) == 1 and found[0].startswith("network ACL acl-9: ")


def test_a_union_already_reported_alone_is_not_repeated():
    acl = resource(NACL, "acl", {"vpcId": "vpc-1", "id": "acl-123", "ingress": [entry(cidrBlock="0.0.0.0/0")]})
    extra = resource(RULE, "r", {"networkAclId": "acl-123", "ruleNumber": 200, "protocol": "tcp",
                                 "ruleAction": "allow", "cidrBlock": "10.0.0.0/8", "fromPort": 22, "toPort": 22})
    assert check_stack(UNION, [acl, extra]) == []


# --- the return path ---------------------------------------------------------------------------------------------

def test_return_path_via_a_rule_resource_passes():
    acl = resource(NACL, "acl", {"id": "acl-1", "ingress": [entry(fromPort=5432, toPort=5432)]})
    reply = resource(RULE, "reply", {"networkAclId": "acl-1", "ruleNumber": 100, "egress": True, "protocol": "6",
                                     "ruleAction": "allow", "cidrBlock": "10.0.0.0/16", "fromPort": 1024,
                                     "toPort": 65535})
    assert check_stack("nacl-return-path", [acl, reply]) == []
    assert check_stack("nacl-return-path", [acl]) == [
        "NetworkAcl 'acl': ingress[0] admits TCP 5432 from 10.0.0.0/16, but no egress entry lets the replies back to "
        "10.0.0.0/16 on ephemeral port(s) 1024, 32768, 49152, 60999, 65535: NACLs are stateless, so every such "
        "connection hangs."]


def test_an_all_traffic_egress_is_a_return_path():
    acl = resource(NACL, "acl", {"ingress": [entry(fromPort=5432, toPort=5432)],
                                 "egress": [entry(protocol="-1", cidrBlock="0.0.0.0/0", fromPort=0, toPort=0)]})
    assert check_stack("nacl-return-path", [acl]) == []
