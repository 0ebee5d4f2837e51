"""The Network component, asserted from what the real program registers."""

import ipaddress
import json

import pytest

from components.network import plan_subnets
from preflight.engine import StackRun

NET = "aurora-platform:network:Network$"


def subnets_by_tier(run: StackRun) -> dict[str, list]:
    tiers: dict[str, list] = {}
    for subnet in run.of_type("aws:ec2/subnet:Subnet"):
        tiers.setdefault(subnet.inputs["tags"]["Tier"], []).append(subnet)
    return tiers


def route_tables_of(run: StackRun, subnet) -> list:
    """The route tables associated with a subnet, followed through property dependencies (not names)."""
    tables = []
    for association in run.of_type("aws:ec2/routeTableAssociation:RouteTableAssociation"):
        if association.property_dependencies["subnetId"] == [subnet.urn]:
            tables += [run.by_urn(u) for u in association.property_dependencies["routeTableId"]]
    return tables


def routes_of(run: StackRun, table) -> list:
    return [r for r in run.of_type("aws:ec2/route:Route") if r.property_dependencies["routeTableId"] == [table.urn]]


def test_subnet_plan_is_computed_from_the_vpc_block_without_overlap():
    plan = plan_subnets("10.20.0.0/16", 3)
    assert plan == {"public": ["10.20.0.0/21", "10.20.8.0/21", "10.20.16.0/21"],
                    "private": ["10.20.64.0/21", "10.20.72.0/21", "10.20.80.0/21"],
                    "isolated": ["10.20.128.0/21", "10.20.136.0/21", "10.20.144.0/21"]}
    small = [ipaddress.ip_network(c) for cidrs in plan_subnets("192.168.4.0/22", 6).values() for c in cidrs]
    assert all(n.prefixlen == 27 and n.subnet_of(ipaddress.ip_network("192.168.4.0/22")) for n in small)
    assert not any(a.overlaps(b) for i, a in enumerate(small) for b in small[i + 1:])


def test_adding_a_zone_keeps_existing_subnet_cidrs():
    three, four = plan_subnets("10.0.0.0/16", 3), plan_subnets("10.0.0.0/16", 4)
    assert all(four[tier][:3] == three[tier] for tier in three)


def test_vpc_has_dns_and_three_tiers_in_every_zone(any_stack):
    vpc = any_stack.one("aws:ec2/vpc:Vpc")
    assert vpc.inputs["enableDnsSupport"] is True and vpc.inputs["enableDnsHostnames"] is True
    tiers = subnets_by_tier(any_stack)
    assert sorted(tiers) == ["isolated", "private", "public"]
    zones = any_stack.exports["availabilityZones"]
    assert len(zones) == 3
    for subnets in tiers.values():
        assert sorted(s.inputs["availabilityZone"] for s in subnets) == sorted(zones)
        assert all(s.inputs["mapPublicIpOnLaunch"] is False for s in subnets)
        assert all(s.property_dependencies["vpcId"] == [vpc.urn] for s in subnets)
    cidrs = sorted(s.inputs["cidrBlock"] for subnets in tiers.values() for s in subnets)
    expected = sorted(c for cidrs in plan_subnets(vpc.inputs["cidrBlock"], 3).values() for c in cidrs)
    assert cidrs == expected


def test_public_tier_routes_to_the_internet_gateway(any_stack):
    gateway = any_stack.one("aws:ec2/internetGateway:InternetGateway")
    for subnet in subnets_by_tier(any_stack)["public"]:
        [table] = route_tables_of(any_stack, subnet)
        [route] = routes_of(any_stack, table)
        assert route.inputs["destinationCidrBlock"] == "0.0.0.0/0"
        assert route.property_dependencies["gatewayId"] == [gateway.urn]


def test_isolated_tier_has_no_route_out(any_stack):
    for subnet in subnets_by_tier(any_stack)["isolated"]:
        [table] = route_tables_of(any_stack, subnet)
        assert routes_of(any_stack, table) == []
        assert not [k for k in table.inputs if k == "routes"]


def test_db_subnet_group_spans_exactly_the_isolated_subnets(any_stack):
    group = any_stack.one("aws:rds/subnetGroup:SubnetGroup")
    isolated = {s.urn for s in subnets_by_tier(any_stack)["isolated"]}
    assert set(group.property_dependencies["subnetIds"]) == isolated
    assert any_stack.exports["dbSubnetGroupName"] == group.outputs["name"]


@pytest.mark.parametrize(("strategy", "gateways"), [("none", 0), ("single", 1), ("perAz", 3)])
def test_private_routes_follow_the_nat_strategy(evaluate, strategy, gateways):
    # without NAT the application tier cannot start (the settings refuse it), so that case drops the app
    app = {"aurora-platform:app": None} if strategy == "none" else {}
    run = evaluate("dev", {"aurora-platform:network": {"natGateways": strategy}, **app})
    nats = run.of_type("aws:ec2/natGateway:NatGateway")
    assert len(nats) == gateways
    public = {s.urn for s in subnets_by_tier(run)["public"]}
    assert all(n.property_dependencies["subnetId"][0] in public for n in nats)
    used = []
    for subnet in subnets_by_tier(run)["private"]:
        [table] = route_tables_of(run, subnet)
        routes = routes_of(run, table)
        if gateways == 0:
            assert routes == []
            continue
        [route] = routes
        assert route.inputs["destinationCidrBlock"] == "0.0.0.0/0"
        used += route.property_dependencies["natGatewayId"]
    if strategy == "perAz":
        # each zone's private subnet leaves through the gateway in its own zone
        assert sorted(used) == sorted(n.urn for n in nats)
    if strategy == "single":
        assert set(used) == {nats[0].urn}


def test_stacks_choose_their_nat_strategy(dev, prod):
    assert len(dev.of_type("aws:ec2/natGateway:NatGateway")) == 1
    assert len(prod.of_type("aws:ec2/natGateway:NatGateway")) == 3


def test_default_security_group_is_closed(any_stack):
    group = any_stack.one("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
    assert group.inputs["ingress"] == [] and group.inputs["egress"] == []
    assert group.property_dependencies["vpcId"] == [any_stack.one("aws:ec2/vpc:Vpc").urn]


def test_flow_logs_capture_all_traffic_into_an_encrypted_retained_log_group(any_stack):
    flow_log = any_stack.one("aws:ec2/flowLog:FlowLog")
    assert flow_log.inputs["trafficType"] == "ALL"
    assert flow_log.property_dependencies["vpcId"] == [any_stack.one("aws:ec2/vpc:Vpc").urn]
    [group] = [any_stack.by_urn(u) for u in flow_log.property_dependencies["logDestination"]]
    assert group.type == "aws:cloudwatch/logGroup:LogGroup"
    assert group.inputs["retentionInDays"] > 0
    [key] = [any_stack.by_urn(u) for u in group.property_dependencies["kmsKeyId"]]
    assert key.type == "aws:kms/key:Key" and key.inputs["enableKeyRotation"] is True
    policy = json.loads(key.inputs["policy"])
    logs = [s for s in policy["Statement"] if s["Sid"] == "CloudWatchLogsForTheStacksLogGroups"][0]
    assert logs["Principal"] == {"Service": "logs.us-east-1.amazonaws.com"}
    # the group has a name known in advance, and the key lets CloudWatch Logs use it for that group by name
    name = f"/aurora-platform/{any_stack.stack}/network-flow-logs"
    assert group.inputs["name"] == name
    assert f"arn:aws:logs:us-east-1:123456789012:log-group:{name}" in (
        logs["Condition"]["ArnEquals"]["kms:EncryptionContext:aws:logs:arn"])
    # only VPC Flow Logs acting for this account's flow logs may assume the delivery role
    [role] = [any_stack.by_urn(u) for u in flow_log.property_dependencies["iamRoleArn"]]
    assert json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]["Condition"] == {
        "StringEquals": {"aws:SourceAccount": "123456789012"},
        "ArnLike": {"aws:SourceArn": "arn:aws:ec2:us-east-1:123456789012:vpc-flow-log/*"}}
    # the flow-log role may write only to that log group
    [role_policy] = [p for p in any_stack.of_type("aws:iam/rolePolicy:RolePolicy")
                     if p.property_dependencies["role"] == [role.urn]]
    statement = json.loads(role_policy.inputs["policy"])["Statement"][0]
    assert statement["Resource"] == [group.outputs["arn"], group.outputs["arn"] + ":*"]


def flow_log_group(run: StackRun):
    [group] = [run.by_urn(u) for u in run.one("aws:ec2/flowLog:FlowLog").property_dependencies["logDestination"]]
    return group


def test_retention_comes_from_the_stack(dev, prod):
    assert flow_log_group(dev).inputs["retentionInDays"] == 30
    assert flow_log_group(prod).inputs["retentionInDays"] == 365


def test_explicit_zone_names_are_used(evaluate):
    zones = ["us-east-1b", "us-east-1d", "us-east-1f"]
    run = evaluate("dev", {"aurora-platform:network": {"availabilityZones": zones}})
    assert run.exports["availabilityZones"] == zones
    assert sorted(s.inputs["availabilityZone"] for s in subnets_by_tier(run)["isolated"]) == zones
