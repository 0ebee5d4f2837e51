"""The bastion: a hardened Amazon Linux 2023 host for migrations, psql/mysql and connectivity checks inside the VPC.

- Reached through SSM Session Manager (shell and port forwarding to the cluster): no inbound rule unless SSH is asked
  for, and then only from the listed networks.
- IMDSv2 only (hop limit 1), root volume encrypted with the stack's key, detailed monitoring, termination protection
  per settings, no key pair unless SSH is on.
- Its role has exactly what Session Manager needs on the instance (ssm:UpdateInstanceInformation and the four
  ssmmessages channel actions: "Create a custom IAM role for Session Manager"), not AmazonSSMManagedInstanceCore
  (which also reads every parameter in the account and runs Run Command, State Manager, inventory and patching),
  plus, through the database's own grant, read of exactly the password parameter (or secret) and decrypt of exactly
  it with exactly its key.
- In a private subnet with no NAT it brings the interface endpoints SSM needs (ssm, ssmmessages, ec2messages), reachable
  on 443 from the bastion only, and an S3 gateway endpoint limited to the Amazon Linux package repositories.

The component knows nothing of AuroraCluster's class: it takes a `DatabaseAccess` (plain values and two callables).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from .bastion_user_data import ConnectionTarget, render_user_data
from .settings.bastion import BastionSettings

AMI_PARAMETER = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-{arch}"
# The SSM Agent opens Session Manager's control and data channels with these; they have no resource to scope to.
SESSION_CHANNEL_ACTIONS = ["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
                           "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"]
SSM_ENDPOINT_SERVICES = ("ssm", "ssmmessages", "ec2messages")
# The bucket behind the Amazon Linux 2023 package repositories in each region (what dnf resolves to through S3).
AL2023_REPO_BUCKET = "al2023-repos-{region}-de612dc2"
HTTPS = 443
SSH = 22


@dataclass
class DatabaseAccess:
    """What the bastion needs from the database: where it is, who to log in as, where the password lives, and two
    relationships it asks the database to make (allow the bastion's SG in; let the bastion's role read the password)."""

    engine: str
    port: int
    writer_endpoint: pulumi.Input[str]
    database_name: str
    master_username: str
    security_group_id: pulumi.Input[str]
    password_source: str                   # "ssm" | "secretsmanager" | "prompt" (nothing to read here)
    password_reference: pulumi.Input[str]  # the SSM parameter name, or the secret ARN
    allow_from: Callable[[str, pulumi.Input[str], str], Any]
    grant_password_read: Callable[[str, aws.iam.Role], Any]

    @classmethod
    def of(cls, database: Any) -> DatabaseAccess:
        """From anything shaped like the AuroraCluster contract (engine, port, writer_endpoint, ...)."""
        source: str
        reference: pulumi.Input[str]
        if database.password_parameter_name is not None:
            source, reference = "ssm", database.password_parameter_name
        else:
            try:
                value_from = database.password_value_from
            except ValueError:
                # A global database secondary: its password lives with the primary; db-connect asks for it.
                source, reference = "prompt", ""
            else:
                # RDS manages the password in Secrets Manager; valueFrom is "<secret arn>:password::".
                source = "secretsmanager"
                reference = pulumi.Output.from_input(value_from).apply(lambda v: v.removesuffix(":password::"))
        return cls(engine=database.engine, port=database.port, writer_endpoint=database.writer_endpoint,
                   database_name=database.database_name, master_username=database.master_username,
                   security_group_id=database.security_group_id, password_source=source,
                   password_reference=reference, allow_from=database.allow_from,
                   grant_password_read=database.grant_password_read)


@dataclass
class BastionArgs:
    settings: BastionSettings
    region: str
    vpc_id: pulumi.Input[str]
    # The subnets of the tier the settings ask for; the bastion goes into the first one.
    subnet_ids: Sequence[pulumi.Input[str]]
    # Whether private subnets reach out through NAT; without it a private bastion needs VPC endpoints.
    has_nat: bool
    private_subnet_ids: Sequence[pulumi.Input[str]]
    private_route_table_ids: Sequence[pulumi.Input[str]]
    volume_key_arn: pulumi.Input[str]
    tags: Mapping[str, str]
    database: DatabaseAccess


def needs_endpoints(settings: BastionSettings, has_nat: bool) -> bool:
    """A public bastion reaches SSM through the internet gateway, a private one through NAT, if there is any."""
    return settings.subnet_tier == "private" and not has_nat


def session_manager_policy() -> dict:
    """What the SSM Agent needs for Session Manager alone, as AWS documents it ("Create a custom IAM role for Session
    Manager"): register the instance (ssm:UpdateInstanceInformation, on "*" as documented: whether it authorizes
    against an instance ARN is not documented, and a scope it does not honour would stop the agent registering) and
    open the session channels. No ssm:GetParameter*, no ec2messages (Run Command), no State Manager or inventory."""
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "RegisterWithSystemsManager", "Effect": "Allow", "Action": "ssm:UpdateInstanceInformation",
         "Resource": "*"},
        {"Sid": "SessionManagerChannels", "Effect": "Allow", "Action": SESSION_CHANNEL_ACTIONS, "Resource": "*"},
    ]}


def instance_trust_policy(account_id: str) -> dict:
    """EC2 may assume the role for this account's instances. EC2 does not send aws:SourceArn for instance roles, and
    whether it sends aws:SourceAccount is not documented: IfExists refuses a request that names another account and
    cannot lock the bastion out of its own credentials if EC2 sends none."""
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole",
        "Condition": {"StringEqualsIfExists": {"aws:SourceAccount": account_id}}}]}


def session_command(instance_id: str, host: str, port: int, region: str) -> str:
    """The exact `aws ssm start-session` that forwards localhost:<port> to the writer through the bastion."""
    parameters = json.dumps({"host": [host], "portNumber": [str(port)], "localPortNumber": [str(port)]},
                            separators=(",", ":"))
    return (f"aws ssm start-session --target {instance_id} --document-name AWS-StartPortForwardingSessionToRemoteHost "
            f"--parameters '{parameters}' --region {region}")


class Bastion(pulumi.ComponentResource):
    security_group: aws.ec2.SecurityGroup
    instance: aws.ec2.Instance
    role: aws.iam.Role
    instance_id: pulumi.Output[str]
    security_group_id: pulumi.Output[str]
    session_command: pulumi.Output[str]

    def __init__(self, name: str, args: BastionArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("aurora-platform:bastion:Bastion", name, None, opts)
        self._name = name
        self._tags = dict(args.tags)
        settings, database = args.settings, args.database
        child = pulumi.ResourceOptions(parent=self)

        self.security_group = aws.ec2.SecurityGroup(
            name, vpc_id=args.vpc_id,
            description="Bastion: no inbound rule unless SSH is listed; out to HTTPS and the database only",
            tags=self._tag(name), opts=child)
        self.security_group_id = self.security_group.id
        self._rules(settings, database)

        self.role, self.instance_profile = self._identity(database)

        self.endpoints: list[aws.ec2.VpcEndpoint] = []
        endpoints_needed = needs_endpoints(settings, args.has_nat)
        if endpoints_needed:
            self.endpoints = self._endpoints(args)

        ami, ignore_changes = self._image(settings)
        target = pulumi.Output.all(database.writer_endpoint, database.password_reference).apply(
            lambda values: ConnectionTarget(
                engine=database.engine, host=values[0], port=database.port, database=database.database_name,
                user=database.master_username, region=args.region, password_source=database.password_source,
                password_reference=values[1]))
        public = settings.subnet_tier == "public"
        self.instance = aws.ec2.Instance(
            name,
            ami=ami,
            instance_type=settings.instance_type,
            subnet_id=args.subnet_ids[0],
            vpc_security_group_ids=[self.security_group.id],
            associate_public_ip_address=public,
            iam_instance_profile=self.instance_profile.name,
            key_name=settings.ssh_key_name if settings.ssh_enabled else None,
            metadata_options=aws.ec2.InstanceMetadataOptionsArgs(
                http_endpoint="enabled", http_tokens="required", http_put_response_hop_limit=1),
            root_block_device=aws.ec2.InstanceRootBlockDeviceArgs(
                encrypted=True, kms_key_id=args.volume_key_arn, volume_type="gp3", delete_on_termination=True,
                tags=self._tag(f"{name}-root")),
            monitoring=True,
            disable_api_termination=settings.termination_protection,
            # Termination protection guards against a stray `terminate-instances`; Pulumi itself must still be able
            # to replace the host (new user data or image) and destroy it, or every such change fails half-way with
            # the new instance created and the old one refusing to go (pulumi-aws `ec2.Instance.force_destroy`).
            force_destroy=True,
            user_data=target.apply(lambda t: render_user_data(t, regional_s3_endpoint=endpoints_needed)),
            # cloud-init runs once: a changed helper (new endpoint, engine, password source) needs a new instance.
            user_data_replace_on_change=True,
            tags=self._tag(name),
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=ignore_changes,
                                        depends_on=[*self.endpoints, self._session_manager]),
        )
        self.instance_id = self.instance.id

        # The database lets exactly this security group in on its port.
        self.database_ingress = database.allow_from(
            name, self.security_group.id, f"{name}: administrators through the bastion")

        self.session_command = pulumi.Output.all(self.instance.id, database.writer_endpoint).apply(
            lambda values: session_command(values[0], values[1], database.port, args.region))
        self.register_outputs({
            "instanceId": self.instance_id,
            "securityGroupId": self.security_group_id,
            "sessionCommand": self.session_command,
            "roleArn": self.role.arn,
        })

    def _image(self, settings: BastionSettings) -> tuple[pulumi.Input[str], list[str]]:
        """(ami, ignore_changes). Pinned (`amiId`): exactly that image, and changing it replaces the bastion.
        Unpinned: the latest AL2023 image for the family's architecture from AWS's public parameter, ignored after
        creation so a new release never replaces the bastion by itself. Pulumi keeps an ignored property's value from
        the state even when the resource is replaced (`pulumi up --replace` included), so pinning is the way to roll
        the bastion onto a new release (docs/bastion.md)."""
        if settings.ami_id is not None:
            return settings.ami_id, []
        image = aws.ssm.get_parameter_output(name=AMI_PARAMETER.format(arch=settings.architecture),
                                             opts=pulumi.InvokeOutputOptions(parent=self))
        return image.insecure_value, ["ami"]

    def _tag(self, name: str, **extra: str) -> dict[str, str]:
        return {**self._tags, "Name": name, **extra}

    def _rules(self, settings: BastionSettings, database: DatabaseAccess) -> None:
        child = pulumi.ResourceOptions(parent=self)
        group = self.security_group.id
        # Out: HTTPS anywhere (SSM, package repositories, the RDS CA bundle) and the DB port to the database SG only.
        self.egress_rules = [
            aws.vpc.SecurityGroupEgressRule(
                f"{self._name}-https-out", security_group_id=group, ip_protocol="tcp", from_port=HTTPS,
                to_port=HTTPS, cidr_ipv4="0.0.0.0/0",
                description="HTTPS: SSM, package repositories, the RDS CA bundle",
                tags=self._tag(f"{self._name}-https-out"), opts=child),
            aws.vpc.SecurityGroupEgressRule(
                f"{self._name}-db-out", security_group_id=group, ip_protocol="tcp", from_port=database.port,
                to_port=database.port, referenced_security_group_id=database.security_group_id,
                description="The database port, to the database's security group only",
                tags=self._tag(f"{self._name}-db-out"), opts=child),
        ]
        # In: nothing, unless SSH is opened to listed networks (validated: never the world, never broader than /16).
        self.ssh_rules = []
        for index, cidr in enumerate(settings.ssh_allowed_cidrs):
            family = {"cidr_ipv6": cidr} if ":" in cidr else {"cidr_ipv4": cidr}
            self.ssh_rules.append(aws.vpc.SecurityGroupIngressRule(
                f"{self._name}-ssh-{index + 1}", security_group_id=group, ip_protocol="tcp", from_port=SSH,
                to_port=SSH, description=f"SSH from {cidr} (aurora-platform:bastion.sshAllowedCidrs)",
                tags=self._tag(f"{self._name}-ssh-{index + 1}"), opts=child, **family))

    def _identity(self, database: DatabaseAccess) -> tuple[aws.iam.Role, aws.iam.InstanceProfile]:
        child = pulumi.ResourceOptions(parent=self)
        invoke = pulumi.InvokeOutputOptions(parent=self)
        account = aws.get_caller_identity_output(opts=invoke).account_id
        role = aws.iam.Role(self._name, description="Bastion: SSM Session Manager and the database password only",
                            assume_role_policy=account.apply(lambda a: json.dumps(instance_trust_policy(a))),
                            tags=self._tag(self._name), opts=child)
        self._session_manager = aws.iam.RolePolicy(
            f"{self._name}-session-manager", role=role.id,
            policy=json.dumps(session_manager_policy()), opts=child)
        # Exactly the password parameter (or secret) and exactly its key: the database builds the policy.
        self.password_read = (None if database.password_source == "prompt"
                              else database.grant_password_read(self._name, role))
        profile = aws.iam.InstanceProfile(self._name, role=role.name, tags=self._tag(self._name), opts=child)
        return role, profile

    def _endpoints(self, args: BastionArgs) -> list[aws.ec2.VpcEndpoint]:
        child = pulumi.ResourceOptions(parent=self)
        name = f"{self._name}-endpoints"
        self.endpoint_security_group = aws.ec2.SecurityGroup(
            name, vpc_id=args.vpc_id, description="SSM interface endpoints: HTTPS from the bastion only",
            tags=self._tag(name), opts=child)
        self.endpoint_ingress = aws.vpc.SecurityGroupIngressRule(
            f"{name}-https-from-bastion", security_group_id=self.endpoint_security_group.id, ip_protocol="tcp",
            from_port=HTTPS, to_port=HTTPS, referenced_security_group_id=self.security_group.id,
            description="HTTPS from the bastion's security group", tags=self._tag(f"{name}-https-from-bastion"),
            opts=child)
        endpoints = [aws.ec2.VpcEndpoint(
            f"{self._name}-{service}", vpc_id=args.vpc_id, service_name=f"com.amazonaws.{args.region}.{service}",
            vpc_endpoint_type="Interface", private_dns_enabled=True, subnet_ids=list(args.private_subnet_ids),
            security_group_ids=[self.endpoint_security_group.id], tags=self._tag(f"{self._name}-{service}"),
            opts=child) for service in SSM_ENDPOINT_SERVICES]
        # dnf reaches the AL2023 repositories in S3; the gateway endpoint (free) is limited to reading that bucket.
        bucket = AL2023_REPO_BUCKET.format(region=args.region)
        endpoints.append(aws.ec2.VpcEndpoint(
            f"{self._name}-s3", vpc_id=args.vpc_id, service_name=f"com.amazonaws.{args.region}.s3",
            vpc_endpoint_type="Gateway", route_table_ids=list(args.private_route_table_ids),
            policy=json.dumps({"Version": "2012-10-17", "Statement": [{
                "Sid": "AmazonLinuxRepositoriesOnly", "Effect": "Allow", "Principal": "*",
                "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}]}),
            tags=self._tag(f"{self._name}-s3"), opts=child))
        return endpoints
