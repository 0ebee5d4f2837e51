"""A remote component (its children come from a provider plugin, as awsx's do) and resources fed by its outputs."""

import pulumi
import pulumi_aws as aws


class Platform(pulumi.ComponentResource):
    """Shaped as a generated multi-language SDK shapes a component: camelCase wire names behind getters."""

    def __init__(self, name, cidr_block, opts=None):
        props = {"cidr_block": cidr_block, "vpc_id": None, "private_subnet_ids": None}
        super().__init__("corpusx:index:Platform", name, props, opts, remote=True)

    @property
    @pulumi.getter(name="vpcId")
    def vpc_id(self) -> pulumi.Output[str]:
        return pulumi.get(self, "vpc_id")


platform = Platform("platform", cidr_block="10.20.0.0/16")
group = aws.ec2.SecurityGroup("app", vpc_id=platform.vpc_id, description="app")
key = aws.kms.Key("logs", enable_key_rotation=True)
pulumi.export("vpcId", platform.vpc_id)
pulumi.export("groupVpc", group.vpc_id)
