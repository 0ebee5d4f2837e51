"""Network rules: behaviours the mutation run showed no test pinned (docs/mutation-testing.md lists which mutant
each test kills). Every expected message is written out as the user reads it."""

from __future__ import annotations

import pytest

from preflight.policy_eval import UNKNOWN

from .policy_helpers import analyzer, check_stack, resource

SG = "aws:ec2/securityGroup:SecurityGroup"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
CLUSTER = "aws:rds/cluster:Cluster"
UNION = "no-world-admin-ingress-union"
DB_RULE = "no-world-database-ingress"

UNKNOWN_PL = ("(the entries of prefix list pl-0a1b are not known here: judged as the whole internet unless its id is "
              "trusted (trustedPrefixLists))")


def rule(name, group_id, cidr=None, port=22.0, deps=None, **extra):
    """A SecurityGroupIngressRule on tcp `port` from `cidr`, attached to `group_id` by value (and by dependency when
    `deps` names the group's urn)."""
    props = {"securityGroupId": group_id, "ipProtocol": "tcp", "fromPort": port, "toPort": port, **extra}
    if cidr is not None:
        props["cidrIpv4"] = cidr
    return resource(INGRESS, name, props,
                    property_dependencies={"securityGroupId": [deps]} if deps else {})


def group(name, group_id, *cidrs, port=22.0):
    return resource(SG, name, {"id": group_id, "ingress": [
        {"protocol": "tcp", "fromPort": port, "toPort": port, "cidrBlocks": [c]} for c in cidrs]})


def violations(policy, resources, config=None):
    return [(v.detail, v.urn) for v in analyzer(config).analyze_stack(resources).violations if v.policy == policy]


# --- security_groups: which resources make one security group ------------------------------------------------------


def test_a_groups_own_id_read_with_capitals_still_collects_its_rules_by_value():
    # The comparison folds case on both sides: the group's `id` as well as the rule's securityGroupId.
    own = group("db-sg", "SG-0DB", "0.0.0.0/1")
    other_half = rule("b", "sg-0db", "128.0.0.0/1")
    assert check_stack(UNION, [own, other_half]) == [
        "SecurityGroup 'db-sg': ingress[0] (0.0.0.0/1) and SecurityGroupIngressRule 'b' (128.0.0.0/1) together open "
        "port(s) 22 to 0.0.0.0/0."]


@pytest.mark.parametrize("value", ["sg-mock-0", "sg-0other"], ids=["mock-id", "another-groups-id"])
def test_the_dependency_decides_a_rules_group_whatever_its_id_reads(value):
    # Under mocks (and before a replacement) the id a rule reads is not its group's: the recorded dependency wins,
    # even over a value that is another group's id.
    own = group("db-sg", "sg-0db", "0.0.0.0/1")
    other = group("other", "sg-0other")
    linked = rule("b", value, "128.0.0.0/1", deps=own.urn)
    assert check_stack(UNION, [own, other, linked]) == [
        "SecurityGroup 'db-sg': ingress[0] (0.0.0.0/1) and SecurityGroupIngressRule 'b' (128.0.0.0/1) together open "
        "port(s) 22 to 0.0.0.0/0."]


def test_halves_in_two_groups_outside_the_stack_pass():
    # Two groups the stack does not define: each half is in a different group, so nothing is open to the world.
    assert check_stack(UNION, [rule("a", "sg-0ext1", "0.0.0.0/1"), rule("b", "sg-0ext2", "128.0.0.0/1")]) == []


def test_rules_whose_group_is_unknown_are_not_joined_by_guess():
    # In a preview a group id computed elsewhere (no dependency recorded) is unknown: each such rule is judged as
    # its own group, not as one group with every other rule of unknown group.
    assert check_stack(UNION, [rule("a", UNKNOWN, "0.0.0.0/1"), rule("b", UNKNOWN, "128.0.0.0/1")]) == []


def test_a_rule_whose_group_is_unknown_is_named_by_itself():
    lone = rule("pl", UNKNOWN, prefixListId="pl-0a1b")
    assert violations(UNION, [lone]) == [
        (f"SecurityGroupIngressRule 'pl': SecurityGroupIngressRule 'pl' (pl-0a1b) opens port(s) 22 to 0.0.0.0/0 and "
         f"::/0 {UNKNOWN_PL}.", lone.urn)]


def test_a_group_outside_the_stack_is_reported_on_its_first_rule():
    a, b = rule("a", "sg-0ext", "0.0.0.0/1"), rule("b", "sg-0ext", "128.0.0.0/1")
    assert violations(UNION, [a, b]) == [
        ("security group sg-0ext: SecurityGroupIngressRule 'a' (0.0.0.0/1) and SecurityGroupIngressRule 'b' "
         "(128.0.0.0/1) together open port(s) 22 to 0.0.0.0/0.", a.urn)]


def test_a_cluster_in_two_groups_outside_the_stack_is_judged_on_their_union():
    # The groups are named only by id (created elsewhere); the rules the stack attaches to them are found by that id.
    db = resource(CLUSTER, "db", {"engine": "aurora-postgresql", "port": 6000.0,
                                  "vpcSecurityGroupIds": ["sg-0ext1", "SG-0EXT2 "]})
    a, b = rule("a", "sg-0ext1", "0.0.0.0/1", port=6000.0), rule("b", "sg-0ext2", "128.0.0.0/1", port=6000.0)
    assert violations(DB_RULE, [db, a, b]) == [
        ("Cluster 'db' (in security group sg-0ext1, security group sg-0ext2): SecurityGroupIngressRule 'a' "
         "(0.0.0.0/1) and SecurityGroupIngressRule 'b' (128.0.0.0/1) together open port(s) 6000 to 0.0.0.0/0, its "
         "database port.", db.urn)]


@pytest.mark.parametrize("odd", [["sg-0db"], {"id": "sg-0db"}], ids=["list", "object"])
def test_a_group_id_that_is_not_text_stops_no_rule(odd):
    # A malformed `id` (state edited by hand, a mock returning an object) must not stop the rules with a traceback:
    # the other groups are still judged, and a cluster's groups are still found.
    strange = group("strange", odd, "10.0.0.0/8", port=6000.0)
    stray = rule("stray", odd, "10.0.0.0/8", port=6000.0)
    a, b = group("a", "sg-0a", "0.0.0.0/1", port=6000.0), group("b", "sg-0b", "128.0.0.0/1", port=6000.0)
    db = resource(CLUSTER, "db", {"engine": "aurora-postgresql", "port": 6000.0,
                                  "vpcSecurityGroupIds": ["sg-0a", "sg-0b"]},
                  property_dependencies={"vpcSecurityGroupIds": [a.urn, b.urn]})
    assert check_stack(DB_RULE, [db, strange, stray, a, b]) == [
        "Cluster 'db' (in SecurityGroup 'a', SecurityGroup 'b'): SecurityGroup 'a' ingress[0] (0.0.0.0/1) and "
        "SecurityGroup 'b' ingress[0] (128.0.0.0/1) together open port(s) 6000 to 0.0.0.0/0, its database port."]


# --- _world_database_ingress: the cluster's own port, per group and per cluster -------------------------------------

PREFIX_LIST = "aws:ec2/managedPrefixList:ManagedPrefixList"


def cluster(name, *groups, port=6000.0, engine="aurora-postgresql"):
    """A cluster in `groups` (linked by dependency and by their ids)."""
    props = {"engine": engine, "vpcSecurityGroupIds": [g.outputs["id"] for g in groups]}
    if port is not None:
        props["port"] = port
    return resource(CLUSTER, name, props, property_dependencies={"vpcSecurityGroupIds": [g.urn for g in groups]}
                    if groups else {})


def through_list(name, group_id, pl="pl-0a1b", port=6000.0, deps=None):
    props = {"id": group_id, "ingress": [{"protocol": "tcp", "fromPort": port, "toPort": port,
                                          "prefixListIds": [pl]}]}
    return resource(SG, name, props, property_dependencies={"ingress": [deps]} if deps else {})


def test_a_database_port_open_through_a_prefix_list_outside_the_stack_fails_unless_trusted():
    # Offline the list's entries are unknown: on the database port it is judged as the whole internet.
    a = through_list("a", "sg-0a")
    assert check_stack(DB_RULE, [cluster("db", a), a]) == [
        f"SecurityGroup 'a': ingress[0] (pl-0a1b) opens port(s) 6000 to 0.0.0.0/0 and ::/0 {UNKNOWN_PL}, the "
        f"database port of Cluster 'db'."]
    assert check_stack(DB_RULE, [cluster("db", a), a], {DB_RULE: {"trustedPrefixLists": ["pl-0a1b"]}}) == []


def test_a_group_open_alone_through_a_prefix_list_is_not_repeated_for_the_cluster():
    # Group a alone opens the port (reported per group); the cluster's union of a and b adds nothing new.
    a, b = through_list("a", "sg-0a"), group("b", "sg-0b", "10.0.0.0/8", port=6000.0)
    assert check_stack(DB_RULE, [cluster("db", a, b), a, b]) == [
        f"SecurityGroup 'a': ingress[0] (pl-0a1b) opens port(s) 6000 to 0.0.0.0/0 and ::/0 {UNKNOWN_PL}, the "
        f"database port of Cluster 'db'."]


def test_a_clusters_groups_together_through_a_stack_prefix_list_fail():
    # Half the internet in a prefix list the stack defines, the other half in the cluster's other group.
    half = resource(PREFIX_LIST, "half", {"addressFamily": "IPv4", "maxEntries": 5.0, "name": "half",
                                          "entries": [{"cidr": "0.0.0.0/1"}]})
    a = through_list("a", "sg-0a", pl="pl-mock", deps=half.urn)
    b = group("b", "sg-0b", "128.0.0.0/1", port=6000.0)
    assert check_stack(DB_RULE, [cluster("db", a, b), half, a, b]) == [
        "Cluster 'db' (in SecurityGroup 'a', SecurityGroup 'b'): SecurityGroup 'a' ingress[0] (pl-mock (0.0.0.0/1)) "
        "and SecurityGroup 'b' ingress[0] (128.0.0.0/1) together open port(s) 6000 to 0.0.0.0/0, its database port."]


def test_a_cluster_in_one_group_does_not_stop_the_next_clusters_union():
    lone = group("lone", "sg-0lone", "10.0.0.0/8", port=6000.0)
    a, b = group("a", "sg-0a", "0.0.0.0/1", port=6000.0), group("b", "sg-0b", "128.0.0.0/1", port=6000.0)
    assert check_stack(DB_RULE, [cluster("first", lone), cluster("second", a, b), lone, a, b]) == [
        "Cluster 'second' (in SecurityGroup 'a', SecurityGroup 'b'): SecurityGroup 'a' ingress[0] (0.0.0.0/1) and "
        "SecurityGroup 'b' ingress[0] (128.0.0.0/1) together open port(s) 6000 to 0.0.0.0/0, its database port."]


def test_a_cluster_whose_port_cannot_be_known_does_not_stop_the_next():
    # No port set and an engine the rules do not know: the port is unknown, so that cluster's groups are not
    # judged on it (no guess), and the clusters after it still are.
    a, b = group("a", "sg-0a", "0.0.0.0/1", port=6000.0), group("b", "sg-0b", "128.0.0.0/1", port=6000.0)
    odd = cluster("odd", a, b, port=None, engine=UNKNOWN)
    assert check_stack(DB_RULE, [odd, cluster("second", a, b), a, b]) == [
        "Cluster 'second' (in SecurityGroup 'a', SecurityGroup 'b'): SecurityGroup 'a' ingress[0] (0.0.0.0/1) and "
        "SecurityGroup 'b' ingress[0] (128.0.0.0/1) together open port(s) 6000 to 0.0.0.0/0, its database port."]


# --- _cluster_groups: the groups a cluster is in -----------------------------------------------------------------


def test_a_clusters_groups_are_found_by_dependency_while_their_ids_are_unknown():
    # In a preview vpcSecurityGroupIds is unknown; the dependencies still name the groups, and a group of the stack
    # the cluster is not in (its id known) is neither counted nor a reason to stop.
    a, b = group("a", "sg-0a", "0.0.0.0/1", port=6000.0), group("b", "sg-0b", "128.0.0.0/1", port=6000.0)
    other = group("other", "sg-0other", "10.0.0.0/8", port=6000.0)
    db = resource(CLUSTER, "db", {"engine": "aurora-postgresql", "port": 6000.0, "vpcSecurityGroupIds": UNKNOWN},
                  property_dependencies={"vpcSecurityGroupIds": [a.urn, b.urn]})
    assert check_stack(DB_RULE, [db, other, a, b]) == [
        "Cluster 'db' (in SecurityGroup 'a', SecurityGroup 'b'): SecurityGroup 'a' ingress[0] (0.0.0.0/1) and "
        "SecurityGroup 'b' ingress[0] (128.0.0.0/1) together open port(s) 6000 to 0.0.0.0/0, its database port."]


# --- _default_sg_closed -----------------------------------------------------------------------------------------

VPC = "aws:ec2/vpc:Vpc"
DEFAULT_SG = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"


def test_a_vpc_listed_after_other_resources_is_still_judged():
    # The engine lists resources in registration order: a VPC rarely comes first.
    net = resource(VPC, "net", {"cidrBlock": "10.0.0.0/16", "id": "vpc-1"})
    default = resource(DEFAULT_SG, "net-default", {"vpcId": "vpc-1", "egress": [
        {"protocol": "-1", "fromPort": 0.0, "toPort": 0.0, "cidrBlocks": ["0.0.0.0/0"]}]},
        property_dependencies={"vpcId": [net.urn]})
    assert check_stack("default-security-group-closed", [default, net]) == [
        "DefaultSecurityGroup 'net-default' of Vpc 'net' has 1 egress rule(s); it must have none."]


# --- prefix_lists: a list the stack defines beside one it does not ------------------------------------------------


def test_a_list_outside_the_stack_is_judged_as_the_world_when_the_stack_defines_another():
    office = resource(PREFIX_LIST, "office", {"id": "pl-0off", "entries": [{"cidr": "203.0.113.0/24"}]})
    own = group("db-sg", "sg-0db")
    outside = rule("pl", "sg-0db", prefixListId="pl-0a1b", deps=own.urn)
    scoped = rule("office", "sg-0db", prefixListId="pl-0off", deps=own.urn)
    assert check_stack(UNION, [own, office, scoped, outside]) == [
        f"SecurityGroup 'db-sg': SecurityGroupIngressRule 'pl' (pl-0a1b) opens port(s) 22 to 0.0.0.0/0 and ::/0 "
        f"{UNKNOWN_PL}."]


# --- _alone and _signatures: each hole is reported once, by the rule that sees it ---------------------------------


def sg_rule(name, group_urn, cidr, low=22.0, high=22.0, protocol="tcp"):
    return resource(SG_RULE, name, {"type": "ingress", "securityGroupId": "sg-0db", "protocol": protocol,
                                    "fromPort": low, "toPort": high, "cidrBlocks": [cidr]},
                    property_dependencies={"securityGroupId": [group_urn]})


def inline_group(*rules):
    return resource(SG, "db-sg", {"id": "sg-0db", "ingress": [
        {"protocol": p, "fromPort": low, "toPort": high, "cidrBlocks": list(cidrs)} for p, low, high, cidrs in rules]})


def test_a_groups_own_inline_rule_open_alone_is_left_to_the_resource_rule():
    own = inline_group(("tcp", 22.0, 22.0, ["0.0.0.0/0"]))
    assert check_stack(UNION, [own]) == []


def test_a_rule_resource_on_the_default_group_open_alone_is_left_to_the_resource_rule():
    default = resource(DEFAULT_SG, "net-default", {"id": "sg-0def", "vpcId": "vpc-1"})
    rdp = rule("rdp", "sg-0def", "0.0.0.0/0", port=3389.0, deps=default.urn)
    assert check_stack(UNION, [default, rdp]) == []


@pytest.mark.parametrize(("inline", "attached"), [
    (("tcp", 22.0, 22.0, ["0.0.0.0/0"]), ("udp", 22.0, 22.0, "0.0.0.0/0")),  # another protocol
    (("tcp", 21.0, 23.0, ["0.0.0.0/0"]), ("tcp", 23.0, 23.0, "0.0.0.0/0")),  # another fromPort
    (("tcp", 21.0, 23.0, ["0.0.0.0/0"]), ("tcp", 21.0, 21.0, "0.0.0.0/0")),  # another toPort
    (("tcp", 22.0, 22.0, ["0.0.0.0/0"]), ("tcp", 22.0, 22.0, "10.0.0.0/8")),  # another source
], ids=["protocol", "from-port", "to-port", "source"])
def test_an_inline_rule_unlike_the_attached_ones_is_the_groups_own(inline, attached):
    # Only an inline rule that repeats attached rules (protocol, both ports and source) is read as the provider's
    # copy of them; one that differs in any is the group's own, and what it opens alone is the resource rule's.
    own = inline_group(inline)
    protocol, low, high, cidr = attached
    assert check_stack(UNION, [own, sg_rule("other", own.urn, cidr, low, high, protocol)]) == []


def test_a_refreshed_group_listing_two_attached_rules_as_one_entry_still_counts_them_as_a_union():
    # After a refresh AWS returns one permission per protocol and ports with every source in it, so the group's
    # `ingress` output can list two attached rules as one entry: that entry is their copy, not a rule of the group's
    # own that opens the port alone (which the resource rule, reading the group's inputs, never saw).
    own = inline_group(("tcp", 22.0, 22.0, ["0.0.0.0/1", "128.0.0.0/1"]))
    a, b = sg_rule("a", own.urn, "0.0.0.0/1"), sg_rule("b", own.urn, "128.0.0.0/1")
    assert check_stack(UNION, [own, a, b]) == [
        "SecurityGroup 'db-sg': SecurityGroupRule 'a' (0.0.0.0/1) and SecurityGroupRule 'b' (128.0.0.0/1) together "
        "open port(s) 22 to 0.0.0.0/0."]
