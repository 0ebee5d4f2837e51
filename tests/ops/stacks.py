"""The platform's resources, built in moto the way the Pulumi program builds them on AWS.

One setting changeable per call, so a test can make exactly one thing non-compliant.
"""

from __future__ import annotations

import functools
import itertools
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import boto3

REGION = "eu-west-1"
AMI = "ami-12c6146b"  # moto does not validate image ids; the default AMIs are not loaded
ROOT_DEVICE = "/dev/sda1"  # moto's root device name for an image it does not know


_SHARED_NAMES = itertools.count(1)


class ResetCounter(Protocol):
    generation: int


COMPLIANT: dict[str, Any] = {
    # Parts of the stack; tests of commands other than verify leave out what they do not need,
    # because each service moto has to start up after a reset costs time.
    "network": True,  # VPC, subnets, DB subnet group, security groups
    "password": True,  # the SSM password parameter
    "encrypted": True,
    "key": "cmk",  # "cmk" | "aws"
    "rotation": True,
    "tls": "1",  # parameter value, or None for not set
    "audit": True,  # pgaudit / server audit parameters in the cluster parameter group
    "retention": 7,
    "deletion_protection": True,
    "iam_auth": True,
    "copy_tags": True,
    "logs": None,  # None: the engine's required log
    "public": False,
    "zones": ("a", "b"),  # one instance per entry
    "tiers": None,  # promotion tiers, default 0, 1, 2...
    "password_type": "SecureString",
    "password_key": "cmk",  # "cmk" (its ARN) | "cmk-id" (its key id) | "cmk-alias" | "aws" (alias/aws/ssm)
    "open_ingress": None,  # None | "tcp" (0.0.0.0/0 to the port) | "all-traffic" (protocol -1) | "ipv6" (::/0)
    "bastion": True,  # needs network
    "imds": "required",
    "bastion_encrypted": True,
    "backtrack": 0,
}
DEFAULT_LOGS = {"aurora-postgresql": ["postgresql"], "aurora-mysql": ["audit", "error"]}
AUDIT_PARAMS = {
    "aurora-postgresql": {"shared_preload_libraries": "pg_stat_statements,pgaudit", "pgaudit.log": "ddl,role"},
    "aurora-mysql": {"server_audit_logging": "1", "server_audit_events": "CONNECT,QUERY_DCL,QUERY_DDL"},
}
TLS_PARAM = {"aurora-postgresql": "rds.force_ssl", "aurora-mysql": "require_secure_transport"}
FAMILY = {"aurora-postgresql": "aurora-postgresql15", "aurora-mysql": "aurora-mysql8.0"}
PORT = {"aurora-postgresql": 5432, "aurora-mysql": 3306}


@dataclass
class Stack:
    cluster_id: str
    engine: str
    key_arn: str
    security_group_id: str
    subnet_group: str
    parameter_group: str
    password_parameter: str
    bastion_id: str | None
    outputs: Path
    instances: list[str] = field(default_factory=list)


@functools.cache
def moto_client(service: str, endpoint: str) -> Any:
    """The tests' own clients, made once per session: everything that shapes them is explicit."""
    return boto3.client(
        service,
        region_name=REGION,
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


class StackBuilder:
    """Creates in moto what the Pulumi program would, one setting changeable per call."""

    def __init__(self, tmp_path: Path, **defaults: Any) -> None:
        self.tmp_path = tmp_path
        self.defaults = {**COMPLIANT, **defaults}
        self._keys: dict[bool, str] = {}
        endpoint = os.environ["AWS_ENDPOINT_URL"]
        self.rds = moto_client("rds", endpoint)
        self.kms = moto_client("kms", endpoint)
        self.ec2 = moto_client("ec2", endpoint)
        self.ssm = moto_client("ssm", endpoint)

    def key(self, rotation: bool = True) -> str:
        """A new CMK (moto spends ~60 ms of RSA key generation on each, even symmetric ones)."""
        meta = self.kms.create_key(Description="ops test CMK")["KeyMetadata"]
        if rotation:
            self.kms.enable_key_rotation(KeyId=meta["KeyId"])
        return meta["Arn"]

    def stack_key(self, rotation: bool) -> str:
        """The CMK for a stack: one per rotation setting per builder, shared by its stacks."""
        if rotation not in self._keys:
            self._keys[rotation] = self.key(rotation)
        return self._keys[rotation]

    def build(self, name: str = "aurora-dev", engine: str = "aurora-postgresql", **changes: Any) -> Stack:
        unknown = set(changes) - set(COMPLIANT)
        assert not unknown, f"unknown stack settings {unknown}"
        s = {**self.defaults, **changes}
        key_arn = self.stack_key(s["rotation"]) if s["encrypted"] or s["password"] else ""
        port = PORT[engine]

        subnets: list[str] = []
        subnet_group = db_sg_id = ""
        if s["network"]:
            subnets, subnet_group, db_sg_id = self.network(name, port, s["open_ingress"])

        parameter_group = f"{name}-cluster"
        self.rds.create_db_cluster_parameter_group(
            DBClusterParameterGroupName=parameter_group,
            DBParameterGroupFamily=FAMILY[engine],
            Description="TLS only",
        )
        if s["tls"] is not None:
            self.rds.modify_db_cluster_parameter_group(
                DBClusterParameterGroupName=parameter_group,
                Parameters=[
                    {
                        "ParameterName": TLS_PARAM[engine],
                        "ParameterValue": s["tls"],
                        "ApplyMethod": "pending-reboot",
                    }
                ],
            )

        if s["audit"]:
            audit = AUDIT_PARAMS[engine]
            self.rds.modify_db_cluster_parameter_group(
                DBClusterParameterGroupName=parameter_group,
                Parameters=[{"ParameterName": k, "ParameterValue": v, "ApplyMethod": "pending-reboot"}
                            for k, v in audit.items()],
            )

        cluster: dict[str, Any] = {
            "DBClusterIdentifier": name,
            "Engine": engine,
            "MasterUsername": "platform",
            "MasterUserPassword": "not-a-real-password-1",
            "DBClusterParameterGroupName": parameter_group,
            "BackupRetentionPeriod": s["retention"],
            "DeletionProtection": s["deletion_protection"],
            "EnableIAMDatabaseAuthentication": s["iam_auth"],
            "CopyTagsToSnapshot": s["copy_tags"],
            # As the program tags it (Project/Stack/Environment/ManagedBy); `stack` in lower case
            # because AWS keys are case-sensitive and people type them by hand.
            "Tags": [
                {"Key": "Project", "Value": "aurora-platform"},
                {"Key": "stack", "Value": "dev"},
                {"Key": "Environment", "Value": "development"},
                {"Key": "ManagedBy", "Value": "pulumi"},
            ],
        }
        if s["network"]:
            cluster.update(DBSubnetGroupName=subnet_group, VpcSecurityGroupIds=[db_sg_id])
        logs = DEFAULT_LOGS[engine] if s["logs"] is None else s["logs"]
        if logs:
            cluster["EnableCloudwatchLogsExports"] = logs
        if s["encrypted"]:
            cluster["StorageEncrypted"] = True
            cluster["KmsKeyId"] = key_arn if s["key"] == "cmk" else "alias/aws/rds"
        if s["backtrack"]:
            cluster["BacktrackWindow"] = s["backtrack"]
        self.rds.create_db_cluster(**cluster)

        tiers = s["tiers"] or list(range(len(s["zones"])))
        instances = []
        for index, (zone, tier) in enumerate(zip(s["zones"], tiers, strict=True)):
            instance = f"{name}-{index + 1}"
            self.rds.create_db_instance(
                DBInstanceIdentifier=instance,
                DBClusterIdentifier=name,
                Engine=engine,
                DBInstanceClass="db.r6g.large",
                AvailabilityZone=f"{REGION}{zone}",
                PromotionTier=tier,
                PubliclyAccessible=s["public"] and index == len(s["zones"]) - 1,
            )
            instances.append(instance)

        password_parameter = f"/{name}/db/master-password"
        if s["password"]:
            put: dict[str, Any] = {"Name": password_parameter, "Value": "x", "Type": s["password_type"]}
            if s["password_type"] == "SecureString":
                put["KeyId"] = self.password_key_id(name, key_arn, s["password_key"])
            self.ssm.put_parameter(**put)

        bastion_id = None
        if s["bastion"] and subnets:
            bastion_id = self.bastion(subnets[0], s["imds"], s["bastion_encrypted"])

        described = self.rds.describe_db_clusters(DBClusterIdentifier=name)["DBClusters"][0]
        outputs = self.tmp_path / f"{name}-outputs.json"
        outputs.write_text(
            json.dumps(
                {
                    "region": REGION,
                    "engine": engine,
                    "clusterIdentifier": name,
                    "clusterArn": described["DBClusterArn"],
                    "writerEndpoint": described["Endpoint"],
                    "readerEndpoint": described["ReaderEndpoint"],
                    "port": port,
                    "databaseSecurityGroupId": db_sg_id,
                    "passwordParameterName": password_parameter,
                    "passwordParameterArn": f"arn:aws:ssm:{REGION}:123456789012:parameter{password_parameter}",
                    "kmsKeyArn": key_arn,
                    "snsTopicArn": f"arn:aws:sns:{REGION}:123456789012:{name}-alarms",
                    "bastionInstanceId": bastion_id,
                    "bastionSecurityGroupId": None,
                }
            )
        )
        return Stack(
            cluster_id=name,
            engine=engine,
            key_arn=key_arn,
            security_group_id=db_sg_id,
            subnet_group=subnet_group,
            parameter_group=parameter_group,
            password_parameter=password_parameter,
            bastion_id=bastion_id,
            outputs=outputs,
            instances=instances,
        )

    def password_key_id(self, name: str, key_arn: str, kind: str) -> str:
        """The KeyId given to put_parameter; describe_parameters reports it back as given."""
        if kind == "aws":
            return "alias/aws/ssm"
        if kind == "cmk-id":
            return key_arn.rsplit("/", 1)[-1]
        if kind == "cmk-alias":
            alias = f"alias/{name}-password"
            self.kms.create_alias(AliasName=alias, TargetKeyId=key_arn)
            return alias
        return key_arn

    def network(self, name: str, port: int, open_ingress: str | None) -> tuple[list[str], str, str]:
        vpc = self.ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        subnets = [
            self.ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{REGION}{zone}")["Subnet"][
                "SubnetId"
            ]
            for i, zone in enumerate("abc")
        ]
        subnet_group = f"{name}-isolated"
        self.rds.create_db_subnet_group(
            DBSubnetGroupName=subnet_group, DBSubnetGroupDescription="isolated", SubnetIds=subnets
        )
        app_sg = self.ec2.create_security_group(GroupName=f"{name}-app", Description="app", VpcId=vpc)
        db_sg = self.ec2.create_security_group(GroupName=f"{name}-db", Description="db", VpcId=vpc)
        db_sg_id = db_sg["GroupId"]
        rule: dict[str, Any] = {
            "IpProtocol": "tcp",
            "FromPort": port,
            "ToPort": port,
            "UserIdGroupPairs": [{"GroupId": app_sg["GroupId"]}],
        }
        open_rules = {
            "tcp": {"IpProtocol": "tcp", "FromPort": 1024, "ToPort": 65535, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
            "all-traffic": {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
            "ipv6": {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]},
        }
        permissions = [rule] + ([open_rules[open_ingress]] if open_ingress else [])
        self.ec2.authorize_security_group_ingress(GroupId=db_sg_id, IpPermissions=permissions)
        return subnets, subnet_group, db_sg_id

    def bastion(self, subnet: str, imds: str, encrypted: bool) -> str:
        instance = self.ec2.run_instances(
            ImageId=AMI,
            MinCount=1,
            MaxCount=1,
            InstanceType="t3.micro",
            SubnetId=subnet,
            MetadataOptions={"HttpTokens": imds, "HttpEndpoint": "enabled"},
            BlockDeviceMappings=[{"DeviceName": ROOT_DEVICE, "Ebs": {"VolumeSize": 8, "Encrypted": encrypted}}],
        )["Instances"][0]
        return instance["InstanceId"]

    def writer(self, cluster_id: str) -> str:
        cluster = self.rds.describe_db_clusters(DBClusterIdentifier=cluster_id)["DBClusters"][0]
        return next(m["DBInstanceIdentifier"] for m in cluster["DBClusterMembers"] if m["IsClusterWriter"])


class SharedStacks:
    """Stacks for read-only tests (verify), built once per module and per moto state.

    Building a stack costs more than verifying it; verify never writes, so tests may share one.
    Each variant has its own name, so variants never collide; if any test reset moto since a
    stack was built, it is built again, so test order does not matter.
    """

    def __init__(self, server: ResetCounter, directory: Path) -> None:
        self.server = server
        self.directory = directory
        self.generation = -1
        self.cache: dict[str, Stack] = {}
        self.builder: StackBuilder | None = None

    def get(self, engine: str = "aurora-postgresql", **changes: Any) -> Stack:
        if self.generation != self.server.generation or self.builder is None:
            self.cache.clear()
            self.generation = self.server.generation
            self.builder = StackBuilder(self.directory)
        key = f"{engine}:{sorted(changes.items())!r}"
        if key not in self.cache:
            # Unique in the process: two modules' SharedStacks may build into the same moto state.
            name = f"shared-{next(_SHARED_NAMES)}"
            self.cache[key] = self.builder.build(name=name, engine=engine, **changes)
        return self.cache[key]
