"""Inputs given as resources (the engine passes their ids), a read of an existing VPC, assets and archives."""

import json

import pulumi
import pulumi_aws as aws

vpc = aws.ec2.Vpc("main", cidr_block="10.1.0.0/16")
group = aws.ec2.SecurityGroup("db", vpc_id=vpc, description="db")  # a resource where an id is expected
role = aws.iam.Role("monitoring", assume_role_policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                   "Principal": {"Service": "monitoring.rds.amazonaws.com"}}]}))
existing = aws.ec2.Vpc.get("shared", "vpc-0123456789abcdef0")
subnet = aws.ec2.Subnet("shared-a", vpc_id=existing.id, cidr_block="10.9.1.0/24")
function = aws.lambda_.Function(
    "api", runtime="python3.12", handler="index.handler", role=role.arn,
    code=pulumi.AssetArchive({"index.py": pulumi.FileAsset("handler/index.py"),
                              "VERSION": pulumi.StringAsset("1")}))
layer = aws.lambda_.LayerVersion("deps", layer_name="deps", code=pulumi.FileArchive("handler"))
pulumi.export("sharedVpcArn", existing.arn)
pulumi.export("invokeArn", function.invoke_arn)
pulumi.export("group", group)
