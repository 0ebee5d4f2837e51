"""AuroraCluster as another caller may build it: under a parent component of its own, and with `protect` given
explicitly, the opposite of the stack's `database.protect`. The real program does neither, so without this program
nothing could tell whether the component honours them."""

import pulumi
import pulumi_aws as aws

from components.aurora import AuroraCluster, AuroraClusterArgs, DatabaseNetwork
from components.settings import load_from_pulumi_config

settings = load_from_pulumi_config()
tags = settings.tags()
zones = ["eu-west-1a", "eu-west-1b"]
vpc = aws.ec2.Vpc("vpc", cidr_block="10.0.0.0/16", tags=tags)
subnets = [aws.ec2.Subnet(f"isolated-{i + 1}", vpc_id=vpc.id, cidr_block=f"10.0.{i}.0/24", availability_zone=zone,
                          tags=tags) for i, zone in enumerate(zones)]
subnet_group = aws.rds.SubnetGroup("db", subnet_ids=[s.id for s in subnets], tags=tags)

owner = pulumi.ComponentResource("test:index:Owner", "owner")
AuroraCluster("db", AuroraClusterArgs(
    settings=settings.database,
    network=DatabaseNetwork(vpc_id=vpc.id, subnet_ids=[s.id for s in subnets], db_subnet_group_name=subnet_group.name,
                            availability_zones=zones),
    tags=tags, project="aurora-options", stack=pulumi.get_stack(),
    protect=not settings.database.protect), opts=pulumi.ResourceOptions(parent=owner))
