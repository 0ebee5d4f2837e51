"""The network: one VPC, three tiers of subnets in every availability zone, and nothing open by default.

- public: the internet gateway route; holds NAT gateways (and a bastion only when asked). No public IPs by default.
- private: application tasks; reach out through NAT per the stack's strategy (none / single / perAz).
- isolated: the database; a route table with no route out at all, and the DB subnet group.
The default security group is emptied, and flow logs for all traffic go to a KMS-encrypted log group.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from .kms import stack_log_group_name
from .settings.network import NetworkSettings

TIERS = ("public", "private", "isolated")
# Each tier gets a fixed slot of 8 subnets of size /(vpc+5): room for up to 8 zones without renumbering existing
# subnets when zones are added (changing a subnet's CIDR replaces it and everything inside).
SUBNET_PREFIX_DELTA = 5
SLOTS_PER_TIER = 8


def flow_log_group_name(network_name: str) -> str:
    """The flow logs' group, named in advance so the platform key's policy can name it (components/kms.py)."""
    return stack_log_group_name(f"{network_name}-flow-logs")


def flow_log_trust_policy(partition: str, region: str, account_id: str) -> dict:
    """Flow logs of this account only (aws:SourceAccount, aws:SourceArn: a flow log of this account and region), as
    "IAM role for publishing flow logs to CloudWatch Logs" recommends; the flow log's id is not known before the role
    exists, hence the wildcard the same page suggests."""
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "vpc-flow-logs.amazonaws.com"}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": account_id},
                      "ArnLike": {"aws:SourceArn": f"arn:{partition}:ec2:{region}:{account_id}:vpc-flow-log/*"}}}]}


def plan_subnets(cidr_block: str, zone_count: int) -> dict[str, list[str]]:
    """The subnet CIDRs of each tier, one per zone, computed from the VPC block."""
    if zone_count > SLOTS_PER_TIER:
        raise ValueError(f"at most {SLOTS_PER_TIER} zones fit the subnet plan")
    vpc = ipaddress.ip_network(cidr_block)
    blocks = list(vpc.subnets(prefixlen_diff=SUBNET_PREFIX_DELTA))
    return {tier: [str(blocks[t * SLOTS_PER_TIER + z]) for z in range(zone_count)]
            for t, tier in enumerate(TIERS)}


@dataclass
class NetworkArgs:
    settings: NetworkSettings
    log_key_arn: pulumi.Input[str]
    tags: Mapping[str, str]


class Network(pulumi.ComponentResource):
    vpc: aws.ec2.Vpc
    availability_zones: list[str]
    subnet_ids: dict[str, list[pulumi.Output[str]]]
    db_subnet_group_name: pulumi.Output[str]

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("aurora-platform:network:Network", name, None, opts)
        settings = args.settings
        self._name = name
        self.name = name
        self.cidr_block = settings.cidr_block
        self._tags = dict(args.tags)
        child = pulumi.ResourceOptions(parent=self)

        self.availability_zones = self._zones(settings)
        plan = plan_subnets(settings.cidr_block, len(self.availability_zones))

        self.vpc = aws.ec2.Vpc(name, cidr_block=settings.cidr_block, enable_dns_support=True,
                               enable_dns_hostnames=True, tags=self._tag(name), opts=child)
        self.vpc_id = self.vpc.id
        # Adopting the default security group with no rules removes AWS's allow-all-within-group defaults (EC2.2).
        self.default_security_group = aws.ec2.DefaultSecurityGroup(
            f"{name}-default", vpc_id=self.vpc.id, ingress=[], egress=[],
            tags=self._tag(f"{name}-default-closed"), opts=child)

        self.subnets: dict[str, list[aws.ec2.Subnet]] = {
            tier: [aws.ec2.Subnet(f"{name}-{tier}-{i + 1}", vpc_id=self.vpc.id, cidr_block=cidr,
                                  availability_zone=self.availability_zones[i], map_public_ip_on_launch=False,
                                  tags=self._tag(f"{name}-{tier}-{self.availability_zones[i]}", Tier=tier),
                                  opts=child)
                   for i, cidr in enumerate(plan[tier])]
            for tier in TIERS}
        self.subnet_ids = {tier: [s.id for s in subnets] for tier, subnets in self.subnets.items()}

        self._public_routes()
        self.nat_gateways = self._nat_gateways(settings.nat_gateways)
        self._private_routes()
        self._isolated_routes()

        self.db_subnet_group = aws.rds.SubnetGroup(
            f"{name}-db", description=f"Isolated subnets of {name} for Aurora",
            subnet_ids=self.subnet_ids["isolated"], tags=self._tag(f"{name}-db"), opts=child)
        self.db_subnet_group_name = self.db_subnet_group.name

        self.flow_log_group = self._flow_logs(settings.flow_log_retention_days, args.log_key_arn)

        self.register_outputs({
            "vpcId": self.vpc.id,
            "publicSubnetIds": self.subnet_ids["public"],
            "privateSubnetIds": self.subnet_ids["private"],
            "isolatedSubnetIds": self.subnet_ids["isolated"],
            "dbSubnetGroupName": self.db_subnet_group_name,
        })

    @property
    def has_nat(self) -> bool:
        return bool(self.nat_gateways)

    def _tag(self, name: str, **extra: str) -> dict[str, str]:
        return {**self._tags, "Name": name, **extra}

    def _zones(self, settings: NetworkSettings) -> list[str]:
        if settings.availability_zone_names:
            return list(settings.availability_zone_names)
        zones = aws.get_availability_zones(state="available", opts=pulumi.InvokeOptions(parent=self))
        if len(zones.names) < settings.availability_zone_count:
            raise pulumi.RunError(
                f"aurora-platform:network.availabilityZones: {settings.availability_zone_count} zones asked for, but "
                f"the region offers only {len(zones.names)} ({', '.join(zones.names)})")
        return list(zones.names[: settings.availability_zone_count])

    def _public_routes(self) -> None:
        child = pulumi.ResourceOptions(parent=self)
        self.internet_gateway = aws.ec2.InternetGateway(self._name, vpc_id=self.vpc.id, tags=self._tag(self._name),
                                                        opts=child)
        table = aws.ec2.RouteTable(f"{self._name}-public", vpc_id=self.vpc.id, tags=self._tag(f"{self._name}-public"),
                                   opts=child)
        aws.ec2.Route(f"{self._name}-public-internet", route_table_id=table.id, destination_cidr_block="0.0.0.0/0",
                      gateway_id=self.internet_gateway.id, opts=child)
        self._associate("public", [table] * len(self.subnets["public"]))
        self.route_tables = {"public": [table]}

    def _nat_gateways(self, strategy: str) -> list[aws.ec2.NatGateway]:
        count = {"none": 0, "single": 1, "perAz": len(self.availability_zones)}[strategy]
        gateways = []
        for i in range(count):
            child = pulumi.ResourceOptions(parent=self, depends_on=[self.internet_gateway])
            eip = aws.ec2.Eip(f"{self._name}-nat-{i + 1}", domain="vpc", tags=self._tag(f"{self._name}-nat-{i + 1}"),
                              opts=child)
            gateways.append(aws.ec2.NatGateway(
                f"{self._name}-nat-{i + 1}", allocation_id=eip.id, subnet_id=self.subnets["public"][i].id,
                tags=self._tag(f"{self._name}-nat-{self.availability_zones[i]}"), opts=child))
        return gateways

    def _private_routes(self) -> None:
        child = pulumi.ResourceOptions(parent=self)
        tables = []
        for i, zone in enumerate(self.availability_zones):
            table = aws.ec2.RouteTable(f"{self._name}-private-{i + 1}", vpc_id=self.vpc.id,
                                       tags=self._tag(f"{self._name}-private-{zone}"), opts=child)
            if self.nat_gateways:
                # perAz keeps traffic in its zone (and survives a zone outage); single shares the first gateway.
                gateway = self.nat_gateways[i % len(self.nat_gateways)]
                aws.ec2.Route(f"{self._name}-private-{i + 1}-nat", route_table_id=table.id,
                              destination_cidr_block="0.0.0.0/0", nat_gateway_id=gateway.id, opts=child)
            tables.append(table)
        self._associate("private", tables)
        self.route_tables["private"] = tables

    def _isolated_routes(self) -> None:
        # An explicit table with only the implicit local route: the database tier can never follow a route someone
        # later adds to the VPC's main table.
        table = aws.ec2.RouteTable(f"{self._name}-isolated", vpc_id=self.vpc.id,
                                   tags=self._tag(f"{self._name}-isolated"), opts=pulumi.ResourceOptions(parent=self))
        self._associate("isolated", [table] * len(self.subnets["isolated"]))
        self.route_tables["isolated"] = [table]

    def _associate(self, tier: str, tables: Sequence[aws.ec2.RouteTable]) -> None:
        for i, (subnet, table) in enumerate(zip(self.subnets[tier], tables, strict=True)):
            aws.ec2.RouteTableAssociation(f"{self._name}-{tier}-{i + 1}", subnet_id=subnet.id, route_table_id=table.id,
                                          opts=pulumi.ResourceOptions(parent=self))

    def _flow_logs(self, retention_days: int, key_arn: pulumi.Input[str]) -> aws.cloudwatch.LogGroup:
        child = pulumi.ResourceOptions(parent=self)
        group = aws.cloudwatch.LogGroup(f"{self._name}-flow-logs", name=flow_log_group_name(self._name),
                                        retention_in_days=retention_days, kms_key_id=key_arn,
                                        tags=self._tag(f"{self._name}-flow-logs"), opts=child)
        invoke = pulumi.InvokeOutputOptions(parent=self)
        trust = pulumi.Output.all(aws.get_partition_output(opts=invoke).partition,
                                  aws.get_region_output(opts=invoke).region,
                                  aws.get_caller_identity_output(opts=invoke).account_id).apply(
            lambda values: json.dumps(flow_log_trust_policy(*values)))
        role = aws.iam.Role(f"{self._name}-flow-logs", assume_role_policy=trust,
                            tags=self._tag(f"{self._name}-flow-logs"), opts=child)
        # AWS's documented minimum for flow logs to CloudWatch Logs (VPC user guide, "IAM role for publishing flow
        # logs to CloudWatch Logs"): CreateLogGroup, CreateLogStream, PutLogEvents, DescribeLogGroups and
        # DescribeLogStreams; without all five, delivery can fail with nothing but the flow log's status to show it.
        # Scoped to this one log group and its streams (CreateLogGroup lets delivery recreate it if it is deleted);
        # DescribeLogGroups lists groups and is authorised on the account's log-group:* pattern, not on one group.
        aws.iam.RolePolicy(f"{self._name}-flow-logs", role=role.id, policy=group.arn.apply(lambda arn: json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow",
                           "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents",
                                      "logs:DescribeLogStreams"],
                           "Resource": [arn, f"{arn}:*"]},
                          {"Effect": "Allow", "Action": "logs:DescribeLogGroups",
                           "Resource": arn.rsplit(":log-group:", 1)[0] + ":log-group:*"}],
        })), opts=child)
        aws.ec2.FlowLog(f"{self._name}", vpc_id=self.vpc.id, traffic_type="ALL",
                        log_destination_type="cloud-watch-logs", log_destination=group.arn, iam_role_arn=role.arn,
                        max_aggregation_interval=60, tags=self._tag(f"{self._name}-flow-logs"), opts=child)
        return group
