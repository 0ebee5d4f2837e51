"""Resources someone else owns, read with `Resource.get` (directly and inside a component) or looked up with an
invoke, beside a VPC and a bucket the program creates. Only the created ones are this stack's to judge."""

import pulumi
import pulumi_aws as aws

# Read: the engine records these as external; neither resource nor stack policies judge them.
shared = aws.ec2.Vpc.get("shared", "vpc-0123456789abcdef0")
logs = aws.s3.Bucket.get("shared-logs", "shared-logs-bucket")
legacy = aws.rds.Cluster.get("legacy", "legacy-cluster", storage_encrypted=False)
# Looked up: an invoke, never a resource of the stack.
looked_up = aws.ec2.get_vpc(id="vpc-0fedcba9876543210")


class Network(pulumi.ComponentResource):
    """A component that reads the VPC it places its subnet in."""

    def __init__(self, name: str, vpc_id: str) -> None:
        super().__init__("test:index:Network", name)
        vpc = aws.ec2.Vpc.get(f"{name}-vpc", vpc_id, opts=pulumi.ResourceOptions(parent=self))
        aws.ec2.Subnet(f"{name}-a", vpc_id=vpc.id, cidr_block="10.2.1.0/24",
                       opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({})


Network("other", "vpc-0aaaabbbbccccdddd")
aws.ec2.Subnet("shared-a", vpc_id=shared.id, cidr_block="10.0.1.0/24")
aws.ec2.Subnet("looked-up-a", vpc_id=looked_up.id, cidr_block="10.1.1.0/24")

# Created: still judged. This VPC does not adopt its default security group and has no flow log.
own = aws.ec2.Vpc("own", cidr_block="10.9.0.0/16")
