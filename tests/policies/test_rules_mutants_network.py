"""Network rules, the cases surviving mutants showed unpinned: EC2's -1 "no port" spelling, VPC membership by
dependency versus by value, and prefix lists named through a SecurityGroupRule or a group's inline rules."""

from __future__ import annotations

import pytest

from policies.rules.ingress import Permission, describe, exposures

from .policy_helpers import check_stack, resource, urn

VPC = "aws:ec2/vpc:Vpc"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
SG = "aws:ec2/securityGroup:SecurityGroup"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
PREFIX_LIST = "aws:ec2/managedPrefixList:ManagedPrefixList"
UNION = "no-world-admin-ingress-union"


# --- -1 as a port: EC2's "no port", which for tcp means every port, and is no reason for a note ---------------------

@pytest.mark.parametrize("spelling", [-1, -1.0, "-1", "-1.0", " -1 "])
def test_minus_one_ports_are_every_port_without_a_note(spelling):
    found = exposures([Permission("r", "tcp", spelling, spelling, ("0.0.0.0/0",))], [22])
    assert describe(found) == ["r opens port(s) 22 to 0.0.0.0/0"]


@pytest.mark.parametrize("spelling", [True, 1, "+1"])
def test_other_non_ports_get_the_note(spelling):
    # True is no port (a boolean is not -1), and 1 is a port: only port 1 opened, so port 22 stays closed.
    found = exposures([Permission("r", "tcp", spelling, spelling, ("0.0.0.0/0",))], [22])
    if spelling is True:
        assert describe(found) == ["r opens port(s) 22 to 0.0.0.0/0 (fromPort True is not a port 0..65535: judged as "
                                   "every port; toPort True is not a port 0..65535: judged as every port)"]
    else:
        assert describe(found) == []


# --- VPC membership: the dependency decides; the value only when no dependency was recorded ----------------------

NET = resource(VPC, "net", {"cidrBlock": "10.0.0.0/16", "id": "vpc-1"})
OTHER = resource(VPC, "other", {"cidrBlock": "10.1.0.0/16", "id": "vpc-2"})


def test_flow_log_linked_by_dependency_counts_whatever_its_value_reads():
    # Under mocks (and in a preview) the id a log reads need not be the VPC's: the recorded dependency decides.
    flow = resource(FLOW_LOG, "net-flow", {"vpcId": "vpc-mock-0"}, property_dependencies={"vpcId": [NET.urn]})
    assert check_stack("vpc-flow-logs", [NET, flow]) == []


def test_flow_log_of_another_vpc_by_dependency_does_not_count_even_with_the_same_value():
    flow = resource(FLOW_LOG, "other-flow", {"vpcId": "vpc-1"}, property_dependencies={"vpcId": [OTHER.urn]})
    assert check_stack("vpc-flow-logs", [NET, OTHER, flow]) == ["Vpc 'net' has no flow log."]


def test_vpc_without_an_id_is_not_matched_by_value():
    bare = resource(VPC, "bare", {"cidrBlock": "10.2.0.0/16"})
    flow = resource(FLOW_LOG, "f", {"vpcId": "vpc-1"})
    assert check_stack("vpc-flow-logs", [bare, flow]) == ["Vpc 'bare' has no flow log."]


def test_flow_log_without_a_vpc_id_is_not_matched_by_value():
    flow = resource(FLOW_LOG, "f", {"subnetId": "subnet-1"})
    assert check_stack("vpc-flow-logs", [NET, flow]) == ["Vpc 'net' has no flow log."]


# --- prefix lists named through a SecurityGroupRule (prefixListIds) or a group's inline rules ---------------------

GROUP = resource(SG, "db-sg", {"vpcId": "vpc-1", "id": "sg-db"})


def stack_list(*cidrs, name):
    return resource(PREFIX_LIST, name, {"addressFamily": "IPv4", "maxEntries": 5.0, "name": name,
                                        "entries": [{"cidr": c} for c in cidrs]})


def sg_rule(pl, value="pl-mock"):
    return resource(SG_RULE, "ssh", {"type": "ingress", "securityGroupId": "sg-db", "protocol": "tcp",
                                     "fromPort": 22.0, "toPort": 22.0, "prefixListIds": [value]},
                    property_dependencies={"securityGroupId": [GROUP.urn], "prefixListIds": [pl.urn]})


def inline_group(pl, value="pl-mock"):
    return resource(SG, "db-sg", {"vpcId": "vpc-1", "ingress": [
        {"protocol": "tcp", "fromPort": 22.0, "toPort": 22.0, "prefixListIds": [value]}]},
        property_dependencies={"ingress": [pl.urn]})


def test_security_group_rule_through_a_stack_prefix_list_of_the_world_fails():
    world = stack_list("0.0.0.0/0", name="anyone")
    assert check_stack(UNION, [GROUP, world, sg_rule(world)]) == [
        "SecurityGroup 'db-sg': SecurityGroupRule 'ssh' (pl-mock (0.0.0.0/0)) opens port(s) 22 to 0.0.0.0/0."]


def test_security_group_rule_through_a_stack_prefix_list_of_offices_passes():
    office = stack_list("203.0.113.0/24", name="office")
    assert check_stack(UNION, [GROUP, office, sg_rule(office)]) == []


def test_inline_rule_through_a_stack_prefix_list_of_the_world_fails():
    world = stack_list("0.0.0.0/0", name="anyone")
    assert check_stack(UNION, [world, inline_group(world)]) == [
        "SecurityGroup 'db-sg': ingress[0] (pl-mock (0.0.0.0/0)) opens port(s) 22 to 0.0.0.0/0."]


def test_inline_rule_through_a_stack_prefix_list_of_offices_passes():
    office = stack_list("203.0.113.0/24", name="office")
    assert check_stack(UNION, [office, inline_group(office)]) == []


def test_urn_helper_matches_the_resources():  # guards the helpers above against a silent mismatch
    assert GROUP.urn == urn(SG, "db-sg")


# --- the database port: the engine's default when the program sets none; prefix lists resolved; clusters named ----

CLUSTER = "aws:rds/cluster:Cluster"
DB_RULE = "no-world-database-ingress"


def open_group(name, group_id, cidr, port):
    return resource(SG, name, {"id": group_id, "ingress": [
        {"protocol": "tcp", "fromPort": port, "toPort": port, "cidrBlocks": [cidr]}]})


@pytest.mark.parametrize(("engine", "port"), [("aurora-postgresql", 5432.0), ("aurora-mysql", 3306.0),
                                             ("aurora", 3306.0),  # "aurora": the MySQL 5.6-compatible engine
                                             ("mysql", 3306.0), ("postgres", 5432.0)])  # Multi-AZ DB clusters
def test_a_cluster_without_a_port_listens_on_its_engines_default(engine, port):
    # Aurora PostgreSQL listens on 5432 and Aurora MySQL on 3306 unless `port` is set.
    a, b = open_group("a", "sg-a", "0.0.0.0/1", port), open_group("b", "sg-b", "128.0.0.0/1", port)
    db = resource(CLUSTER, "db", {"engine": engine, "vpcSecurityGroupIds": ["sg-a", "sg-b"]},
                  property_dependencies={"vpcSecurityGroupIds": [a.urn, b.urn]})
    assert check_stack(DB_RULE, [db, a, b]) == [
        f"Cluster 'db' (in SecurityGroup 'a', SecurityGroup 'b'): SecurityGroup 'a' ingress[0] (0.0.0.0/1) and "
        f"SecurityGroup 'b' ingress[0] (128.0.0.0/1) together open port(s) {int(port)} to 0.0.0.0/0, its database "
        f"port."]


def test_a_clusters_groups_are_found_by_dependency_when_the_ids_read_otherwise():
    # Under mocks and in a preview the ids the cluster reads are not the groups' ids: the dependency decides.
    a, b = open_group("a", "sg-a", "0.0.0.0/1", 6000.0), open_group("b", "sg-b", "128.0.0.0/1", 6000.0)
    db = resource(CLUSTER, "db", {"engine": "aurora-postgresql", "port": 6000.0,
                                  "vpcSecurityGroupIds": ["sg-mock-1", "sg-mock-2"]},
                  property_dependencies={"vpcSecurityGroupIds": [a.urn, b.urn]})
    assert check_stack(DB_RULE, [db, a, b]) == [
        "Cluster 'db' (in SecurityGroup 'a', SecurityGroup 'b'): SecurityGroup 'a' ingress[0] (0.0.0.0/1) and "
        "SecurityGroup 'b' ingress[0] (128.0.0.0/1) together open port(s) 6000 to 0.0.0.0/0, its database port."]


def test_clusters_sharing_a_custom_port_are_all_named():
    group = open_group("a", "sg-a", "0.0.0.0/0", 6000.0)
    clusters = [resource(CLUSTER, n, {"engine": "aurora-postgresql", "port": 6000.0}) for n in ("one", "two")]
    assert check_stack(DB_RULE, [*clusters, group]) == [
        "SecurityGroup 'a': ingress[0] opens port(s) 6000 to 0.0.0.0/0, the database port of Cluster 'one', "
        "Cluster 'two'."]


def test_a_custom_database_port_through_a_stack_prefix_list_of_offices_passes():
    office = stack_list("203.0.113.0/24", name="office")
    group = resource(SG, "a", {"id": "sg-a", "ingress": [
        {"protocol": "tcp", "fromPort": 6000.0, "toPort": 6000.0, "prefixListIds": ["pl-mock"]}]},
        property_dependencies={"ingress": [office.urn]})
    db = resource(CLUSTER, "db", {"engine": "aurora-postgresql", "port": 6000.0})
    assert check_stack(DB_RULE, [db, office, group]) == []


# --- production-protect reads every tag, whatever comes before Environment ---------------------------------------

def test_environment_tag_after_other_tags_is_read():
    db = resource(CLUSTER, "db", {"engine": "aurora-postgresql",
                                  "tags": {"Name": "db", "Owner": "data", "Environment": "production"}})
    assert check_stack("production-protect", [db]) == [
        "Cluster 'db' must set protect=True (the stack is tagged Environment=production)."]


# --- prefix list entries added as separate resources, linked by the list's id (no dependency recorded) ----------

INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
PREFIX_LIST_ENTRY = "aws:ec2/managedPrefixListEntry:ManagedPrefixListEntry"


def test_prefix_list_entry_linked_by_the_lists_id_is_read():
    half = resource(PREFIX_LIST, "office", {"id": "pl-0off", "entries": [{"cidr": "0.0.0.0/1"}]})
    other_half = resource(PREFIX_LIST_ENTRY, "more", {"prefixListId": "pl-0off", "cidr": "128.0.0.0/1"})
    rule = resource(INGRESS, "ssh", {"securityGroupId": "sg-db", "ipProtocol": "tcp", "fromPort": 22.0,
                                     "toPort": 22.0, "prefixListId": "pl-0off"},
                    property_dependencies={"securityGroupId": [GROUP.urn]})
    assert check_stack(UNION, [GROUP, half, other_half, rule]) == [
        "SecurityGroup 'db-sg': SecurityGroupIngressRule 'ssh' (pl-0off (0.0.0.0/1), pl-0off (128.0.0.0/1)) opens "
        "port(s) 22 to 0.0.0.0/0."]


def test_prefix_list_entry_of_a_list_outside_the_stack_is_ignored():
    office = resource(PREFIX_LIST, "office", {"id": "pl-0off", "entries": [{"cidr": "203.0.113.0/24"}]})
    stray = resource(PREFIX_LIST_ENTRY, "stray", {"prefixListId": "pl-0other", "cidr": "0.0.0.0/0"})
    rule = resource(INGRESS, "ssh", {"securityGroupId": "sg-db", "ipProtocol": "tcp", "fromPort": 22.0,
                                     "toPort": 22.0, "prefixListId": "pl-0off"},
                    property_dependencies={"securityGroupId": [GROUP.urn]})
    assert check_stack(UNION, [GROUP, office, stray, rule]) == []


# --- the ingress reasoning itself ---------------------------------------------------------------------------------

WORLD4 = ("0.0.0.0/0",)


def test_a_permission_that_reaches_no_watched_port_does_not_hide_the_next():
    found = exposures([Permission("https", "tcp", 443, 443, WORLD4), Permission("ssh", "tcp", 22, 22, WORLD4)], [22])
    assert describe(found) == ["ssh opens port(s) 22 to 0.0.0.0/0"]


def test_two_rules_from_the_same_source_are_two_sentences():
    found = exposures([Permission("ssh", "tcp", 22, 22, WORLD4), Permission("rdp", "tcp", 3389, 3389, WORLD4)],
                      [22, 3389])
    assert describe(found) == ["ssh opens port(s) 22 to 0.0.0.0/0", "rdp opens port(s) 3389 to 0.0.0.0/0"]


def test_protocol_255_is_a_protocol_number_without_ports():
    # IP protocol numbers run 0..255; only tcp (6) and udp (17) carry ports.
    assert exposures([Permission("r", "255", 22, 22, WORLD4)], [22]) == []


def test_tcp_without_a_from_port_reaches_port_0():
    # ports config allows 0..65535; an unset fromPort is judged as every port, 0 included
    assert describe(exposures([Permission("r", "tcp", None, 10, WORLD4)], [0])) == ["r opens port(s) 0 to 0.0.0.0/0"]


def test_a_trusted_prefix_list_does_not_hide_an_untrusted_one_after_it():
    found = exposures([Permission("r", "tcp", 22, 22, (), ("pl-0a", "pl-0b", "pl-0c"))], [22],
                      resolve_prefix_list=lambda _pl: None, trusted_prefix_lists=["pl-0a"])
    [line] = describe(found)
    assert "pl-0b" in line and "pl-0c" in line and "pl-0a" not in line
