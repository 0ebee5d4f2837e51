"""The Aurora cluster: encrypted with its own key, TLS-only, backed up, watched, reachable only from named security
groups.

`AuroraCluster` owns the cluster, its instances, parameter groups, key, security group, password (generated, kept as a
Pulumi secret and an SSM SecureString parameter), log groups, monitoring, and optionally a global database and an RDS
Proxy. Callers never build ARNs: they call `allow_from`, `allow_application_from`, `grant_password_read` and
`grant_connect`. Everything engine-specific comes from `settings.engine_spec` (components/settings/database.py).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from . import aurora_monitoring as monitoring
from .aurora_audit import cluster_parameters as audited_cluster_parameters
from .aurora_dashboard import database_dashboard
from .aurora_endpoints import custom_endpoints
from .aurora_proxy import AuroraProxy, proxy_log_group_name, proxy_name_of
from .aurora_scaling import reader_auto_scaling
from .aurora_sql import SqlServices
from .kms import EncryptionKey, EncryptionKeyArgs
from .settings.database import DatabaseSettings, cluster_identifier

# Characters RDS refuses in a master password: `/`, `'`, `"`, `@` and space (the RDS console's rule; the API model's
# MasterUserPassword text names only `/`, `"` and `@`, so the stricter list is the one to trust). `\` is left out too
# because it breaks shell and connection-string quoting. These are the specials the generator may use.
RDS_REFUSED_PASSWORD_CHARACTERS = "/'\"@ "
PASSWORD_SPECIALS = "!#$%&*()-_=+[]{}<>:?"
# CreateDBCluster.MasterUserPassword: 8 to 41 characters, for every Aurora engine (API model). 32 fits.
PASSWORD_LENGTH = 32
# Cluster parameters are always sent with this apply method: AWS reports `pending-reboot` for parameters it was not
# asked to change and silently ignores apply-method-only changes, so any other value shows a diff on every preview
# (pulumi/pulumi-aws#2442, #4997). The groups are attached when the cluster is created, so TLS is forced from the
# first connection; later changes take effect at the next reboot or maintenance.
APPLY_METHOD = "pending-reboot"
# The RDS CA that every new instance trusts (RSA 2048, valid to 2061); clients verify against it (sslmode=verify-full).
CA_CERTIFICATE = "rds-ca-rsa2048-g1"


@dataclass
class DatabaseNetwork:
    vpc_id: pulumi.Input[str]
    subnet_ids: Sequence[pulumi.Input[str]]  # the isolated subnets (the proxy lives there too)
    db_subnet_group_name: pulumi.Input[str]
    availability_zones: Sequence[str]


@dataclass
class AuroraClusterArgs:
    settings: DatabaseSettings
    network: DatabaseNetwork
    tags: Mapping[str, str]
    project: str
    stack: str
    # Pulumi `protect` on the cluster, its key and the password parameter; None: settings.protect.
    protect: bool | None = None


def instance_zones(zones: Sequence[str], count: int) -> list[str]:
    """Writer in the first zone, readers round-robin over the others first, so the first reader is never next to the
    writer (a zone outage always leaves a reader to promote when there is one)."""
    order = list(zones[1:]) + [zones[0]] if len(zones) > 1 else list(zones)
    return [zones[0]] + [order[i % len(order)] for i in range(count - 1)]


def instance_identifier(cluster: str, index: int) -> str:
    """The identifier of the cluster's instance number `index` (0: the writer): `<cluster>-1`, `<cluster>-2`, ..."""
    return f"{cluster}-{index + 1}"


class AuroraCluster(pulumi.ComponentResource):
    engine: str
    port: int
    database_name: str
    master_username: str
    cluster: aws.rds.Cluster
    instances: list[aws.rds.ClusterInstance]
    security_group: aws.ec2.SecurityGroup
    proxy: AuroraProxy | None

    def __init__(self, name: str, args: AuroraClusterArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("aurora-platform:database:AuroraCluster", name, None, opts)
        settings = args.settings
        engine = settings.engine_spec
        self._name = name
        self._settings = settings
        self._tags = dict(args.tags)
        protect = settings.protect if args.protect is None else args.protect
        child = pulumi.ResourceOptions(parent=self)
        invoke = pulumi.InvokeOutputOptions(parent=self)

        self.engine = settings.engine
        self.port = settings.port
        self.database_name = settings.database_name
        self.master_username = settings.master_username
        self.identifier = cluster_identifier(args.project, args.stack)
        identity = aws.get_caller_identity_output(opts=invoke)
        self._account_id = identity.account_id
        self._region = aws.get_region_output(opts=invoke).region
        self._partition = aws.get_partition_output(opts=invoke).partition

        # ---- key ----------------------------------------------------------------------------------------------
        self.key: EncryptionKey | None = None
        if settings.kms_key_arn:
            self.kms_key_arn: pulumi.Output[str] = pulumi.Output.from_input(settings.kms_key_arn)
        else:
            self.key = EncryptionKey(f"{name}-key", EncryptionKeyArgs(
                description=f"{args.project}/{args.stack}: Aurora storage, snapshots, Performance Insights, "
                            f"password, database logs and events",
                alias=f"{args.project}-{args.stack}-database",
                tags=self._tags,
                # Exactly the groups RDS writes the log exports (and the proxy's log) to, named in advance.
                log_group_names=[*monitoring.log_group_names(self.identifier, settings)]
                + ([proxy_log_group_name(proxy_name_of(self.identifier))] if settings.proxy.enabled else []),
                # RDS event notifications and CloudWatch alarms publish to the encrypted SNS topic.
                allow_services=["events.rds.amazonaws.com", "cloudwatch.amazonaws.com"],
                protect=protect,
            ), opts=child)
            self.kms_key_arn = self.key.arn

        # ---- network ------------------------------------------------------------------------------------------
        # No rules inline: each allowed source is its own SecurityGroupIngressRule (allow_from). No egress: the
        # database starts no connections.
        self.security_group = aws.ec2.SecurityGroup(
            f"{name}-cluster", vpc_id=args.network.vpc_id,
            description=f"Aurora {self.identifier}: port {self.port} from named security groups only",
            tags=self._tag(f"{self.identifier}-cluster"), opts=child)
        self.security_group_id = self.security_group.id

        # ---- parameter groups ---------------------------------------------------------------------------------
        tls_name, tls_value = engine.tls_parameter
        # The read consistency of write forwarding is the stack's (writeForwarding.readConsistency), sent only while
        # forwarding is on: Aurora MySQL forwards nothing while aurora_replica_read_consistency is empty.
        cluster_parameters = {**audited_cluster_parameters(settings),
                              **settings.write_forwarding.cluster_parameters}
        self.cluster_parameter_group = aws.rds.ClusterParameterGroup(
            f"{name}-cluster", family=settings.family,
            description=f"{self.identifier}: TLS only ({tls_name}={tls_value})",
            parameters=[aws.rds.ClusterParameterGroupParameterArgs(name=k, value=v, apply_method=APPLY_METHOD)
                        for k, v in sorted(cluster_parameters.items())],
            tags=self._tag(f"{self.identifier}-cluster"), opts=child)
        self.instance_parameter_group = aws.rds.ParameterGroup(
            f"{name}-instance", family=settings.family, description=f"{self.identifier}: instances",
            parameters=[aws.rds.ParameterGroupParameterArgs(name=k, value=v, apply_method=APPLY_METHOD)
                        for k, v in sorted(settings.instance_parameters.items())],
            tags=self._tag(f"{self.identifier}-instance"), opts=child)

        # ---- credentials --------------------------------------------------------------------------------------
        self.password: pulumi.Output[str] | None = None
        self.password_parameter: aws.ssm.Parameter | None = None
        self.password_parameter_name: pulumi.Output[str] | None = None
        self.password_parameter_arn: pulumi.Output[str] | None = None
        if settings.generates_password:
            generated = random.RandomPassword(
                f"{name}-master-password", length=PASSWORD_LENGTH, special=True, override_special=PASSWORD_SPECIALS,
                min_upper=2, min_lower=2, min_numeric=2, min_special=2,
                # A new passwordVersion generates a new password (and sends it: master_password_wo_version).
                keepers={"passwordVersion": str(settings.password_version)}, opts=child)
            self.password = pulumi.Output.secret(generated.result)
            self.password_parameter = aws.ssm.Parameter(
                f"{name}-password", name=f"/{args.project}/{args.stack}/database/password", type="SecureString",
                key_id=self.kms_key_arn, value_wo=self.password, value_wo_version=settings.password_version,
                description=f"Master password of Aurora cluster {self.identifier} (user {self.master_username})",
                tags=self._tag(f"{self.identifier}-password"),
                opts=pulumi.ResourceOptions(parent=self, protect=protect))
            self.password_parameter_name = self.password_parameter.name
            self.password_parameter_arn = self.password_parameter.arn

        # ---- observability created before the cluster ---------------------------------------------------------
        self.log_groups = monitoring.log_groups(name, self.identifier, settings, self.kms_key_arn, self._tags, child,
                                                protect=protect)
        self.monitoring_role = monitoring.monitoring_role(
            name, self._partition, self._region, self._account_id,
            [instance_identifier(self.identifier, index) for index in range(1 + settings.readers)], self._tags, child,
            autoscaled=settings.reader_auto_scaling.enabled)

        # ---- global database ----------------------------------------------------------------------------------
        self.global_cluster: aws.rds.GlobalCluster | None = None
        self.global_cluster_identifier: pulumi.Output[str] | None = None
        if settings.is_secondary:
            self.global_cluster_identifier = pulumi.Output.from_input(settings.global_database.identifier)

        # ---- the cluster --------------------------------------------------------------------------------------
        # The final snapshot's name must be new each time a cluster of this name is deleted: a second `pulumi destroy`
        # of a recreated dev stack would otherwise fail on the snapshot the first one left (snapshots outlive the
        # stack). The suffix lives as long as the cluster identifier does.
        self._final_snapshot_suffix = random.RandomString(
            f"{name}-final-snapshot-suffix", length=8, special=False, upper=False,
            keepers={"clusterIdentifier": self.identifier}, opts=child)
        self.final_snapshot_identifier = pulumi.Output.concat(
            self.identifier, "-final-", self._final_snapshot_suffix.result)
        self.cluster = aws.rds.Cluster(name, **self._cluster_args(args, settings), opts=pulumi.ResourceOptions(
            parent=self, protect=protect, depends_on=list(self.log_groups),
            # restoreFrom builds a new cluster only: once it exists, editing or removing restoreFrom must not
            # replace it. A primary's globalClusterIdentifier is set by AWS when the global cluster adopts it.
            ignore_changes=["snapshotIdentifier", "restoreToPointInTime"]
            + (["globalClusterIdentifier"] if settings.global_database.enabled and not settings.is_secondary
               else [])))
        self.cluster_identifier = self.cluster.cluster_identifier
        self.cluster_arn = self.cluster.arn
        self.cluster_resource_id = self.cluster.cluster_resource_id
        self.writer_endpoint = self.cluster.endpoint
        self.reader_endpoint = self.cluster.reader_endpoint

        if settings.global_database.enabled and not settings.is_secondary:
            # The documented way to make an existing cluster the primary of a new global database.
            self.global_cluster = aws.rds.GlobalCluster(
                f"{name}-global", global_cluster_identifier=settings.global_database.identifier,
                source_db_cluster_identifier=self.cluster.arn, force_destroy=False,
                deletion_protection=settings.deletion_protection, tags=self._tag(settings.global_database.identifier),
                opts=pulumi.ResourceOptions(parent=self, protect=protect))
            self.global_cluster_identifier = self.global_cluster.global_cluster_identifier

        self.instances = self._instances(name, settings, args.network.availability_zones)
        self.custom_endpoint_resources = custom_endpoints(name, self.identifier, settings.custom_endpoints,
                                                          self.cluster, self.instances, instance_identifier,
                                                          self._tags, self)
        self.reader_scaling = reader_auto_scaling(name, self.identifier, settings.reader_auto_scaling, self.cluster,
                                                  self.instances, self)
        self.sql_services = SqlServices(name, self.identifier, settings, self.cluster, self.kms_key_arn,
                                        self._partition, self._region, self._account_id, self._tags, self,
                                        protect=protect)
        self.export_bucket_name = (self.sql_services.export_bucket.bucket
                                   if self.sql_services.export_bucket is not None else None)
        self.password_rotation: aws.secretsmanager.SecretRotation | None = None
        if settings.manage_master_user_password and settings.password_rotation_days:
            # RDS-managed rotation needs no Lambda function: only the schedule of the secret RDS created changes.
            self.password_rotation = aws.secretsmanager.SecretRotation(
                f"{name}-password-rotation", secret_id=self._master_secret_arn(),
                rotation_rules=aws.secretsmanager.SecretRotationRotationRulesArgs(
                    automatically_after_days=settings.password_rotation_days),
                opts=pulumi.ResourceOptions(parent=self))
        self.activity_stream: aws.rds.ClusterActivityStream | None = None
        if settings.activity_stream.enabled:
            # Started once the instances exist (the API streams from them), encrypted with the database key.
            self.activity_stream = aws.rds.ClusterActivityStream(
                f"{name}-activity-stream", resource_arn=self.cluster.arn, mode=settings.activity_stream.mode,
                kms_key_id=self.kms_key_arn,
                opts=pulumi.ResourceOptions(parent=self, depends_on=list(self.instances)))
        # name -> DNS name, for the application's PGHOST_READER (app.readerEndpoint) and the stack's outputs.
        self.custom_endpoints: dict[str, pulumi.Output[str]] = {
            key: endpoint.endpoint for key, endpoint in self.custom_endpoint_resources.items()}

        # ---- alarms and events --------------------------------------------------------------------------------
        self.topic = monitoring.events_topic(name, self.kms_key_arn, self._account_id, self._tags,
                                             settings.alarm_email, child)
        self.sns_topic_arn = self.topic.arn
        self.event_subscriptions = monitoring.event_subscriptions(name, self.topic, self.cluster, self.instances,
                                                                  self._tags, child)
        self.alarms = monitoring.alarms(name, settings, self.cluster, self.topic, self._tags, child)

        # ---- proxy --------------------------------------------------------------------------------------------
        self.proxy = None
        if settings.proxy.enabled:
            self.proxy = AuroraProxy(
                name=name, identifier=self.identifier, settings=settings, cluster=self.cluster,
                instances=self.instances, cluster_security_group=self.security_group, network=args.network,
                key_arn=self.kms_key_arn, password=self.password, master_secret_arn=self._master_secret_arn(),
                cluster_resource_id=self.cluster_resource_id, partition=self._partition, region=self._region,
                account_id=self._account_id, tags=self._tags, parent=self)
            self.allow_from("proxy", self.proxy.security_group.id, "RDS Proxy of this cluster")

        # ---- dashboard ----------------------------------------------------------------------------------------
        self.dashboard, self.dashboard_url = database_dashboard(
            name, self.identifier, settings, self._region,
            proxy_name_of(self.identifier) if self.proxy is not None else None, self)

        self.register_outputs({
            "clusterIdentifier": self.cluster_identifier,
            "clusterArn": self.cluster_arn,
            "writerEndpoint": self.writer_endpoint,
            "readerEndpoint": self.reader_endpoint,
            "port": self.port,
            "securityGroupId": self.security_group_id,
            "passwordParameterName": self.password_parameter_name,
            "passwordParameterArn": self.password_parameter_arn,
            "kmsKeyArn": self.kms_key_arn,
            "snsTopicArn": self.sns_topic_arn,
            "finalSnapshotIdentifier": self.final_snapshot_identifier,
            "customEndpoints": self.custom_endpoints,
            "exportBucketName": self.export_bucket_name,
            "dashboardUrl": self.dashboard_url,
        })

    # ---- construction helpers -----------------------------------------------------------------------------------
    def _tag(self, name: str) -> dict[str, str]:
        return {**self._tags, "Name": name}

    def _cluster_args(self, args: AuroraClusterArgs, settings: DatabaseSettings) -> dict:
        engine = settings.engine_spec
        cluster: dict = dict(
            cluster_identifier=self.identifier,
            engine=settings.engine,
            engine_version=settings.engine_version,
            port=settings.port,
            db_subnet_group_name=args.network.db_subnet_group_name,
            vpc_security_group_ids=[self.security_group.id],
            db_cluster_parameter_group_name=self.cluster_parameter_group.name,
            # Used by RDS when a major version upgrade moves the instances to a new family: both groups take their
            # family from engineVersion, so a new major replaces them (create before delete, new auto-names) and the
            # one ModifyDBCluster call names the new family's groups. ModifyDBCluster takes
            # DBInstanceParameterGroupName only together with AllowMajorVersionUpgrade (API model); the provider
            # sends it on every update and drops it when RDS refuses it on a minor one (terraform-provider-aws
            # internal/service/rds/cluster.go, resourceClusterUpdate).
            db_instance_parameter_group_name=self.instance_parameter_group.name,
            # Only when the stack says so (allowMajorVersionUpgrade; never implicit in production): without it RDS
            # refuses an engineVersion change across majors, and `preflight diff` says so before `pulumi up`.
            allow_major_version_upgrade=settings.allow_major_version_upgrade,
            storage_encrypted=True,
            kms_key_id=self.kms_key_arn,
            iam_database_authentication_enabled=True,
            backup_retention_period=settings.backup_retention_days,
            preferred_backup_window=settings.backup_window,
            preferred_maintenance_window=settings.maintenance_window,
            copy_tags_to_snapshot=True,
            skip_final_snapshot=settings.skip_final_snapshot,
            final_snapshot_identifier=self.final_snapshot_identifier,
            deletion_protection=settings.deletion_protection,
            enabled_cloudwatch_logs_exports=list(engine.log_exports),
            apply_immediately=settings.apply_immediately,
            tags=self._tag(self.identifier),
        )
        if settings.write_forwarding.local:
            cluster["enable_local_write_forwarding"] = True
        if settings.write_forwarding.global_:
            cluster["enable_global_write_forwarding"] = True
        if settings.storage_type is not None:
            # Sent only when the stack names it: the input is optional and computed, so leaving it out keeps what the
            # cluster has, and going back to Standard needs "aurora" written out (storageType: standard).
            cluster["storage_type"] = settings.storage_type
        if settings.backtrack_hours and engine.supports_backtrack:
            cluster["backtrack_window"] = settings.backtrack_hours * 3600
        if settings.serverless is not None:
            scaling = {"min_capacity": settings.serverless.min_capacity,
                       "max_capacity": settings.serverless.max_capacity}
            if settings.serverless.min_capacity == 0:
                scaling["seconds_until_auto_pause"] = settings.serverless.seconds_until_auto_pause
            cluster["serverlessv2_scaling_configuration"] = aws.rds.ClusterServerlessv2ScalingConfigurationArgs(
                **scaling)
        if settings.is_secondary:
            # A secondary takes its data, database and master user from the primary.
            cluster["global_cluster_identifier"] = settings.global_database.identifier
            return cluster
        if settings.manage_master_user_password:
            cluster.update(manage_master_user_password=True, master_user_secret_kms_key_id=self.kms_key_arn)
        else:
            # Write-only: sent on create and again only when the version changes (docs/database.md, Decisions).
            cluster.update(master_password_wo=self.password, master_password_wo_version=settings.password_version)
        restore = settings.restore_from
        if restore is None:
            cluster.update(master_username=settings.master_username, database_name=settings.database_name)
        elif restore.snapshot_identifier:
            cluster["snapshot_identifier"] = restore.snapshot_identifier
        else:
            cluster["restore_to_point_in_time"] = aws.rds.ClusterRestoreToPointInTimeArgs(
                source_cluster_identifier=restore.source_cluster_identifier,
                restore_to_time=restore.restore_to_time,
                use_latest_restorable_time=restore.use_latest_restorable_time or None,
                restore_type=restore.restore_type)
        # A restored cluster keeps the source's master user and databases: the restore APIs take neither, and
        # master_username / database_name force replacement, so sending ours would replace the restored cluster on
        # the next update whenever they differ from the source's. The settings still name them for the connection
        # settings handed to the application and the bastion.
        return cluster

    def _instances(self, name: str, settings: DatabaseSettings,
                   zones: Sequence[str]) -> list[aws.rds.ClusterInstance]:
        instances = []
        for index, zone in enumerate(instance_zones(zones, 1 + settings.readers)):
            role = "writer" if index == 0 else f"reader-{index}"
            pi = {}
            if settings.performance_insights:
                pi = dict(performance_insights_enabled=True, performance_insights_kms_key_id=self.kms_key_arn,
                          performance_insights_retention_period=settings.performance_insights_retention_days)
            instances.append(aws.rds.ClusterInstance(
                f"{name}-{index + 1}",
                identifier=instance_identifier(self.identifier, index),
                cluster_identifier=self.cluster.id,
                engine=self.cluster.engine,
                engine_version=self.cluster.engine_version,
                instance_class=settings.instance_class,
                db_parameter_group_name=self.instance_parameter_group.name,
                availability_zone=zone,
                # Failover order: lower tiers are promoted first; the writer's successor is the first reader.
                promotion_tier=min(index, 15),
                publicly_accessible=False,
                auto_minor_version_upgrade=True,
                ca_cert_identifier=CA_CERTIFICATE,
                monitoring_interval=settings.monitoring_interval,
                monitoring_role_arn=self.monitoring_role.arn,
                copy_tags_to_snapshot=True,
                apply_immediately=settings.apply_immediately,
                **pi,
                tags={**self._tag(f"{self.identifier}-{index + 1}"), "Role": role},
                opts=pulumi.ResourceOptions(parent=self)))
        return instances

    def _master_secret_arn(self) -> pulumi.Output[str] | None:
        if not self._settings.manage_master_user_password:
            return None
        return self.cluster.master_user_secrets.apply(lambda secrets: secrets[0].secret_arn)

    # ---- what other components use ------------------------------------------------------------------------------
    @property
    def password_value_from(self) -> pulumi.Output[str]:
        """What an ECS container definition puts in `secrets[].valueFrom` for the master password."""
        if self.password_parameter_arn is not None:
            return self.password_parameter_arn
        if self._settings.manage_master_user_password:
            return self._master_secret_arn().apply(lambda arn: f"{arn}:password::")
        raise ValueError(f"{self.identifier} is a global database secondary: its password lives with the primary")

    @property
    def application_endpoints(self) -> tuple[pulumi.Output[str], pulumi.Output[str]]:
        """(writer host, reader host) for the application: the proxy's endpoints when there is one."""
        if self.proxy is not None:
            return self.proxy.endpoint, self.proxy.reader_endpoint or self.proxy.endpoint
        return self.writer_endpoint, self.reader_endpoint

    def allow_from(self, name: str, source_security_group_id: pulumi.Input[str],
                   description: str) -> aws.vpc.SecurityGroupIngressRule:
        """Allow the database port into the cluster's security group from that security group only."""
        return self._ingress(self.security_group, f"{self._name}-from-{name}", source_security_group_id, description)

    def allow_application_from(self, name: str, source_security_group_id: pulumi.Input[str],
                               description: str) -> aws.vpc.SecurityGroupIngressRule:
        """Let an application reach the database: through the proxy's security group when the proxy is on."""
        if self.proxy is not None:
            return self._ingress(self.proxy.security_group, f"{self._name}-proxy-from-{name}",
                                 source_security_group_id, description)
        return self.allow_from(name, source_security_group_id, description)

    def _ingress(self, group: aws.ec2.SecurityGroup, resource_name: str, source: pulumi.Input[str],
                 description: str) -> aws.vpc.SecurityGroupIngressRule:
        return aws.vpc.SecurityGroupIngressRule(
            resource_name, security_group_id=group.id, referenced_security_group_id=source, ip_protocol="tcp",
            from_port=self.port, to_port=self.port, description=description, tags=self._tag(resource_name),
            opts=pulumi.ResourceOptions(parent=self))

    def grant_password_read(self, name: str, role: aws.iam.Role) -> aws.iam.RolePolicy:
        """An inline policy on `role` to read exactly the master password and decrypt exactly it: `kms:Decrypt` on
        exactly its key, only through the service that holds it (`kms:ViaService`) and only for that parameter or
        secret (the encryption context the service sends: `PARAMETER_ARN` for SSM, `SecretARN` for Secrets
        Manager)."""
        if self.password_parameter_arn is not None:
            service, password = "ssm", self.password_parameter_arn
        elif self._settings.manage_master_user_password:
            service, password = "secretsmanager", self._master_secret_arn()
        else:
            raise ValueError(f"{self.identifier} is a global database secondary: its password lives with the primary")
        document = pulumi.Output.all(password, self.kms_key_arn, self._region).apply(
            lambda values: json.dumps(password_read_policy(service, *values)))
        return aws.iam.RolePolicy(f"{self._name}-{name}-password-read", role=role.id, policy=document,
                                  opts=pulumi.ResourceOptions(parent=self))

    def grant_connect(self, name: str, role: aws.iam.Role, db_user: str) -> aws.iam.RolePolicy:
        """`rds-db:connect` as `db_user` (IAM database authentication) to this cluster, and to its proxy if any; with
        end-to-end IAM through the proxy, the proxy may then log in to the cluster as that user too."""
        ids: list[pulumi.Output[str]] = [self.cluster_resource_id]
        if self.proxy is not None:
            ids.append(self.proxy.resource_id)
            self.proxy.allow_login(name, db_user)
        document = pulumi.Output.all(self._partition, self._region, self._account_id, *ids).apply(
            lambda values: json.dumps({"Version": "2012-10-17", "Statement": [{
                "Sid": "ConnectWithIamAuthentication", "Effect": "Allow", "Action": "rds-db:connect",
                "Resource": [f"arn:{values[0]}:rds-db:{values[1]}:{values[2]}:dbuser:{resource_id}/{db_user}"
                             for resource_id in values[3:]],
            }]}))
        return aws.iam.RolePolicy(f"{self._name}-{name}-connect", role=role.id, policy=document,
                                  opts=pulumi.ResourceOptions(parent=self))


# What reading the password needs from each service that can hold it: the read actions, and the encryption context
# key the service sends to KMS with the parameter's or secret's ARN ("AWS KMS encryption for Parameter Store
# SecureString parameters"; "Secret encryption and decryption in AWS Secrets Manager").
PASSWORD_READ = {
    "ssm": (["ssm:GetParameter", "ssm:GetParameters"], "kms:EncryptionContext:PARAMETER_ARN"),
    "secretsmanager": (["secretsmanager:GetSecretValue"], "kms:EncryptionContext:SecretARN"),
}


def password_read_policy(service: str, password_arn: str, key_arn: str, region: str) -> dict:
    """Read exactly `password_arn`; decrypt with exactly `key_arn`, through `service` only, for that ARN only."""
    actions, context_key = PASSWORD_READ[service]
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "ReadTheDatabasePassword", "Effect": "Allow", "Action": actions, "Resource": password_arn},
        {"Sid": "DecryptTheDatabasePassword", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": key_arn,
         "Condition": {"StringEquals": {"kms:ViaService": f"{service}.{region}.amazonaws.com",
                                        context_key: password_arn}}},
    ]}
