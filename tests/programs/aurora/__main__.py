"""AuroraCluster without the rest of the platform: a stand-in network, an application role and security group, and
every method other components call (allow_from, allow_application_from, grant_password_read, grant_connect).
Settings come from `aurora-platform:database` as in the real program (tests override them per case)."""

import json

import pulumi
import pulumi_aws as aws

from components.aurora import AuroraCluster, AuroraClusterArgs, DatabaseNetwork
from components.settings import load_from_pulumi_config

settings = load_from_pulumi_config()
tags = settings.tags()
zones = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
vpc = aws.ec2.Vpc("vpc", cidr_block="10.0.0.0/16", tags=tags)
subnets = [aws.ec2.Subnet(f"isolated-{i + 1}", vpc_id=vpc.id, cidr_block=f"10.0.{i}.0/24", availability_zone=zone,
                          tags=tags) for i, zone in enumerate(zones)]
subnet_group = aws.rds.SubnetGroup("db", subnet_ids=[s.id for s in subnets], tags=tags)

database = AuroraCluster("db", AuroraClusterArgs(
    settings=settings.database,
    network=DatabaseNetwork(vpc_id=vpc.id, subnet_ids=[s.id for s in subnets], db_subnet_group_name=subnet_group.name,
                            availability_zones=zones),
    tags=tags, project="aurora-alone", stack=pulumi.get_stack()))

admin = aws.ec2.SecurityGroup("admin", vpc_id=vpc.id, description="stand-in bastion", tags=tags)
app = aws.ec2.SecurityGroup("app-sg", vpc_id=vpc.id, description="stand-in application", tags=tags)
role = aws.iam.Role("app-role", assume_role_policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}), tags=tags)

database.allow_from("admin", admin.id, "stand-in bastion")
database.allow_application_from("app", app.id, "stand-in application")
if not settings.database.is_secondary:
    database.grant_password_read("app", role)
    pulumi.export("passwordValueFrom", database.password_value_from)
database.grant_connect("app", role, "blog_app")
writer, reader = database.application_endpoints
pulumi.export("applicationWriter", writer)
pulumi.export("applicationReader", reader)
pulumi.export("kmsKeyArn", database.kms_key_arn)
pulumi.export("passwordParameterArn", database.password_parameter_arn)
