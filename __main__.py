"""The aurora-platform stack: settings -> keys -> Network -> (Bastion, AuroraCluster) -> AppService -> exports.

This is the only module that knows every component; components take what they need from each other as arguments.
"""

import pulumi

from components.kms import EncryptionKey, EncryptionKeyArgs
from components.network import Network, NetworkArgs
from components.settings import load_from_pulumi_config

# Every problem in Pulumi.<stack>.yaml is reported here, at once, before any resource is registered.
settings = load_from_pulumi_config()
tags = settings.tags()

# The stack's key for what is not the database's own data: flow logs, the bastion's volume, application logs.
platform_key = EncryptionKey("platform", EncryptionKeyArgs(
    description=f"{settings.project}/{settings.stack}: logs and volumes",
    alias=f"{settings.project}-{settings.stack}-platform",
    tags=tags,
    allow_cloudwatch_logs=True,
    protect=settings.is_production,
))

network = Network("network", NetworkArgs(settings=settings.network, log_key_arn=platform_key.arn, tags=tags))

# --- database (issue 3): the AuroraCluster, before everything that connects to it ---

# --- bastion (issue 4) ---

# --- app (issue 5) ---

pulumi.export("region", settings.region)
pulumi.export("environment", settings.environment)
pulumi.export("vpcId", network.vpc_id)
pulumi.export("availabilityZones", network.availability_zones)
pulumi.export("publicSubnetIds", network.subnet_ids["public"])
pulumi.export("privateSubnetIds", network.subnet_ids["private"])
pulumi.export("isolatedSubnetIds", network.subnet_ids["isolated"])
pulumi.export("dbSubnetGroupName", network.db_subnet_group_name)
pulumi.export("platformKeyArn", platform_key.arn)
