"""Lookups first (image, default VPC and its subnets, the caller's account), then a server built from them."""

import pulumi
import pulumi_aws as aws

config = pulumi.Config()
caller = aws.get_caller_identity()
if caller.account_id != config.require("account"):
    raise Exception(f"this stack deploys only to account {config.require('account')}, not {caller.account_id}")

ami = aws.ec2.get_ami(most_recent=True, owners=["amazon"],
                      filters=[aws.ec2.GetAmiFilterArgs(name="name", values=["al2023-ami-*-x86_64"])])
vpc = aws.ec2.get_vpc(default=True)
subnets = aws.ec2.get_subnets(filters=[aws.ec2.GetSubnetsFilterArgs(name="vpc-id", values=[vpc.id])])
zones = aws.get_availability_zones(state="available")

group = aws.ec2.SecurityGroup("web-sg", vpc_id=vpc.id, description="web", ingress=[
    aws.ec2.SecurityGroupIngressArgs(protocol="tcp", from_port=80, to_port=80, cidr_blocks=["0.0.0.0/0"])])
server = aws.ec2.Instance(
    "web", ami=ami.id, instance_type="t3.micro", subnet_id=subnets.ids[0], vpc_security_group_ids=[group.id],
    metadata_options=aws.ec2.InstanceMetadataOptionsArgs(http_tokens=config.require("httpTokens")),
    root_block_device=aws.ec2.InstanceRootBlockDeviceArgs(encrypted=True),
    user_data=ami.name.replace("al2023", "#!/bin/sh\necho al2023") if ami.name else None,
    tags={"Zone": zones.names[0]})
pulumi.export("imageId", ami.id)
pulumi.export("publicIp", server.public_ip)
pulumi.export("url", server.public_dns.apply(lambda dns: f"http://{dns}"))
pulumi.export("subnets", len(subnets.ids))
